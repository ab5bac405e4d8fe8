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

    /// A commit that never returns (a primary gone without closing connections, a synchronous standby gone) must
    /// not hold the request: past DATABASE_WRITE_TIMEOUT_SECONDS the connection is closed and the answer is 503.
    func test_a_write_transaction_past_its_deadline_is_answered_503_and_its_connection_replaced() async throws {
        try await withEachDatabase(env: ["DATABASE_WRITE_TIMEOUT_SECONDS": "1"]) { ctx in
            guard !ctx.app.db.isSQLite else { return }   // SQLite waits in its busy handler, with its own timeout
            ctx.app.post("api", "v1", "test-hung-write") { req -> String in
                try await req.db.writeTransaction { tx in
                    try await tx.sql.raw("SELECT pg_sleep(30)").run()
                }
                return "done"
            }
            let started = ContinuousClock.now
            let res = try await ctx.post("/api/v1/test-hung-write", [:])
            let took = ContinuousClock.now - started
            assertError(res, .serviceUnavailable, "unavailable")
            XCTAssertEqual(res.headers.first(name: .retryAfter), "5")
            XCTAssertLessThan(took, .seconds(20), "the answer came when the statement ended, not at the deadline")

            // The caller sees the deadline as such, and the pool gives out a working connection afterwards.
            var caught: (any Error)? = nil
            do {
                try await ctx.app.db.writeTransaction(deadline: .after(.milliseconds(300))) { tx in
                    try await tx.sql.raw("SELECT pg_sleep(30)").run()
                }
            } catch { caught = error }
            XCTAssertEqual(caught.flatMap { DatabaseOutage.kind(of: $0) }, "deadline", String(describing: caught))
            for _ in 0..<8 {
                let one = try await ctx.app.db.sql.raw("SELECT 1 AS one").first()?.decode(column: "one", as: Int.self)
                XCTAssertEqual(one, 1)
            }
            // Work inside the deadline is untouched, and so is a bulk command's transaction without one.
            let inTime = try await ctx.app.db.writeTransaction(deadline: .after(.seconds(5))) { tx in
                try await tx.sql.raw("SELECT 7 AS seven").first()?.decode(column: "seven", as: Int.self)
            }
            XCTAssertEqual(inTime, 7)
            try await ctx.app.db.writeTransaction(deadline: .none) { tx in
                try await tx.sql.raw("SELECT pg_sleep(1.5)").run()
            }
            try await ctx.app.test(.GET, "/metrics") { res async in
                XCTAssertTrue(res.body.string.contains("portal_database_errors_total{kind=\"deadline\"} 1"), res.body.string)
            }
        }
    }

    /// A durable step done as one statement (the look-up, a sign-in's code, a token) keeps the write deadline: past
    /// it the statement fails as a deadline, and the pool gives out working connections afterwards.
    func test_a_single_write_statement_past_its_deadline_ends_as_a_deadline() async throws {
        try await withEachDatabase { ctx in
            guard !ctx.app.db.isSQLite else { return }
            let started = ContinuousClock.now
            var caught: (any Error)? = nil
            do {
                _ = try await ctx.app.db.writeStatement(deadline: .after(.milliseconds(300))) { conn in
                    try await conn.sql.raw("SELECT pg_sleep(30)").run()
                }
            } catch { caught = error }
            XCTAssertEqual(caught.flatMap { DatabaseOutage.kind(of: $0) }, "deadline", String(describing: caught))
            XCTAssertLessThan(ContinuousClock.now - started, .seconds(10), "ended by the deadline, not by the statement")
            for _ in 0..<8 {
                let one = try await ctx.app.db.sql.raw("SELECT 1 AS one").first()?.decode(column: "one", as: Int.self)
                XCTAssertEqual(one, 1)
            }
            let inTime = try await ctx.app.db.writeStatement(deadline: .after(.seconds(5))) { conn in
                try await conn.sql.raw("SELECT 7 AS seven").first()?.decode(column: "seven", as: Int.self)
            }
            XCTAssertEqual(inTime, 7)
        }
    }

    /// During a failover a write can reach a standby for a moment (SQLSTATE 25006): an outage, not a fault.
    func test_a_write_refused_as_read_only_is_an_outage() async throws {
        try await withEachDatabase { ctx in
            guard !ctx.app.db.isSQLite else { return }
            ctx.app.post("api", "v1", "test-read-only") { req -> String in
                try await req.db.writeTransaction { tx in
                    try await tx.sql.raw("SET TRANSACTION READ ONLY").run()
                    try await tx.sql.raw("CREATE TABLE read_only_probe (x integer)").run()
                }
                return "done"
            }
            let res = try await ctx.post("/api/v1/test-read-only", [:])
            assertError(res, .serviceUnavailable, "unavailable")
            try await ctx.app.test(.GET, "/metrics") { res async in
                XCTAssertTrue(res.body.string.contains("portal_database_errors_total{kind=\"read_only\"} 1"), res.body.string)
            }
        }
    }

    /// What an operator watches in a failover: how long writes wait for a connection, and how old the oldest
    /// waiting SMS is.
    func test_metrics_give_the_connection_wait_and_the_age_of_the_oldest_waiting_sms() async throws {
        try await withEachDatabase { ctx in
            try await ctx.app.test(.GET, "/metrics") { res async in
                XCTAssertTrue(res.body.string.contains("portal_outbox_oldest_queued_seconds 0"), res.body.string)
            }
            _ = try await ctx.startRegistration(Citizen())   // its code waits in the outbox (no worker in tests)
            ctx.time.advance(42)
            try await ctx.app.test(.GET, "/metrics") { res async in
                let text = res.body.string
                XCTAssertTrue(text.contains("portal_outbox_oldest_queued_seconds 42"), text)
                XCTAssertTrue(text.contains("portal_outbox_queued_messages 1"), text)
                XCTAssertTrue(text.contains("portal_database_connection_wait_seconds_count"), text)
            }
        }
    }

    /// A write transaction is one: what its body wrote before failing is not there afterwards.
    func test_a_failed_write_transaction_leaves_nothing() async throws {
        try await withEachDatabase { ctx in
            struct Halt: Error {}
            try await ctx.app.db.sql.raw("CREATE TABLE atomic_probe (x integer)").run()
            do {
                try await ctx.app.db.writeTransaction { tx in
                    try await tx.sql.raw("INSERT INTO atomic_probe (x) VALUES (1)").run()
                    throw Halt()
                }
                XCTFail("the body's error comes out")
            } catch is Halt {}
            let count = try await ctx.app.db.sql.raw("SELECT COUNT(*) AS n FROM atomic_probe").first()?.decode(column: "n", as: Int.self)
            XCTAssertEqual(count, 0, "on \(ctx.databaseName)")
        }
    }
}
