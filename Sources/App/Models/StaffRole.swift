// A staff member's place at a unit: plain membership, or a role that carries rights there and below.
import Fluent
import Foundation

final class StaffRole: Model, @unchecked Sendable {
    static let schema = "staff_roles"

    /// `member` is a staff member with no rights yet (R1: "a member with no role may exist").
    enum Role: String, Codable, Sendable, CaseIterable, Comparable {
        case member, officer, unit_admin, super_admin

        var rank: Int { Self.allCases.firstIndex(of: self)! }
        static func < (a: Role, b: Role) -> Bool { a.rank < b.rank }
    }

    @ID(key: .id) var id: UUID?
    @Field(key: "account_id") var accountID: UUID
    @Field(key: "unit_id") var unitID: UUID
    @Field(key: "role") var role: Role
    @OptionalField(key: "granted_by") var grantedBy: UUID?
    @Field(key: "granted_at") var grantedAt: Date
    @OptionalField(key: "revoked_at") var revokedAt: Date?
    @OptionalField(key: "revoked_by") var revokedBy: UUID?

    init() {}
}

final class RightsRequest: Model, @unchecked Sendable {
    static let schema = "rights_requests"

    enum Status: String, Codable, Sendable { case pending, approved, refused }

    @ID(key: .id) var id: UUID?
    @Field(key: "account_id") var accountID: UUID
    @Field(key: "unit_id") var unitID: UUID
    @Field(key: "position") var position: String
    @Field(key: "status") var status: Status
    @OptionalField(key: "decided_by") var decidedBy: UUID?
    @OptionalField(key: "decided_at") var decidedAt: Date?
    @OptionalField(key: "reason") var reason: String?
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

final class AuditEvent: Model, @unchecked Sendable {
    static let schema = "audit_events"

    @ID(key: .id) var id: UUID?
    @Field(key: "at") var at: Date
    @OptionalField(key: "actor_id") var actorID: UUID?
    @Field(key: "actor_name") var actorName: String
    @Field(key: "client_address") var clientAddress: String
    @Field(key: "action") var action: String
    @Field(key: "target") var target: String
    /// The unit the event belongs to, so that each admin sees the events of their own subtree.
    @OptionalField(key: "unit_path") var unitPath: String?
    @Field(key: "outcome") var outcome: String
    @Field(key: "details") var details: String

    init() {}
}

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
