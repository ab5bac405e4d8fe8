// Indexes for the retention clean-up of sessions and sent SMS.
import Fluent
import SQLKit

/// Maintenance deletes sessions a month past their end and SMS a month after their last outcome. At a national
/// peak of 5 million sign-ins a day both tables grow by millions of rows a day; without these indexes each
/// clean-up would read them whole.
struct AddRetentionIndexes: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.sql.raw("CREATE INDEX IF NOT EXISTS auth_sessions_expiry ON auth_sessions (expires_at)").run()
        try await database.sql.raw("CREATE INDEX IF NOT EXISTS outbox_messages_done ON outbox_messages (updated_at) WHERE status <> 'queued'").run()
    }

    func revert(on database: any Database) async throws {
        try await database.sql.raw("DROP INDEX IF EXISTS auth_sessions_expiry").run()
        try await database.sql.raw("DROP INDEX IF EXISTS outbox_messages_done").run()
    }
}
