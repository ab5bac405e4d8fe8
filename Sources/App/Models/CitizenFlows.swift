// The short-lived flows of Part III: a registration in progress, a sign-in waiting for its code, a reset.
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

struct CreateCitizenFlows: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Registration.schema)
            .id()
            .field("id_number", .string, .required)
            .field("full_name", .string, .required)
            .field("date_of_birth", .string, .required)
            .field("phone", .string, .required)
            .field("email", .string)
            .field("status", .string, .required)
            .field("completion_token_hash", .string)
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .create()
        try await database.schema(LoginChallenge.schema)
            .id()
            .field("account_id", .uuid, .required, .references(Account.schema, "id", onDelete: .cascade))
            .field("kind", .string, .required)
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .create()
        try await database.schema(PasswordReset.schema)
            .id()
            .field("account_id", .uuid, .references(Account.schema, "id", onDelete: .cascade))
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .create()
        try await database.schema("used_human_checks")
            .field("challenge", .string, .identifier(auto: false))
            .field("expires_at", .datetime, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        for table in ["used_human_checks", PasswordReset.schema, LoginChallenge.schema, Registration.schema] {
            try await database.schema(table).delete()
        }
    }
}
