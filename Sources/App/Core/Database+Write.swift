// Write transactions that behave the same on SQLite and PostgreSQL under concurrent writers, and that end within
// a deadline on PostgreSQL.
import Fluent
import FluentPostgresDriver
import NIOConcurrencyHelpers
import SQLKit

/// How long a write transaction may take on PostgreSQL before its connection is closed and the request answered
/// 503 (`DatabaseOutage`, kind `deadline`). `.configured` is DATABASE_WRITE_TIMEOUT_SECONDS (set by `configure`);
/// bulk commands pass `.none`.
enum WriteDeadline: Sendable, Equatable {
    case configured, none
    case after(Duration)
}

/// A write transaction ended by its deadline: the server did not answer (a primary that died without closing the
/// connection, a commit waiting for a synchronous standby that is gone). Whether it committed is unknown to us;
/// the client is told 503 and may try again.
struct WriteDeadlineExceeded: Error {}

/// What `Database.writeTransaction` reads from the application that it has no other way to reach: the deadline,
/// and the metrics that record how long a transaction waited for its connection.
final class DatabaseWatch: Sendable {
    static let shared = DatabaseWatch()
    private let state = NIOLockedValueBox<(deadline: Duration?, metrics: PortalMetrics?)>((.seconds(15), nil))

    func configure(writeDeadline: Duration, metrics: PortalMetrics) {
        state.withLockedValue { $0 = (writeDeadline, metrics) }
    }

    var writeDeadline: Duration? { state.withLockedValue { $0.deadline } }

    func connectionAcquired(after wait: Duration) {
        state.withLockedValue { $0.metrics }?.databaseConnectionWait(wait)
    }
}

extension Database {
    var sql: any SQLDatabase { self as! any SQLDatabase }
    var isSQLite: Bool { sql.dialect.name == "sqlite" }

    /// SQLite's default deferred transaction fails at once with "database is locked" when two writers
    /// race after reading; `BEGIN IMMEDIATE` takes the write lock up front so the second one waits in
    /// the busy handler instead. PostgreSQL's transaction runs under a deadline: past it, the connection is
    /// closed (the pool replaces it), which ends every wait on that connection, and the error is
    /// `WriteDeadlineExceeded`. Bodies must not open a nested transaction, and do database work only (a password
    /// hash belongs before the transaction, not in it).
    func writeTransaction<T: Sendable>(deadline: WriteDeadline = .configured,
                                        _ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        try await write(deadline: deadline, body)
    }

    /// One write statement that is a transaction by itself (PostgreSQL's data-modifying `WITH` doing a durable step's
    /// whole work in one round trip), under the same deadline as `writeTransaction`, without BEGIN and COMMIT. With
    /// no ROLLBACK to follow, the statement itself may wait for the close to fail it: the deadline is a timer on the
    /// connection's event loop, not the tasks a transaction needs (which cost a sixth of a look-up's CPU, `bench/`).
    func writeStatement<T: Sendable>(deadline: WriteDeadline = .configured,
                                      _ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        let asked = ContinuousClock.now
        let limit = limit(of: deadline)
        return try await withConnection { (conn: any Database) async throws -> T in
            DatabaseWatch.shared.connectionAcquired(after: ContinuousClock.now - asked)
            guard let limit, let postgres = conn as? any PostgresDatabase else { return try await body(conn) }
            let connection = try await postgres.withConnection { $0.eventLoop.makeSucceededFuture($0) }.get()
            let expired = NIOLockedValueBox(false)
            let timer = connection.eventLoop.scheduleTask(in: .nanoseconds(Int64(limit.components.seconds) * 1_000_000_000
                                                                           + limit.components.attoseconds / 1_000_000_000)) {
                expired.withLockedValue { $0 = true }
                conn.logger.warning("write statement past its deadline: closing its database connection")
                _ = connection.close() as EventLoopFuture<Void>
            }
            do {
                let result = try await body(conn)
                timer.cancel()
                return result
            } catch {
                timer.cancel()
                if expired.withLockedValue({ $0 }) { throw WriteDeadlineExceeded() }
                throw error
            }
        }
    }

    private func write<T: Sendable>(deadline: WriteDeadline,
                                    _ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        let asked = ContinuousClock.now
        let sqlite = isSQLite
        let limit = limit(of: deadline)
        // The connection-bound database runs every statement on one connection; its own `transaction` would not
        // begin one (it counts as already in a transaction), so BEGIN and COMMIT are written here.
        return try await withConnection { conn in
            DatabaseWatch.shared.connectionAcquired(after: ContinuousClock.now - asked)
            guard let limit, let postgres = conn as? any PostgresDatabase else {
                return try await Self.run(body, on: conn, begin: sqlite ? "BEGIN IMMEDIATE" : "BEGIN", closed: nil)
            }
            // A connection-bound database yields its own connection.
            let connection = try await postgres.withConnection { $0.eventLoop.makeSucceededFuture($0) }.get()
            let closed = NIOLockedValueBox(false)
            let work = Task { try await Self.run(body, on: conn, begin: "BEGIN", closed: closed) }
            // The answer is the work's, or the deadline's, whichever comes first. At the deadline the connection is
            // closed, which fails the statement in flight; the caller does not wait for the work to notice (a
            // statement written to the connection after it closed would never be answered).
            return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                // Whoever claims the answer first gives it: the work with its result, or the deadline.
                let answered = NIOLockedValueBox(false)
                let claim: @Sendable () -> Bool = { answered.withLockedValue { done in defer { done = true }; return !done } }
                let timer = Task {
                    try await Task.sleep(for: limit)
                    guard claim() else { return }
                    closed.withLockedValue { $0 = true }
                    conn.logger.warning("write transaction past its deadline: closing its database connection")
                    // Closed before the answer: the answer hands the connection back to the pool, which must find it
                    // closed (and open another) rather than lend it to the next request while it is being closed.
                    try? await connection.close()
                    continuation.resume(throwing: WriteDeadlineExceeded())
                }
                Task {
                    let result = await work.result
                    timer.cancel()
                    if claim() { continuation.resume(with: result) }
                }
            }
        }
    }

    /// The time a write may take here: none on SQLite (its busy timeout rules) or for `.none`.
    private func limit(of deadline: WriteDeadline) -> Duration? {
        switch deadline {
        case _ where isSQLite: nil
        case .configured: DatabaseWatch.shared.writeDeadline
        case .none: nil
        case let .after(duration): duration
        }
    }

    /// BEGIN, the body, COMMIT; ROLLBACK on error unless the connection was closed under it (`closed`).
    private static func run<T: Sendable>(_ body: @Sendable (any Database) async throws -> T, on conn: any Database, begin: String,
                                         closed: NIOLockedValueBox<Bool>?) async throws -> T {
        try await conn.sql.raw(SQLQueryString(begin)).run()
        do {
            let result = try await body(conn)
            try await conn.sql.raw("COMMIT").run()
            return result
        } catch {
            if closed?.withLockedValue({ $0 }) != true { try? await conn.sql.raw("ROLLBACK").run() }
            throw error
        }
    }
}

extension Error {
    /// A unique-constraint violation on either database, so that a race maps to a clean 409.
    var isUniqueViolation: Bool {
        if let dbError = self as? any DatabaseError, dbError.isConstraintFailure { return true }
        let text = String(reflecting: self)
        return text.contains("UNIQUE constraint failed") || text.contains("23505") || text.contains("unique_violation")
    }
}
