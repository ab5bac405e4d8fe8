// Migration 09: CreateStaffTables. Its name is recorded by Fluent: never rename it, never edit it once shipped.
import Fluent
import Foundation

struct CreateStaffTables: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(StaffRole.schema)
            .id()
            .field("account_id", .uuid, .required, .references(Account.schema, "id"))
            .field("unit_id", .uuid, .required, .references(Unit.schema, "id"))
            .field("role", .string, .required)
            .field("granted_by", .uuid)
            .field("granted_at", .datetime, .required)
            .field("revoked_at", .datetime)
            .field("revoked_by", .uuid)
            .create()
        // One live grant of a role at a unit; revoked ones stay as history.
        try await database.sql.raw("CREATE UNIQUE INDEX staff_roles_live ON staff_roles (account_id, unit_id, role) WHERE revoked_at IS NULL").run()
        try await database.sql.raw("CREATE INDEX staff_roles_unit ON staff_roles (unit_id)").run()
        try await database.schema(RightsRequest.schema)
            .id()
            .field("account_id", .uuid, .required, .references(Account.schema, "id"))
            .field("unit_id", .uuid, .required, .references(Unit.schema, "id"))
            .field("position", .string, .required)
            .field("status", .string, .required)
            .field("decided_by", .uuid)
            .field("decided_at", .datetime)
            .field("reason", .string)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema(AuditEvent.schema)
            .id()
            .field("at", .datetime, .required)
            .field("actor_id", .uuid)
            .field("actor_name", .string, .required)
            .field("client_address", .string, .required)
            .field("action", .string, .required)
            .field("target", .string, .required)
            .field("unit_path", .string)
            .field("outcome", .string, .required)
            .field("details", .string, .required)
            .create()
        try await database.sql.raw("CREATE INDEX audit_events_at ON audit_events (at)").run()
        try await database.sql.raw("CREATE INDEX audit_events_unit ON audit_events (unit_path)").run()
    }

    func revert(on database: any Database) async throws {
        for table in [AuditEvent.schema, RightsRequest.schema, StaffRole.schema] { try await database.schema(table).delete() }
    }
}
