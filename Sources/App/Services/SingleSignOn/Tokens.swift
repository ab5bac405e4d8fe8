// The tokens the provider signs: ID tokens, access tokens (RFC 9068) and back-channel logout tokens.
// jwt-kit checks the signature; times are checked by the provider against the portal's own clock (the one every
// other rule uses), so the payloads' `verify` leaves `exp` to the caller.
import Foundation
import JWTKit

/// OpenID Connect Core, section 2.
struct IDToken: JWTPayload {
    let iss: IssuerClaim
    let sub: SubjectClaim
    let aud: AudienceClaim
    let exp: ExpirationClaim
    let iat: IssuedAtClaim
    let auth_time: Int
    let nonce: String?
    let acr: String
    let amr: [String]
    let azp: String
    let sid: String

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// An ID token handed back at logout (`id_token_hint`): its signature must be ours, its age does not matter.
struct IDTokenHint: JWTPayload {
    let iss: IssuerClaim
    let sub: SubjectClaim
    let aud: AudienceClaim
    let sid: String?

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// JWT access tokens (RFC 9068). `jti` starts with the grant's id, which introspection and userinfo read to
/// learn whether the grant still stands.
struct AccessToken: JWTPayload {
    let iss: IssuerClaim
    let sub: SubjectClaim
    let aud: AudienceClaim
    let exp: ExpirationClaim
    let iat: IssuedAtClaim
    let jti: IDClaim
    let client_id: String
    let scope: String

    func verify(using algorithm: some JWTAlgorithm) async throws {}

    var grantID: UUID? { jti.value.split(separator: ".").first.flatMap { UUID(uuidString: String($0)) } }
}

/// OpenID Connect Back-Channel Logout 1.0, section 2.4.
struct LogoutToken: JWTPayload {
    struct Events: Codable, Sendable {
        struct Empty: Codable, Sendable {}
        let backchannelLogout = Empty()
        enum CodingKeys: String, CodingKey { case backchannelLogout = "http://schemas.openid.net/event/backchannel-logout" }
    }

    let iss: IssuerClaim
    let sub: SubjectClaim
    let aud: AudienceClaim
    let iat: IssuedAtClaim
    let exp: ExpirationClaim
    let jti: IDClaim
    let sid: String
    var events = Events()

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// A client's assertion for `private_key_jwt` (RFC 7523).
struct ClientAssertion: JWTPayload {
    let iss: IssuerClaim
    let sub: SubjectClaim
    let aud: AudienceClaim
    let exp: ExpirationClaim
    let jti: IDClaim?

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// An error of the OAuth 2.0 protocol: its code (`invalid_grant` …) goes to the client as the standards say.
struct OAuthError: Error, Sendable {
    let code: String
    let description: String
    var status: Int = 400

    static func invalidRequest(_ d: String) -> OAuthError { OAuthError(code: "invalid_request", description: d) }
    static func invalidGrant(_ d: String) -> OAuthError { OAuthError(code: "invalid_grant", description: d) }
    static func invalidClient(_ d: String) -> OAuthError { OAuthError(code: "invalid_client", description: d, status: 401) }
    static func invalidToken(_ d: String) -> OAuthError { OAuthError(code: "invalid_token", description: d, status: 401) }
}
