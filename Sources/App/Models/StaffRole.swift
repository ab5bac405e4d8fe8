// A staff member's place at a unit: plain membership, or a role that carries rights there and below.
import Fluent
import Foundation

final class StaffRole: Model, @unchecked Sendable {
    static let schema = "staff_roles"

    /// `member` is a staff member with no rights yet (a member with no role may exist).
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
