// The rough edges of each flow, as citizens and officers meet them on the pages (and the API where the rule lives
// in a service both use).
import Domain
import Fluent
import XCTVapor
@testable import App

final class RoughEdgesTests: XCTestCase {
    // MARK: Citizens

    func test_the_sessions_page_names_the_device_and_the_place_and_puts_this_session_first() async throws {
        try await withEachDatabase { ctx in
            let citizen = try await ctx.registeredCitizen()
            _ = try await ctx.signIn(citizen)   // an API session, from another program
            let browser = Browser(ctx, from: "192.168.1.20")
            browser.userAgent = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36"
            _ = try await browser.signIn(citizen)
            let page = try await browser.get(SiteURL.sessions.path)
            XCTAssertEqual(page.status, .ok)
            let rows = page.body.components(separatedBy: "<tr").dropFirst(2)   // the header row, then the sessions
            XCTAssertEqual(rows.count, 2, page.body)
            let first = try XCTUnwrap(rows.first)
            XCTAssertTrue(first.contains("Chrome trên Android"), first)
            XCTAssertTrue(first.contains("Phiên bạn đang dùng"), first)
            XCTAssertTrue(first.contains("Mạng nội bộ"), first)
            XCTAssertFalse(first.contains("Kết thúc"), "this session has no end button")
            XCTAssertTrue(rows.last!.contains("Kết thúc"))
            XCTAssertFalse(page.body.contains(">Mozilla/5.0"), "the raw user agent is not the device's name")
        }
    }

    func test_eleven_digits_are_answered_with_the_id_or_phone_message_on_sign_in_and_reset() async throws {
        try await withApp { ctx in
            let browser = Browser(ctx)
            let expected = "Vui lòng nhập số định danh cá nhân (12 chữ số) hoặc số điện thoại di động (10 chữ số); đã nhập 11 chữ số."
            let signIn = try await browser.post(SiteURL.login.path, [("username", "03312345678"), ("password", "whatever-1")])
            XCTAssertTrue(signIn.body.contains(expected), signIn.body)
            let reset = try await browser.post(SiteURL.reset.path, [("username", "033 1234 5678")])
            XCTAssertTrue(reset.body.contains(expected), reset.body)
        }
    }

    func test_the_counter_looks_up_a_cmnd_only_where_it_could_make_an_account() async throws {
        try await withApp { ctx in
            let officer = try await ctx.signedInOfficer()
            let refused = try await ctx.get("/api/v1/admin/citizen-accounts/lookup?idNumber=033080123", token: officer.token)
            assertError(refused, .unprocessableEntity, "validation_failed")
            XCTAssertTrue((refused.json?["error"] as? [String: Any]).map { "\($0)" }?.contains("31/12/2024") == true, refused.body.string)
            let console = try await ctx.console(DemoProvince.deskOfficer)
            let page = try await console.get(SiteURL.counter(.new).path)
            XCTAssertFalse(page.body.contains("CMND"), "the look-up's lead does not offer the CMND")
        }
        try await withApp(env: ["ALLOW_CMND_FOR_NEW_ACCOUNTS": "true"]) { ctx in
            let officer = try await ctx.signedInOfficer()
            let found = try await ctx.get("/api/v1/admin/citizen-accounts/lookup?idNumber=033080123", token: officer.token)
            XCTAssertEqual(found.status, .ok, found.body.string)
            let console = try await ctx.console(DemoProvince.deskOfficer)
            let page = try await console.get(SiteURL.counter(.new).path)
            XCTAssertTrue(page.body.contains("số CMND cũ (9 chữ số)"), page.body)
        }
    }

    func test_a_registration_of_an_id_with_an_account_ends_on_a_page_that_says_what_to_do() async throws {
        try await withEachDatabase { ctx in
            let holder = try await ctx.registeredCitizen()
            let again = try holder.with(phone: "0987111222")
            let browser = Browser(ctx)
            let started = try await browser.post(SiteURL.registerDetails.path, [("idNumber", again.idNumber), ("fullName", again.fullName),
                                                                               ("dateOfBirth", again.dateOfBirth), ("phone", again.phone)])
            XCTAssertEqual(started.status, .seeOther, started.body)
            let codePage = try XCTUnwrap(started.location)
            let code = try await ctx.latestCode(to: again.phoneE164)
            let ended = try await browser.post(codePage, [("code", code)])
            XCTAssertEqual(ended.status, .conflict)
            XCTAssertTrue(ended.body.contains("Không tạo được tài khoản mới"), ended.body)
            XCTAssertTrue(ended.body.contains("id=\"reg-ended-login\""))
            XCTAssertTrue(ended.body.contains("id=\"reg-ended-reset\""))
            XCTAssertFalse(ended.body.contains("id=\"otp-form\""), "no dead code form")
            // The registration is over: its code page is gone, and no account was made.
            let gone = try await browser.get(codePage)
            XCTAssertEqual(gone.status, .notFound)
            let left = try await Registration.query(on: ctx.app.db).count()
            XCTAssertEqual(left, 0)
        }
    }

    func test_the_reset_code_page_names_no_phone_and_says_where_the_code_went() async throws {
        try await withApp { ctx in
            let browser = Browser(ctx)
            let started = try await browser.post(SiteURL.reset.path, [("username", "0911222333")])
            let page = try await browser.get(try XCTUnwrap(started.location, started.body))
            XCTAssertTrue(page.body.contains("tới số điện thoại đã đăng ký với tài khoản đó"), page.body)
            XCTAssertFalse(page.body.contains("***"))
            XCTAssertFalse(page.body.contains("id=\"otp-phone\""))
        }
    }

    // MARK: Officers and administrators

    func test_staff_land_on_the_console_and_the_header_leads_there_citizens_do_not() async throws {
        try await withEachDatabase { ctx in
            try await ctx.loadDemo()
            let officer = Browser(ctx)
            let landed = try await officer.signIn(try Citizen.demo(DemoProvince.deskOfficer))
            XCTAssertEqual(landed.location, SiteURL.console.path)
            let console = try await officer.get(SiteURL.console.path)
            XCTAssertTrue(console.body.contains("id=\"nav-console\""))
            let citizen = Browser(ctx)
            let citizenLanded = try await citizen.signIn(try Citizen.demo(DemoProvince.citizen))
            XCTAssertEqual(citizenLanded.location, SiteURL.account.path)
            let account = try await citizen.get(SiteURL.account.path)
            XCTAssertFalse(account.body.contains("id=\"nav-console\""))
        }
    }

    func test_the_counter_without_the_right_explains_why_and_whom_to_ask() async throws {
        try await withApp { ctx in
            try await ctx.loadDemo()
            let admin = try await ctx.console(DemoProvince.justiceAdmin)
            for path in [SiteURL.counter(.list).path, SiteURL.counter(.new).path] {
                let page = try await admin.get(path)
                XCTAssertEqual(page.status, .forbidden, path)
                XCTAssertTrue(page.body.contains("ạo tài khoản công dân"), page.body)   // the list's title, or "Chưa thể tạo …"
                XCTAssertTrue(page.body.contains("id=\"r10-reasons\""), page.body)
                XCTAssertFalse(page.body.contains("Mã yêu cầu"), "not the error page")
            }
        }
    }

    func test_the_super_admin_is_sent_to_the_support_contacts_not_to_himself() async throws {
        try await withApp { ctx in
            try await ctx.loadDemo()
            let superAdmin = try await Account.query(on: ctx.app.db).filter(\.$idNumber == DemoProvince.superAdmin).first()
            let name = try XCTUnwrap(superAdmin?.fullName)
            let console = try await ctx.console(DemoProvince.superAdmin)
            let page = try await console.get(SiteURL.console.path)
            let reasons = try XCTUnwrap(page.body.firstMatch(of: /id="r10-reasons"[\s\S]*?<\/div>/).map { String($0.0) }, page.body)
            XCTAssertFalse(reasons.contains(name), reasons)
            XCTAssertTrue(reasons.contains("ask-support") && reasons.contains("0221.3856789"), reasons)
            // A unit admin is sent to the people above, never to himself.
            let justice = try await ctx.console(DemoProvince.justiceAdmin)
            let justiceName = try await Account.query(on: ctx.app.db).filter(\.$idNumber == DemoProvince.justiceAdmin).first()?.fullName
            let justicePage = try await justice.get(SiteURL.console.path)
            let justiceReasons = try XCTUnwrap(justicePage.body.firstMatch(of: /id="r10-reasons"[\s\S]*?<\/div>/).map { String($0.0) })
            XCTAssertFalse(justiceReasons.contains(try XCTUnwrap(justiceName)), justiceReasons)
            XCTAssertTrue(justiceReasons.contains(name), "the super admin is the next person up: \(justiceReasons)")
        }
    }

    func test_the_draft_page_words_the_first_code_and_a_creation_with_no_code_sent() async throws {
        try await withEachDatabase { ctx in
            let officer = try await ctx.signedInOfficer()
            let draft = try await ctx.uploadDraft(as: officer)
            let draftID = try XCTUnwrap(UUID(uuidString: try XCTUnwrap(draft.json?["id"] as? String)))
            // The service says it, for the API and the page alike.
            let early = try await ctx.post("/api/v1/admin/citizen-accounts/drafts/\(draftID.uuidString.lowercased())/create", ["code": "123456"],
                                           token: officer.token)
            assertError(early, .unprocessableEntity, "otp_not_sent")
            let console = try await ctx.console(DemoProvince.deskOfficer)
            let page = try await console.get(SiteURL.counter(.draft(.value(draftID))).path)
            XCTAssertTrue(page.body.contains("Tải giấy đề nghị (PDF)"))
            XCTAssertTrue(page.body.contains("<summary>Sửa thông tin công dân</summary>"))
            XCTAssertTrue(page.body.contains("Lưu thông tin đã sửa"))
            XCTAssertFalse(page.body.contains("cccd.pdf</p>"), "no stray file name after the hint")
            let created = try await console.post(SiteURL.counter(.create(.value(draftID))).path, [("code", "123456")])
            XCTAssertTrue(created.body.contains("Chưa gửi mã OTP nào cho hồ sơ này"), created.body)
            XCTAssertFalse(created.body.contains("<details open>"), "a code error does not open the edit section")
            let sent = try await console.post(SiteURL.counter(.sendCode(.value(draftID))).path, [])
            XCTAssertTrue(sent.body.contains("Đã gửi mã OTP đến số điện thoại của công dân."), sent.body)
            XCTAssertFalse(sent.body.contains("Mã cũ không còn dùng được"))
            ctx.time.advance(120)
            let resent = try await console.post(SiteURL.counter(.sendCode(.value(draftID))).path, [])
            XCTAssertTrue(resent.body.contains("Mã cũ không còn dùng được"), resent.body)
            let wrong = try await console.post(SiteURL.counter(.create(.value(draftID))).path, [("code", "000000")])
            XCTAssertTrue(wrong.body.contains("Mã xác thực không đúng"), wrong.body)
            XCTAssertFalse(wrong.body.contains("<details open>"))
        }
    }

    func test_the_printable_form_says_what_the_pdf_says_and_has_a_print_button() async throws {
        try await withApp { ctx in
            let officer = try await ctx.signedInOfficer()
            let draft = try await ctx.uploadDraft(as: officer)
            let draftID = try XCTUnwrap(UUID(uuidString: try XCTUnwrap(draft.json?["id"] as? String)))
            let console = try await ctx.console(DemoProvince.deskOfficer)
            let page = try await console.get(SiteURL.counter(.requestFormPage(.value(draftID))).path)
            XCTAssertEqual(page.status, .ok)
            // The words come from RequestForm.text, which the PDF draws too (RequestFormPDFTests read the PDF's text).
            for line in ["Kính gửi:", "CÁN BỘ TIẾP NHẬN", "NGƯỜI ĐỀ NGHỊ", "(Ký, ghi rõ họ tên)", "Tôi cam đoan số điện thoại trên là của chính tôi"] {
                XCTAssertTrue(page.body.contains(line), "the page lacks “\(line)”")
            }
            XCTAssertNotNil(page.body.firstMatch(of: /id="print-date">[^<,]+, ngày \d\d tháng \d{1,2} năm \d{4}</), page.body)
            XCTAssertTrue(page.body.contains("<main id=\"main\">"))
            XCTAssertTrue(page.body.contains("id=\"print-button\""))
        }
    }

    func test_the_units_list_gives_the_one_stop_rule_once_with_a_short_mark_per_row() async throws {
        try await withApp { ctx in
            try await ctx.loadDemo()
            let console = try await ctx.console(DemoProvince.superAdmin)
            let page = try await console.get(SiteURL.units.path)
            XCTAssertEqual(page.body.components(separatedBy: "Trung tâm Phục vụ hành chính công» hoặc «Bộ phận một cửa»").count - 1, 1, "the rule once")
            XCTAssertFalse(page.body.contains("thì mới được tạo tài khoản công dân"), "no row repeats the long rule")
            XCTAssertTrue(page.body.contains("Không phải đơn vị một cửa"))
        }
    }

    // MARK: The audit log

    func test_the_audit_log_names_events_in_words_and_filters_by_event_person_unit_and_day() async throws {
        try await withEachDatabase { ctx in
            let officer = try await ctx.signedInOfficer()
            _ = try await ctx.createCitizen(as: officer)
            let console = try await ctx.console(DemoProvince.superAdmin)
            let all = try await console.get(SiteURL.audit.path)
            XCTAssertTrue(all.body.contains("Tạo tài khoản công dân"), all.body)
            XCTAssertTrue(all.body.contains("Tra cứu số định danh") || all.body.contains("Tạo hồ sơ nháp tại quầy"))
            XCTAssertFalse(all.body.contains("{&quot;") || all.body.contains("{\""), "details are text, not JSON")
            XCTAssertTrue(all.body.contains("Số định danh: "), all.body)

            let byEvent = try await console.get(SiteURL.audit.path + "?action=citizen.create&actor=&unit=&from=&to=")
            XCTAssertEqual(byEvent.body.components(separatedBy: "class=\"audit-event\"").count - 1, 1, byEvent.body)

            let deskAccount = try await Account.query(on: ctx.app.db).filter(\.$idNumber == DemoProvince.deskOfficer).first()
            let deskOfficer = try XCTUnwrap(deskAccount?.id)
            let byPerson = try await console.get(SiteURL.audit.path + "?actor=\(deskOfficer.uuidString.lowercased())")
            XCTAssertTrue(byPerson.body.contains("Tạo tài khoản công dân"))
            XCTAssertFalse(byPerson.body.contains("Đăng nhập trang quản trị</span></td><td data-label=\"Người thực hiện\">Nguyễn Văn Quản"), "only the officer's events")

            let otherUnit = try await ctx.unitID(DemoProvince.centre)
            let byUnit = try await console.get(SiteURL.audit.path + "?action=citizen.create&unit=\(otherUnit)")
            XCTAssertTrue(byUnit.body.contains("id=\"audit-empty\""), "the account was made at the desk, not the centre")
            XCTAssertTrue(byUnit.body.contains("Không có sự kiện nào khớp với bộ lọc"))

            let today = VietnamTime.parts(ctx.time.now())
            let day = "\(Civil.pad4(today.year))-\(Civil.pad2(today.month))-\(Civil.pad2(today.day))"
            let sameDay = try await console.get(SiteURL.audit.path + "?action=citizen.create&from=\(day)&to=\(day)")
            XCTAssertFalse(sameDay.body.contains("id=\"audit-empty\""), sameDay.body)
            let nextYear = "\(Civil.pad4(today.year + 1))-01-01"
            let later = try await console.get(SiteURL.audit.path + "?from=\(nextYear)")
            XCTAssertTrue(later.body.contains("id=\"audit-empty\""))
            let bad = try await console.get(SiteURL.audit.path + "?from=01/12/2026")
            XCTAssertTrue(bad.body.contains("id=\"audit-from-error\""), bad.body)

            // The CSV carries the page's filters and is written for people.
            let link = try XCTUnwrap(byEvent.body.firstMatch(of: /id="audit-csv"|href="([^"]+)" id="audit-csv"/)?.1.map(String.init))
            let csv = try await console.get(link.replacingOccurrences(of: "&amp;", with: "&"))
            XCTAssertEqual(csv.status, .ok)
            XCTAssertTrue(csv.body.hasPrefix("\u{FEFF}\"Thời gian (giờ Việt Nam)\",\"Người thực hiện\""), String(csv.body.prefix(120)))
            let lines = csv.body.split(separator: "\r\n")
            XCTAssertEqual(lines.count, 2, csv.body)
            XCTAssertNotNil(lines[1].firstMatch(of: /^"\d\d\/\d\d\/\d{4} \d\d:\d\d:\d\d","[^"]+","[^"]+","Tạo tài khoản công dân","citizen.create"/), String(lines[1]))
        }
    }

    func test_audit_details_and_targets_read_as_text_in_either_language() {
        XCTAssertEqual(AuditNames.details("{\"idNumber\":\"0361****234\",\"sends\":\"2\"}", .vi), "Số định danh: 0361****234 · Lần gửi: 2")
        XCTAssertEqual(AuditNames.details("{\"role\":\"officer\"}", .en), "Role: One-stop officer (creates citizen accounts)")
        XCTAssertEqual(AuditNames.details("{\"exists\":\"true\"}", .vi), "Đã có tài khoản: có")
        XCTAssertEqual(AuditNames.details("not json", .vi), "not json")
        XCTAssertEqual(AuditNames.target("account:7a1d", .vi), "Tài khoản 7a1d")
        XCTAssertEqual(AuditNames.target("GET /quantri/don-vi", .vi), "GET /quantri/don-vi")
        XCTAssertEqual(AuditNames.action("citizen.create", .en), "Created a citizen account")
        XCTAssertEqual(AuditNames.action("something.new", .vi), "something.new")
        // Every event the code records has a name.
        for action in ["console.sign_in", "citizen.lookup", "draft.read", "request_form.read", "scan.download", "oidc.keys.rotate",
                       "rights_request.approve", "oidc.client.disable", "eid.link_pending", "staff.refused"] {
            XCTAssertTrue(AuditNames.isKnown(action), action)
        }
    }

    // MARK: The officer's list

    func test_the_officers_list_shows_a_page_of_twenty_with_links_to_the_others() async throws {
        try await withEachDatabase { ctx in
            _ = try await ctx.signedInOfficer()
            let officer = try await Account.query(on: ctx.app.db).filter(\.$idNumber == DemoProvince.deskOfficer).first()
            let deskID = try await ctx.unitID(DemoProvince.desk)
            let desk = try XCTUnwrap(UUID(uuidString: deskID))
            for i in 0..<23 {
                let id = try IDNumber("0361900\(String(format: "%05d", i))")
                let account = Account.make(id: id, name: try PersonName("Công Dân \(String(UnicodeScalar(UInt8(65 + i))))"), phone: try PhoneNumber("09870\(String(format: "%05d", i))"),
                                           dateOfBirth: try DateOfBirth(iso: "1990-02-03", today: ctx.time.now()), email: nil, hash: "x",
                                           temporary: true, now: ctx.time.now().addingTimeInterval(Double(i)))
                account.createdBy = officer?.id
                account.createdAtUnit = desk
                try await account.create(on: ctx.app.db)
            }
            let console = try await ctx.console(DemoProvince.deskOfficer)
            let first = try await console.get(SiteURL.counter(.list).path)
            XCTAssertEqual(first.body.components(separatedBy: "data-label=\"Họ và tên\"").count - 1, 20, "twenty rows")
            XCTAssertTrue(first.body.contains("Công Dân W"), "newest first")
            XCTAssertTrue(first.body.contains("1–20 trên tổng số 23"), first.body)
            XCTAssertFalse(first.body.contains("id=\"pager-prev\""))
            let next = try XCTUnwrap(first.body.firstMatch(of: /href="([^"]+)" rel="next"/)?.1).replacingOccurrences(of: "&amp;", with: "&")
            let second = try await console.get(next)
            XCTAssertEqual(second.body.components(separatedBy: "data-label=\"Họ và tên\"").count - 1, 3)
            XCTAssertTrue(second.body.contains("Công Dân A<"))
            XCTAssertTrue(second.body.contains("id=\"pager-prev\""))
            XCTAssertFalse(second.body.contains("id=\"pager-next\""))
            // The search is kept from page to page.
            let searched = try await console.get(SiteURL.counter(.list).path + "?q=c%C3%B4ng%20d%C3%A2n")
            XCTAssertTrue(searched.body.contains("q=c%C3%B4ng"), "the next link keeps the search")
        }
    }

    /// A unit that does not exist narrows the trail to nothing, on both databases (PostgreSQL refuses some
    /// placeholders SQLite takes).
    func test_the_audit_trail_of_an_unknown_unit_is_empty() async throws {
        try await withEachDatabase { ctx in
            try await ctx.loadDemo()
            let admin = try await ctx.signInDemo(DemoProvince.superAdmin)
            let unknown = UUID().uuidString.lowercased()
            let page = try await ctx.get("/api/v1/admin/audit?unit=\(unknown)", token: admin)
            XCTAssertEqual(page.status, .ok, page.body.string)
            XCTAssertEqual(page.json?["total"] as? Int, 0, page.body.string)
            let csv = try await ctx.get("/api/v1/admin/audit.csv?unit=\(unknown)", token: admin)
            XCTAssertEqual(csv.status, .ok, csv.body.string)
            XCTAssertEqual(csv.body.string.split(separator: "\r\n").count, 1, "the header alone")
            let everything = try await ctx.get("/api/v1/admin/audit", token: admin)
            XCTAssertGreaterThan(everything.json?["total"] as? Int ?? 0, 0)
        }
    }

    /// A NUL in a unit's name was a 500 on PostgreSQL (it cannot store one in text) and stored on SQLite: refused alike.
    func test_a_unit_name_with_a_control_character_is_refused_on_both_databases() async throws {
        try await withEachDatabase { ctx in
            try await ctx.loadDemo()
            let admin = try await ctx.signInDemo(DemoProvince.superAdmin)
            let parent = try await ctx.unitID(DemoProvince.centre)
            let refused = try await ctx.post("/api/v1/admin/units", ["name": "Phòng\u{0}một cửa", "parentId": parent], token: admin)
            assertError(refused, .unprocessableEntity, "validation_failed")
            let accepted = try await ctx.post("/api/v1/admin/units", ["name": "Phòng một cửa thử", "parentId": parent], token: admin)
            XCTAssertEqual(accepted.status, .created, accepted.body.string)
        }
    }
}
