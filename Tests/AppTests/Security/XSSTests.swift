// Cross-site scripting (ASVS V5.3.3): names with markup are refused, and every page that shows back what was
// typed, or what a browser sent (the user agent), escapes it.
import Fluent
import XCTVapor
@testable import App

final class XSSTests: XCTestCase {
    static let payloads = [
        "<script>alert(1)</script>",
        "\"><script>alert(2)</script>",
        "'><img src=x onerror=alert(3)>",
        "\"><svg onload=alert(4)>",
        "</textarea><iframe src=javascript:alert(5)>",
        "\" autofocus onfocus=alert(6) x=\"",
    ]

    /// Neither the payload itself (every one holds a < or a ") nor any tag it could have brought: the only
    /// scripts are the site's own files.
    private func assertEscaped(_ html: String, _ payload: String, _ context: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(html.contains(payload), "\(context): shown raw", file: file, line: line)
        for match in html.matches(of: /<script\b[^>]*>/) {
            XCTAssertTrue(match.output.hasPrefix("<script src=\"/js/"), "\(context): \(match.output)", file: file, line: line)
        }
        for tag in ["<img", "<svg", "<iframe", "<textarea", "</textarea"] {
            XCTAssertFalse(html.contains(tag), "\(context): raw \(tag)", file: file, line: line)
        }
    }

    private func escaped(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "'", with: "&#39;")
    }

    func test_a_name_with_markup_is_refused_by_the_name_rule() async throws {
        try await withEachDatabase { ctx in
            for payload in Self.payloads + ["Nguyễn <b>An</b>", "An&#60;script"] {
                var citizen = Citizen()
                citizen.fullName = payload
                let res = try await ctx.post("/api/v1/registrations", citizen.registration)
                XCTAssertEqual(res.status, .unprocessableEntity, payload)
                XCTAssertNotNil(res.errorFields?["fullName"], payload)
            }
            let registrations = try await Registration.query(on: ctx.app.db).count()
            XCTAssertEqual(registrations, 0)
        }
    }

    func test_the_registration_form_shows_every_bad_field_back_escaped() async throws {
        try await withApp { ctx in
            let browser = Browser(ctx)
            for payload in Self.payloads {
                let res = try await browser.post("/dang-ky/thong-tin", [
                    ("idNumber", payload), ("fullName", payload), ("dateOfBirth", payload), ("phone", payload), ("email", payload),
                ])
                XCTAssertEqual(res.status, .unprocessableEntity)
                XCTAssertTrue(res.body.contains("&lt;") || res.body.contains("&quot;"), "the input is shown back, escaped")
                assertEscaped(res.body, payload, "registration")
            }
        }
    }

    func test_the_sign_in_and_reset_forms_show_the_username_back_escaped() async throws {
        try await withApp { ctx in
            let browser = Browser(ctx)
            for payload in Self.payloads {
                let login = try await browser.post("/dang-nhap", [("username", payload), ("password", "x"), ("next", "/" + payload)])
                XCTAssertEqual(login.status, .unprocessableEntity)
                assertEscaped(login.body, payload, "sign-in")
                let form = try await browser.get("/dang-nhap?next=" + urlEncode("/" + payload))
                assertEscaped(form.body, payload, "sign-in next")
                let reset = try await browser.post("/quen-mat-khau", [("username", payload)])
                XCTAssertEqual(reset.status, .unprocessableEntity)
                assertEscaped(reset.body, payload, "reset")
            }
        }
    }

    func test_the_service_search_shows_the_query_back_escaped() async throws {
        try await withEachDatabase { ctx in
            let browser = try await ctx.signedInBrowser(try await ctx.registeredCitizen())
            for payload in Self.payloads {
                for page in ["/dich-vu", "/tai-khoan"] {
                    let res = try await browser.get(page + "?q=" + urlEncode(payload) + "&chon=" + urlEncode(payload))
                    XCTAssertEqual(res.status, .ok, page)
                    XCTAssertTrue(res.body.contains("id=\"q\" name=\"q\" type=\"search\" value=\"" + escaped(payload) + "\""), "\(page): kept in the box, escaped")
                    assertEscaped(res.body, payload, "\(page) q")
                }
            }
        }
    }

    func test_codes_and_paths_shown_on_other_pages_are_escaped() async throws {
        try await withEachDatabase { ctx in
            let citizen = try await ctx.registeredCitizen()
            let browser = Browser(ctx)
            let started = try await browser.post("/dang-nhap", [("username", citizen.idNumber), ("password", citizen.password)])
            let challenge = try XCTUnwrap(started.location)
            for payload in Self.payloads {
                let otp = try await browser.post(challenge + "?next=" + urlEncode("/" + payload), [("code", payload)])
                assertEscaped(otp.body, payload, "sign-in code")
                let missing = try await browser.get("/" + urlEncode(payload))
                XCTAssertEqual(missing.status, .notFound)
                assertEscaped(missing.body, payload, "404 path")
                let badID = try await browser.get("/dang-ky/" + urlEncode(payload) + "/xac-thuc")
                assertEscaped(badID.body, payload, "bad id")
            }
        }
    }

    func test_a_hostile_user_agent_is_escaped_on_the_sessions_page() async throws {
        try await withEachDatabase { ctx in
            let citizen = try await ctx.registeredCitizen()
            // A session made elsewhere by a client with a hostile user agent, through the API …
            let challenge = try await ctx.startSignIn(citizen.idNumber, citizen.password)
            let code = try await ctx.latestCode(to: citizen.phoneE164)
            let verified = try await ctx.post("/api/v1/login/\(challenge)/verify", ["code": code], headers: ["User-Agent": Self.payloads[1]])
            XCTAssertEqual(verified.status, .ok)
            // … and one through the pages.
            ctx.time.advance(61)
            let browser = Browser(ctx)
            browser.userAgent = Self.payloads[2]
            try await browser.signIn(citizen)
            let page = try await browser.get("/tai-khoan/phien")
            XCTAssertEqual(page.status, .ok)
            XCTAssertTrue(page.body.contains("&lt;script&gt;alert(2)"), "the agent is shown, as text")
            assertEscaped(page.body, Self.payloads[1], "sessions page")
            assertEscaped(page.body, Self.payloads[2], "sessions page")
        }
    }
}
