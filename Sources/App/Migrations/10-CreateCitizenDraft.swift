// Migration 10: CreateCitizenDraft. Its name is recorded by Fluent: never rename it, never edit it once shipped.
import Fluent
import Foundation

struct CreateCitizenDraft: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(IDScan.schema)
            .id()
            .field("sealed", .data, .required)
            .field("file_name", .string, .required)
            .field("kind", .string, .required)
            .field("size", .int, .required)
            .field("account_id", .uuid)
            .field("created_at", .datetime, .required)
            .field("delete_after", .datetime)
            .create()
        try await database.schema(CitizenDraft.schema)
            .id()
            .field("officer_id", .uuid, .required, .references(Account.schema, "id"))
            .field("unit_id", .uuid, .required, .references(Unit.schema, "id"))
            .field("id_number", .string, .required)
            .field("full_name", .string, .required)
            .field("date_of_birth", .string, .required)
            .field("phone", .string, .required)
            .field("email", .string)
            .field("scan_id", .uuid, .required, .references(IDScan.schema, "id"))
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .create()
        try await database.sql.raw("CREATE INDEX citizen_drafts_unit ON citizen_drafts (unit_id)").run()
        try await database.sql.raw("CREATE INDEX id_scans_delete_after ON id_scans (delete_after)").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(CitizenDraft.schema).delete()
        try await database.schema(IDScan.schema).delete()
    }
}
