// Migration 06: CreateCitizenFlows. Its name is recorded by Fluent: never rename it, never edit it once shipped.
import Fluent
import Foundation

struct CreateCitizenFlows: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Registration.schema)
            .id()
            .field("id_number", .string, .required)
            .field("full_name", .string, .required)
            .field("date_of_birth", .string, .required)
            .field("phone", .string, .required)
            .field("email", .string)
            .field("status", .string, .required)
            .field("completion_token_hash", .string)
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .create()
        try await database.schema(LoginChallenge.schema)
            .id()
            .field("account_id", .uuid, .required, .references(Account.schema, "id", onDelete: .cascade))
            .field("kind", .string, .required)
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .create()
        try await database.schema(PasswordReset.schema)
            .id()
            .field("account_id", .uuid, .references(Account.schema, "id", onDelete: .cascade))
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .create()
        try await database.schema("used_human_checks")
            .field("challenge", .string, .identifier(auto: false))
            .field("expires_at", .datetime, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        for table in ["used_human_checks", PasswordReset.schema, LoginChallenge.schema, Registration.schema] {
            try await database.schema(table).delete()
        }
    }
}
