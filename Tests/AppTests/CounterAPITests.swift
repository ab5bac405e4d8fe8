// The counter through the API: look-up, upload rules, only the latest code, the race, scope, the citizen's first sign-in.
import Fluent
import XCTVapor
@testable import App

final class CounterAPITests: XCTestCase {
    static let officerID = "033092000004"       // officer of Bộ phận một cửa xã Lạc Đạo (demo)
    static let centreOfficerID = "033190000003" // officer of the provincial centre (demo)

    /// A small but real PDF, padded to `size` bytes with a comment before %%EOF.
    static func pdf(size: Int = 600) -> [UInt8] {
        let head = "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%"
        let tail = "\n%%EOF\n"
        let padding = max(0, size - head.utf8.count - tail.utf8.count)
        return Array(head.utf8) + Array(repeating: UInt8(ascii: "x"), count: padding) + Array(tail.utf8)
    }

    struct Multipart {
        let boundary = "----portal-test-\(UUID().uuidString)"
        var body = ByteBuffer()

        mutating func field(_ name: String, _ value: String) {
            body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n")
        }

        mutating func file(_ name: String, filename: String, type: String, bytes: [UInt8]) {
            body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(filename)\"\r\nContent-Type: \(type)\r\n\r\n")
            body.writeBytes(bytes)
            body.writeString("\r\n")
        }

        mutating func finish() -> ByteBuffer {
            body.writeString("--\(boundary)--\r\n")
            return body
        }
    }

    struct Setup {
        let officer: String
        let centreOfficer: String
        let deskUnit: String
        let centreUnit: String
    }

    func setUp(_ ctx: TestContext) async throws -> Setup {
        try await DemoCommand.load(ctx.app)
        let officer = try await ctx.signIn(Self.officerID, DemoCommand.password, phone: "+84912000004")
        let centre = try await ctx.signIn(Self.centreOfficerID, DemoCommand.password, phone: "+84912000003")
        let desk = try await Unit.query(on: ctx.app.db).filter(\.$code == "DEMO-HY-VL-LD-BPMC").first()!.id!.uuidString.lowercased()
        let centreUnit = try await Unit.query(on: ctx.app.db).filter(\.$code == "DEMO-HY-TTPVHCC").first()!.id!.uuidString.lowercased()
        return Setup(officer: officer, centreOfficer: centre, deskUnit: desk, centreUnit: centreUnit)
    }

    func upload(_ ctx: TestContext, token: String, unit: String, idNumber: String = "036190001234", dob: String = "1990-02-03", phone: String = "0987000111",
                filename: String = "cccd.pdf", type: String = "application/pdf", bytes: [UInt8] = CounterAPITests.pdf(),
                running: Bool = false) async throws -> XCTHTTPResponse {
        var form = Multipart()
        form.field("idNumber", idNumber)
        form.field("fullName", "Lê Thị Cúc")
        form.field("dateOfBirth", dob)
        form.field("phone", phone)
        form.field("email", "")
        form.field("unitId", unit)
        form.file("idScan", filename: filename, type: type, bytes: bytes)
        let body = form.finish()
        var headers = HTTPHeaders()
        headers.bearerAuthorization = .init(token: token)
        headers.replaceOrAdd(name: .contentType, value: "multipart/form-data; boundary=\(form.boundary)")
        var result: XCTHTTPResponse!
        let tester = running ? try ctx.app.testable(method: .running(port: 0)) : try ctx.app.testable()
        try await tester.test(.POST, "/api/v1/admin/citizen-accounts/drafts", headers: headers, body: body) { res async in result = res }
        return result
    }

    func test_the_whole_counter_flow_creates_an_account_that_must_change_its_password() async throws {
        try await withEachDatabase { ctx in
            let s = try await self.setUp(ctx)
            let look = try await ctx.get("/api/v1/admin/citizen-accounts/lookup?idNumber=036190001234", token: s.officer)
            XCTAssertEqual(look.json?["exists"] as? Bool, false)
            let drafted = try await self.upload(ctx, token: s.officer, unit: s.deskUnit)
            XCTAssertEqual(drafted.status, .created, drafted.body.string)
            let draft = try XCTUnwrap(drafted.json?["id"] as? String)

            let pdf = try await ctx.get("/api/v1/admin/citizen-accounts/drafts/\(draft)/request-form.pdf", token: s.officer)
            XCTAssertEqual(pdf.status, .ok)
            XCTAssertTrue(pdf.body.string.hasPrefix("%PDF-"))
            let scan = try await ctx.get("/api/v1/admin/citizen-accounts/drafts/\(draft)/id-scan", token: s.officer)
            XCTAssertEqual(Array(buffer: scan.body), Self.pdf())
            XCTAssertTrue(scan.headers.first(name: .contentDisposition)?.hasPrefix("attachment") ?? false)

            let sent = try await ctx.post("/api/v1/admin/citizen-accounts/drafts/\(draft)/otp", [:], token: s.officer)
            XCTAssertEqual(sent.status, .accepted)
            let code = try await ctx.latestCode(to: "+84987000111")
            let created = try await ctx.post("/api/v1/admin/citizen-accounts/drafts/\(draft)/create", ["code": code], token: s.officer)
            XCTAssertEqual(created.status, .created, created.body.string)

            try await OutboxWorker(db: ctx.app.db, portal: ctx.app.portal, logger: ctx.app.logger).runOnce()
            let passwordSMS = try XCTUnwrap(ctx.sms.sent.last { $0.text.hasPrefix("Tai khoan:") })
            XCTAssertTrue(passwordSMS.text.hasPrefix("Tai khoan: 036190001234 Mat khau: "))
            let password = String(passwordSMS.text.split(separator: " ").last!)
            XCTAssertEqual(password.count, 10)

            // The citizen signs in with the SMS password and must change it.
            ctx.time.advance(61)
            let token = try await ctx.signIn("036190001234", password, phone: "+84987000111")
            let me = try await ctx.get("/api/v1/me", token: token)
            XCTAssertEqual(me.json?["passwordChangeRequired"] as? Bool, true)
            let blocked = try await ctx.get("/api/v1/me/sessions", token: token)
            XCTAssertEqual(blocked.errorCode, "password_change_required")

            // R3: the officer's list shows it with the password SMS state.
            let list = try await ctx.get("/api/v1/admin/citizen-accounts", token: s.officer)
            let first = (list.json?["items"] as? [[String: Any]])?.first
            XCTAssertEqual(first?["idNumber"] as? String, "036190001234")
            let sms = first?["passwordSMS"] as? [String: Any]
            XCTAssertEqual(sms?["status"] as? String, "sent")
            XCTAssertEqual(sms?["kind"] as? String, "password")
            XCTAssertEqual(sms?["attempts"] as? Int, 1)
            XCTAssertNotNil(sms?["sentAt"] as? String, "when it went out")
            XCTAssertNil(sms?["lastError"] as? String)
            let lookAgain = try await ctx.get("/api/v1/admin/citizen-accounts/lookup?idNumber=036190001234", token: s.officer)
            XCTAssertEqual(lookAgain.json?["exists"] as? Bool, true)
            let audit = try await AuditEvent.query(on: ctx.app.db).all().map(\.action)
            for action in ["citizen.lookup", "draft.create", "scan.download", "draft.otp_send", "citizen.create"] {
                XCTAssertTrue(audit.contains(action), action)
            }
        }
    }

    func test_an_existing_id_number_blocks_the_draft() async throws {
        try await withEachDatabase { ctx in
            let s = try await self.setUp(ctx)
            let res = try await self.upload(ctx, token: s.officer, unit: s.deskUnit, idNumber: "033060000011", dob: "1960-10-10", phone: "0987000112")
            XCTAssertEqual(res.status, .conflict)
            XCTAssertEqual(res.errorCode, "id_taken")
        }
    }

    func test_upload_size_limits() async throws {
        try await withEachDatabase { ctx in
            let s = try await self.setUp(ctx)
            let exact = try await self.upload(ctx, token: s.officer, unit: s.deskUnit, bytes: Self.pdf(size: 5_242_880), running: true)
            XCTAssertEqual(exact.status, .created, "exactly 5 MB is accepted")
            let over = try await self.upload(ctx, token: s.officer, unit: s.deskUnit, idNumber: "036190001235", phone: "0987000113",
                                             bytes: Self.pdf(size: 5_242_881), running: true)
            XCTAssertEqual(over.status, .payloadTooLarge)
            let huge = try await self.upload(ctx, token: s.officer, unit: s.deskUnit, idNumber: "036190001236", phone: "0987000114",
                                             bytes: Self.pdf(size: 6_000_000), running: true)
            XCTAssertEqual(huge.status, .payloadTooLarge)
            let drafts = try await CitizenDraft.query(on: ctx.app.db).count()
            let scans = try await IDScan.query(on: ctx.app.db).count()
            XCTAssertEqual(drafts, 1)
            XCTAssertEqual(scans, 1, "nothing stored for a refused upload")
        }
    }

    func test_wrong_content_is_415_whatever_the_name_or_declared_type() async throws {
        try await withEachDatabase { ctx in
            let s = try await self.setUp(ctx)
            let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 0, count: 100)
            let asPDF = try await self.upload(ctx, token: s.officer, unit: s.deskUnit, filename: "cccd.pdf", type: "application/pdf", bytes: png)
            XCTAssertEqual(asPDF.status, .unsupportedMediaType)
            let html = Array("%PDF-1.4\n<script>alert(1)</script>\n%%EOF".utf8)
            let polyglot = try await self.upload(ctx, token: s.officer, unit: s.deskUnit, bytes: html)
            XCTAssertEqual(polyglot.status, .unsupportedMediaType)
            let renamed = try await self.upload(ctx, token: s.officer, unit: s.deskUnit, filename: "cccd.docx", bytes: Self.pdf())
            XCTAssertEqual(renamed.status, .unsupportedMediaType)
            let exe = try await self.upload(ctx, token: s.officer, unit: s.deskUnit, filename: "cccd.exe", bytes: Self.pdf())
            XCTAssertEqual(exe.status, .unsupportedMediaType)
            let drafts = try await CitizenDraft.query(on: ctx.app.db).count()
            XCTAssertEqual(drafts, 0)
        }
    }

    func test_only_the_latest_code_creates_and_a_new_phone_kills_old_codes() async throws {
        try await withEachDatabase { ctx in
            let s = try await self.setUp(ctx)
            let drafted = try await self.upload(ctx, token: s.officer, unit: s.deskUnit)
            let draft = try XCTUnwrap(drafted.json?["id"] as? String)
            _ = try await ctx.post("/api/v1/admin/citizen-accounts/drafts/\(draft)/otp", [:], token: s.officer)
            let first = try await ctx.latestCode(to: "+84987000111")
            ctx.time.advance(61)
            _ = try await ctx.post("/api/v1/admin/citizen-accounts/drafts/\(draft)/otp", [:], token: s.officer)
            let second = try await ctx.latestCode(to: "+84987000111")
            if first != second {
                let old = try await ctx.post("/api/v1/admin/citizen-accounts/drafts/\(draft)/create", ["code": first], token: s.officer)
                XCTAssertEqual(old.status, .unprocessableEntity)
            }
            // Correcting the phone kills the code sent to the old number.
            var headers = HTTPHeaders()
            headers.bearerAuthorization = .init(token: s.officer)
            headers.contentType = .json
            try await ctx.app.test(.PATCH, "/api/v1/admin/citizen-accounts/drafts/\(draft)", headers: headers,
                                   body: ByteBuffer(string: #"{"phone": "0987000222"}"#)) { res async in
                XCTAssertEqual(res.status, .ok)
                XCTAssertEqual(res.json?["phoneMasked"] as? String, "098****222")
            }
            let stale = try await ctx.post("/api/v1/admin/citizen-accounts/drafts/\(draft)/create", ["code": second], token: s.officer)
            XCTAssertEqual(stale.status, .unprocessableEntity)
            ctx.time.advance(61)
            _ = try await ctx.post("/api/v1/admin/citizen-accounts/drafts/\(draft)/otp", [:], token: s.officer)
            let fresh = try await ctx.latestCode(to: "+84987000222")
            let messages = try await ctx.get("/api/v1/admin/citizen-accounts/drafts/\(draft)/messages", token: s.officer)
            XCTAssertEqual(messages.json?["total"] as? Int, 3)
            let created = try await ctx.post("/api/v1/admin/citizen-accounts/drafts/\(draft)/create", ["code": fresh], token: s.officer)
            XCTAssertEqual(created.status, .created)
        }
    }

    func test_two_officers_racing_on_one_id_make_exactly_one_account() async throws {
        try await withEachDatabase { ctx in
            let s = try await self.setUp(ctx)
            let upA = try await self.upload(ctx, token: s.officer, unit: s.deskUnit, phone: "0987000111")
            let upB = try await self.upload(ctx, token: s.centreOfficer, unit: s.centreUnit, phone: "0987000333")
            let a = try XCTUnwrap(upA.json?["id"] as? String)
            let b = try XCTUnwrap(upB.json?["id"] as? String)
            _ = try await ctx.post("/api/v1/admin/citizen-accounts/drafts/\(a)/otp", [:], token: s.officer)
            _ = try await ctx.post("/api/v1/admin/citizen-accounts/drafts/\(b)/otp", [:], token: s.centreOfficer)
            let codeA = try await ctx.latestCode(to: "+84987000111")
            let codeB = try await ctx.latestCode(to: "+84987000333")
            async let first = ctx.post("/api/v1/admin/citizen-accounts/drafts/\(a)/create", ["code": codeA], token: s.officer)
            async let second = ctx.post("/api/v1/admin/citizen-accounts/drafts/\(b)/create", ["code": codeB], token: s.centreOfficer)
            let statuses = try await [first.status, second.status].map(\.code).sorted()
            XCTAssertEqual(statuses, [201, 409])
            let accounts = try await Account.query(on: ctx.app.db).filter(\.$idNumber == "036190001234").count()
            XCTAssertEqual(accounts, 1)
        }
    }

    func test_an_officer_cannot_use_another_units_draft_or_unit() async throws {
        try await withEachDatabase { ctx in
            let s = try await self.setUp(ctx)
            let other = try await self.upload(ctx, token: s.officer, unit: s.centreUnit)
            XCTAssertEqual(other.status, .unprocessableEntity, "the centre is not this officer's unit")
            let drafted = try await self.upload(ctx, token: s.officer, unit: s.deskUnit)
            let draft = try XCTUnwrap(drafted.json?["id"] as? String)
            for path in ["", "/id-scan", "/request-form.pdf", "/messages"] {
                let res = try await ctx.get("/api/v1/admin/citizen-accounts/drafts/\(draft)\(path)", token: s.centreOfficer)
                XCTAssertEqual(res.status, .notFound, path)
            }
            let send = try await ctx.post("/api/v1/admin/citizen-accounts/drafts/\(draft)/otp", [:], token: s.centreOfficer)
            XCTAssertEqual(send.status, .notFound)
            let citizen = try await ctx.signIn("033060000011", DemoCommand.password, phone: "+84912000011")
            let notOfficer = try await ctx.get("/api/v1/admin/citizen-accounts/lookup?idNumber=036190001234", token: citizen)
            XCTAssertEqual(notOfficer.status, .forbidden)
            XCTAssertEqual(notOfficer.errorCode, "not_officer")
        }
    }

    func test_reissue_gives_a_new_temporary_password_and_the_old_one_stops_working() async throws {
        try await withEachDatabase { ctx in
            let s = try await self.setUp(ctx)
            let up = try await self.upload(ctx, token: s.officer, unit: s.deskUnit)
            let draft = try XCTUnwrap(up.json?["id"] as? String)
            _ = try await ctx.post("/api/v1/admin/citizen-accounts/drafts/\(draft)/otp", [:], token: s.officer)
            let code = try await ctx.latestCode(to: "+84987000111")
            let created = try await ctx.post("/api/v1/admin/citizen-accounts/drafts/\(draft)/create", ["code": code], token: s.officer)
            let accountID = try XCTUnwrap(created.json?["accountId"] as? String)
            try await OutboxWorker(db: ctx.app.db, portal: ctx.app.portal, logger: ctx.app.logger).runOnce()
            let oldPassword = String(ctx.sms.sent.last { $0.text.hasPrefix("Tai khoan:") }!.text.split(separator: " ").last!)

            ctx.time.advance(61)
            let sent = try await ctx.post("/api/v1/admin/citizen-accounts/\(accountID)/password-reissue/otp", [:], token: s.officer)
            XCTAssertEqual(sent.status, .accepted)
            let reissueCode = try await ctx.latestCode(to: "+84987000111")
            let other = try await ctx.post("/api/v1/admin/citizen-accounts/\(accountID)/password-reissue", ["code": reissueCode], token: s.centreOfficer)
            XCTAssertEqual(other.status, .notFound, "only the officer who created it")
            let done = try await ctx.post("/api/v1/admin/citizen-accounts/\(accountID)/password-reissue", ["code": reissueCode], token: s.officer)
            XCTAssertEqual(done.status, .ok, done.body.string)
            try await OutboxWorker(db: ctx.app.db, portal: ctx.app.portal, logger: ctx.app.logger).runOnce()
            let newPassword = String(ctx.sms.sent.last { $0.text.hasPrefix("Tai khoan:") }!.text.split(separator: " ").last!)
            XCTAssertNotEqual(oldPassword, newPassword)
            let oldTry = try await ctx.post("/api/v1/login", ["username": "036190001234", "password": oldPassword])
            XCTAssertEqual(oldTry.status, .unauthorized)
            let newTry = try await ctx.post("/api/v1/login", ["username": "036190001234", "password": newPassword])
            XCTAssertEqual(newTry.status, .ok)
        }
    }

    func test_expired_drafts_take_their_scan_with_them_and_kept_scans_go_after_retention() async throws {
        try await withEachDatabase { ctx in
            let s = try await self.setUp(ctx)
            _ = try await self.upload(ctx, token: s.officer, unit: s.deskUnit)
            ctx.time.advance(24 * 3600 + 1)
            try await Maintenance.runOnce(db: ctx.app.db, now: ctx.time.now())
            let drafts = try await CitizenDraft.query(on: ctx.app.db).count()
            let scans = try await IDScan.query(on: ctx.app.db).count()
            XCTAssertEqual(drafts, 0)
            XCTAssertEqual(scans, 0)
        }
    }
}
