// Migration 04: CreateAuthSession. Its name is recorded by Fluent: never rename it, never edit it once shipped.
import Fluent
import Foundation

struct CreateAuthSession: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(AuthSession.schema)
            .id()
            .field("account_id", .uuid, .required, .references(Account.schema, "id", onDelete: .cascade))
            .field("token_hash", .string, .required)
            .field("kind", .string, .required)
            .field("client_address", .string, .required)
            .field("user_agent", .string, .required)
            .field("created_at", .datetime, .required)
            .field("last_seen_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .field("ended_at", .datetime)
            .unique(on: "token_hash", name: "auth_sessions_token_key")
            .create()
        try await database.sql.raw("CREATE INDEX auth_sessions_account ON auth_sessions (account_id)").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(AuthSession.schema).delete()
    }
}
