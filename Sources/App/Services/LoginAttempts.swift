// Sign-in attempts per account (or per unknown username), counted before the password is checked.
import Domain
import Fluent
import Foundation
import SQLKit

/// The pause after five failed sign-ins (LoginService.notBefore). Each attempt is counted *before* its password
/// is checked, with a compare-and-swap, so that parallel guesses — from one process or several sharing the
/// database — cannot all be judged before the first failure is recorded; a right password clears the count.
///
/// Unknown usernames are counted by the same code under their own key: if only real accounts paused, the
/// pause would tell an outsider which ID numbers and phones have an account.
///
/// The count lives in rate_limit_counters under window 0: `hits` is the number of attempts since the last
/// success and `expires_at` the moment, a day after the last attempt, when it is forgotten (and purged with
/// the other counters) — so a pause never becomes permanent by itself.
struct LoginAttempts: Sendable {
    static let memory: Int64 = 86400

    enum Decision: Equatable { case counted, paused(until: Date) }

    let db: any Database
    let now: Date

    private var second: Int64 { Int64(now.timeIntervalSince1970.rounded(.down)) }

    static func key(account: UUID) -> String { "login-account:" + account.uuidString.lowercased() }

    static func key(unknown username: Username) -> String {
        switch username {
        case let .idNumber(id): return "login-unknown:id:" + id.digits
        case let .phone(phone): return "login-unknown:phone:" + phone.e164
        }
    }

    /// Counts one attempt unless the key is paused. Retries when another attempt changed the count first.
    func reserve(_ key: String) async throws -> Decision {
        for _ in 0..<50 {
            let row = try await db.sql.raw("""
                SELECT \(Count.columns()) FROM rate_limit_counters WHERE key = \(bind: key) AND window_start = 0
                """).firstRecord(Count.self)
            guard let row else {
                let inserted = try await db.sql.raw("""
                    INSERT INTO rate_limit_counters (key, window_start, hits, expires_at)
                    VALUES (\(bind: key), 0, 1, \(bind: second + Self.memory))
                    ON CONFLICT (key, window_start) DO NOTHING RETURNING hits
                    """).first()
                if inserted != nil { return .counted }
                continue
            }
            let hits = row.hits, expires = row.expiresAt
            let live = expires > second
            let failures = live ? hits : 0
            let last = live ? Date(timeIntervalSince1970: TimeInterval(expires - Self.memory)) : nil
            if let wait = LoginService.notBefore(failures: failures, lastFailure: last), wait > now {
                return .paused(until: wait)
            }
            let swapped = try await db.sql.raw("""
                UPDATE rate_limit_counters SET hits = \(bind: failures + 1), expires_at = \(bind: second + Self.memory)
                WHERE key = \(bind: key) AND window_start = 0 AND hits = \(bind: hits) AND expires_at = \(bind: expires)
                RETURNING hits
                """).first()
            if swapped != nil { return .counted }
        }
        // Only under extreme contention: the caller is asked to come back in a moment.
        return .paused(until: now.addingTimeInterval(1))
    }

    /// An account's (or username's) count as stored under window 0.
    private struct Count: SQLRecord {
        let hits: Int
        let expiresAt: Int64
        enum CodingKeys: CodingKey, CaseIterable { case hits, expiresAt }
    }

    /// The right password: the count starts again.
    func clear(_ key: String) async throws {
        try await db.sql.raw("DELETE FROM rate_limit_counters WHERE key = \(bind: key) AND window_start = 0").run()
    }
}
