// Migration 08: CreateUnit. Its name is recorded by Fluent: never rename it, never edit it once shipped.
import Fluent
import Foundation

struct CreateUnit: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Unit.schema)
            .id()
            .field("name", .string, .required)
            .field("name_key", .string, .required)
            .field("code", .string)
            .field("parent_id", .uuid, .references(Unit.schema, "id"))
            .field("kind", .string, .required)
            .field("path", .string, .required)
            .field("active", .bool, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "code", name: "units_code_key")
            .create()
        try await database.sql.raw("CREATE INDEX units_path ON units (path)").run()
        try await database.sql.raw("CREATE INDEX units_parent ON units (parent_id)").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Unit.schema).delete()
    }
}
