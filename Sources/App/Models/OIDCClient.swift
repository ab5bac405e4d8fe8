// A service system registered to sign citizens in through the portal (an OpenID Connect client).
import Fluent
import Foundation

final class OIDCClient: Model, @unchecked Sendable {
    static let schema = "oidc_clients"

    /// How the client proves itself at the token endpoint (OpenID Connect Core, section 9).
    enum AuthMethod: String, Codable, Sendable, CaseIterable {
        case client_secret_basic, client_secret_post, private_key_jwt, none
        var usesSecret: Bool { self == .client_secret_basic || self == .client_secret_post }
    }

    @ID(key: .id) var id: UUID?
    @Field(key: "client_id") var clientID: String
    @Field(key: "name") var name: String
    /// A short text shown in place of a logo on the consent page and the account page.
    @Field(key: "logo_text") var logoText: String
    /// JSON arrays of exact URIs.
    @Field(key: "redirect_uris") var redirectURIsJSON: String
    @Field(key: "post_logout_redirect_uris") var postLogoutRedirectURIsJSON: String
    @OptionalField(key: "backchannel_logout_uri") var backchannelLogoutURI: String?
    /// Space-separated scopes the client may receive.
    @Field(key: "scopes") var scopes: String
    @Field(key: "auth_method") var authMethod: AuthMethod
    /// HMAC of the secret: secrets are long random strings, so a fast keyed hash is as strong as a slow one.
    @OptionalField(key: "secret_hash") var secretHash: String?
    @OptionalField(key: "jwks_uri") var jwksURI: String?
    @Field(key: "id_token_alg") var idTokenAlg: String
    /// A government system of the province: no consent page.
    @Field(key: "trusted") var trusted: Bool
    @Field(key: "disabled") var disabled: Bool
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    init() {}

    var redirectURIs: [String] { Self.decodeList(redirectURIsJSON) }
    var postLogoutRedirectURIs: [String] { Self.decodeList(postLogoutRedirectURIsJSON) }
    var scopeList: [String] { scopes.split(separator: " ").map(String.init) }

    static func decodeList(_ json: String) -> [String] {
        (try? JSONDecoder().decode([String].self, from: Data(json.utf8))) ?? []
    }

    static func encodeList(_ list: [String]) -> String {
        String(decoding: (try? JSONEncoder().encode(list)) ?? Data("[]".utf8), as: UTF8.self)
    }
}
