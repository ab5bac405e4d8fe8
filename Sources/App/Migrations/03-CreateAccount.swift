// Migration 03: CreateAccount. Its name is recorded by Fluent: never rename it, never edit it once shipped.
import Fluent
import Foundation

struct CreateAccount: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Account.schema)
            .id()
            .field("id_number", .string, .required)
            .field("full_name", .string, .required)
            .field("name_key", .string, .required)
            .field("date_of_birth", .string, .required)
            .field("phone", .string, .required)
            .field("email", .string)
            .field("password_hash", .string, .required)
            .field("password_temporary", .bool, .required)
            .field("password_expires_at", .datetime)
            .field("status", .string, .required)
            .field("failed_logins", .int, .required)
            .field("last_failed_login_at", .datetime)
            .field("created_by", .uuid)
            .field("created_at_unit", .uuid)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "id_number", name: "accounts_id_number_key")
            .create()
        try await database.sql.raw("CREATE INDEX accounts_phone ON accounts (phone)").run()
        try await database.sql.raw("CREATE INDEX accounts_created_by ON accounts (created_by, created_at)").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Account.schema).delete()
    }
}
