// Account enumeration (ASVS V2.2, V3; NIST 800-63B §5.2.2): registration, sign-in and password reset answer
// an outsider the same whether or not an ID number or phone has an account, with the same work done.
import Fluent
import XCTVapor
@testable import App

final class EnumerationTests: XCTestCase {
    /// The body without what differs on every request anyway.
    private func stable(_ body: String) -> String {
        body.replacing(/value="[A-Za-z0-9_\-]{20,}"/, with: "value=\"…\"")
            .replacing(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/, with: "<uuid>")
            .replacing(/[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}/, with: "<uuid>")
    }

    func test_sign_in_by_phone_answers_an_unknown_phone_like_a_wrong_password_with_the_same_work() async throws {
        try await withEachDatabase { ctx in
            let citizen = try await ctx.registeredCitizen()
            try await ctx.assertUnknownAccountLooksLikeAWrongPassword(known: citizen.phone, unknown: "0987 000 111")
        }
    }

    func test_the_sign_in_page_answers_an_unknown_account_like_a_wrong_password() async throws {
        try await withEachDatabase { ctx in
            let citizen = try await ctx.registeredCitizen()
            let browser = Browser(ctx)
            let wrong = try await browser.post("/dang-nhap", [("username", citizen.idNumber), ("password", "not the password")])
            let unknown = try await browser.post("/dang-nhap", [("username", "001090099999"), ("password", "not the password")])
            XCTAssertEqual(wrong.status, .unauthorized)
            XCTAssertEqual(unknown.status, wrong.status)
            XCTAssertEqual(stable(unknown.body).replacingOccurrences(of: "001090099999", with: "<id>"),
                           stable(wrong.body).replacingOccurrences(of: citizen.idNumber, with: "<id>"))
        }
    }

    func test_repeated_failures_pause_an_unknown_account_exactly_like_a_real_one() async throws {
        try await withEachDatabase { ctx in
            let citizen = try await ctx.registeredCitizen()
            var known: [String] = [], unknown: [String] = []
            for _ in 0..<7 {
                let k = try await ctx.send(.POST, "/api/v1/login", json: ["username": citizen.idNumber, "password": "wrong password 1"], from: "198.51.100.1")
                let u = try await ctx.send(.POST, "/api/v1/login", json: ["username": "001090099999", "password": "wrong password 1"], from: "198.51.100.2")
                known.append("\(k.status.code) \(k.headers.first(name: .retryAfter) ?? "-") \(k.body)")
                unknown.append("\(u.status.code) \(u.headers.first(name: .retryAfter) ?? "-") \(u.body)")
            }
            XCTAssertEqual(known, unknown, "a pause that only real accounts get would tell which ID numbers have one")
            XCTAssertTrue(known.last?.hasPrefix("429") ?? false, known.last ?? "")
        }
    }

    func test_a_reset_for_an_unknown_account_looks_the_same_at_every_step() async throws {
        try await withEachDatabase { ctx in
            let citizen = try await ctx.registeredCitizen()
            ctx.time.advance(61)
            let known = try await ctx.post("/api/v1/password-resets", ["username": citizen.idNumber])
            let unknown = try await ctx.post("/api/v1/password-resets", ["username": "001090099999"])
            XCTAssertEqual(known.status, .accepted)
            XCTAssertEqual(unknown.status, known.status)
            XCTAssertEqual(unknown.json?.keys.sorted(), known.json?.keys.sorted())
            let knownID = try XCTUnwrap(known.json?["id"] as? String)
            let unknownID = try XCTUnwrap(unknown.json?["id"] as? String)

            // Wrong codes, until the code dies, then a resend and another wrong code: every answer alike.
            for attempt in 1...7 {
                if attempt == 7 {
                    ctx.time.advance(61)
                    let k = try await ctx.post("/api/v1/password-resets/\(knownID)/otp", [:])
                    let u = try await ctx.post("/api/v1/password-resets/\(unknownID)/otp", [:])
                    XCTAssertEqual(k.status, u.status)
                    XCTAssertEqual(k.body.string, u.body.string)
                }
                let k = try await ctx.post("/api/v1/password-resets/\(knownID)/complete", ["code": "000000", "newPassword": "Mùa thu Hà Nội 1945"])
                let u = try await ctx.post("/api/v1/password-resets/\(unknownID)/complete", ["code": "000000", "newPassword": "Mùa thu Hà Nội 1945"])
                XCTAssertEqual(k.status, u.status, "attempt \(attempt)")
                XCTAssertEqual(k.body.string, u.body.string, "attempt \(attempt)")
            }
            // And once the code has expired.
            ctx.time.advance(301)
            let k = try await ctx.post("/api/v1/password-resets/\(knownID)/complete", ["code": "000000", "newPassword": "Mùa thu Hà Nội 1945"])
            let u = try await ctx.post("/api/v1/password-resets/\(unknownID)/complete", ["code": "000000", "newPassword": "Mùa thu Hà Nội 1945"])
            XCTAssertEqual(k.body.string, u.body.string)
        }
    }

    func test_every_reset_in_an_hour_answers_the_same_whatever_the_phone_received_before() async throws {
        try await withEachDatabase { ctx in
            // The phone behind the account got codes this hour that a stranger never sees: the registration's,
            // and a sign-in's. They must not change how many resets behave like resets.
            let citizen = try await ctx.registeredCitizen()
            ctx.time.advance(61)
            let login = try await ctx.post("/api/v1/login", ["username": citizen.idNumber, "password": citizen.password])
            XCTAssertEqual(login.status, .ok)
            for round in 1...7 {
                ctx.time.advance(61)
                let known = try await ctx.post("/api/v1/password-resets", ["username": citizen.idNumber])
                let unknown = try await ctx.post("/api/v1/password-resets", ["username": "001090099999"])
                XCTAssertEqual(known.status, unknown.status, "round \(round)")
                guard let knownID = known.json?["id"] as? String, let unknownID = unknown.json?["id"] as? String else {
                    XCTAssertEqual(stable(known.body.string), stable(unknown.body.string), "round \(round)")
                    continue
                }
                let k = try await ctx.post("/api/v1/password-resets/\(knownID)/complete", ["code": "000000", "newPassword": "Mùa thu Hà Nội 1945"])
                let u = try await ctx.post("/api/v1/password-resets/\(unknownID)/complete", ["code": "000000", "newPassword": "Mùa thu Hà Nội 1945"])
                XCTAssertEqual(k.status, u.status, "round \(round)")
                XCTAssertEqual(k.body.string, u.body.string, "round \(round)")
                ctx.time.advance(61)
                let kr = try await ctx.post("/api/v1/password-resets/\(knownID)/otp", [:])
                let ur = try await ctx.post("/api/v1/password-resets/\(unknownID)/otp", [:])
                XCTAssertEqual(kr.status, ur.status, "resend, round \(round)")
                XCTAssertEqual(kr.body.string, ur.body.string, "resend, round \(round)")
            }
        }
    }

    func test_the_reset_pages_look_the_same_for_an_unknown_account() async throws {
        try await withEachDatabase { ctx in
            let citizen = try await ctx.registeredCitizen()
            ctx.time.advance(61)
            let browser = Browser(ctx)
            let known = try await browser.post("/quen-mat-khau", [("username", citizen.idNumber)])
            let unknown = try await browser.post("/quen-mat-khau", [("username", "001090099999")])
            XCTAssertEqual(known.status, .seeOther)
            XCTAssertEqual(unknown.status, known.status)
            let knownPage = try await browser.get(try XCTUnwrap(known.location))
            let unknownPage = try await browser.get(try XCTUnwrap(unknown.location))
            XCTAssertEqual(stable(knownPage.body), stable(unknownPage.body))
            let knownWrong = try await browser.post(known.location!, [("code", "000000"), ("password", "Mùa thu Hà Nội 1945"), ("passwordConfirm", "Mùa thu Hà Nội 1945")])
            let unknownWrong = try await browser.post(unknown.location!, [("code", "000000"), ("password", "Mùa thu Hà Nội 1945"), ("passwordConfirm", "Mùa thu Hà Nội 1945")])
            XCTAssertEqual(knownWrong.status, unknownWrong.status)
            XCTAssertEqual(stable(knownWrong.body), stable(unknownWrong.body))
        }
    }

    func test_registration_for_an_id_number_that_has_an_account_starts_like_any_other() async throws {
        try await withEachDatabase { ctx in
            let citizen = try await ctx.registeredCitizen()
            let again = try citizen.with(phone: "0977 111 222")
            let fresh = try citizen.with(idNumber: "001090054321").with(phone: "0966 111 222")
            let taken = try await ctx.post("/api/v1/registrations", again.registration)
            let free = try await ctx.post("/api/v1/registrations", fresh.registration)
            XCTAssertEqual(taken.status, .created)
            XCTAssertEqual(free.status, taken.status)
            XCTAssertEqual(taken.json?.keys.sorted(), free.json?.keys.sorted())
            XCTAssertEqual(taken.json?["otpExpiresAt"] as? String, free.json?["otpExpiresAt"] as? String)
            XCTAssertEqual(taken.json?["nextSendAt"] as? String, free.json?["nextSendAt"] as? String)

            let browser = Browser(ctx)
            func form(_ c: Citizen) -> [(String, String)] {
                [("idNumber", c.idNumber), ("fullName", c.fullName), ("dateOfBirth", c.dateOfBirth), ("phone", c.phone)]
            }
            ctx.time.advance(61)
            let takenPage = try await browser.post("/dang-ky/thong-tin", form(again))
            let freePage = try await browser.post("/dang-ky/thong-tin", form(fresh))
            XCTAssertEqual(takenPage.status, .seeOther)
            XCTAssertEqual(freePage.status, takenPage.status)
        }
    }
}
