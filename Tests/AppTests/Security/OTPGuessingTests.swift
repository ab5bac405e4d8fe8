// Guessing SMS codes (ASVS V2.7, NIST 800-63B §5.1.3): however many guesses, over however many codes,
// resends and new sign-ins, none succeeds; each code dies after 5 wrong entries, counted atomically; and
// the per-phone send limits cap how many codes an attacker can make the portal send.
import Fluent
import XCTVapor
@testable import App

final class OTPGuessingTests: XCTestCase {
    /// A wrong guess for a code: a sweep through the code space that skips the real code, so the test
    /// proves the limits rather than relying on luck.
    private struct Sweep {
        var next = 0
        mutating func guess(avoiding real: String?) -> String {
            var g = String(format: "%06d", next % 1_000_000)
            next += 1
            if g == real { g = String(format: "%06d", next % 1_000_000); next += 1 }
            return g
        }
    }

    private func retryAfter(_ res: XCTHTTPResponse) -> Double {
        Double(res.headers.first(name: .retryAfter) ?? "") ?? 60
    }

    func test_ten_thousand_guesses_over_codes_resends_and_sign_ins_never_succeed() async throws {
        try await withEachDatabase { ctx in
            // The attacker has the password and tries to pass the second factor, one guess a second.
            let citizen = try await ctx.registeredCitizen()
            let codesBefore = ctx.sms.sent.filter { $0.text.hasPrefix("Ma xac thuc") }.count
            var sweep = Sweep()
            var challenge: String? = nil, realCode: String? = nil
            var wrongOnThisCode = 0, guesses = 0, counted = 0, codesDied = 0, signIns = 0, resends = 0
            let start = ctx.time.now()
            var nextNewCodeAt = start

            func newCode() async throws {
                realCode = try await ctx.latestCode(to: citizen.phoneE164)
                wrongOnThisCode = 0
            }

            while guesses < 10_000 {
                let dead = challenge == nil || wrongOnThisCode >= 5
                if dead, ctx.time.now() >= nextNewCodeAt {
                    // A fresh code: a resend of this sign-in when its cooldown allows, else a new sign-in.
                    var resend: XCTHTTPResponse? = nil
                    if let challenge { resend = try await ctx.post("/api/v1/login/\(challenge)/otp", [:]) }
                    if resend?.status == .accepted {
                        resends += 1
                        try await newCode()
                    } else if let resend, resend.errorCode == "otp_resend_too_soon" {
                        nextNewCodeAt = ctx.time.now().addingTimeInterval(retryAfter(resend))
                    } else {
                        let started = try await ctx.post("/api/v1/login", ["username": citizen.idNumber, "password": citizen.password])
                        if started.status == .ok {
                            challenge = started.json?["challengeId"] as? String
                            signIns += 1
                            try await newCode()
                        } else {
                            XCTAssertEqual(started.status, .tooManyRequests, started.body.string)
                            nextNewCodeAt = ctx.time.now().addingTimeInterval(retryAfter(started))
                        }
                    }
                }
                guard let id = challenge else { XCTFail("no sign-in could be started"); return }
                let res = try await ctx.post("/api/v1/login/\(id)/verify", ["code": sweep.guess(avoiding: realCode)])
                guesses += 1
                XCTAssertNotEqual(res.status, .ok, "guess \(guesses) got in")
                switch res.errorCode {
                case "otp_invalid":
                    counted += 1; wrongOnThisCode += 1
                case "otp_exhausted" where wrongOnThisCode == 4:
                    // The fifth wrong entry is counted and kills the code.
                    counted += 1; wrongOnThisCode += 1
                case "otp_exhausted":
                    wrongOnThisCode = max(wrongOnThisCode, 5)
                case "otp_expired", "login_challenge_not_found":
                    // Guessing on goes on against the dead sign-in until a new code can be had.
                    wrongOnThisCode = 5
                    realCode = nil
                default:
                    XCTFail("unexpected answer \(res.status) \(res.body.string)")
                }
                if wrongOnThisCode >= 5, let real = realCode {
                    // Dead means dead: even the right code no longer works.
                    let row = try await OTPChallenge.find(UUID(uuidString: id), on: ctx.app.db)
                    XCTAssertEqual(row?.attempts, 5, "never more than five entries counted")
                    let right = try await ctx.post("/api/v1/login/\(id)/verify", ["code": real])
                    XCTAssertEqual(right.errorCode, "otp_exhausted")
                    realCode = nil
                    codesDied += 1
                }
                ctx.time.advance(1)
            }

            let sessions = try await AuthSession.query(on: ctx.app.db).count()
            XCTAssertEqual(sessions, 0, "no guess ever made a session")
            // Every code, counted in the database: never more than 5 in a rolling hour or 10 in a rolling day.
            let times = try await OutboxMessage.query(on: ctx.app.db).filter(\.$kind == .otp).all().map(\.createdAt)
            for t in times {
                XCTAssertLessThanOrEqual(times.filter { $0 <= t && $0 > t.addingTimeInterval(-3600) }.count, 5)
                XCTAssertLessThanOrEqual(times.filter { $0 <= t && $0 > t.addingTimeInterval(-86400) }.count, 10)
            }
            let codesSent = ctx.sms.sent.filter { $0.text.hasPrefix("Ma xac thuc") }.count - codesBefore
            // 10,000 s is under three hours: the daily limit (10, of which the registration used one) binds.
            XCTAssertLessThanOrEqual(codesSent, 9)
            XCTAssertGreaterThanOrEqual(codesSent, 5, "the attacker did get fresh codes")
            XCTAssertLessThanOrEqual(counted, 5 * codesSent, "at most five counted entries per code")
            XCTAssertGreaterThanOrEqual(codesDied, codesSent - 1)
            XCTAssertEqual(ctx.time.now().timeIntervalSince(start), 10_000, accuracy: 1)
            XCTAssertGreaterThanOrEqual(signIns, 2, "codes came from several sign-ins …")
            XCTAssertGreaterThanOrEqual(resends, 2, "… and from resends")
        }
    }

    func test_parallel_wrong_guesses_on_one_code_never_count_more_than_five() async throws {
        try await withEachDatabase { ctx in
            let citizen = try await ctx.registeredCitizen()
            let challenge = try await ctx.startSignIn(citizen.idNumber, citizen.password)
            let real = try await ctx.latestCode(to: citizen.phoneE164)
            let wrong = real == "000000" ? "000001" : "000000"

            let answers = try await withThrowingTaskGroup(of: (HTTPStatus, String?).self) { group in
                for _ in 0..<40 {
                    group.addTask {
                        let res = try await ctx.send(.POST, "/api/v1/login/\(challenge)/verify", json: ["code": wrong])
                        return (res.status, res.errorCode)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }

            XCTAssertTrue(answers.allSatisfy { $0.0 == .unprocessableEntity }, "\(answers)")
            XCTAssertEqual(answers.filter { $0.1 == "otp_invalid" }.count, 4, "four say how many tries are left; the fifth kills the code")
            let row = try await OTPChallenge.find(UUID(uuidString: challenge), on: ctx.app.db)
            XCTAssertEqual(row?.attempts, 5)
            let right = try await ctx.post("/api/v1/login/\(challenge)/verify", ["code": real])
            XCTAssertEqual(right.errorCode, "otp_exhausted")
        }
    }

    func test_a_phone_gets_five_codes_an_hour_and_ten_a_day_whatever_the_flow() async throws {
        try await withEachDatabase { ctx in
            let citizen = try await ctx.registeredCitizen()      // code 1
            ctx.time.advance(61)
            var sent = 1
            // Each new sign-in is a new flow, so the resend cooldown never holds it: only the phone limits do.
            func signIn() async throws -> XCTHTTPResponse {
                let res = try await ctx.post("/api/v1/login", ["username": citizen.idNumber, "password": citizen.password])
                try await ctx.deliverSMS()
                return res
            }
            for _ in 0..<4 {
                let res = try await signIn()
                XCTAssertEqual(res.status, .ok, res.body.string)
                sent += 1
            }
            let sixth = try await signIn()
            assertError(sixth, .tooManyRequests, "otp_phone_limit")
            let reset = try await ctx.post("/api/v1/password-resets", ["username": citizen.idNumber])
            XCTAssertEqual(reset.status, .accepted, "a reset answers as always …")

            ctx.time.advance(3600)
            for _ in 0..<5 {
                let res = try await signIn()
                XCTAssertEqual(res.status, .ok, res.body.string)
                sent += 1
            }
            XCTAssertEqual(sent, 10)
            ctx.time.advance(3600)
            let eleventh = try await signIn()
            XCTAssertEqual(eleventh.errorCode, "otp_phone_limit", "ten a day, even in a fresh hour")
            let retryAt = try XCTUnwrap((eleventh.json?["error"] as? [String: Any])?["retryAt"] as? String)
            XCTAssertGreaterThan(retryAt, RFC3339.string(ctx.time.now().addingTimeInterval(18 * 3600)))

            let codes = ctx.sms.sent.filter { $0.to == citizen.phoneE164 && $0.text.hasPrefix("Ma xac thuc") }
            XCTAssertEqual(codes.count, 10, "… but sends no eleventh code")

            ctx.time.advance(22 * 3600 + 1)
            let nextDay = try await signIn()
            XCTAssertEqual(nextDay.status, .ok, "the day's window moves on by itself")
        }
    }

    func test_parallel_sign_ins_cannot_get_more_codes_than_the_phone_limit() async throws {
        try await withEachDatabase { ctx in
            let citizen = try await ctx.registeredCitizen()      // the first of the hour's five codes
            let answers = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for i in 0..<20 {
                    group.addTask {
                        try await ctx.send(.POST, "/api/v1/login", json: ["username": citizen.idNumber, "password": citizen.password],
                                           from: "198.51.100.\(i + 1)").status
                    }
                }
                return try await group.reduce(into: [HTTPStatus]()) { $0.append($1) }
            }
            XCTAssertEqual(answers.filter { $0 == .ok }.count, 4, "\(answers)")
            let codes = try await OutboxMessage.query(on: ctx.app.db).filter(\.$kind == .otp).count()
            XCTAssertEqual(codes, 5, "never more than five codes in an hour, however many ask at once")
        }
    }
}

