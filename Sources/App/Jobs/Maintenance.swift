// The periodic clean-up job.
import Fluent
import Foundation
import SQLKit

/// Periodic clean-up: expired flows, drafts with their scans, scans past their retention, old limit counters,
/// sessions and SMS past their retention.
enum Maintenance {
    /// Ended and expired sessions stay listed for this long after their absolute end (who was signed in, from
    /// where), then go.
    static let sessionRetentionDays = 30
    /// Sent, failed and expired SMS stay this long after their outcome (the counter shows a password SMS's
    /// fate; the per-phone limits look back one day), then go. Their text is erased at the outcome already.
    static let outboxRetentionDays = 30
    /// Rows deleted per statement, so that a large backlog never holds the database's write lock for long.
    static let batch = 5_000

    static func runOnce(db: any Database, now: Date) async throws {
        try await purgeRetained(db: db, now: now)
        try await RegistrationService.purgeExpired(db: db, now: now)
        let expired = try await CitizenDraft.query(on: db).filter(\.$expiresAt < now).all()
        for draft in expired {
            try await db.writeTransaction { tx in
                try await CitizenDraft.query(on: tx).filter(\.$id == draft.id!).delete()
                try await IDScan.query(on: tx).filter(\.$id == draft.scanID).filter(\.$accountID == nil).delete()
                try await OTPChallenge.query(on: tx).filter(\.$id == draft.id!).delete()
            }
        }
        try await IDScan.query(on: db).filter(\.$deleteAfter < now).delete()
        try await RateLimiter(db: db, now: now).purgeExpired()
    }

    static func purgeRetained(db: any Database, now: Date) async throws {
        let sessionsBefore = now.addingTimeInterval(-Double(sessionRetentionDays) * 86_400)
        let outboxBefore = now.addingTimeInterval(-Double(outboxRetentionDays) * 86_400)
        while try await deleted(db, "auth_sessions", "expires_at < \(bind: sessionsBefore)") == batch {}
        while try await deleted(db, "outbox_messages", "status <> 'queued' AND updated_at < \(bind: outboxBefore)") == batch {}
        // Single sign-on: requests nobody finished, spent or expired refresh tokens, delivered or abandoned logout
        // notices, and keys past their time in the JWKS. Grants go with their sessions.
        while try await deleted(db, "oidc_requests", "expires_at < \(bind: now)") == batch {}
        let dayAgo = now.addingTimeInterval(-86_400)
        while try await deleted(db, "oidc_refresh_tokens", "expires_at < \(bind: now) OR used_at < \(bind: dayAgo)") == batch {}
        while try await deleted(db, "oidc_logout_deliveries", "status <> 'queued' AND created_at < \(bind: outboxBefore)") == batch {}
        try await db.sql.raw("DELETE FROM oidc_signing_keys WHERE remove_after IS NOT NULL AND remove_after <= \(bind: now)").run()
    }

    /// Deletes at most `batch` rows matching `condition`; returns how many went.
    private static func deleted(_ db: any Database, _ table: String, _ condition: SQLQueryString) async throws -> Int {
        let rows = try await db.sql.raw("""
            DELETE FROM \(ident: table) WHERE id IN (SELECT id FROM \(ident: table) WHERE \(condition) LIMIT \(bind: batch)) RETURNING id
            """).all()
        return rows.count
    }
}
