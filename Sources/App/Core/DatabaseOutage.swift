// Errors that mean "the database cannot be reached right now", as opposed to a fault in a request: PostgreSQL
// stopped, restarting or closing connections, the pool waiting past its timeout, SQLite busy past its timeout.
// They are answered 503 with Retry-After, like /health/ready, instead of 500: nothing is wrong with the
// request, and it will work again once the database is back.
import FluentPostgresDriver
import FluentSQLiteDriver
import Vapor
import Domain
import Foundation

enum DatabaseOutage {
    static let retryAfter: TimeInterval = 5

    static func matches(_ error: any Error) -> Bool { kind(of: error) != nil }

    /// The kind of outage, as `portal_database_errors_total` labels it, or nil for an error that is not one:
    /// `deadline` (a write transaction past DATABASE_WRITE_TIMEOUT_SECONDS, its connection closed), `pool_timeout`
    /// (no connection free in time), `connection` (refused, reset, closed), `shutdown` (the server stopping or
    /// starting: SQLSTATE class 57P), `read_only` (a write that reached a standby: 25006, a failover in progress),
    /// `busy` (SQLite's lock past its timeout).
    static func kind(of error: any Error) -> String? {
        if error is WriteDeadlineExceeded { return "deadline" }
        if error is ConnectionPoolTimeoutError { return "pool_timeout" }
        if let pool = error as? ConnectionPoolError, case .shutdown = pool { return "connection" }
        if let pg = error as? PSQLError {
            switch pg.code {
            case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed:
                return "connection"
            case .server:
                // Class 08 (connection exception), 57P (shutdown, starting up, cannot connect now), and 25006
                // (read-only transaction: the address led to a standby, as it can for a moment during a failover).
                let state = pg.serverInfo?[.sqlState] ?? ""
                if state.hasPrefix("08") { return "connection" }
                if state.hasPrefix("57P") { return "shutdown" }
                if state == "25006" { return "read_only" }
                return nil
            default:
                return nil
            }
        }
        if let sqlite = error as? SQLiteError {
            switch sqlite.reason {
            case .busy, .locked, .busyTimeout, .busyInRecovery, .busyInSnapshot: return "busy"
            default: return nil
            }
        }
        return nil
    }

    static func error(now: Date) -> AppError {
        AppError(.serviceUnavailable, "unavailable",
                 Msg("Hệ thống tạm thời chưa kết nối được cơ sở dữ liệu. Vui lòng thử lại sau ít giây.",
                     "The system cannot reach its database right now. Please try again in a few seconds."),
                 retryAt: now.addingTimeInterval(retryAfter))
    }
}

/// What the log says of an error: its kind, never its text. A database error's full text can hold the SQL and
/// the values bound to it (ID numbers, phones, names) and a request's error may quote what was sent; the
/// request id beside the log line leads to the rest.
enum ErrorKind {
    static func of(_ error: any Error) -> String {
        if let pg = error as? PSQLError {
            return "PSQLError(\(pg.code)" + (pg.serverInfo?[.sqlState].map { ", SQLSTATE \($0)" } ?? "") + ")"
        }
        if let sqlite = error as? SQLiteError { return "SQLiteError(\(sqlite.reason))" }
        if let app = error as? AppError { return "AppError(\(app.status.code) \(app.code))" }
        if let domain = error as? DomainError { return "DomainError(\(domain.code))" }
        if let abort = error as? any AbortError { return "\(type(of: abort))(\(abort.status.code))" }
        if error is ConnectionPoolTimeoutError { return "ConnectionPoolTimeoutError" }
        if error is WriteDeadlineExceeded { return "WriteDeadlineExceeded" }
        if let pool = error as? ConnectionPoolError { return "ConnectionPoolError(\(pool))" }
        if let decoding = error as? DecodingError {
            switch decoding {
            case .keyNotFound: return "DecodingError(keyNotFound)"
            case .typeMismatch: return "DecodingError(typeMismatch)"
            case .valueNotFound: return "DecodingError(valueNotFound)"
            case .dataCorrupted: return "DecodingError(dataCorrupted)"
            @unknown default: return "DecodingError"
            }
        }
        let ns = error as NSError
        return "\(type(of: error))(\(ns.domain) \(ns.code))"
    }
}
