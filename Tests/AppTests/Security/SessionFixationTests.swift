// Session fixation (ASVS V3.2.1, V3.3): signing in always makes a new session id; a value planted before
// sign-in is never adopted, and a token of one kind never works as the other.
import Fluent
import XCTVapor
@testable import App

final class SessionFixationTests: XCTestCase {
    func test_a_session_cookie_planted_before_sign_in_is_replaced_and_never_works() async throws {
        try await withEachDatabase { ctx in
            let citizen = try await ctx.registeredCitizen()
            let planted = "attacker-chosen-session-value-0123456789abcdef"
            let browser = Browser(ctx)
            browser.cookies["session"] = planted
            try await browser.get("/dang-nhap")
            let before = browser.cookies
            let done = try await browser.signIn(citizen)
            XCTAssertEqual(done.status, .seeOther)
            let issued = try XCTUnwrap(browser.sessionCookie)
            XCTAssertNotEqual(issued, planted)
            XCTAssertFalse(before.values.contains(issued), "the new id is nothing the browser had before")
            XCTAssertGreaterThanOrEqual(issued.count, 40)

            let stolen = Browser(ctx)
            stolen.cookies["session"] = planted
            let res = try await stolen.get("/tai-khoan")
            XCTAssertEqual(res.status, .seeOther, "the planted value signs nobody in")
            XCTAssertTrue(res.location?.hasPrefix("/dang-nhap") ?? false)
            let own = try await browser.get("/tai-khoan")
            XCTAssertEqual(own.status, .ok)
        }
    }

    func test_signing_in_again_makes_another_id_and_the_old_one_ends_at_sign_out() async throws {
        try await withEachDatabase { ctx in
            let citizen = try await ctx.registeredCitizen()
            let browser = try await ctx.signedInBrowser(citizen)
            let first = try XCTUnwrap(browser.sessionCookie)
            ctx.time.advance(61)
            try await browser.signIn(citizen)
            let second = try XCTUnwrap(browser.sessionCookie)
            XCTAssertNotEqual(first, second)
            let out = try await browser.post("/dang-xuat", [])
            XCTAssertEqual(out.status, .seeOther)
            XCTAssertNil(browser.sessionCookie, "the cookie is cleared")
            let replay = Browser(ctx)
            replay.cookies["session"] = second
            let res = try await replay.get("/tai-khoan")
            XCTAssertEqual(res.status, .seeOther, "a signed-out id does not come back")
        }
    }

    func test_the_api_token_is_new_and_not_the_one_the_client_offered() async throws {
        try await withEachDatabase { ctx in
            let citizen = try await ctx.registeredCitizen()
            let offered = "attacker-chosen-token-0123456789abcdefghijkl"
            let started = try await ctx.post("/api/v1/login", ["username": citizen.idNumber, "password": citizen.password], token: offered)
            let challenge = try XCTUnwrap(started.json?["challengeId"] as? String)
            let code = try await ctx.latestCode(to: citizen.phoneE164)
            let verified = try await ctx.post("/api/v1/login/\(challenge)/verify", ["code": code], token: offered)
            let token = try XCTUnwrap(verified.json?["token"] as? String)
            XCTAssertNotEqual(token, offered)
            XCTAssertNotEqual(token, challenge)
            let attacker = try await ctx.get("/api/v1/me", token: offered)
            XCTAssertEqual(attacker.status, .unauthorized)
            let stored = try await AuthSession.query(on: ctx.app.db).all().map(\.tokenHash)
            XCTAssertFalse(stored.contains(token), "only a hash of the token is kept")
        }
    }

    func test_a_page_session_is_no_api_token_and_an_api_token_is_no_page_session() async throws {
        try await withEachDatabase { ctx in
            let citizen = try await ctx.registeredCitizen()
            let browser = try await ctx.signedInBrowser(citizen)
            let cookie = try XCTUnwrap(browser.sessionCookie)
            ctx.time.advance(61)
            let token = try await ctx.signIn(citizen)

            let cookieAsBearer = try await ctx.get("/api/v1/me", token: cookie)
            XCTAssertEqual(cookieAsBearer.status, .unauthorized)
            let tokenAsCookie = Browser(ctx)
            tokenAsCookie.cookies["session"] = token
            let page = try await tokenAsCookie.get("/tai-khoan")
            XCTAssertEqual(page.status, .seeOther)
            let apiByCookie = try await browser.get("/api/v1/me")
            XCTAssertEqual(apiByCookie.status, .unauthorized, "the API never authenticates by cookie")
        }
    }
}
