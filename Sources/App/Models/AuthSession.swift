// A signed-in session, for a browser (cookie) or an API client (bearer token); only the token's hash is stored.
import Fluent
import Foundation

final class AuthSession: Model, @unchecked Sendable {
    static let schema = "auth_sessions"

    enum Kind: String, Codable, Sendable { case web, api }

    @ID(key: .id) var id: UUID?
    @Field(key: "account_id") var accountID: UUID
    @Field(key: "token_hash") var tokenHash: String
    @Field(key: "kind") var kind: Kind
    @Field(key: "client_address") var clientAddress: String
    @Field(key: "user_agent") var userAgent: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "last_seen_at") var lastSeenAt: Date
    /// The absolute end; the idle timeout is counted from last_seen_at.
    @Field(key: "expires_at") var expiresAt: Date
    @OptionalField(key: "ended_at") var endedAt: Date?

    init() {}
}
