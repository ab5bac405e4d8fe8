// A sliding-window rate limit keyed by any string, counted in the database so all instances share it.
import Fluent
import Foundation
import SQLKit

struct RateLimit: Sendable {
    let limit: Int
    let window: TimeInterval
}

struct RateDecision: Sendable, Equatable {
    let allowed: Bool
    /// When a refused caller may try again.
    let retryAt: Date?
}

struct RateLimiter: Sendable {
    let db: any Database
    let now: Date

    /// Counts one hit for `key` and decides. The estimate weighs the previous window by how much of it
    /// still overlaps the sliding window, the usual approximation that needs two rows per key.
    /// Refused hits count too, so hammering keeps a caller out rather than letting it in at the edge.
    func hit(_ key: String, _ rule: RateLimit) async throws -> RateDecision {
        let (start, fraction) = windowPosition(rule)
        let (current, previous) = try await increment(key, windowStart: start, rule: rule)
        return decide(previous: previous, current: current, start: start, fraction: fraction, rule: rule)
    }

    /// Counts one hit for `key` and, only when it is allowed, runs the statement `gated` makes, in one commit: on
    /// PostgreSQL one statement (the count a data-modifying `WITH`, the gated statement reading it), on SQLite one
    /// transaction. `gated` is given the SQL that ends its `SELECT` (a `FROM … WHERE` on PostgreSQL, nothing on
    /// SQLite) and must return at most one row, read as `R`: nil when refused.
    func hit<R: SQLRecord>(_ key: String, _ rule: RateLimit, then gated: @escaping @Sendable (SQLQueryString) -> SQLQueryString,
                           reading _: R.Type) async throws -> (RateDecision, R?) {
        let (start, fraction) = windowPosition(rule)
        if db.isSQLite {
            return try await db.writeTransaction { tx in
                let limiter = RateLimiter(db: tx, now: now)
                let (current, previous) = try await limiter.increment(key, windowStart: start, rule: rule)
                let decision = limiter.decide(previous: previous, current: current, start: start, fraction: fraction, rule: rule)
                guard decision.allowed else { return (decision, nil) }
                return (decision, try await tx.sql.raw(gated("")).firstRecord(R.self))
            }
        }
        // The same estimate as `decide`, in the database's double precision: previous × (1 − fraction) + current.
        let allowed: SQLQueryString = """
            FROM counted WHERE COALESCE(counted.previous, 0) * \(bind: 1 - fraction) + counted.hits <= \(bind: Double(rule.limit))
            """
        let statement: SQLQueryString = """
            WITH counted AS (\(incrementStatement(key, windowStart: start, rule: rule))), gated AS (\(gated(allowed)))
            SELECT counted.hits, counted.previous, gated.* FROM counted LEFT JOIN gated ON TRUE
            """
        guard let row = try await db.writeStatement({ conn in try await conn.sql.raw(statement).first() }) else {
            return (decide(previous: 0, current: 1, start: start, fraction: fraction, rule: rule), nil)
        }
        let counted = try row.record(Counted.self)
        let result = try? row.record(R.self)
        var decision = decide(previous: counted.previous ?? 0, current: counted.hits, start: start, fraction: fraction, rule: rule)
        // The statement's decision is the one that counted; the two agree but for rounding at the very edge.
        if decision.allowed != (result != nil) {
            decision = result != nil ? RateDecision(allowed: true, retryAt: nil) : RateDecision(allowed: false, retryAt: now.addingTimeInterval(1))
        }
        return (decision, result)
    }

    /// Decides without counting, for pages that show whether an action is possible.
    func peek(_ key: String, _ rule: RateLimit) async throws -> RateDecision {
        let (start, fraction) = windowPosition(rule)
        let current = try await count(key, windowStart: start) + 1
        let previous = try await count(key, windowStart: start - Int64(rule.window))
        return decide(previous: previous, current: current, start: start, fraction: fraction, rule: rule)
    }

    private func windowPosition(_ rule: RateLimit) -> (Int64, Double) {
        let seconds = now.timeIntervalSince1970
        let start = Int64(floor(seconds / rule.window) * rule.window)
        return (start, (seconds - Double(start)) / rule.window)
    }

    private func decide(previous: Int, current: Int, start: Int64, fraction: Double, rule: RateLimit) -> RateDecision {
        let estimate = Double(previous) * (1 - fraction) + Double(current)
        if estimate <= Double(rule.limit) { return RateDecision(allowed: true, retryAt: nil) }
        // Earliest moment one more hit would fit, assuming none comes before it.
        let wait: Double
        if current < rule.limit, previous > 0 {
            let neededFraction = 1 - Double(rule.limit - current - 1) / Double(previous)
            wait = max(1, (neededFraction - fraction) * rule.window)
        } else {
            let nextFraction = max(0, 1 - Double(rule.limit - 1) / Double(current))
            wait = (1 - fraction) * rule.window + nextFraction * rule.window
        }
        return RateDecision(allowed: false, retryAt: now.addingTimeInterval(ceil(wait)))
    }

    /// Counts the hit in the current window and reads the previous window's count, in one round trip.
    private func increment(_ key: String, windowStart: Int64, rule: RateLimit) async throws -> (current: Int, previous: Int) {
        let row = try await db.sql.raw(incrementStatement(key, windowStart: windowStart, rule: rule)).firstRecord(Counted.self)
        return (row?.hits ?? 1, row?.previous ?? 0)
    }

    /// The statement that counts a hit, returning `hits` and `previous` (`Counted`).
    private func incrementStatement(_ key: String, windowStart: Int64, rule: RateLimit) -> SQLQueryString {
        let expires = windowStart + Int64(rule.window * 2)
        return """
            INSERT INTO rate_limit_counters (key, window_start, hits, expires_at) VALUES (\(bind: key), \(bind: windowStart), 1, \(bind: expires))
            ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limit_counters.hits + 1
            RETURNING hits, (SELECT p.hits FROM rate_limit_counters p
                             WHERE p.key = \(bind: key) AND p.window_start = \(bind: windowStart - Int64(rule.window))) AS previous
            """
    }

    /// A window's count, and the previous window's beside it when asked for.
    private struct Counted: SQLRecord {
        let hits: Int
        let previous: Int?
        enum CodingKeys: CodingKey, CaseIterable { case hits, previous }
    }

    private func count(_ key: String, windowStart: Int64) async throws -> Int {
        let row = try await db.sql.raw("""
            SELECT hits, NULL AS previous FROM rate_limit_counters WHERE key = \(bind: key) AND window_start = \(bind: windowStart)
            """).firstRecord(Counted.self)
        return row?.hits ?? 0
    }

    /// Takes back one hit of the current window: for limits that count an attempt before knowing whether it
    /// is one that should count (a sign-in that turns out to have the right password).
    func giveBack(_ key: String, _ rule: RateLimit) async throws {
        let (start, _) = windowPosition(rule)
        try await db.sql.raw("""
            UPDATE rate_limit_counters SET hits = hits - 1 WHERE key = \(bind: key) AND window_start = \(bind: start) AND hits > 0
            """).run()
    }

    /// Drops windows nobody will read again.
    func purgeExpired() async throws {
        try await db.sql.raw("DELETE FROM rate_limit_counters WHERE expires_at < \(bind: Int64(now.timeIntervalSince1970))").run()
    }
}
