// An SMS waiting for, or done with, the gateway. Written in the same transaction as the change that needs it.
import Fluent
import Foundation

final class OutboxMessage: Model, @unchecked Sendable {
    static let schema = "outbox_messages"

    enum Status: String, Codable, Sendable { case queued, sent, failed, expired }
    enum Kind: String, Codable, Sendable { case otp, password, notice }

    @ID(key: .id) var id: UUID?
    /// Sent on every retry so that the gateway can drop a duplicate.
    @Field(key: "reference") var reference: String
    @Field(key: "recipient") var recipient: String
    /// AES-GCM of the text; erased once the gateway accepted it or it was given up.
    @OptionalField(key: "text_sealed") var textSealed: Data?
    @Field(key: "kind") var kind: Kind
    /// The flow (registration, sign-in, draft …) whose code this carries; a newer code expires older ones.
    @OptionalField(key: "flow_id") var flowID: UUID?
    @Field(key: "status") var status: Status
    @Field(key: "attempts") var attempts: Int
    @Field(key: "next_attempt_at") var nextAttemptAt: Date
    /// While a worker holds the row; a crash lets the lease run out and another worker retry.
    @OptionalField(key: "lease_until") var leaseUntil: Date?
    /// An OTP's own expiry: past it the message is not worth sending.
    @OptionalField(key: "expires_at") var expiresAt: Date?
    @Field(key: "give_up_at") var giveUpAt: Date
    @OptionalField(key: "last_error") var lastError: String?
    @OptionalField(key: "sent_at") var sentAt: Date?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    init() {}
}
