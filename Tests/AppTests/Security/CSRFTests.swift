// CSRF (ASVS V4.2.2, V3.5): every state-changing page form refuses a post without the form's token, or with
// a token made for another browser, and changes nothing. The list of routes comes from the router, so a new
// form route without a case here fails the test.
import Fluent
import XCTVapor
@testable import App

final class CSRFTests: XCTestCase {
    /// A signed-in browser and one live flow of every kind, with the codes that would complete them.
    private struct Scene {
        let browser: Browser
        let registration: String, registrationCode: String
        let challenge: String, challengeCode: String
        let reset: String, resetCode: String
        let otherSession: String
    }

    private func scene(_ ctx: TestContext) async throws -> Scene {
        let a = Citizen()
        let token = try await ctx.registerAndSignIn(a)
        let sessions = try await ctx.sessionIDs(token: token)
        let otherSession = try XCTUnwrap(sessions.first)
        let browser = try await ctx.signedInBrowser(a)

        let pending = Browser(ctx)
        let started = try await pending.post("/dang-nhap", [("username", a.idNumber), ("password", a.password)])
        let challenge = try XCTUnwrap(started.location?.split(separator: "/").last.map(String.init))
        let challengeCode = try await ctx.latestCode(to: a.phoneE164)
        let reset = try await ctx.post("/api/v1/password-resets", ["username": a.idNumber])
        let resetID = try XCTUnwrap(reset.json?["id"] as? String)
        let resetCode = try await ctx.latestCode(to: a.phoneE164)

        let b = Citizen.other
        let (registrationID, registrationCode) = try await ctx.pendingRegistration(b)
        ctx.time.advance(61)
        return Scene(browser: browser, registration: registrationID, registrationCode: registrationCode, challenge: challenge,
                     challengeCode: challengeCode, reset: resetID, resetCode: resetCode, otherSession: otherSession)
    }

    /// A request that would change something if its token were right.
    private func request(for template: String, _ s: Scene) -> (String, [(String, String)])? {
        let a = Citizen(), b = Citizen.other, newPassword = "Mùa thu Hà Nội 1945"
        switch template {
        case "/dang-ky/thong-tin":
            return (template, [("idNumber", "001090054321"), ("fullName", "Trần Văn Bình"), ("dateOfBirth", "1990-05-17"), ("phone", "0966 111 222")])
        case "/dang-ky/:id/xac-thuc": return ("/dang-ky/\(s.registration)/xac-thuc", [("code", s.registrationCode)])
        case "/dang-ky/:id/gui-lai": return ("/dang-ky/\(s.registration)/gui-lai", [])
        case "/dang-ky/:id/mat-khau":
            return ("/dang-ky/\(s.registration)/mat-khau", [("completionToken", "x"), ("password", b.password), ("passwordConfirm", b.password)])
        case "/dang-nhap": return (template, [("username", a.idNumber), ("password", a.password)])
        case "/dang-nhap/:id": return ("/dang-nhap/\(s.challenge)", [("code", s.challengeCode)])
        case "/dang-nhap/:id/gui-lai": return ("/dang-nhap/\(s.challenge)/gui-lai", [])
        case "/dang-xuat": return (template, [])
        case "/quen-mat-khau": return (template, [("username", a.idNumber)])
        case "/quen-mat-khau/:id":
            return ("/quen-mat-khau/\(s.reset)", [("code", s.resetCode), ("password", newPassword), ("passwordConfirm", newPassword)])
        case "/quen-mat-khau/:id/gui-lai": return ("/quen-mat-khau/\(s.reset)/gui-lai", [])
        case "/tai-khoan/phien/:id/ket-thuc": return ("/tai-khoan/phien/\(s.otherSession)/ket-thuc", [])
        case "/dang-nhap/dinh-danh-dien-tu/so-dien-thoai/:id": return ("/dang-nhap/dinh-danh-dien-tu/so-dien-thoai/\(UUID().uuidString.lowercased())", [("phone", "0987123456")])
        case "/dang-nhap/dinh-danh-dien-tu/so-dien-thoai/:id/xac-thuc": return ("/dang-nhap/dinh-danh-dien-tu/so-dien-thoai/\(UUID().uuidString.lowercased())/xac-thuc", [("code", "123456")])
        case "/dang-nhap/dinh-danh-dien-tu/so-dien-thoai/:id/gui-lai": return ("/dang-nhap/dinh-danh-dien-tu/so-dien-thoai/\(UUID().uuidString.lowercased())/gui-lai", [])
        case "/tai-khoan/dinh-danh/:id/go-bo": return ("/tai-khoan/dinh-danh/\(UUID().uuidString.lowercased())/go-bo", [])
        case "/tai-khoan/ung-dung/:id/rut-lai": return ("/tai-khoan/ung-dung/\(UUID().uuidString.lowercased())/rut-lai", [])
        case "/oidc/authorize/:id": return ("/oidc/authorize/\(UUID().uuidString.lowercased())", [("decision", "allow")])
        case "/oidc/logout/xac-nhan": return (template, [])
        case "/tai-khoan/doi-mat-khau":
            return (template, [("currentPassword", a.password), ("password", newPassword), ("passwordConfirm", newPassword)])
        default:
            // Console forms: a signed-in browser, made-up ids; without the token nothing may happen.
            guard template.hasPrefix("/quantri") else { return nil }
            let path = template.replacingOccurrences(of: ":accountId", with: UUID().uuidString.lowercased())
                .replacingOccurrences(of: ":id", with: UUID().uuidString.lowercased())
            return (path, [("name", "Đơn vị thử"), ("idNumber", a.idNumber), ("roles[]", "officer"), ("code", "123456"), ("position", "Chuyên viên")])
        }
    }

    /// Every page form; not the provider's server-to-server endpoints, nor the two requests that other sites
    /// post to it by design (checked by the provider itself: see the test below).
    private func formRoutes(_ app: Application) -> [String] {
        app.routes.all.filter { $0.method == .POST && $0.path.first?.description != "api" }
            .map { "/" + $0.path.map(\.description).joined(separator: "/") }
            .filter { !CSRFMiddleware.formless($0) && !CSRFMiddleware.crossSitePosts.contains($0) }
    }

    func test_a_logout_request_posted_by_another_site_only_asks_the_person() async throws {
        try await withEachDatabase { ctx in
            let s = try await scene(ctx)
            let before = try await ctx.snapshot()
            let asked = try await s.browser.post("/oidc/logout", [("post_logout_redirect_uri", "https://evil.example/")], csrf: false)
            XCTAssertEqual(asked.status, .badRequest, "an unregistered address is refused")
            let plain = try await s.browser.post("/oidc/logout", [], csrf: false)
            XCTAssertEqual(plain.status, .ok)
            XCTAssertTrue(plain.body.contains("sso-logout-form"), plain.body)
            let after = try await ctx.snapshot()
            XCTAssertEqual(after, before, "the session was not ended without the person's answer")
            let still = try await s.browser.get("/tai-khoan")
            XCTAssertEqual(still.status, .ok)
        }
    }

    func test_every_page_form_refuses_a_post_without_its_token_and_changes_nothing() async throws {
        try await withEachDatabase { ctx in
            let s = try await scene(ctx)
            let routes = formRoutes(ctx.app)
            XCTAssertGreaterThanOrEqual(routes.count, 13)
            let before = try await ctx.snapshot()
            for template in routes {
                guard let (path, fields) = request(for: template, s) else {
                    XCTFail("\(template) is a new form route: add it to this test"); continue
                }
                let res = try await s.browser.post(path, fields, csrf: false)
                XCTAssertEqual(res.status, .forbidden, template)
                XCTAssertTrue(res.body.contains("Phiên làm việc của biểu mẫu đã hết hạn"), template)
                let after = try await ctx.snapshot()
                XCTAssertEqual(after, before, "\(template) changed data without a token")
            }
        }
    }

    func test_a_token_made_for_another_browser_is_refused_too() async throws {
        try await withEachDatabase { ctx in
            let s = try await scene(ctx)
            let attacker = Browser(ctx)
            try await attacker.get("/dang-nhap")
            let foreignToken = try XCTUnwrap(attacker.formToken)
            let before = try await ctx.snapshot()
            for template in formRoutes(ctx.app) {
                guard let (path, fields) = request(for: template, s) else { continue }
                let res = try await s.browser.post(path, fields + [("_csrf", foreignToken)], csrf: false)
                XCTAssertEqual(res.status, .forbidden, template)
                // A header token from the wrong browser fails the same way.
                var headers = s.browser.headers
                headers.replaceOrAdd(name: "X-CSRF-Token", value: foreignToken)
                let viaHeader = try await ctx.send(.POST, path, form: fields, headers: headers)
                XCTAssertEqual(viaHeader.status, .forbidden, template)
            }
            let after = try await ctx.snapshot()
            XCTAssertEqual(after, before)
        }
    }

    func test_a_post_with_no_cookie_at_all_is_refused_even_with_a_token() async throws {
        try await withEachDatabase { ctx in
            let s = try await scene(ctx)
            let token = try XCTUnwrap(s.browser.formToken)
            let before = try await ctx.snapshot()
            let res = try await ctx.send(.POST, "/dang-nhap", form: [("username", Citizen().idNumber), ("password", Citizen().password), ("_csrf", token)])
            XCTAssertEqual(res.status, .forbidden)
            let after = try await ctx.snapshot()
            XCTAssertEqual(after, before)
        }
    }

    func test_with_its_token_the_same_form_does_work() async throws {
        try await withEachDatabase { ctx in
            let s = try await scene(ctx)
            let before = try await ctx.snapshot()
            let res = try await s.browser.post("/tai-khoan/phien/\(s.otherSession)/ket-thuc", [])
            XCTAssertEqual(res.status, .seeOther)
            let after = try await ctx.snapshot()
            XCTAssertNotEqual(after, before, "the control: the token is what made the difference")
        }
    }
}
