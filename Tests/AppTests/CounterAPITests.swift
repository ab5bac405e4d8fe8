// The counter through the API: look-up, upload rules, only the latest code, the race, scope, the citizen's first sign-in.
import Domain
import Fluent
import ScanFixtures
import XCTVapor
@testable import App

final class CounterAPITests: XCTestCase {
    /// The officers of the commune's one-stop desk and of the provincial centre, signed in.
    struct Officers {
        let desk: SignedInOfficer
        let centre: SignedInOfficer
    }

    func officers(_ ctx: TestContext) async throws -> Officers {
        let desk = try await ctx.signedInOfficer()
        return Officers(desk: desk, centre: try await ctx.demoOfficer(DemoProvince.centreOfficer, at: DemoProvince.centre))
    }

    /// Uploads a draft with the scan as `officer` and returns its id.
    func draft(_ ctx: TestContext, as officer: SignedInOfficer, phone: String = "0987000111") async throws -> String {
        let drafted = try await ctx.uploadDraft(as: officer, phone: phone)
        XCTAssertEqual(drafted.status, .created, drafted.body.string)
        return try XCTUnwrap(drafted.json?["id"] as? String)
    }

    /// Has the draft's code sent to the citizen's phone (E.164) and returns it.
    func code(_ ctx: TestContext, for draft: String, as officer: SignedInOfficer, to phone: String = "+84987000111") async throws -> String {
        let sent = try await ctx.post("/api/v1/admin/citizen-accounts/drafts/\(draft)/otp", [:], token: officer.token)
        XCTAssertEqual(sent.status, .accepted, sent.body.string)
        return try await ctx.latestCode(to: phone)
    }

    func test_a_drafts_id_check_is_counted_and_recorded_as_a_look_up() async throws {
        try await withEachDatabase(env: ["LOOKUP_LIMIT_PER_HOUR": "3"]) { ctx in
            let citizen = try await ctx.registeredCitizen()
            let s = try await self.officers(ctx)
            let dob = citizen.dateOfBirth
            // Creating a draft for an ID number that has an account: a 409, counted and recorded.
            let taken = try await ctx.uploadDraft(as: s.desk, idNumber: citizen.idNumber, dateOfBirth: dob, phone: "0987000222")
            XCTAssertEqual(taken.status, .conflict, taken.body.string)
            // A draft for a free ID number, then its ID number changed to the taken one, twice.
            let draft = try await self.draft(ctx, as: s.desk)
            let patched = try await ctx.patch("/api/v1/admin/citizen-accounts/drafts/\(draft)",
                                              ["idNumber": citizen.idNumber, "dateOfBirth": dob], token: s.desk.token)
            XCTAssertEqual(patched.status, .conflict, patched.body.string)
            // Three ID checks made (the free draft's own too): the fourth is refused like a fourth look-up.
            let fourth = try await ctx.patch("/api/v1/admin/citizen-accounts/drafts/\(draft)",
                                             ["idNumber": citizen.idNumber, "dateOfBirth": dob], token: s.desk.token)
            XCTAssertEqual(fourth.status, .tooManyRequests, fourth.body.string)
            let look = try await ctx.get("/api/v1/admin/citizen-accounts/lookup?idNumber=036190001234", token: s.desk.token)
            XCTAssertEqual(look.status, .tooManyRequests)

            let records = try await AuditEvent.query(on: ctx.app.db).filter(\.$action == "citizen.lookup").all()
            XCTAssertEqual(records.count, 3, "every ID check that answered is in the audit trail")
            XCTAssertEqual(records.filter { $0.details.contains("\"exists\":\"true\"") }.count, 2)
        }
    }

    /// Look-ups sent at once against a limit of five: five answered, each with its record, the rest refused with
    /// none; the count, the answer and the record commit together (one statement on PostgreSQL).
    func test_parallel_look_ups_answer_up_to_the_limit_each_with_its_record() async throws {
        try await withEachDatabase(env: ["LOOKUP_LIMIT_PER_HOUR": "5"]) { ctx in
            let citizen = try await ctx.registeredCitizen()
            let s = try await self.officers(ctx)
            let answers = try await withThrowingTaskGroup(of: (HTTPStatus, Bool?).self) { group in
                for i in 0..<12 {
                    let id = i % 2 == 0 ? citizen.idNumber : "036190001234"
                    group.addTask {
                        let look = try await ctx.get("/api/v1/admin/citizen-accounts/lookup?idNumber=\(id)", token: s.desk.token)
                        return (look.status, look.json?["exists"] as? Bool)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            XCTAssertEqual(answers.filter { $0.0 == .ok }.count, 5, "\(answers)")
            XCTAssertEqual(answers.filter { $0.0 == .tooManyRequests }.count, 7, "\(answers)")
            let records = try await AuditEvent.query(on: ctx.app.db).filter(\.$action == "citizen.lookup").all()
            XCTAssertEqual(records.count, 5, "one record per answer, none for a refusal")
            XCTAssertEqual(records.filter { $0.details.contains("\"exists\":\"true\"") }.count,
                           answers.filter { $0.0 == .ok && $0.1 == true }.count, "each record says what its answer said")
        }
    }

    func test_the_whole_counter_flow_creates_an_account_that_must_change_its_password() async throws {
        try await withEachDatabase { ctx in
            let s = try await self.officers(ctx)
            let look = try await ctx.get("/api/v1/admin/citizen-accounts/lookup?idNumber=036190001234", token: s.desk.token)
            XCTAssertEqual(look.json?["exists"] as? Bool, false)
            let draft = try await self.draft(ctx, as: s.desk)

            let pdf = try await ctx.get("/api/v1/admin/citizen-accounts/drafts/\(draft)/request-form.pdf", token: s.desk.token)
            XCTAssertEqual(pdf.status, .ok)
            XCTAssertTrue(pdf.body.string.hasPrefix("%PDF-"))
            let scan = try await ctx.get("/api/v1/admin/citizen-accounts/drafts/\(draft)/id-scan", token: s.desk.token)
            XCTAssertEqual(Array(buffer: scan.body), ScanFiles.pdf())
            XCTAssertTrue(scan.headers.first(name: .contentDisposition)?.hasPrefix("attachment") ?? false)

            let code = try await self.code(ctx, for: draft, as: s.desk)
            let created = try await ctx.post("/api/v1/admin/citizen-accounts/drafts/\(draft)/create", ["code": code], token: s.desk.token)
            XCTAssertEqual(created.status, .created, created.body.string)

            let passwordSMS = try await ctx.latestSMS(to: "+84987000111", startingWith: "Tai khoan ")
            // What it is, until when, and from whom, within one SMS.
            XCTAssertTrue(passwordSMS.text.hasPrefix("Tai khoan 036190001234, mat khau tam "), passwordSMS.text)
            let expires = VietnamTime.dateTime(ctx.time.now().addingTimeInterval(CounterService.temporaryPasswordLifetime))
            XCTAssertTrue(passwordSMS.text.contains(", het han \(expires). Cong Dich vu cong: doi mat khau khi dang nhap lan dau."), passwordSMS.text)
            XCTAssertLessThanOrEqual(SMSText.septets(passwordSMS.text), 160)
            let password = try await ctx.latestPassword(to: "+84987000111")
            XCTAssertEqual(password.count, 10)

            // The citizen signs in with the SMS password and must change it.
            ctx.time.advance(61)
            let token = try await ctx.signIn("036190001234", password, phone: "+84987000111")
            let me = try await ctx.get("/api/v1/me", token: token)
            XCTAssertEqual(me.json?["passwordChangeRequired"] as? Bool, true)
            let blocked = try await ctx.get("/api/v1/me/sessions", token: token)
            XCTAssertEqual(blocked.errorCode, "password_change_required")

            // The officer's list of the accounts it created shows each one's password SMS: sent, when, how many tries.
            let list = try await ctx.get("/api/v1/admin/citizen-accounts", token: s.desk.token)
            let first = list.items.first
            XCTAssertEqual(first?["idNumber"] as? String, "036190001234")
            let sms = first?["passwordSMS"] as? [String: Any]
            XCTAssertEqual(sms?["status"] as? String, "sent")
            XCTAssertEqual(sms?["kind"] as? String, "password")
            XCTAssertEqual(sms?["attempts"] as? Int, 1)
            XCTAssertNotNil(sms?["sentAt"] as? String, "when it went out")
            XCTAssertNil(sms?["lastError"] as? String)
            let lookAgain = try await ctx.get("/api/v1/admin/citizen-accounts/lookup?idNumber=036190001234", token: s.desk.token)
            XCTAssertEqual(lookAgain.json?["exists"] as? Bool, true)
            let audit = try await AuditEvent.query(on: ctx.app.db).all().map(\.action)
            for action in ["citizen.lookup", "draft.create", "scan.download", "draft.otp_send", "citizen.create"] {
                XCTAssertTrue(audit.contains(action), action)
            }
        }
    }

    func test_an_existing_id_number_blocks_the_draft() async throws {
        try await withEachDatabase { ctx in
            let s = try await self.officers(ctx)
            let res = try await ctx.uploadDraft(as: s.desk, idNumber: "033060000011", dateOfBirth: "1960-10-10", phone: "0987000112")
            assertError(res, .conflict, "id_taken")
        }
    }

    func test_upload_size_limits() async throws {
        try await withEachDatabase { ctx in
            let s = try await self.officers(ctx)
            let exact = try await ctx.uploadDraft(as: s.desk, scan: ScanFiles.pdf(totalLength: 5_242_880), over: .running)
            XCTAssertEqual(exact.status, .created, "exactly 5 MB is accepted")
            let over = try await ctx.uploadDraft(as: s.desk, idNumber: "036190001235", phone: "0987000113",
                                             scan: ScanFiles.pdf(totalLength: 5_242_881), over: .running)
            XCTAssertEqual(over.status, .payloadTooLarge)
            let huge = try await ctx.uploadDraft(as: s.desk, idNumber: "036190001236", phone: "0987000114",
                                             scan: ScanFiles.pdf(totalLength: 6_000_000), over: .running)
            XCTAssertEqual(huge.status, .payloadTooLarge)
            let drafts = try await CitizenDraft.query(on: ctx.app.db).count()
            let scans = try await IDScan.query(on: ctx.app.db).count()
            XCTAssertEqual(drafts, 1)
            XCTAssertEqual(scans, 1, "nothing stored for a refused upload")
        }
    }

    func test_wrong_content_is_415_whatever_the_name_or_declared_type() async throws {
        try await withEachDatabase { ctx in
            let s = try await self.officers(ctx)
            let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 0, count: 100)
            let asPDF = try await ctx.uploadDraft(as: s.desk, filename: "cccd.pdf", type: "application/pdf", scan: png)
            XCTAssertEqual(asPDF.status, .unsupportedMediaType)
            let html = Array("%PDF-1.4\n<script>alert(1)</script>\n%%EOF".utf8)
            let polyglot = try await ctx.uploadDraft(as: s.desk, scan: html)
            XCTAssertEqual(polyglot.status, .unsupportedMediaType)
            let renamed = try await ctx.uploadDraft(as: s.desk, filename: "cccd.docx", scan: ScanFiles.pdf())
            XCTAssertEqual(renamed.status, .unsupportedMediaType)
            let exe = try await ctx.uploadDraft(as: s.desk, filename: "cccd.exe", scan: ScanFiles.pdf())
            XCTAssertEqual(exe.status, .unsupportedMediaType)
            let drafts = try await CitizenDraft.query(on: ctx.app.db).count()
            XCTAssertEqual(drafts, 0)
        }
    }

    func test_only_the_latest_code_creates_and_a_new_phone_kills_old_codes() async throws {
        try await withEachDatabase { ctx in
            let s = try await self.officers(ctx)
            let draft = try await self.draft(ctx, as: s.desk)
            let first = try await self.code(ctx, for: draft, as: s.desk)
            // Sent again until the new code differs from the first (one chance in a million that it does not).
            var second = first, sends = 1
            while second == first {
                ctx.time.advance(61)
                second = try await self.code(ctx, for: draft, as: s.desk)
                sends += 1
            }
            let old = try await ctx.post("/api/v1/admin/citizen-accounts/drafts/\(draft)/create", ["code": first], token: s.desk.token)
            XCTAssertEqual(old.status, .unprocessableEntity)
            // Correcting the phone kills the code sent to the old number.
            let corrected = try await ctx.patch("/api/v1/admin/citizen-accounts/drafts/\(draft)", ["phone": "0987000222"], token: s.desk.token)
            XCTAssertEqual(corrected.status, .ok)
            XCTAssertEqual(corrected.json?["phoneMasked"] as? String, "098****222")
            let stale = try await ctx.post("/api/v1/admin/citizen-accounts/drafts/\(draft)/create", ["code": second], token: s.desk.token)
            XCTAssertEqual(stale.status, .unprocessableEntity)
            ctx.time.advance(61)
            let fresh = try await self.code(ctx, for: draft, as: s.desk, to: "+84987000222")
            let messages = try await ctx.get("/api/v1/admin/citizen-accounts/drafts/\(draft)/messages", token: s.desk.token)
            XCTAssertEqual(messages.json?["total"] as? Int, sends + 1)
            let created = try await ctx.post("/api/v1/admin/citizen-accounts/drafts/\(draft)/create", ["code": fresh], token: s.desk.token)
            XCTAssertEqual(created.status, .created)
        }
    }

    /// A wrong code that is not the latest's one, five times over.
    private func wrong(_ real: String, _ n: Int) -> String {
        let candidate = String(format: "%06d", (Int(real)! + 1 + n * 7919) % 1_000_000)
        return candidate == real ? String(format: "%06d", (Int(real)! + 1) % 1_000_000) : candidate
    }

    /// The officer's code paths count wrong entries like the citizen's: four "not correct", the fifth kills the
    /// code, and then the right code no longer creates the account nor reissues the password.
    func test_five_wrong_codes_kill_the_counters_creation_and_reissue_codes() async throws {
        try await withEachDatabase { ctx in
            let s = try await self.officers(ctx)
            let draft = try await self.draft(ctx, as: s.desk)
            let code = try await self.code(ctx, for: draft, as: s.desk)
            for n in 0..<5 {
                let res = try await ctx.post("/api/v1/admin/citizen-accounts/drafts/\(draft)/create", ["code": wrong(code, n)], token: s.desk.token)
                assertError(res, .unprocessableEntity, n < 4 ? "otp_invalid" : "otp_exhausted")
            }
            let right = try await ctx.post("/api/v1/admin/citizen-accounts/drafts/\(draft)/create", ["code": code], token: s.desk.token)
            assertError(right, .unprocessableEntity, "otp_exhausted")
            let none = try await Account.query(on: ctx.app.db).filter(\.$idNumber == "036190001234").count()
            XCTAssertEqual(none, 0, "no account from a dead code")

            // A new code makes it; then the reissue's code counts the same way.
            ctx.time.advance(61)
            let fresh = try await self.code(ctx, for: draft, as: s.desk)
            let created = try await ctx.post("/api/v1/admin/citizen-accounts/drafts/\(draft)/create", ["code": fresh], token: s.desk.token)
            XCTAssertEqual(created.status, .created, created.body.string)
            let accountID = try XCTUnwrap(created.json?["accountId"] as? String)
            let temporary = try await ctx.latestPassword(to: "+84987000111")
            ctx.time.advance(61)
            let sent = try await ctx.post("/api/v1/admin/citizen-accounts/\(accountID)/password-reissue/otp", [:], token: s.desk.token)
            XCTAssertEqual(sent.status, .accepted)
            let reissueCode = try await ctx.latestCode(to: "+84987000111")
            for n in 0..<5 {
                let res = try await ctx.post("/api/v1/admin/citizen-accounts/\(accountID)/password-reissue", ["code": wrong(reissueCode, n)], token: s.desk.token)
                assertError(res, .unprocessableEntity, n < 4 ? "otp_invalid" : "otp_exhausted")
            }
            let late = try await ctx.post("/api/v1/admin/citizen-accounts/\(accountID)/password-reissue", ["code": reissueCode], token: s.desk.token)
            assertError(late, .unprocessableEntity, "otp_exhausted")
            let stillTheSame = try await ctx.post("/api/v1/login", ["username": "036190001234", "password": temporary])
            XCTAssertEqual(stillTheSame.status, .ok, "the password was not reissued")
        }
    }

    func test_two_officers_racing_on_one_id_make_exactly_one_account() async throws {
        try await withEachDatabase { ctx in
            let s = try await self.officers(ctx)
            let a = try await self.draft(ctx, as: s.desk, phone: "0987000111")
            let b = try await self.draft(ctx, as: s.centre, phone: "0987000333")
            let codeA = try await self.code(ctx, for: a, as: s.desk)
            let codeB = try await self.code(ctx, for: b, as: s.centre, to: "+84987000333")
            async let first = ctx.post("/api/v1/admin/citizen-accounts/drafts/\(a)/create", ["code": codeA], token: s.desk.token)
            async let second = ctx.post("/api/v1/admin/citizen-accounts/drafts/\(b)/create", ["code": codeB], token: s.centre.token)
            let statuses = try await [first.status, second.status].map(\.code).sorted()
            XCTAssertEqual(statuses, [201, 409])
            let accounts = try await Account.query(on: ctx.app.db).filter(\.$idNumber == "036190001234").count()
            XCTAssertEqual(accounts, 1)
        }
    }

    func test_an_officer_cannot_use_another_units_draft_or_unit() async throws {
        try await withEachDatabase { ctx in
            let s = try await self.officers(ctx)
            let other = try await ctx.uploadDraft(as: s.desk, unit: s.centre.unit)
            XCTAssertEqual(other.status, .unprocessableEntity, "the centre is not this officer's unit")
            let draft = try await self.draft(ctx, as: s.desk)
            for path in ["", "/id-scan", "/request-form.pdf", "/messages"] {
                let res = try await ctx.get("/api/v1/admin/citizen-accounts/drafts/\(draft)\(path)", token: s.centre.token)
                XCTAssertEqual(res.status, .notFound, path)
            }
            let send = try await ctx.post("/api/v1/admin/citizen-accounts/drafts/\(draft)/otp", [:], token: s.centre.token)
            XCTAssertEqual(send.status, .notFound)
            let citizen = try await ctx.signInDemo(DemoProvince.citizen)
            let notOfficer = try await ctx.get("/api/v1/admin/citizen-accounts/lookup?idNumber=036190001234", token: citizen)
            assertError(notOfficer, .forbidden, "not_officer")
        }
    }

    func test_reissue_gives_a_new_temporary_password_and_the_old_one_stops_working() async throws {
        try await withEachDatabase { ctx in
            let s = try await self.officers(ctx)
            let draft = try await self.draft(ctx, as: s.desk)
            let code = try await self.code(ctx, for: draft, as: s.desk)
            let created = try await ctx.post("/api/v1/admin/citizen-accounts/drafts/\(draft)/create", ["code": code], token: s.desk.token)
            let accountID = try XCTUnwrap(created.json?["accountId"] as? String)
            let oldPassword = try await ctx.latestPassword(to: "+84987000111")

            ctx.time.advance(61)
            let sent = try await ctx.post("/api/v1/admin/citizen-accounts/\(accountID)/password-reissue/otp", [:], token: s.desk.token)
            XCTAssertEqual(sent.status, .accepted)
            let reissueCode = try await ctx.latestCode(to: "+84987000111")
            let other = try await ctx.post("/api/v1/admin/citizen-accounts/\(accountID)/password-reissue", ["code": reissueCode], token: s.centre.token)
            XCTAssertEqual(other.status, .notFound, "only the officer who created it")
            let done = try await ctx.post("/api/v1/admin/citizen-accounts/\(accountID)/password-reissue", ["code": reissueCode], token: s.desk.token)
            XCTAssertEqual(done.status, .ok, done.body.string)
            let newPassword = try await ctx.latestPassword(to: "+84987000111")
            XCTAssertNotEqual(oldPassword, newPassword)
            let oldTry = try await ctx.post("/api/v1/login", ["username": "036190001234", "password": oldPassword])
            XCTAssertEqual(oldTry.status, .unauthorized)
            let newTry = try await ctx.post("/api/v1/login", ["username": "036190001234", "password": newPassword])
            XCTAssertEqual(newTry.status, .ok)
        }
    }

    func test_expired_drafts_take_their_scan_with_them_and_kept_scans_go_after_retention() async throws {
        try await withEachDatabase { ctx in
            let s = try await self.officers(ctx)
            _ = try await ctx.uploadDraft(as: s.desk)
            ctx.time.advance(24 * 3600 + 1)
            try await Maintenance.runOnce(db: ctx.app.db, now: ctx.time.now())
            let drafts = try await CitizenDraft.query(on: ctx.app.db).count()
            let scans = try await IDScan.query(on: ctx.app.db).count()
            XCTAssertEqual(drafts, 0)
            XCTAssertEqual(scans, 0)
        }
    }
}
