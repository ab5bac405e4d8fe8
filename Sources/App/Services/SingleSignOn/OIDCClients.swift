// The service systems registered to sign citizens in: registration by a super admin or the command, and the
// client's proof of itself at the token, introspection and revocation endpoints.
import Crypto
import Fluent
import Domain
import Foundation
import JWTKit
import Vapor

/// A client's registration as a super admin or `portal oidc-client add` gives it.
struct ClientInput: Sendable {
    var name: String
    var logoText: String?
    var redirectURIs: [String]
    var postLogoutRedirectURIs: [String] = []
    var backchannelLogoutURI: String?
    var scopes: [String] = ["openid", "profile"]
    var authMethod: String = OIDCClient.AuthMethod.client_secret_basic.rawValue
    var jwksURI: String?
    var idTokenAlg: String = SigningAlgorithm.RS256.rawValue
    var trusted = false
}

struct OIDCClients: Sendable {
    /// The scopes a client may be registered for; `id_number` only where a province decides it may.
    static let supportedScopes = ["openid", "profile", "phone", "id_number"]
    /// The longest a client assertion may still be valid for; its `jti` is remembered that long, so none is used twice.
    static let assertionLifetime: TimeInterval = 3600

    let db: any Database
    let portal: Portal

    static let notFound = AppError(.notFound, "client_not_found", Msg("Không tìm thấy ứng dụng.", "No such client."))

    func list() async throws -> [OIDCClient] {
        try await OIDCClient.query(on: db).sort(\.$name).all()
    }

    func find(_ id: UUID) async throws -> OIDCClient {
        guard let client = try await OIDCClient.find(id, on: db) else { throw Self.notFound }
        return client
    }

    func find(clientID: String) async throws -> OIDCClient? {
        guard clientID.count <= 100 else { return nil }
        // Plain SQL: every token request reads its client, and the ORM's query building cost more than the read.
        return try await db.sql.raw("SELECT \(ClientRow.columns()) FROM oidc_clients WHERE client_id = \(bind: clientID)")
            .firstRecord(ClientRow.self)?.model
    }

    /// A client's row as plain SQL reads it; `model` is the client as every other function takes it (read only).
    private struct ClientRow: SQLRecord {
        let id: UUID
        let clientID, name, logoText, redirectUris, postLogoutRedirectUris: String
        let backchannelLogoutUri: String?
        let scopes: String
        let authMethod: OIDCClient.AuthMethod
        let secretHash, jwksUri: String?
        let idTokenAlg: String
        let trusted, disabled: Bool
        let createdAt, updatedAt: Date

        enum CodingKeys: CodingKey, CaseIterable {
            case id, clientID, name, logoText, redirectUris, postLogoutRedirectUris, backchannelLogoutUri, scopes, authMethod,
                 secretHash, jwksUri, idTokenAlg, trusted, disabled, createdAt, updatedAt
        }

        var model: OIDCClient {
            let c = OIDCClient()
            c.id = id
            c.clientID = clientID
            c.name = name
            c.logoText = logoText
            c.redirectURIsJSON = redirectUris
            c.postLogoutRedirectURIsJSON = postLogoutRedirectUris
            c.backchannelLogoutURI = backchannelLogoutUri
            c.scopes = scopes
            c.authMethod = authMethod
            c.secretHash = secretHash
            c.jwksURI = jwksUri
            c.idTokenAlg = idTokenAlg
            c.trusted = trusted
            c.disabled = disabled
            c.createdAt = createdAt
            c.updatedAt = updatedAt
            c.$id.exists = true
            return c
        }
    }

    /// Registers a client. Returns it with its secret (shown once) when it authenticates with one.
    func register(_ input: ClientInput, actor: AuditLog.Actor) async throws -> (OIDCClient, String?) {
        let client = OIDCClient()
        client.id = UUID()
        client.clientID = Random.token(bytes: 16)
        client.createdAt = portal.time.now()
        client.disabled = false
        try apply(input, to: client)
        var secret: String? = nil
        if client.authMethod.usesSecret {
            secret = Random.token(bytes: 32)
            client.secretHash = hashSecret(secret!)
        }
        let portal = self.portal
        try await db.writeTransaction { tx in
            try await client.create(on: tx)
            try await AuditLog(db: tx, portal: portal).record(actor, action: "oidc.client.create", target: "client:\(client.clientID)", unit: nil,
                                                              details: ["name": client.name, "trusted": String(client.trusted)])
        }
        return (client, secret)
    }

    func update(_ id: UUID, _ input: ClientInput, actor: AuditLog.Actor) async throws -> (OIDCClient, String?) {
        let client = try await find(id)
        let hadSecret = client.authMethod.usesSecret
        try apply(input, to: client)
        var secret: String? = nil
        if client.authMethod.usesSecret && !hadSecret {
            secret = Random.token(bytes: 32)
            client.secretHash = hashSecret(secret!)
        } else if !client.authMethod.usesSecret {
            client.secretHash = nil
        }
        let portal = self.portal
        try await db.writeTransaction { tx in
            try await client.update(on: tx)
            try await AuditLog(db: tx, portal: portal).record(actor, action: "oidc.client.update", target: "client:\(client.clientID)", unit: nil,
                                                              details: ["name": client.name, "trusted": String(client.trusted)])
        }
        return (client, secret)
    }

    /// A disabled client can start no sign-in, and every token it holds stops working at once.
    func setDisabled(_ id: UUID, _ disabled: Bool, actor: AuditLog.Actor) async throws {
        let client = try await find(id)
        client.disabled = disabled
        client.updatedAt = portal.time.now()
        let portal = self.portal
        try await db.writeTransaction { tx in
            try await client.update(on: tx)
            try await AuditLog(db: tx, portal: portal).record(actor, action: disabled ? "oidc.client.disable" : "oidc.client.enable",
                                                              target: "client:\(client.clientID)", unit: nil)
        }
    }

    /// A new secret replaces the old one at once.
    func newSecret(_ id: UUID, actor: AuditLog.Actor) async throws -> String {
        let client = try await find(id)
        guard client.authMethod.usesSecret else {
            throw AppError.validation(["authMethod": Msg("Ứng dụng này không dùng mật khẩu ứng dụng.", "This client does not use a secret.")])
        }
        let secret = Random.token(bytes: 32)
        client.secretHash = hashSecret(secret)
        client.updatedAt = portal.time.now()
        let portal = self.portal
        try await db.writeTransaction { tx in
            try await client.update(on: tx)
            try await AuditLog(db: tx, portal: portal).record(actor, action: "oidc.client.secret", target: "client:\(client.clientID)", unit: nil)
        }
        return secret
    }

    private func apply(_ input: ClientInput, to client: OIDCClient) throws {
        var errors: [String: Msg] = [:]
        let name = input.name.trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty || name.count > 200 { errors["name"] = Msg("Nhập tên ứng dụng (tối đa 200 ký tự).", "Enter the client's name (at most 200 characters).") }
        else if Text.hasControlCharacter(name) { errors["name"] = Msg("Tên ứng dụng có ký tự điều khiển không hợp lệ.", "The client's name contains a control character.") }
        let redirects = input.redirectURIs.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if redirects.isEmpty || !redirects.allSatisfy(validURI) {
            errors["redirectUris"] = Msg("Nhập ít nhất một địa chỉ chuyển hướng đầy đủ (https, không có phần #).",
                                         "Enter at least one full redirect URI (https, no fragment).")
        }
        let postLogout = input.postLogoutRedirectURIs.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if !postLogout.allSatisfy(validURI) {
            errors["postLogoutRedirectUris"] = Msg("Địa chỉ sau khi đăng xuất không hợp lệ.", "A post-logout redirect URI is not valid.")
        }
        let backchannel = input.backchannelLogoutURI?.trimmingCharacters(in: .whitespaces).nilIfEmpty
        if let backchannel, !validURI(backchannel) {
            errors["backchannelLogoutUri"] = Msg("Địa chỉ nhận thông báo đăng xuất không hợp lệ.", "The back-channel logout URI is not valid.")
        }
        var scopes = input.scopes.flatMap { $0.split(separator: " ").map(String.init) }
        if !scopes.contains("openid") { scopes.insert("openid", at: 0) }
        if let unknown = scopes.first(where: { !Self.supportedScopes.contains($0) }) {
            errors["scopes"] = Msg("Phạm vi không được hỗ trợ: \(unknown).", "Unsupported scope: \(unknown).")
        }
        let method = OIDCClient.AuthMethod(rawValue: input.authMethod)
        if method == nil { errors["authMethod"] = Msg("Cách xác thực không hợp lệ.", "Unknown authentication method.") }
        let jwks = input.jwksURI?.trimmingCharacters(in: .whitespaces).nilIfEmpty
        if method == .private_key_jwt && (jwks == nil || !validURI(jwks!)) {
            errors["jwksUri"] = Msg("Cách xác thực private_key_jwt cần địa chỉ JWKS của ứng dụng.", "private_key_jwt needs the client's JWKS URI.")
        }
        if SigningAlgorithm(rawValue: input.idTokenAlg) == nil {
            errors["idTokenAlg"] = Msg("Thuật toán ký phải là RS256 hoặc ES256.", "The signing algorithm must be RS256 or ES256.")
        }
        guard errors.isEmpty, let method else { throw AppError.validation(errors) }
        client.name = name
        client.logoText = (input.logoText?.trimmingCharacters(in: .whitespaces).nilIfEmpty ?? String(name.prefix(2))).prefix(8).description
        client.redirectURIsJSON = OIDCClient.encodeList(Array(NSOrderedSet(array: redirects)) as! [String])
        client.postLogoutRedirectURIsJSON = OIDCClient.encodeList(postLogout)
        client.backchannelLogoutURI = backchannel
        client.scopes = Array(NSOrderedSet(array: scopes).compactMap { $0 as? String }).joined(separator: " ")
        client.authMethod = method
        client.jwksURI = method == .private_key_jwt ? jwks : nil
        client.idTokenAlg = input.idTokenAlg
        client.trusted = input.trusted
        client.updatedAt = portal.time.now()
    }

    /// Absolute http(s) URIs without a fragment; plain http only for this machine's own addresses outside production.
    private func validURI(_ raw: String) -> Bool {
        guard raw.count <= 500, let url = URL(string: raw), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty,
              url.fragment == nil, !raw.contains("#") else { return false }
        if scheme == "https" { return true }
        let local = host == "127.0.0.1" || host == "localhost" || host == "[::1]" || host == "::1"
        return scheme == "http" && (local || !portal.config.isProduction)
    }

    func hashSecret(_ secret: String) -> String {
        Array(HMAC<SHA256>.authenticationCode(for: Data(secret.utf8), using: portal.keys.clientSecret)).hex
    }

    /// How a client proved itself at an endpoint: the parts of the request that can carry its credentials.
    struct Credentials: Sendable {
        var basic: (id: String, secret: String)?
        var formID: String?
        var formSecret: String?
        var assertionType: String?
        var assertion: String?
    }

    /// The client the credentials prove, by the method it is registered with and no other.
    func authenticate(_ c: Credentials, tokenEndpoint: String, remoteKeys: RemoteKeySets) async throws -> OIDCClient {
        let claimedID: String?
        if let basic = c.basic { claimedID = basic.id }
        else if let assertion = c.assertion { claimedID = (try? Self.unverifiedIssuer(assertion)) ?? c.formID }
        else { claimedID = c.formID }
        guard let claimedID, let client = try await find(clientID: claimedID), !client.disabled else {
            throw OAuthError.invalidClient("Unknown or disabled client.")
        }
        if let formID = c.formID, formID != client.clientID { throw OAuthError.invalidClient("client_id does not match the credentials.") }
        switch client.authMethod {
        case .client_secret_basic, .client_secret_post:
            let secret = client.authMethod == .client_secret_basic ? c.basic?.secret : c.formSecret
            guard let secret, let stored = client.secretHash,
                  ConstantTime.equal(Array(hashSecret(secret).utf8), Array(stored.utf8)) else { throw OAuthError.invalidClient("Client authentication failed.") }
        case .private_key_jwt:
            guard c.assertionType == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", let assertion = c.assertion,
                  let uri = client.jwksURI else { throw OAuthError.invalidClient("A client assertion is required.") }
            let keys = try await remoteKeys.keys(uri, kid: try? JWTHeaderKid.read(assertion))
            let claims: ClientAssertion
            do { claims = try await keys.verify(assertion, as: ClientAssertion.self) } catch {
                throw OAuthError.invalidClient("The client assertion is not valid.")
            }
            guard claims.iss.value == client.clientID, claims.sub.value == client.clientID,
                  claims.aud.value.contains(where: { $0 == tokenEndpoint || $0 == portal.config.issuer }),
                  claims.exp.value > portal.time.now(), claims.exp.value.timeIntervalSince(portal.time.now()) <= Self.assertionLifetime else {
                throw OAuthError.invalidClient("The client assertion's claims are not valid.")
            }
            // Each assertion once (RFC 7523 requires its `jti`): the id is kept as a rate-limit key until the
            // assertion could no longer be accepted.
            guard let jti = claims.jti?.value, !jti.isEmpty else { throw OAuthError.invalidClient("The client assertion has no jti.") }
            let seen = try await RateLimiter(db: db, now: portal.time.now())
                .hit("client-assertion:\(client.clientID):\(jti.prefix(100))", RateLimit(limit: 1, window: Self.assertionLifetime))
            guard seen.allowed else { throw OAuthError.invalidClient("The client assertion was used before.") }
        case .none:
            guard c.basic == nil, c.formSecret == nil, c.assertion == nil else { throw OAuthError.invalidClient("This client has no secret.") }
        }
        return client
    }

    private static func unverifiedIssuer(_ jwt: String) throws -> String? {
        let parts = jwt.split(separator: ".")
        guard parts.count == 3, let data = Data(base64URL: String(parts[1])) else { return nil }
        struct Iss: Decodable { let iss: String? }
        return try JSONDecoder().decode(Iss.self, from: data).iss
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}

extension Data {
    init?(base64URL: String) {
        var s = base64URL.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.count % 4 != 0 { s += "=" }
        self.init(base64Encoded: s)
    }
}
