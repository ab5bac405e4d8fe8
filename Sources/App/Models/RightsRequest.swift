// A person's request for officer rights at a unit, and the admin's decision.
import Fluent
import Foundation

final class RightsRequest: Model, @unchecked Sendable {
    static let schema = "rights_requests"

    enum Status: String, Codable, Sendable, CaseIterable { case pending, approved, refused }

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
