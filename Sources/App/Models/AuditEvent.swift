// One entry of the audit trail: who did what, to what, in which unit, from where, and with what outcome.
import Fluent
import Foundation

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
