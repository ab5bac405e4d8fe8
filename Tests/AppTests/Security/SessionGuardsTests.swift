// Guards around sessions and addresses that a green run had taken on trust: the session cookie's attributes,
// the 12-hour limit of a session in use, one code spent once under a race, client addresses only from trusted
// proxies, and the development SMS page only outside production. On SQLite and PostgreSQL.
import Fluent
import Foundation
import XCTVapor
@testable import App

final class SessionGuardsTests: XCTestCase {
    /// `Set-Cookie` of the sign-in: HttpOnly, SameSite=Lax, Path=/, no Domain; over https also Secure and the
    /// `__Host-` prefix, which browsers accept only from a secure origin, host-only, for the whole site.
    func test_the_session_cookie_is_http_only_lax_and_host_only_secure_over_https() async throws {
        for (base, name, secure) in [("http://127.0.0.1:8080", "session", false), ("https://dichvucong.example.vn", "__Host-session", true)] {
            try await withEachDatabase(env: ["PUBLIC_BASE_URL": base]) { ctx in
                let citizen = try await ctx.registeredCitizen()
                let browser = Browser(ctx)
                let signedIn = try await browser.signIn(citizen)
                let header = try XCTUnwrap(signedIn.headers[.setCookie].first { $0.hasPrefix(name + "=") }, "\(base): \(signedIn.headers)")
                let attributes = Set(header.split(separator: ";").dropFirst().map { $0.trimmingCharacters(in: .whitespaces).lowercased() })
                XCTAssertTrue(attributes.contains("httponly"), header)
                XCTAssertTrue(attributes.contains("samesite=lax"), header)
                XCTAssertTrue(attributes.contains("path=/"), header)
                XCTAssertFalse(attributes.contains { $0.hasPrefix("domain=") }, header)
                XCTAssertEqual(attributes.contains("secure"), secure, header)
                // The cookie it set is the one that opens the account page.
                let account = try await browser.get("/tai-khoan")
                XCTAssertEqual(account.status, .ok, "\(base): \(account.status)")
            }
        }
    }

    /// A session kept busy (a call every 20 minutes, inside the 30-minute idle limit) still ends 12 hours after
    /// sign-in: it works a minute before, and not a second after.
    func test_a_session_in_constant_use_ends_twelve_hours_after_sign_in() async throws {
        try await withEachDatabase { ctx in
            let token = try await ctx.registerAndSignIn()
            var elapsed: TimeInterval = 0
            while elapsed + 20 * 60 < Sessions.absoluteTimeout - 60 {
                ctx.time.advance(20 * 60)
                elapsed += 20 * 60
                let me = try await ctx.get("/api/v1/me", token: token)
                XCTAssertEqual(me.status, .ok, "after \(Int(elapsed / 60)) minutes")
            }
            ctx.time.advance(Sessions.absoluteTimeout - 60 - elapsed)
            let lastMinute = try await ctx.get("/api/v1/me", token: token)
            XCTAssertEqual(lastMinute.status, .ok, "a minute before the limit")
            ctx.time.advance(61)
            let after = try await ctx.get("/api/v1/me", token: token)
            XCTAssertEqual(after.status, .unauthorized, "a second after the limit")
        }
    }

    /// The same right code sent twice at once opens one session: the code is spent by the first.
    func test_one_right_code_sent_twice_at_once_opens_one_session() async throws {
        try await withEachDatabase { ctx in
            let citizen = try await ctx.registeredCitizen()
            for round in 0..<3 {
                let started = try await ctx.post("/api/v1/login", ["username": citizen.idNumber, "password": citizen.password])
                XCTAssertEqual(started.status, .ok, started.body.string)
                let challenge = try XCTUnwrap(started.json?["challengeId"] as? String)
                let code = try await ctx.latestCode(to: citizen.phoneE164)
                let before = try await AuthSession.query(on: ctx.app.db).count()
                async let first = ctx.post("/api/v1/login/\(challenge)/verify", ["code": code])
                async let second = ctx.post("/api/v1/login/\(challenge)/verify", ["code": code])
                let answers = try await [first, second]
                XCTAssertEqual(answers.filter { $0.status == .ok }.count, 1, "round \(round): \(answers.map(\.status))")
                XCTAssertTrue(answers.contains { $0.status == .unprocessableEntity || $0.status == .notFound }, "round \(round): \(answers.map(\.status))")
                let after = try await AuthSession.query(on: ctx.app.db).count()
                XCTAssertEqual(after - before, 1, "round \(round): one session")
                ctx.time.advance(120)
            }
        }
    }

    /// `X-Forwarded-For` is believed only from an address in TRUSTED_PROXIES: from anyone else, the peer's own
    /// address is what the per-address limit counts, whatever the header claims.
    func test_forwarded_addresses_count_only_from_a_trusted_proxy() async throws {
        for (trusted, limited) in [("", true), ("10.0.0.9", false)] {
            try await withEachDatabase(env: ["RATE_LIMIT_PER_IP_PER_HOUR": "3", "TRUSTED_PROXIES": trusted]) { ctx in
                var statuses: [HTTPStatus] = []
                for n in 1...5 {
                    let res = try await ctx.send(.POST, "/api/v1/password-resets", json: ["username": "0912345678"],
                                                 headers: ["X-Forwarded-For": "203.0.113.\(n)"], from: "10.0.0.9")
                    statuses.append(res.status)
                }
                if limited {
                    XCTAssertEqual(statuses, [.accepted, .accepted, .accepted, .tooManyRequests, .tooManyRequests], "untrusted peer")
                } else {
                    XCTAssertEqual(statuses, Array(repeating: .accepted, count: 5), "trusted proxy: five addresses")
                }
            }
        }
    }

    /// The sign-in and registration code pages count wrong entries like the API: after five, the right code
    /// opens nothing (no session cookie, no verified registration).
    func test_five_wrong_codes_on_the_code_pages_kill_the_code() async throws {
        try await withEachDatabase { ctx in
            let citizen = try await ctx.registeredCitizen()
            let browser = Browser(ctx)
            let started = try await browser.post("/dang-nhap", [("username", citizen.idNumber), ("password", citizen.password)])
            XCTAssertEqual(started.status, .seeOther, started.body)
            let page = try XCTUnwrap(started.location)
            let code = try await ctx.latestCode(to: citizen.phoneE164)
            try await browser.get(page)
            for n in 1...5 {
                let wrong = String(format: "%06d", (Int(code)! + n) % 1_000_000)
                let res = try await browser.post(page, [("code", wrong)])
                XCTAssertNotEqual(res.status, .seeOther, "wrong code \(n) let the person in")
            }
            let right = try await browser.post(page, [("code", code)])
            XCTAssertNotEqual(right.status, .seeOther, "the right code after five wrong ones")
            XCTAssertNil(browser.cookies["session"], "no session cookie")
            let sessions = try await AuthSession.query(on: ctx.app.db).count()
            XCTAssertEqual(sessions, 0)

            let other = Citizen.other
            let form = Browser(ctx)
            let registering = try await form.post("/dang-ky/thong-tin", [("idNumber", other.idNumber), ("fullName", other.fullName),
                                                                        ("dateOfBirth", other.dateOfBirth), ("phone", other.phone), ("email", "")])
            XCTAssertEqual(registering.status, .seeOther, registering.body)
            let codePage = try XCTUnwrap(registering.location)
            let registrationCode = try await ctx.latestCode(to: other.phoneE164)
            try await form.get(codePage)
            for n in 1...5 {
                let res = try await form.post(codePage, [("code", String(format: "%06d", (Int(registrationCode)! + n) % 1_000_000))])
                XCTAssertNotEqual(res.status, .seeOther, "wrong registration code \(n) passed")
            }
            let late = try await form.post(codePage, [("code", registrationCode)])
            XCTAssertNotEqual(late.status, .seeOther, "the right registration code after five wrong ones")
            let verified = try await Registration.query(on: ctx.app.db).filter(\.$status == .verified).count()
            XCTAssertEqual(verified, 0)
        }
    }

    func test_the_development_sms_page_does_not_exist_in_production() async throws {
        // A production configuration that starts (its safety checks pass); the test's fast hashing is put back to
        // the defaults, which are above the production floor.
        let production = ["PUBLIC_BASE_URL": "https://dichvucong.example.vn", "SMS_GATEWAY_URL": "https://sms.example.vn/send",
                          "ALLOW_SQLITE_IN_PRODUCTION": "true", "HUMAN_CHECK": "pow",
                          "PASSWORD_SCRYPT_N": "", "PASSWORD_SCRYPT_R": "", "PASSWORD_SCRYPT_P": ""]
        try await withEachDatabase(env: production, environment: .production) { ctx in
            let page = try await ctx.send(.GET, "/dev/sms")
            XCTAssertEqual(page.status, .notFound)
            XCTAssertFalse(ctx.app.routes.all.contains { $0.path.map(\.description).joined(separator: "/") == "dev/sms" })
        }
    }
}
