// Open redirects (ASVS V5.1.5) and clickjacking (ASVS V14.4.7): next= never leads off the site, however it is
// spelled or encoded, and every page, error pages included, forbids being framed.
import Fluent
import XCTVapor
@testable import App

final class RedirectAndFramingTests: XCTestCase {
    static let offSite = [
        "//evil.example", "///evil.example", "https://evil.example", "http:evil.example", "https:/evil.example",
        "/\\evil.example", "\\\\evil.example", "\\/evil.example", "/\t/evil.example", "/\r\n/evil.example", "/\n/evil.example",
        " //evil.example", "\t//evil.example", "javascript:alert(1)", "data:text/html,<script>alert(1)</script>",
        "//evil.example/%2F..", "/%0A/evil.example", "/\u{0000}/evil.example", "/\u{007F}/evil.example", "evil.example",
    ]

    /// The raw query spellings too: an encoded slash or tab, decoded once by the server.
    static let rawQueries = ["%2F%2Fevil.example", "%2F%09%2Fevil.example", "%5C%5Cevil.example", "%2F%5Cevil.example", "/%2F/evil.example"]

    func test_the_language_switch_never_leaves_the_site() async throws {
        try await withApp { ctx in
            for next in Self.offSite {
                let res = try await ctx.send(.GET, "/ngon-ngu/vi?next=" + urlEncode(next))
                XCTAssertEqual(res.status, .seeOther)
                XCTAssertTrue(staysOnSite(res.location), "\(next.debugDescription) → \(res.location ?? "")")
            }
            for raw in Self.rawQueries {
                let res = try await ctx.send(.GET, "/ngon-ngu/en?next=" + raw)
                XCTAssertTrue(staysOnSite(res.location), "\(raw) → \(res.location ?? "")")
            }
            let local = try await ctx.send(.GET, "/ngon-ngu/en?next=" + urlEncode("/dich-vu?q=a"))
            XCTAssertEqual(local.location, "/dich-vu?q=a", "a local path is kept")
        }
    }

    func test_sign_in_never_sends_the_person_off_the_site() async throws {
        try await withEachDatabase { ctx in
            let citizen = try await ctx.registeredCitizen()
            for (i, next) in (Self.offSite + Self.rawQueries.map { $0.removingPercentEncoding ?? $0 }).enumerated() {
                // The form keeps next= only when it is local.
                let browser = Browser(ctx)
                let form = try await browser.get("/dang-nhap?next=" + urlEncode(next))
                let kept = form.body.firstMatch(of: /name="next" value="([^"]*)"/).map { String($0.1) }
                XCTAssertTrue(staysOnSite(kept.map { $0.replacingOccurrences(of: "&#92;", with: "\\") }), "\(next.debugDescription) kept as \(kept ?? "")")

                // Posted with the password, then passed along to the code page and on after the code.
                // Three hours apart, so no rolling hour or day holds more codes than the phone may get.
                ctx.time.advance(3 * 3600)
                let started = try await browser.post("/dang-nhap", [("username", citizen.idNumber), ("password", citizen.password), ("next", next)])
                XCTAssertEqual(started.status, .seeOther, "\(i)")
                let codePage = try XCTUnwrap(started.location)
                XCTAssertTrue(codePage.hasPrefix("/dang-nhap/"))
                let carried = URLComponents(string: codePage)?.queryItems?.first { $0.name == "next" }?.value
                XCTAssertTrue(staysOnSite(carried), "\(next.debugDescription) carried as \(carried ?? "")")
                let challenge = String(codePage.prefix(while: { $0 != "?" }))
                let code = try await ctx.latestCode(to: citizen.phoneE164)
                // The attacker's own link to the code page, with next= spelled however they like.
                let done = try await browser.post(challenge + "?next=" + urlEncode(next), [("code", code)])
                XCTAssertEqual(done.status, .seeOther)
                XCTAssertTrue(staysOnSite(done.location), "\(next.debugDescription) → \(done.location ?? "")")
                XCTAssertNotNil(browser.sessionCookie)
            }
        }
    }

    func test_every_page_and_error_page_forbids_framing() async throws {
        try await withEachDatabase { ctx in
            let citizen = try await ctx.registeredCitizen()
            let browser = try await ctx.signedInBrowser(citizen)
            let anonymous = Browser(ctx)
            let r = try await ctx.startRegistration(.other)
            ctx.time.advance(61)
            let started = try await anonymous.post("/dang-nhap", [("username", citizen.idNumber), ("password", citizen.password)])
            let challengePage = try XCTUnwrap(started.location)
            let reset = try await ctx.post("/api/v1/password-resets", ["username": citizen.idNumber])
            let p = try XCTUnwrap(reset.json?["id"] as? String)

            let concrete: [String: (Browser, String)] = [
                "/": (anonymous, "/"), "/ngon-ngu/:code": (anonymous, "/ngon-ngu/en?next=/"), "/dich-vu": (anonymous, "/dich-vu"),
                "/dang-ky": (anonymous, "/dang-ky"), "/dang-ky/thong-tin": (anonymous, "/dang-ky/thong-tin"),
                "/dang-ky/:id/xac-thuc": (anonymous, "/dang-ky/\(r)/xac-thuc"), "/dang-nhap": (anonymous, "/dang-nhap"),
                "/dang-nhap/:id": (anonymous, challengePage), "/quen-mat-khau": (anonymous, "/quen-mat-khau"),
                "/quen-mat-khau/:id": (anonymous, "/quen-mat-khau/\(p)"), "/tai-khoan": (browser, "/tai-khoan"),
                "/tai-khoan/ho-so": (browser, "/tai-khoan/ho-so"), "/tai-khoan/phien": (browser, "/tai-khoan/phien"),
                "/tai-khoan/doi-mat-khau": (browser, "/tai-khoan/doi-mat-khau"), "/dev/sms": (anonymous, "/dev/sms"),
                "/tai-khoan/ung-dung": (browser, "/tai-khoan/ung-dung"),
                // The provider: an unknown client's error page, an expired request, the logout question, its JSON.
                "/oidc/authorize": (browser, "/oidc/authorize?client_id=none&response_type=code"),
                "/oidc/authorize/:id": (browser, "/oidc/authorize/\(UUID().uuidString.lowercased())"),
                "/oidc/logout": (browser, "/oidc/logout"), "/.well-known/openid-configuration": (anonymous, "/.well-known/openid-configuration"),
                "/oidc/jwks": (anonymous, "/oidc/jwks"), "/oidc/userinfo": (anonymous, "/oidc/userinfo"),
                // The e-ID (no provider configured here: not found, framed by nobody either).
                "/dang-nhap/dinh-danh-dien-tu": (anonymous, "/dang-nhap/dinh-danh-dien-tu"),
                "/dang-nhap/dinh-danh-dien-tu/ve": (anonymous, "/dang-nhap/dinh-danh-dien-tu/ve?state=x"),
                "/dang-nhap/dinh-danh-dien-tu/lien-ket/:id": (browser, "/dang-nhap/dinh-danh-dien-tu/lien-ket/\(UUID().uuidString.lowercased())"),
                "/tai-khoan/dinh-danh": (browser, "/tai-khoan/dinh-danh"),
                "/dang-nhap/dinh-danh-dien-tu/so-dien-thoai/:id": (anonymous, "/dang-nhap/dinh-danh-dien-tu/so-dien-thoai/\(UUID().uuidString.lowercased())"),
            ]
            let pages = ctx.app.routes.all.filter { $0.method == .GET }
                .map { "/" + $0.path.map(\.description).joined(separator: "/") }
                .map { $0 == "/" + "" ? "/" : $0 }
                .filter { !$0.hasPrefix("/api/") && !$0.hasPrefix("/health/") && $0 != "/metrics" }
            XCTAssertGreaterThanOrEqual(pages.count, 14)
            var answers: [(String, Answer)] = []
            for template in pages {
                if template.hasPrefix("/quantri") {
                    // Console pages: a signed-in citizen gets the page, a refusal or a not-found; all must forbid framing.
                    let path = template.replacingOccurrences(of: ":accountId", with: UUID().uuidString.lowercased())
                        .replacingOccurrences(of: ":id", with: UUID().uuidString.lowercased())
                    answers.append((template, try await browser.get(path)))
                    continue
                }
                guard let (client, path) = concrete[template] else { XCTFail("\(template) is a new page: add it to this test"); continue }
                answers.append((template, try await client.get(path)))
            }
            // Error pages: not found, the CSRF refusal, and a limit reached.
            answers.append(("404", try await anonymous.get("/khong-co-trang-nay")))
            answers.append(("403", try await anonymous.post("/dang-nhap", [], csrf: false)))
            for _ in 0..<6 { _ = try await anonymous.post("/dang-nhap", [("username", "001090099999"), ("password", "guess guess")]) }
            let limited = try await anonymous.post("/dang-nhap", [("username", "001090099999"), ("password", "guess guess")])
            XCTAssertEqual(limited.status, .tooManyRequests)
            answers.append(("429", limited))

            for (name, res) in answers {
                XCTAssertLessThan(res.status.code, 500, name)
                XCTAssertEqual(res.headers.first(name: "X-Frame-Options"), "DENY", name)
                XCTAssertTrue(res.headers.first(name: "Content-Security-Policy")?.contains("frame-ancestors 'none'") ?? false, name)
            }
        }
    }
}

/// True when a browser following this Location would stay on our site. Browsers drop tabs and line breaks
/// anywhere in a URL and treat "\" like "/", so both are removed before looking at the start.
func staysOnSite(_ location: String?) -> Bool {
    guard let location else { return true }
    let seen = location.unicodeScalars.filter { !["\t", "\n", "\r"].contains($0) }
        .map { $0 == "\\" ? "/" : String($0) }.joined()
        .trimmingCharacters(in: CharacterSet(charactersIn: " ").union(.controlCharacters))
    return seen.hasPrefix("/") && !seen.hasPrefix("//")
}
