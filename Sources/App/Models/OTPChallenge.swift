// The one live code of a flow. A resend replaces it, so only the latest code can ever match.
import Fluent
import Foundation

final class OTPChallenge: Model, @unchecked Sendable {
    static let schema = "otp_challenges"

    enum Purpose: String, Codable, Sendable, CaseIterable { case registration, login, reset, draft, reissue, eidSignup }

    /// The flow's own id (a registration, a sign-in challenge, a reset, a draft …): one code per flow.
    @ID(custom: "flow_id", generatedBy: .user) var id: UUID?
    @Field(key: "purpose") var purpose: Purpose
    @Field(key: "phone") var phone: String
    /// HMAC-SHA-256 of the code with a key derived from the root secret.
    @Field(key: "code_mac") var codeMAC: String
    @Field(key: "attempts") var attempts: Int
    @Field(key: "sends") var sends: Int
    @Field(key: "last_sent_at") var lastSentAt: Date
    @Field(key: "expires_at") var expiresAt: Date

    init() {}
}
