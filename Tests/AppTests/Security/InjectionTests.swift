// SQL injection and hostile parameters (ASVS V5.3.4): SQL fragments in every field of every API call and page
// form, in ids and in query parameters, get a 4xx (or an ordinary empty search), never a 5xx; afterwards
// every table is intact and the citizen can still sign in.
import Fluent
import SQLKit
import XCTVapor
@testable import App

final class InjectionTests: XCTestCase {
    static let payloads = [
        "' OR 1=1 --",
        "\"; DROP TABLE accounts; --",
        "1' OR '1'='1",
        "'); DELETE FROM auth_sessions; --",
        "%' OR '%'='",
        "' UNION SELECT password_hash FROM accounts --",
        "\\'; SELECT pg_sleep(5); --",
        "admin'/*",
        "0x27 OR 1=1",
        "'||(SELECT sqlite_version())||'",
    ]

    /// Every JSON call with its string fields; `{r}`, `{c}` and `{p}` are a live registration, sign-in and reset.
    private static let calls: [(path: String, body: [String: String])] = [
        ("/api/v1/registrations", ["accountType": "citizen", "verificationMethod": "mobile", "idNumber": "001090054321",
                                   "fullName": "Trần Văn Bình", "dateOfBirth": "1990-05-17", "phone": "0966111222", "email": "a@b.vn"]),
        ("/api/v1/registrations/{r}/verify", ["code": "123456"]),
        ("/api/v1/registrations/{r}/complete", ["completionToken": "abc", "password": "Một mật khẩu dài 2024"]),
        ("/api/v1/login", ["username": "001090099999", "password": "Một mật khẩu dài 2024"]),
        ("/api/v1/login/{c}/verify", ["code": "123456"]),
        ("/api/v1/password-resets", ["username": "001090099999"]),
        ("/api/v1/password-resets/{p}/complete", ["code": "123456", "newPassword": "Một mật khẩu dài 2024"]),
    ]

    private func assertIntact(_ ctx: TestContext, _ citizen: Citizen, file: StaticString = #filePath, line: UInt = #line) async throws {
        let accounts = try await Account.query(on: ctx.app.db).all()
        XCTAssertEqual(accounts.map(\.idNumber), [citizen.idNumber], file: file, line: line)
        let services = try await PublicService.query(on: ctx.app.db).count()
        XCTAssertGreaterThanOrEqual(services, 30, file: file, line: line)
        ctx.time.advance(3600)
        let token = try await ctx.signIn(citizen)
        let me = try await ctx.get("/api/v1/me", token: token)
        XCTAssertEqual(me.status, .ok, file: file, line: line)
        XCTAssertEqual(me.json?["fullName"] as? String, citizen.fullName, file: file, line: line)
    }

    func test_sql_fragments_in_every_api_field_are_refused_and_change_nothing() async throws {
        try await withEachDatabase { ctx in
            let citizen = try await ctx.registeredCitizen()
            let r = try await ctx.startRegistration(.other)
            let c = try await ctx.startSignIn(citizen.idNumber, citizen.password)
            let reset = try await ctx.post("/api/v1/password-resets", ["username": citizen.idNumber])
            let p = try XCTUnwrap(reset.json?["id"] as? String)

            var address = 0
            for call in Self.calls {
                let path = call.path.replacingOccurrences(of: "{r}", with: r).replacingOccurrences(of: "{c}", with: c)
                    .replacingOccurrences(of: "{p}", with: p)
                for field in call.body.keys.sorted() {
                    for payload in Self.payloads {
                        var body = call.body
                        body[field] = payload
                        address += 1
                        // Each request from its own address, so the per-address limits stay out of the way.
                        let res = try await ctx.send(.POST, path, json: body, from: "10.9.\(address / 250).\(address % 250 + 1)")
                        XCTAssertTrue((400..<500).contains(res.status.code), "\(path) \(field)=\(payload): \(res.status) \(res.body)")
                    }
                }
            }
            try await assertIntact(ctx, citizen)
        }
    }

    func test_sql_fragments_in_ids_and_query_parameters_are_refused_or_ignored() async throws {
        try await withEachDatabase { ctx in
            let citizen = Citizen()
            let token = try await ctx.registerAndSignIn(citizen)
            for payload in Self.payloads {
                let id = urlEncode(payload)
                for path in ["/api/v1/registrations/\(id)/otp", "/api/v1/registrations/\(id)/verify", "/api/v1/login/\(id)/otp",
                             "/api/v1/login/\(id)/verify", "/api/v1/password-resets/\(id)/otp", "/api/v1/password-resets/\(id)/complete"] {
                    let res = try await ctx.send(.POST, path, json: ["code": "123456"])
                    XCTAssertEqual(res.status, .notFound, path)
                }
                let end = try await ctx.send(.DELETE, "/api/v1/me/sessions/\(id)", token: token)
                XCTAssertEqual(end.status, .notFound)
                let search = try await ctx.get("/api/v1/services?q=\(id)")
                XCTAssertEqual(search.status, .ok)
                XCTAssertEqual(search.json?["total"] as? Int, 0, "\(payload) matched services: the fragment was not taken literally")
                for list in ["/api/v1/services", "/api/v1/me/sessions"] {
                    let paged = try await ctx.get("\(list)?page=\(id)&per=\(id)", token: token)
                    XCTAssertEqual(paged.status, .badRequest, "\(list) \(payload)")
                    XCTAssertEqual(paged.errorCode, "invalid_query")
                }
                let sessions = try await ctx.get("/api/v1/me/sessions", token: token)
                XCTAssertEqual(sessions.json?["total"] as? Int, 1, "only the caller's own session")
                let page = try await ctx.get("/dich-vu?q=\(id)")
                XCTAssertEqual(page.status, .ok)
                XCTAssertTrue(page.body.string.contains("id=\"services-none\""), payload)
            }
            // Numbers the document does not allow are refused, never clamped into range or read as the default.
            for absurd in ["9223372036854775807", "-9223372036854775808", "99999999999999999999", "1e308", "0x10", "0", "1000001", "", "+5", " 7"] {
                let res = try await ctx.get("/api/v1/services?page=\(urlEncode(absurd))")
                XCTAssertEqual(res.status, .badRequest, absurd)
                XCTAssertNotNil(res.json.flatMap { ($0["error"] as? [String: Any])?["fields"] as? [String: Any] }?["page"], absurd)
                let own = try await ctx.get("/api/v1/me/sessions?per=\(urlEncode(absurd))", token: token)
                XCTAssertEqual(own.status, .badRequest, absurd)
            }
            let edges = try await ctx.get("/api/v1/services?page=1000000&per=100")
            XCTAssertEqual(edges.status, .ok, "the document's largest page and size")
            try await assertIntact(ctx, citizen)
        }
    }

    func test_sql_fragments_in_every_page_form_are_refused_and_change_nothing() async throws {
        try await withEachDatabase { ctx in
            let citizen = try await ctx.registeredCitizen()
            let forms: [(String, [(String, String)])] = [
                ("/dang-ky/thong-tin", [("idNumber", "001090054321"), ("fullName", "Trần Văn Bình"), ("dateOfBirth", "1990-05-17"),
                                        ("phone", "0966111222"), ("email", "a@b.vn")]),
                ("/dang-nhap", [("username", "001090099999"), ("password", "Một mật khẩu dài 2024"), ("next", "/tai-khoan")]),
                ("/quen-mat-khau", [("username", "001090099999")]),
            ]
            var address = 0
            for (path, fields) in forms {
                for index in fields.indices {
                    for payload in Self.payloads {
                        var form = fields
                        address += 1
                        // A fresh unknown username each time, so the sign-in pause stays out of the way.
                        if let u = form.firstIndex(where: { $0.0 == "username" }) { form[u].1 = String(format: "0010900%05d", address) }
                        form[index].1 = payload
                        let browser = Browser(ctx, from: "10.8.\(address / 250).\(address % 250 + 1)")
                        let res = try await browser.post(path, form)
                        if fields[index].0 == "next" {
                            // A bad next= is not an error: the sign-in simply goes home afterwards.
                            XCTAssertEqual(res.status, .unauthorized, "\(path) next=\(payload)")
                        } else {
                            XCTAssertTrue((400..<500).contains(res.status.code), "\(path) \(fields[index].0)=\(payload): \(res.status)")
                        }
                    }
                }
            }
            try await assertIntact(ctx, citizen)
        }
    }
}
