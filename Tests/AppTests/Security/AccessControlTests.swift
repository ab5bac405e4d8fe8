// Access control (ASVS V4.1, V4.2.1): guessing or swapping ids — sessions, registrations, sign-in challenges,
// resets — never reads or changes another person's data; a foreign id answers like one that does not exist.
import Fluent
import XCTVapor
@testable import App

final class AccessControlTests: XCTestCase {
    func test_ending_another_accounts_session_from_the_page_fails_and_it_lives_on() async throws {
        try await withEachDatabase { ctx in
            let n = try await ctx.neighbours()
            let browserA = try await ctx.signedInBrowser(n.a)

            let foreign = try await browserA.post("/tai-khoan/phien/\(n.sessionB)/ket-thuc", [])
            let random = try await browserA.post("/tai-khoan/phien/\(UUID().uuidString.lowercased())/ket-thuc", [])
            XCTAssertEqual(foreign.status, .notFound)
            XCTAssertEqual(random.status, foreign.status, "someone else's session looks like none at all")
            let stillB = try await ctx.get("/api/v1/me", token: n.tokenB)
            XCTAssertEqual(stillB.status, .ok)
            let page = try await browserA.get("/tai-khoan/phien")
            XCTAssertFalse(page.body.contains(n.sessionB), "A's list shows only A's sessions")
        }
    }

    func test_a_foreign_session_id_in_the_api_answers_exactly_like_an_unknown_one() async throws {
        try await withEachDatabase { ctx in
            let n = try await ctx.neighbours()
            let tokenA = try await ctx.signIn(n.a)
            let foreign = try await ctx.delete("/api/v1/me/sessions/\(n.sessionB)", token: tokenA)
            let unknown = try await ctx.delete("/api/v1/me/sessions/\(UUID().uuidString)", token: tokenA)
            XCTAssertEqual(foreign.status, .notFound)
            XCTAssertEqual(foreign.body.string, unknown.body.string)
            let idsA = try await ctx.sessionIDs(token: tokenA)
            XCTAssertFalse(idsA.contains(n.sessionB))
            let me = try await ctx.get("/api/v1/me", token: tokenA)
            XCTAssertFalse(me.body.string.contains(n.b.idNumber))
        }
    }

    func test_my_code_does_not_verify_another_persons_registration_nor_my_token_complete_it() async throws {
        try await withEachDatabase { ctx in
            let a = Citizen(), b = Citizen.other
            let (idA, codeA) = try await ctx.pendingRegistration(a)
            let (idB, codeB) = try await ctx.pendingRegistration(b)

            // Whoever holds the id sees no more than the masked phone.
            let page = try await Browser(ctx).get("/dang-ky/\(idA)/xac-thuc")
            XCTAssertTrue(page.body.contains("091****678"))
            XCTAssertFalse(page.body.contains("0912345678") || page.body.contains(a.idNumber) || page.body.contains("Hồng Đào"))

            // B, holding A's registration id, tries B's own code on it.
            let swapped = try await ctx.enterRegistrationCode(idA, codeB)
            XCTAssertEqual(swapped.status, .unprocessableEntity)
            XCTAssertNil(swapped.json?["completionToken"])
            let tokenB = try await ctx.verifyRegistration(idB, code: codeB)
            let verifiedA = try await ctx.enterRegistrationCode(idA, codeA)
            XCTAssertEqual(verifiedA.status, .ok, "A's own code still works after the foreign try")
            // B's completion token does not finish A's registration with B's password.
            let hijack = try await ctx.post("/api/v1/registrations/\(idA)/complete", ["completionToken": tokenB, "password": b.password])
            XCTAssertEqual(hijack.status, .forbidden)
            let accounts = try await Account.query(on: ctx.app.db).count()
            XCTAssertEqual(accounts, 0)
        }
    }

    func test_my_code_does_not_pass_another_persons_sign_in_challenge() async throws {
        try await withEachDatabase { ctx in
            let a = try await ctx.registeredCitizen(), b = try await ctx.registeredCitizen(.other)
            let challengeA = try await ctx.startSignIn(a.idNumber, a.password)
            let codeA = try await ctx.latestCode(to: a.phoneE164)
            let challengeB = try await ctx.startSignIn(b.idNumber, b.password)
            let codeB = try await ctx.latestCode(to: b.phoneE164)

            let swapped = try await ctx.post("/api/v1/login/\(challengeA)/verify", ["code": codeB])
            XCTAssertEqual(swapped.status, .unprocessableEntity)
            XCTAssertNil(swapped.json?["token"])
            let random = try await ctx.post("/api/v1/login/\(UUID().uuidString)/verify", ["code": codeB])
            XCTAssertEqual(random.status, .notFound)
            let resendForeign = try await ctx.post("/api/v1/login/\(UUID().uuidString)/otp", [:])
            XCTAssertEqual(resendForeign.status, .notFound)

            // A page sign-in challenge cannot be finished through the API, nor an API one through the page.
            let browser = Browser(ctx)
            ctx.time.advance(61)
            let web = try await browser.post("/dang-nhap", [("username", b.idNumber), ("password", b.password)])
            let webChallenge = try XCTUnwrap(web.location?.split(separator: "/").last.map(String.init))
            let webCode = try await ctx.latestCode(to: b.phoneE164)
            let crossed = try await ctx.post("/api/v1/login/\(webChallenge)/verify", ["code": webCode])
            XCTAssertEqual(crossed.status, .notFound)
            let crossedBack = try await browser.post("/dang-nhap/\(challengeB)", [("code", codeB)])
            XCTAssertTrue((400..<500).contains(crossedBack.status.code), "\(crossedBack.status)")
            XCTAssertNil(browser.sessionCookie, "no page session from an API challenge")

            let own = try await ctx.post("/api/v1/login/\(challengeA)/verify", ["code": codeA])
            XCTAssertEqual(own.status, .ok, "A's own code still works")
            let me = try await ctx.get("/api/v1/me", token: try XCTUnwrap(own.json?["token"] as? String))
            XCTAssertEqual(me.json?["fullName"] as? String, a.fullName)
        }
    }

    func test_my_code_does_not_reset_another_persons_password() async throws {
        try await withEachDatabase { ctx in
            let a = try await ctx.registeredCitizen(), b = try await ctx.registeredCitizen(.other)
            ctx.time.advance(61)
            let ra = try await ctx.post("/api/v1/password-resets", ["username": a.idNumber])
            let resetA = try XCTUnwrap(ra.json?["id"] as? String)
            let rb = try await ctx.post("/api/v1/password-resets", ["username": b.idNumber])
            let resetB = try XCTUnwrap(rb.json?["id"] as? String)
            let codeB = try await ctx.latestCode(to: b.phoneE164)

            let hijack = try await ctx.post("/api/v1/password-resets/\(resetA)/complete", ["code": codeB, "newPassword": "Kẻ gian đổi mật khẩu 99"])
            XCTAssertEqual(hijack.status, .unprocessableEntity)
            let random = try await ctx.post("/api/v1/password-resets/\(UUID().uuidString)/complete", ["code": codeB, "newPassword": "Kẻ gian đổi mật khẩu 99"])
            XCTAssertEqual(random.status, .notFound)
            let resendRandom = try await ctx.post("/api/v1/password-resets/\(UUID().uuidString)/otp", [:])
            XCTAssertEqual(resendRandom.status, .notFound)

            ctx.time.advance(61)
            _ = try await ctx.signIn(a)
            let hijacked = try await ctx.post("/api/v1/login", ["username": a.idNumber, "password": "Kẻ gian đổi mật khẩu 99"])
            XCTAssertEqual(hijacked.status, .unauthorized, "A's password did not change")
            let own = try await ctx.post("/api/v1/password-resets/\(resetB)/complete", ["code": codeB, "newPassword": "Biển xanh cát trắng 2025"])
            XCTAssertEqual(own.status, .ok, "B's own reset still works")
        }
    }
}
