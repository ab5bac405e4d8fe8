// The database-backed sliding-window limit that every flow uses.
import XCTVapor
@testable import App

final class RateLimiterTests: XCTestCase {
    func test_allows_up_to_the_limit_then_refuses_with_a_retry_time() async throws {
        try await withEachDatabase { ctx in
            let rule = RateLimit(limit: 3, window: 3600)
            // Start exactly at a window boundary so the previous window is empty.
            ctx.time.set(Date(timeIntervalSince1970: 1_790_006_400))
            let limiter = RateLimiter(db: ctx.app.db, now: ctx.time.now())
            for _ in 0..<3 {
                let decision = try await limiter.hit("ip:1.2.3.4", rule)
                XCTAssertTrue(decision.allowed)
            }
            let refused = try await limiter.hit("ip:1.2.3.4", rule)
            XCTAssertFalse(refused.allowed)
            let retryAt = try XCTUnwrap(refused.retryAt)
            XCTAssertGreaterThan(retryAt, ctx.time.now())
            let v1 = try await limiter.hit("ip:5.6.7.8", rule).allowed
            XCTAssertTrue(v1, "keys are independent")
        }
    }

    func test_the_previous_window_still_counts_as_it_slides_out() async throws {
        try await withEachDatabase { ctx in
            let rule = RateLimit(limit: 4, window: 100)
            ctx.time.set(Date(timeIntervalSince1970: 1_790_006_400))
            for _ in 0..<4 { _ = try await RateLimiter(db: ctx.app.db, now: ctx.time.now()).hit("k", rule) }
            // 10 % into the next window, 90 % of the 4 old hits still weigh: 3.6 + 1 > 4.
            ctx.time.advance(110)
            let v2 = try await RateLimiter(db: ctx.app.db, now: ctx.time.now()).peek("k", rule).allowed
            XCTAssertFalse(v2)
            // 80 % into it, 0.8 + 1 ≤ 4.
            ctx.time.advance(70)
            let v3 = try await RateLimiter(db: ctx.app.db, now: ctx.time.now()).hit("k", rule).allowed
            XCTAssertTrue(v3)
        }
    }

    func test_the_retry_time_is_when_a_hit_fits_again() async throws {
        try await withEachDatabase { ctx in
            let rule = RateLimit(limit: 2, window: 100)
            ctx.time.set(Date(timeIntervalSince1970: 1_790_006_400))
            var decision = RateDecision(allowed: true, retryAt: nil)
            for _ in 0..<3 { decision = try await RateLimiter(db: ctx.app.db, now: ctx.time.now()).hit("k2", rule) }
            let retryAt = try XCTUnwrap(decision.retryAt)
            ctx.time.set(retryAt.addingTimeInterval(-2))
            let v4 = try await RateLimiter(db: ctx.app.db, now: ctx.time.now()).peek("k2", rule).allowed
            XCTAssertFalse(v4)
            ctx.time.set(retryAt)
            let v5 = try await RateLimiter(db: ctx.app.db, now: ctx.time.now()).peek("k2", rule).allowed
            XCTAssertTrue(v5)
        }
    }

    func test_concurrent_hits_are_all_counted() async throws {
        try await withEachDatabase { ctx in
            let rule = RateLimit(limit: 1000, window: 3600)
            let db = ctx.app.db, now = ctx.time.now()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<50 { group.addTask { _ = try await RateLimiter(db: db, now: now).hit("race", rule) } }
                try await group.waitForAll()
            }
            let row = try await db.sql.raw("SELECT CAST(SUM(hits) AS BIGINT) AS n FROM rate_limit_counters WHERE key = 'race'").first()
            XCTAssertEqual(try row?.decode(column: "n", as: Int.self), 50)
        }
    }
}
