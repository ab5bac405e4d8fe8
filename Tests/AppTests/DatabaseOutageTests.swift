// A database that cannot be reached is a 503 with Retry-After, like /health/ready, never a 500.
import AsyncKit
import FluentSQLiteDriver
import XCTVapor
@testable import App

final class DatabaseOutageTests: XCTestCase {
    func test_a_pool_timeout_is_answered_503_unavailable_with_retry_after() async throws {
        try await withApp { ctx in
            ctx.app.get("api", "v1", "test-outage") { _ -> String in throw ConnectionPoolTimeoutError.connectionRequestTimeout }
            let res = try await ctx.get("/api/v1/test-outage")
            assertError(res, .serviceUnavailable, "unavailable")
            XCTAssertEqual(res.headers.first(name: .retryAfter), "5")
        }
    }

    func test_other_errors_stay_500_internal() async throws {
        try await withApp { ctx in
            struct Fault: Error {}
            ctx.app.get("api", "v1", "test-fault") { _ -> String in throw Fault() }
            let res = try await ctx.get("/api/v1/test-fault")
            assertError(res, .internalServerError, "internal")
        }
    }
}
