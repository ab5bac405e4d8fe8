// Indexes that the periodic clean-up and the staff check need once tables are large.
import Fluent
import SQLKit

/// Maintenance deletes expired flows every ten minutes with `expires_at < now`; without an index each of
/// those deletes read the whole table, and at a national peak (1,000 sign-ins a second, 15-minute challenges)
/// the sign-in tables hold about a million rows. `staff_roles` was only indexed for live grants of one unit,
/// so reading one person's grants, on every officer request, scanned the table.
struct AddExpiryIndexes: AsyncMigration {
    static let indexes = [
        ("login_challenges_expiry", "login_challenges", "expires_at"),
        ("otp_challenges_expiry", "otp_challenges", "expires_at"),
        ("registrations_expiry", "registrations", "expires_at"),
        ("password_resets_expiry", "password_resets", "expires_at"),
        ("used_human_checks_expiry", "used_human_checks", "expires_at"),
        ("citizen_drafts_expiry", "citizen_drafts", "expires_at"),
        ("staff_roles_account", "staff_roles", "account_id"),
    ]

    func prepare(on database: any Database) async throws {
        for (name, table, column) in Self.indexes {
            try await database.sql.raw("CREATE INDEX IF NOT EXISTS \(ident: name) ON \(ident: table) (\(ident: column))").run()
        }
    }

    func revert(on database: any Database) async throws {
        for (name, _, _) in Self.indexes {
            try await database.sql.raw("DROP INDEX IF EXISTS \(ident: name)").run()
        }
    }
}
