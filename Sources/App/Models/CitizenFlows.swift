// The short-lived flows of a citizen on their own: a registration in progress, a sign-in waiting for its code, a reset.
import Fluent
import Foundation

final class Registration: Model, @unchecked Sendable {
    static let schema = "registrations"

    enum Status: String, Codable, Sendable { case pending, verified }

    @ID(key: .id) var id: UUID?
    @Field(key: "id_number") var idNumber: String
    @Field(key: "full_name") var fullName: String
    @Field(key: "date_of_birth") var dateOfBirth: String
    @Field(key: "phone") var phone: String
    @OptionalField(key: "email") var email: String?
    @Field(key: "status") var status: Status
    /// Set once the phone is proven; the password step must show it.
    @OptionalField(key: "completion_token_hash") var completionTokenHash: String?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "expires_at") var expiresAt: Date

    init() {}
}

final class LoginChallenge: Model, @unchecked Sendable {
    static let schema = "login_challenges"

    @ID(key: .id) var id: UUID?
    @Field(key: "account_id") var accountID: UUID
    @Field(key: "kind") var kind: AuthSession.Kind
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "expires_at") var expiresAt: Date

    init() {}
}

final class PasswordReset: Model, @unchecked Sendable {
    static let schema = "password_resets"

    @ID(key: .id) var id: UUID?
    /// Nil when nobody matched: the flow looks the same from outside, and no code can ever complete it.
    @OptionalField(key: "account_id") var accountID: UUID?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "expires_at") var expiresAt: Date

    init() {}
}
