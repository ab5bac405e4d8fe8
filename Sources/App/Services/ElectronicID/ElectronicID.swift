// Signing in with the national electronic identity: the portal as an OpenID Connect client of one provider.
// Authorization code flow with PKCE, state and nonce; the ID token's signature (the provider's JWKS, through
// jwt-kit), issuer, audience, times and nonce checked; the ID number finds the account, links it or makes one.
import AsyncHTTPClient
import Crypto
import Domain
import Fluent
import Foundation
import JWTKit
import NIOCore
import NIOHTTP1
import SQLKit

struct ElectronicID: Sendable {
    static let attemptLifetime: TimeInterval = 10 * 60
    static let pendingLifetime: TimeInterval = 15 * 60
    /// Clock difference tolerated between the provider and the portal.
    static let clockSkew: TimeInterval = 60
    /// An ID token older than this is not accepted, whatever its `exp`.
    static let maxTokenAge: TimeInterval = 10 * 60
    static let timeout: TimeAmount = .seconds(5)
    static let amr = "eid"

    let db: any Database
    let portal: Portal
    let config: EIDConfig

    var now: Date { portal.time.now() }
    var redirectURI: String { portal.config.issuer + SiteURL.eidReturn.path }

    static func acr(_ provider: String?) -> String { "urn:vn:portal:acr:eid:\(provider ?? "unknown")" }

    // MARK: Errors: each a page that says what happened and leads back to the password sign-in

    static func failure(_ vi: String, _ en: String, status: HTTPResponseStatus = .badRequest, code: String = "eid_failed") -> AppError {
        AppError(status, code, Msg("Không đăng nhập được bằng tài khoản định danh điện tử: \(vi) Bạn vẫn có thể đăng nhập bằng tài khoản của cổng.",
                                   "Signing in with the electronic identity failed: \(en) You can still sign in with your portal account."))
    }
    static let unavailable = failure("hệ thống định danh điện tử không trả lời.", "the electronic identity service did not answer.",
                                     status: .badGateway, code: "eid_unavailable")
    static let expired = failure("phiên đăng nhập đã hết hạn hoặc không hợp lệ.", "the sign-in has expired or is not valid.", code: "eid_state")
    static let rejectedToken = failure("thông tin xác thực nhận được không hợp lệ.", "the identity token received is not valid.", code: "eid_token")

    // MARK: The provider's configuration

    struct Discovery: Decodable, Sendable {
        let issuer, authorization_endpoint, token_endpoint, jwks_uri: String
        let userinfo_endpoint: String?
        let token_endpoint_auth_methods_supported: [String]?
    }

    func discovery() async throws -> Discovery {
        try await portal.eidDiscovery.get(config.issuer) {
            do {
                let (body, lifetime) = try await RemoteKeySets.fetch(config.issuer + "/.well-known/openid-configuration",
                                                                     client: portal.outbound, timeout: Self.timeout)
                let doc = try JSONDecoder().decode(Discovery.self, from: Data(body.utf8))
                guard doc.issuer == config.issuer else { throw Self.failure("cấu hình của hệ thống định danh không khớp.", "the provider's configuration does not match.") }
                return (doc, lifetime)
            } catch let error as AppError { throw error } catch { throw Self.unavailable }
        }
    }

    // MARK: Starting

    struct Started: Sendable {
        let redirect: String
        /// Binds the sign-in to this browser: kept in a cookie and checked on return.
        let browserToken: String
    }

    func begin(next: String) async throws -> Started {
        let doc = try await discovery()
        let state = Random.token(bytes: 24), nonce = Random.token(bytes: 24), verifier = Random.token(bytes: 48)
        let browser = Random.token(bytes: 24)
        try await db.sql.raw("""
            INSERT INTO eid_attempts (id, state_hash, browser_hash, nonce, code_verifier, next, created_at, expires_at)
            VALUES (\(bind: UUID()), \(bind: hash(state)), \(bind: hash(browser)), \(bind: nonce), \(bind: verifier), \(bind: next),
                    \(bind: now), \(bind: now.addingTimeInterval(Self.attemptLifetime)))
            """).run()
        let challenge = Data(SHA256.hash(data: Data(verifier.utf8))).base64URL
        let target = SingleSignOn.append(to: doc.authorization_endpoint, [
            ("response_type", "code"), ("client_id", config.clientID), ("redirect_uri", redirectURI), ("scope", config.scopes),
            ("state", state), ("nonce", nonce), ("code_challenge", challenge), ("code_challenge_method", "S256")])
        return Started(redirect: target, browserToken: browser)
    }

    func hash(_ value: String) -> String {
        Array(HMAC<SHA256>.authenticationCode(for: Data("eid|\(value)".utf8), using: portal.keys.ssoToken)).hex
    }

    // MARK: Returning

    /// What the provider proved about the person.
    struct Identity: Sendable {
        let subject: String
        let acr: String?
        let idNumber, name, birthdate, phone: String?
    }

    struct Attempt: SQLRecord {
        let id: UUID
        let browserHash, nonce, codeVerifier, next: String
        let expiresAt: Date
        enum CodingKeys: CodingKey, CaseIterable { case id, browserHash, nonce, codeVerifier, next, expiresAt }
    }

    /// The provider's answer: its code exchanged, its ID token checked. The attempt is spent whatever happens.
    func complete(state: String?, code: String?, error: String?, browserToken: String?) async throws -> (Identity, next: String) {
        guard let state, !state.isEmpty, state.count < 200,
              let attempt = try await db.sql.raw("""
                DELETE FROM eid_attempts WHERE state_hash = \(bind: hash(state)) RETURNING \(Attempt.columns())
                """).firstRecord(Attempt.self),
              attempt.expiresAt > now,
              let browserToken, ConstantTime.equal(Array(hash(browserToken).utf8), Array(attempt.browserHash.utf8)) else {
            throw Self.expired
        }
        if let error {
            if error == "access_denied" { throw Self.failure("bạn đã không cho phép chia sẻ thông tin.", "you did not allow the information to be shared.", code: "eid_denied") }
            throw Self.failure("hệ thống định danh trả về lỗi (\(String(error.prefix(60)))).", "the provider answered with an error (\(String(error.prefix(60)))).")
        }
        guard let code, !code.isEmpty, code.count < 2048 else { throw Self.expired }
        let doc = try await discovery()
        let tokens = try await exchange(code, verifier: attempt.codeVerifier, doc)
        var identity = try await verify(tokens.id_token, nonce: attempt.nonce, doc)
        if identity.idNumber == nil || identity.name == nil || identity.birthdate == nil || identity.phone == nil,
           let userinfo = doc.userinfo_endpoint, let access = tokens.access_token {
            identity = try await merge(identity, userinfo: userinfo, accessToken: access)
        }
        return (identity, SafeRedirect.localPath(attempt.next))
    }

    private struct TokenAnswer: Decodable {
        let id_token: String
        let access_token: String?
    }

    private func exchange(_ code: String, verifier: String, _ doc: Discovery) async throws -> TokenAnswer {
        var request = HTTPClientRequest(url: doc.token_endpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        var form = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI), ("code_verifier", verifier)]
        let methods = doc.token_endpoint_auth_methods_supported ?? ["client_secret_basic"]
        if let secret = config.clientSecret {
            if methods.contains("client_secret_basic") || !methods.contains("client_secret_post") {
                let pair = "\(Self.formEncode(config.clientID)):\(Self.formEncode(secret))"
                request.headers.add(name: "Authorization", value: "Basic " + Data(pair.utf8).base64EncodedString())
            } else {
                form += [("client_id", config.clientID), ("client_secret", secret)]
            }
        } else {
            form.append(("client_id", config.clientID))
        }
        request.body = .bytes(ByteBuffer(string: form.map { "\($0.0)=\(Self.formEncode($0.1))" }.joined(separator: "&")))
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await portal.outbound.execute(request, timeout: Self.timeout)
            body = try await response.body.collect(upTo: 256 * 1024)
        } catch {
            throw Self.unavailable
        }
        guard response.status == .ok, let answer = try? JSONDecoder().decode(TokenAnswer.self, from: Data(buffer: body)) else {
            throw Self.failure("hệ thống định danh không cấp được thông tin xác thực.", "the provider did not issue the identity token.")
        }
        return answer
    }

    static func formEncode(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }

    private struct IDTokenClaims: JWTPayload {
        let iss: IssuerClaim
        let sub: SubjectClaim
        let aud: AudienceClaim
        let exp: ExpirationClaim
        let iat: IssuedAtClaim
        let nonce: String?
        let azp: String?
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    /// Signature by a key of the provider's JWKS (fetched again once for an unknown key), then every claim the
    /// standard asks a client to check, against the portal's clock with a small skew.
    private func verify(_ token: String, nonce: String, _ doc: Discovery) async throws -> Identity {
        let kid = try? JWTHeaderKid.read(token)
        var claims: IDTokenClaims
        do {
            let keys = try await portal.remoteKeys.keys(doc.jwks_uri, kid: kid)
            claims = try await keys.verify(token, as: IDTokenClaims.self)
        } catch is RemoteKeySets.RemoteError {
            throw Self.unavailable
        } catch let error as HTTPClientError {
            _ = error
            throw Self.unavailable
        } catch {
            throw Self.rejectedToken
        }
        let now = self.now
        guard claims.iss.value == config.issuer,
              claims.aud.value.contains(config.clientID),
              claims.aud.value.count == 1 || claims.azp == config.clientID,
              claims.exp.value > now.addingTimeInterval(-Self.clockSkew),
              claims.iat.value < now.addingTimeInterval(Self.clockSkew),
              claims.iat.value > now.addingTimeInterval(-Self.maxTokenAge),
              let sent = claims.nonce, ConstantTime.equal(Array(sent.utf8), Array(nonce.utf8)) else {
            throw Self.rejectedToken
        }
        // The other claims, whatever their names: read from the payload that the signature covers.
        let parts = token.split(separator: ".")
        let payload = (Data(base64URL: String(parts[1])).flatMap { try? JSONSerialization.jsonObject(with: $0) } as? [String: Any]) ?? [:]
        return Identity(subject: claims.sub.value, acr: Self.string(payload["acr"]), idNumber: Self.string(payload[config.idNumberClaim]),
                        name: Self.string(payload["name"]), birthdate: Self.string(payload["birthdate"]),
                        phone: Self.string(payload["phone_number"]))
    }

    private static func string(_ value: Any?) -> String? {
        if let s = value as? String { return s.isEmpty ? nil : s }
        if let n = value as? NSNumber { return n.stringValue }
        return nil
    }

    /// Claims the ID token left out, from the userinfo endpoint (OpenID Connect Core 5.3), for the same subject.
    private func merge(_ identity: Identity, userinfo: String, accessToken: String) async throws -> Identity {
        var request = HTTPClientRequest(url: userinfo)
        request.headers.add(name: "Authorization", value: "Bearer \(accessToken)")
        request.headers.add(name: "Accept", value: "application/json")
        let info: [String: Any]
        do {
            let response = try await portal.outbound.execute(request, timeout: Self.timeout)
            let body = try await response.body.collect(upTo: 256 * 1024)
            guard response.status == .ok, let object = try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any] else {
                return identity
            }
            info = object
        } catch {
            throw Self.unavailable
        }
        guard Self.string(info["sub"]) == identity.subject else { throw Self.rejectedToken }
        return Identity(subject: identity.subject, acr: identity.acr,
                        idNumber: identity.idNumber ?? Self.string(info[config.idNumberClaim]),
                        name: identity.name ?? Self.string(info["name"]), birthdate: identity.birthdate ?? Self.string(info["birthdate"]),
                        phone: identity.phone ?? Self.string(info["phone_number"]))
    }
}

/// The provider's discovery document, kept for the lifetime its server gives it.
actor EIDDiscoveryCache {
    private var cached: (ElectronicID.Discovery, Date)?

    func get(_ issuer: String, fetch: () async throws -> (ElectronicID.Discovery, TimeInterval)) async throws -> ElectronicID.Discovery {
        if let (doc, until) = cached, until > Date() { return doc }
        let (doc, lifetime) = try await fetch()
        cached = (doc, Date().addingTimeInterval(lifetime))
        return doc
    }
}
