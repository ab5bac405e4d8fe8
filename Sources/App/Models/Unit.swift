// The province's unit tree: province → departments / districts → communes, of any depth.
import Domain
import Fluent
import Foundation

final class Unit: Model, @unchecked Sendable {
    static let schema = "units"

    enum Kind: String, Codable, Sendable, CaseIterable { case province, department, district, commune, other }

    @ID(key: .id) var id: UUID?
    @Field(key: "name") var name: String
    @Field(key: "name_key") var nameKey: String
    @OptionalField(key: "code") var code: String?
    @OptionalField(key: "parent_id") var parentID: UUID?
    @Field(key: "kind") var kind: Kind
    /// Ids from the root down to this unit, "/a/b/c/": a subtree is every path with this prefix.
    @Field(key: "path") var path: String
    @Field(key: "active") var active: Bool
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    init() {}

    /// Derived from the name every time, never stored: renaming changes eligibility at once (R10).
    var isOneStop: Bool { UnitNameRule.isOneStop(name) }

    func contains(_ other: Unit) -> Bool { other.path.hasPrefix(path) }

    static func path(parent: Unit?, id: UUID) -> String {
        (parent?.path ?? "/") + id.uuidString.lowercased() + "/"
    }
}

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
