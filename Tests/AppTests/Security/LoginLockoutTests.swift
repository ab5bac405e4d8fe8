// Password guessing (ASVS V2.2.1, NIST 800-63B §5.2.2): per-account and per-address slow-downs hold, and an
// attacker cannot use them to keep the owner out for good.
import Fluent
import XCTVapor
@testable import App

final class LoginLockoutTests: XCTestCase {
    private func attempt(_ ctx: TestContext, _ username: String, _ password: String, from address: String) async throws -> Answer {
        try await ctx.send(.POST, "/api/v1/login", json: ["username": username, "password": password], from: address)
    }

    func test_the_account_pause_holds_whichever_address_the_guesses_come_from() async throws {
        try await withEachDatabase { ctx in
            let citizen = try await ctx.registeredCitizen()
            for i in 0..<5 {
                let res = try await attempt(ctx, citizen.idNumber, "guess number \(i)", from: "203.0.113.\(i + 1)")
                XCTAssertEqual(res.status, .unauthorized)
            }
            let fresh = try await attempt(ctx, citizen.idNumber, "guess number 6", from: "203.0.113.99")
            XCTAssertEqual(fresh.status, .tooManyRequests, "a new address does not reset the account's count")
            XCTAssertEqual(fresh.headers.first(name: .retryAfter), "60")
        }
    }

    func test_one_address_is_paused_after_twenty_failures_while_others_go_on() async throws {
        try await withEachDatabase { ctx in
            let citizen = try await ctx.registeredCitizen()
            for i in 0..<20 {
                let res = try await attempt(ctx, String(format: "0010900%05d", i), "guess guess", from: "203.0.113.7")
                XCTAssertEqual(res.status, .unauthorized)
            }
            let paused = try await attempt(ctx, citizen.idNumber, citizen.password, from: "203.0.113.7")
            XCTAssertEqual(paused.status, .tooManyRequests, "even the right password, from that address")
            let elsewhere = try await attempt(ctx, citizen.idNumber, citizen.password, from: "198.51.100.20")
            XCTAssertEqual(elsewhere.status, .ok, "the owner elsewhere is not held")
        }
    }

    func test_an_ipv6_network_counts_as_one_address_by_its_64_bit_prefix() async throws {
        try await withEachDatabase { ctx in
            let citizen = try await ctx.registeredCitizen()
            // Twenty failures, each from another address inside one /64: one host can take them all.
            for i in 0..<20 {
                let res = try await attempt(ctx, String(format: "0010900%05d", i), "guess guess", from: "2001:db8:a:b::\(String(i + 1, radix: 16))")
                XCTAssertEqual(res.status, .unauthorized)
            }
            let paused = try await attempt(ctx, citizen.idNumber, citizen.password, from: "2001:db8:a:b:ffff:1:2:3")
            XCTAssertEqual(paused.status, .tooManyRequests, "the whole /64 is paused")
            let neighbour = try await attempt(ctx, citizen.idNumber, citizen.password, from: "2001:db8:a:c::1")
            XCTAssertEqual(neighbour.status, .ok, "the next /64 is another customer")
        }
        XCTAssertEqual(LimitedAddress.key("2001:0db8:000a:000b:1:2:3:4"), "2001:db8:a:b::/64")
        XCTAssertEqual(LimitedAddress.key("::ffff:203.0.113.9"), "203.0.113.9")
        XCTAssertEqual(LimitedAddress.key("203.0.113.9"), "203.0.113.9")
    }

    func test_the_pause_never_exceeds_an_hour_however_long_the_attack() async throws {
        try await withEachDatabase { ctx in
            let citizen = try await ctx.registeredCitizen()
            var longest = 0
            // An attacker from many addresses guessing at the first moment each pause allows, for two days.
            for i in 0..<60 {
                let res = try await attempt(ctx, citizen.idNumber, "guess number \(i)", from: "203.0.113.\(i % 250 + 1)")
                if res.status == .tooManyRequests {
                    let wait = Int(res.headers.first(name: .retryAfter) ?? "0") ?? 0
                    longest = max(longest, wait)
                    ctx.time.advance(TimeInterval(wait))
                }
            }
            XCTAssertLessThanOrEqual(longest, 3600)
            XCTAssertEqual(longest, 3600)
            // A day without failures and the account is as new.
            ctx.time.advance(86400)
            let res = try await attempt(ctx, citizen.idNumber, citizen.password, from: "198.51.100.20")
            XCTAssertEqual(res.status, .ok)
        }
    }

    func test_the_owner_gets_back_in_at_once_through_a_reset_while_under_attack() async throws {
        try await withEachDatabase { ctx in
            let citizen = try await ctx.registeredCitizen()
            var failures = 0, i = 0
            while failures < 8 {
                i += 1
                let res = try await attempt(ctx, citizen.idNumber, "guess number \(i)", from: "203.0.113.\(i)")
                if res.status == .unauthorized { failures += 1 }
                if res.status == .tooManyRequests { ctx.time.advance(Double(res.headers.first(name: .retryAfter) ?? "60") ?? 60) }
            }
            let held = try await attempt(ctx, citizen.idNumber, citizen.password, from: "198.51.100.20")
            XCTAssertEqual(held.status, .tooManyRequests, "the attack holds the account")

            // The owner proves the phone: the reset clears the failures, and the new password works now.
            let reset = try await ctx.send(.POST, "/api/v1/password-resets", json: ["username": citizen.idNumber], from: "198.51.100.20")
            let id = try XCTUnwrap(reset.json?["id"] as? String)
            let code = try await ctx.latestCode(to: citizen.phoneE164)
            let done = try await ctx.send(.POST, "/api/v1/password-resets/\(id)/complete", json: ["code": code, "newPassword": "Mùa thu Hà Nội 1945"], from: "198.51.100.20")
            XCTAssertEqual(done.status, .ok, done.body)
            let back = try await attempt(ctx, citizen.idNumber, "Mùa thu Hà Nội 1945", from: "198.51.100.20")
            XCTAssertEqual(back.status, .ok, back.body)
        }
    }

    func test_parallel_wrong_passwords_get_no_more_than_five_answers_before_the_pause() async throws {
        try await withEachDatabase { ctx in
            let citizen = try await ctx.registeredCitizen()
            let answers = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for i in 0..<30 {
                    group.addTask {
                        try await ctx.send(.POST, "/api/v1/login", json: ["username": citizen.idNumber, "password": "parallel guess \(i)"],
                                           from: "203.0.113.\(i + 1)").status
                    }
                }
                return try await group.reduce(into: [HTTPStatus]()) { $0.append($1) }
            }
            XCTAssertEqual(answers.filter { $0 == .unauthorized }.count, 5, "only five guesses were judged: \(answers)")
            XCTAssertEqual(answers.filter { $0 == .tooManyRequests }.count, 25)
        }
    }

    func test_parallel_guesses_from_one_address_stop_at_its_limit() async throws {
        try await withEachDatabase { ctx in
            let answers = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for i in 0..<40 {
                    group.addTask {
                        try await ctx.send(.POST, "/api/v1/login", json: ["username": String(format: "0010900%05d", i), "password": "guess guess"],
                                           from: "203.0.113.9").status
                    }
                }
                return try await group.reduce(into: [HTTPStatus]()) { $0.append($1) }
            }
            XCTAssertEqual(answers.filter { $0 == .unauthorized }.count, 20, "twenty failures, then the address waits: \(answers)")
        }
    }
}

