// Failed sign-ins against a username that has no account, counted exactly like an account's own failures.
import Domain
import Fluent
import Foundation
import SQLKit

/// Real accounts pause after five failures; if unknown usernames never did, the pause would tell an outsider
/// which ID numbers and phones have an account. So they pause too, by the same rule. The count lives in
/// rate_limit_counters under window 0: `hits` is the number of failures and `expires_at` the moment, a day after
/// the last one, when it is forgotten — as an account's count is — and purged with the other counters.
struct UnknownAccountFailures: Sendable {
    static let memory: Int64 = 86400

    let db: any Database
    let now: Date

    private var second: Int64 { Int64(now.timeIntervalSince1970.rounded(.down)) }

    static func key(_ username: Username) -> String {
        switch username {
        case let .idNumber(id): return "login-unknown:id:" + id.digits
        case let .phone(phone): return "login-unknown:phone:" + phone.e164
        }
    }

    /// The failures still remembered, and when the last one happened.
    func current(_ key: String) async throws -> (failures: Int, last: Date?) {
        let row = try await db.sql.raw("""
            SELECT hits, expires_at FROM rate_limit_counters WHERE key = \(bind: key) AND window_start = 0 AND expires_at > \(bind: second)
            """).first()
        guard let row else { return (0, nil) }
        let expires = try row.decode(column: "expires_at", as: Int64.self)
        return (try row.decode(column: "hits", as: Int.self), Date(timeIntervalSince1970: TimeInterval(expires - Self.memory)))
    }

    /// One more failure; a count older than a day starts again from one.
    func record(_ key: String) async throws {
        let expires = second + Self.memory
        try await db.sql.raw("""
            INSERT INTO rate_limit_counters (key, window_start, hits, expires_at) VALUES (\(bind: key), 0, 1, \(bind: expires))
            ON CONFLICT (key, window_start) DO UPDATE SET
              hits = CASE WHEN rate_limit_counters.expires_at <= \(bind: second) THEN 1 ELSE rate_limit_counters.hits + 1 END,
              expires_at = \(bind: expires)
            """).run()
    }
}
