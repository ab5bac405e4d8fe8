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

    func test_a_database_error_is_logged_by_kind_without_the_sql_or_the_values() async throws {
        try await withEachDatabase { ctx in
            let secret = "033080000099 Nguyễn Văn Bí Mật"
            var caught: (any Error)? = nil
            do {
                // The value goes into the server's own message on PostgreSQL; the table name into SQLite's.
                try await ctx.app.db.sql.raw("SELECT CAST(\(bind: secret) AS integer) AS x FROM accounts_033080000099").run()
            } catch { caught = error }
            let error = try XCTUnwrap(caught)
            XCTAssertTrue(String(reflecting: error).contains("033080000099"), "the full text does carry it: \(String(reflecting: error))")
            let kind = ErrorKind.of(error)
            XCTAssertFalse(kind.contains("033080000099"), kind)
            XCTAssertFalse(kind.contains("SELECT"), kind)
            XCTAssertTrue(kind.hasPrefix(ctx.app.db.isSQLite ? "SQLiteError(" : "PSQLError("), kind)
            if !ctx.app.db.isSQLite { XCTAssertTrue(kind.contains("SQLSTATE 42P01"), kind) }
        }
    }
}
