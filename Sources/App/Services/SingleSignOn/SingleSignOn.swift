// The portal as an OpenID Connect provider: the authorization request and what it needs from the person
// (sign-in, a password change, consent), the code, the token endpoint, userinfo, introspection, revocation and
// logout. Everything lives in the database, so any instance finishes what another started.
import Crypto
import Domain
import Fluent
import Foundation
import JWTKit
import SQLKit

struct SingleSignOn: Sendable {
    static let codeLifetime: TimeInterval = 60
    static let requestLifetime: TimeInterval = 10 * 60
    static let accessTokenLifetime: TimeInterval = 600
    static let idTokenLifetime: TimeInterval = 600
    /// `acr` of a session proved with the portal's password and SMS code.
    static let passwordSMS = "urn:vn:portal:acr:password-sms"
    static let passwordSMSMethods = ["pwd", "sms", "mfa"]

    /// The JSON endpoints, relative to the issuer; routes.swift registers them from here.
    enum Endpoint {
        static let discovery = "/.well-known/openid-configuration"
        static let jwks = "/oidc/jwks"
        static let token = "/oidc/token"
        static let userinfo = "/oidc/userinfo"
        static let revoke = "/oidc/revoke"
        static let introspect = "/oidc/introspect"
    }

    let db: any Database
    let portal: Portal

    private var now: Date { portal.time.now() }
    /// Token times in whole seconds: the standard allows fractions, but many client libraries expect integers.
    private var tokenNow: Date { Date(timeIntervalSince1970: portal.time.now().timeIntervalSince1970.rounded(.down)) }
    private var issuer: String { portal.config.issuer }

    // MARK: The authorization request

    struct AuthorizationRequest: Sendable {
        var clientID, redirectURI, responseType, scope, state, nonce, codeChallenge, codeChallengeMethod: String?
        var prompt, maxAge, loginHint, request, requestURI, responseMode, registration: String?
    }

    /// Why an authorization request ends: with a page of our own (no trusted place to send the person back
    /// to), or back at the client with an OAuth error.
    enum AuthorizationFailure: Error, Sendable {
        case page(AppError)
        case client(redirectURI: String, error: OAuthError, state: String?)
    }

    static let unknownClient = AppError(.badRequest, "sso_unknown_client",
        Msg("Ứng dụng yêu cầu đăng nhập không được đăng ký với cổng, hoặc đã bị tạm dừng.",
            "The application asking you to sign in is not registered with the portal, or has been suspended."))
    static let badRedirect = AppError(.badRequest, "sso_bad_redirect",
        Msg("Địa chỉ quay lại của ứng dụng không khớp với địa chỉ đã đăng ký. Vì an toàn, cổng không chuyển bạn đi tiếp.",
            "The application's return address does not match the registered one. For your safety the portal does not send you on."))
    static let requestExpired = AppError(.notFound, "sso_request_expired",
        Msg("Yêu cầu đăng nhập đã hết hạn. Hãy quay lại ứng dụng và thử lại.",
            "This sign-in request has expired. Go back to the application and try again."))

    struct Pending: SQLRecord {
        let id, clientID: UUID
        let redirectUri, scope: String
        let state, nonce, codeChallenge, prompt: String?
        let maxAge: Int?
        let loginHint: String?
        let createdAt, expiresAt: Date

        enum CodingKeys: CodingKey, CaseIterable {
            case id, clientID, redirectUri, scope, state, nonce, codeChallenge, prompt, maxAge, loginHint, createdAt, expiresAt
        }

        var prompts: Set<String> { Set((prompt ?? "").split(separator: " ").map(String.init)) }
    }

    /// Checks an authorization request as OpenID Connect Core 3.1.2.1 and 3.1.2.2 say, and keeps it while the
    /// person signs in or consents. Returns the kept request's id.
    func begin(_ r: AuthorizationRequest) async throws -> UUID {
        guard let clientID = r.clientID, let client = try await OIDCClients(db: db, portal: portal).find(clientID: clientID), !client.disabled else {
            throw AuthorizationFailure.page(Self.unknownClient)
        }
        guard let redirect = r.redirectURI, client.redirectURIs.contains(redirect) else { throw AuthorizationFailure.page(Self.badRedirect) }
        func fail(_ code: String, _ description: String) -> AuthorizationFailure {
            .client(redirectURI: redirect, error: OAuthError(code: code, description: description), state: r.state)
        }
        if r.request != nil { throw fail("request_not_supported", "Request objects are not supported.") }
        if r.requestURI != nil { throw fail("request_uri_not_supported", "request_uri is not supported.") }
        if r.registration != nil { throw fail("registration_not_supported", "registration is not supported.") }
        guard r.responseType == "code" else { throw fail("unsupported_response_type", "Only response_type=code is supported.") }
        if let mode = r.responseMode, mode != "query" { throw fail("invalid_request", "Only response_mode=query is supported.") }
        let requested = (r.scope ?? "").split(separator: " ").map(String.init)
        guard requested.contains("openid") else { throw fail("invalid_scope", "The openid scope is required.") }
        // Scopes the client is not registered for are left out, as the standard allows; the rest keep their order.
        let allowed = Set(client.scopeList)
        var scopes: [String] = []
        for s in requested where allowed.contains(s) && !scopes.contains(s) { scopes.append(s) }
        if let challenge = r.codeChallenge {
            guard (r.codeChallengeMethod ?? "plain") == "S256" else { throw fail("invalid_request", "code_challenge_method must be S256.") }
            guard challenge.count == 43, challenge.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                throw fail("invalid_request", "code_challenge is not a S256 challenge.")
            }
        } else if client.authMethod == .none {
            throw fail("invalid_request", "PKCE with S256 is required for public clients.")
        }
        let prompts = Set((r.prompt ?? "").split(separator: " ").map(String.init))
        if !prompts.isSubset(of: ["none", "login", "consent", "select_account"]) { throw fail("invalid_request", "Unknown prompt value.") }
        if prompts.contains("none") && prompts.count > 1 { throw fail("invalid_request", "prompt=none cannot be combined.") }
        var maxAge: Int? = nil
        if let raw = r.maxAge {
            guard let value = Int(raw), value >= 0 else { throw fail("invalid_request", "max_age must be a non-negative integer.") }
            maxAge = value
        }
        for (value, limit) in [(r.state, 500), (r.nonce, 255), (r.loginHint, 64)] where (value?.count ?? 0) > limit {
            throw fail("invalid_request", "A parameter is too long.")
        }
        let id = UUID()
        try await db.sql.raw("""
            INSERT INTO oidc_requests (id, client_id, redirect_uri, scope, state, nonce, code_challenge, prompt, max_age, login_hint, created_at, expires_at)
            VALUES (\(bind: id), \(bind: client.id!), \(bind: redirect), \(bind: scopes.joined(separator: " ")), \(bind: r.state), \(bind: r.nonce),
                    \(bind: r.codeChallenge), \(bind: prompts.isEmpty ? nil : prompts.sorted().joined(separator: " ")), \(bind: maxAge),
                    \(bind: r.loginHint), \(bind: now), \(bind: now.addingTimeInterval(Self.requestLifetime)))
            """).run()
        return id
    }

    /// What the kept request needs next.
    enum Next: Sendable {
        /// Sign in (again), then come back; `hint` is the ID number the client suggested.
        case signIn(hint: String?)
        /// The temporary password must change first.
        case changePassword
        /// Ask the person.
        case consent(ConsentRequest)
        /// Back to the client: with a code, or with an error.
        case redirect(String)
    }

    struct ConsentRequest: Sendable {
        let requestID: UUID
        let clientName, logoText: String
        let scopes: [String]
    }

    func pending(_ id: UUID) async throws -> (Pending, OIDCClient) {
        guard let request = try await db.sql.raw("SELECT \(Pending.columns()) FROM oidc_requests WHERE id = \(bind: id)").firstRecord(Pending.self),
              request.expiresAt > now else { throw AuthorizationFailure.page(Self.requestExpired) }
        guard let client = try await OIDCClient.find(request.clientID, on: db), !client.disabled else {
            throw AuthorizationFailure.page(Self.unknownClient)
        }
        return (request, client)
    }

    /// Takes the kept request one step further for whoever is signed in. `decision` is the consent page's answer.
    func proceed(_ id: UUID, signedIn: SignedIn?, decision: Bool? = nil, actor: AuditLog.Actor) async throws -> Next {
        let (request, client) = try await pending(id)
        let prompts = request.prompts
        func back(_ code: String, _ description: String) async throws -> Next {
            try await db.sql.raw("DELETE FROM oidc_requests WHERE id = \(bind: id)").run()
            return .redirect(Self.append(to: request.redirectUri, [("error", code), ("error_description", description),
                                                                   ("state", request.state), ("iss", issuer)]))
        }
        // Signed in, recently enough, and after the request when the client asked for a fresh sign-in.
        var fresh = signedIn != nil
        if let signedIn {
            // Signed in after the request was made counts as fresh whatever max_age says (max_age=0 would loop otherwise).
            if let maxAge = request.maxAge, now.timeIntervalSince(signedIn.session.createdAt) > TimeInterval(maxAge),
               signedIn.session.createdAt < request.createdAt { fresh = false }
            if prompts.contains("login") && signedIn.session.createdAt < request.createdAt { fresh = false }
        }
        guard fresh, let signedIn else {
            if prompts.contains("none") { return try await back("login_required", "The person is not signed in.") }
            return .signIn(hint: request.loginHint)
        }
        if signedIn.account.status == .locked {
            return try await back("access_denied", "The account is locked.")
        }
        if signedIn.mustChangePassword {
            if prompts.contains("none") { return try await back("interaction_required", "The person must change the password first.") }
            return .changePassword
        }
        let scopes = request.scope.split(separator: " ").map(String.init)
        if decision == false {
            try await AuditLog(db: db, portal: portal).record(actor, action: "oidc.consent.refuse", target: "client:\(client.clientID)", unit: nil)
            return try await back("access_denied", "The person did not allow access.")
        }
        if !client.trusted && decision != true {
            let consented = try await consentedScopes(account: signedIn.account.id, client: client.id!)
            if prompts.contains("consent") || !Set(scopes).isSubset(of: consented) {
                if prompts.contains("none") { return try await back("consent_required", "The person has not consented.") }
                return .consent(ConsentRequest(requestID: id, clientName: client.name, logoText: client.logoText, scopes: scopes))
            }
        }
        // The code: one use, one minute, bound to the client, the redirect URI, the PKCE challenge and the session.
        let code = Random.token(bytes: 32)
        let method = try await sessionMethod(signedIn.session.id)
        let portal = self.portal
        try await db.writeTransaction { tx in
            let now = portal.time.now()
            if decision == true && !client.trusted {
                try await Self.recordConsent(tx, portal: portal, account: signedIn.account.id, client: client, scopes: scopes, actor: actor)
            }
            try await tx.sql.raw("""
                INSERT INTO oidc_grants (id, client_id, account_id, session_id, scope, nonce, redirect_uri, code_hash, code_challenge,
                                         code_expires_at, auth_time, acr, amr, created_at)
                VALUES (\(bind: UUID()), \(bind: client.id!), \(bind: signedIn.account.id), \(bind: signedIn.session.id), \(bind: request.scope),
                        \(bind: request.nonce), \(bind: request.redirectUri), \(bind: Self.tokenHash(code, portal)), \(bind: request.codeChallenge),
                        \(bind: now.addingTimeInterval(Self.codeLifetime)), \(bind: signedIn.session.createdAt), \(bind: method.acr),
                        \(bind: method.amr.joined(separator: " ")), \(bind: now))
                """).run()
            try await tx.sql.raw("DELETE FROM oidc_requests WHERE id = \(bind: id)").run()
            try await AuditLog(db: tx, portal: portal).record(actor, action: "oidc.authorize", target: "client:\(client.clientID)", unit: nil,
                                                              details: ["scope": request.scope])
        }
        return .redirect(Self.append(to: request.redirectUri, [("code", code), ("state", request.state), ("iss", self.issuer)]))
    }

    /// How a session was proved: `acr` and `amr` as the tokens carry them.
    func sessionMethod(_ session: UUID) async throws -> (acr: String, amr: [String]) {
        struct Row: SQLRecord {
            let acr, amr: String?
            enum CodingKeys: CodingKey, CaseIterable { case acr, amr }
        }
        let row = try await db.sql.raw("SELECT \(Row.columns()) FROM auth_sessions WHERE id = \(bind: session)").firstRecord(Row.self)
        return (row?.acr ?? Self.passwordSMS, row?.amr.map { $0.split(separator: " ").map(String.init) } ?? Self.passwordSMSMethods)
    }

    static func append(to uri: String, _ parameters: [(String, String?)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let query = parameters.compactMap { key, value in value.map { "\(key)=\($0.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" } }
            .joined(separator: "&")
        return uri + (uri.contains("?") ? "&" : "?") + query
    }

    static func tokenHash(_ token: String, _ portal: Portal) -> String {
        Array(HMAC<SHA256>.authenticationCode(for: Data(token.utf8), using: portal.keys.ssoToken)).hex
    }

    /// `sub`: stable for one client, different between clients, never the ID number.
    static func subject(account: UUID, client: String, _ portal: Portal) -> String {
        Array(HMAC<SHA256>.authenticationCode(for: Data("\(client)|\(account.uuidString.lowercased())".utf8), using: portal.keys.pairwise))
            .prefix(24).base64URL
    }

    /// `sid`: names the portal session in ID and logout tokens without giving away its id.
    static func sessionID(_ session: UUID, _ portal: Portal) -> String {
        Array(HMAC<SHA256>.authenticationCode(for: Data("sid|\(session.uuidString.lowercased())".utf8), using: portal.keys.pairwise))
            .prefix(16).base64URL
    }

    // MARK: Consent

    func consentedScopes(account: UUID, client: UUID) async throws -> Set<String> {
        struct Row: SQLRecord {
            let scope: String
            enum CodingKeys: CodingKey, CaseIterable { case scope }
        }
        let row = try await db.sql.raw("SELECT scope FROM oidc_consents WHERE account_id = \(bind: account) AND client_id = \(bind: client)")
            .firstRecord(Row.self)
        return Set((row?.scope ?? "").split(separator: " ").map(String.init))
    }

    private static func recordConsent(_ db: any Database, portal: Portal, account: UUID, client: OIDCClient, scopes: [String],
                                      actor: AuditLog.Actor) async throws {
        let now = portal.time.now()
        let existing = try await SingleSignOn(db: db, portal: portal).consentedScopes(account: account, client: client.id!)
        let all = Array(existing.union(scopes)).sorted().joined(separator: " ")
        if existing.isEmpty {
            try await db.sql.raw("""
                INSERT INTO oidc_consents (id, account_id, client_id, scope, granted_at)
                VALUES (\(bind: UUID()), \(bind: account), \(bind: client.id!), \(bind: all), \(bind: now))
                """).run()
        } else {
            try await db.sql.raw("""
                UPDATE oidc_consents SET scope = \(bind: all), granted_at = \(bind: now) WHERE account_id = \(bind: account) AND client_id = \(bind: client.id!)
                """).run()
        }
        try await AuditLog(db: db, portal: portal).record(actor, action: "oidc.consent.grant", target: "client:\(client.clientID)", unit: nil,
                                                          details: ["scope": all])
    }

    /// A system the person signed in to, as `/tai-khoan/ung-dung` lists it.
    struct Connection: Sendable {
        let client: UUID
        let name, logoText: String
        let scopes: [String]
        let consentedAt: Date?
        let lastSignIn: Date?
        let trusted: Bool
    }

    func connections(account: UUID) async throws -> [Connection] {
        struct Row: SQLRecord {
            let id: UUID
            let name, logoText: String
            let trusted: Bool
            let consentScope: String?
            let grantedAt, lastSignIn: Date?
            enum CodingKeys: CodingKey, CaseIterable { case id, name, logoText, trusted, consentScope, grantedAt, lastSignIn }
        }
        let rows = try await db.sql.raw("""
            SELECT c.id, c.name, c.logo_text, c.trusted, k.scope AS consent_scope, k.granted_at,
                   (SELECT MAX(g.created_at) FROM oidc_grants g WHERE g.client_id = c.id AND g.account_id = \(bind: account)) AS last_sign_in
            FROM oidc_clients c LEFT JOIN oidc_consents k ON k.client_id = c.id AND k.account_id = \(bind: account)
            WHERE k.id IS NOT NULL OR EXISTS (SELECT 1 FROM oidc_grants g WHERE g.client_id = c.id AND g.account_id = \(bind: account) AND g.revoked_at IS NULL)
            ORDER BY c.name
            """).allRecords(Row.self)
        return rows.map { Connection(client: $0.id, name: $0.name, logoText: $0.logoText,
                                     scopes: ($0.consentScope ?? "").split(separator: " ").map(String.init),
                                     consentedAt: $0.grantedAt, lastSignIn: $0.lastSignIn, trusted: $0.trusted) }
    }

    /// Withdraws the person's consent for a client and ends what the client holds: its grants are revoked.
    func withdraw(account: UUID, client: UUID, actor: AuditLog.Actor) async throws {
        guard let c = try await OIDCClient.find(client, on: db) else { throw AppError.notFound }
        let portal = self.portal
        try await db.writeTransaction { tx in
            let now = portal.time.now()
            try await tx.sql.raw("DELETE FROM oidc_consents WHERE account_id = \(bind: account) AND client_id = \(bind: client)").run()
            try await tx.sql.raw("""
                UPDATE oidc_grants SET revoked_at = \(bind: now) WHERE account_id = \(bind: account) AND client_id = \(bind: client) AND revoked_at IS NULL
                """).run()
            try await AuditLog(db: tx, portal: portal).record(actor, action: "oidc.consent.withdraw", target: "client:\(c.clientID)", unit: nil)
        }
    }

    /// The published keys, as the JWKS endpoint serves them.
    func jwks() async throws -> String {
        try await portal.keyRing.jwksJSON(db: db, portal: portal)
    }

    // MARK: The token endpoint

    struct Tokens: Sendable, Encodable {
        let access_token: String
        let token_type = "Bearer"
        let expires_in: Int
        let refresh_token: String
        let id_token: String?
        let scope: String
    }

    /// A grant and whether it still stands, read in one statement.
    struct GrantRow: SQLRecord {
        let id, clientID, accountID, sessionID: UUID
        let scope: String
        let nonce: String?
        let redirectUri: String
        let codeChallenge: String?
        let codeExpiresAt: Date
        let codeUsedAt: Date?
        let authTime: Date
        let acr, amr: String
        let revokedAt: Date?
        let sessionEndedAt: Date?
        let sessionExpiresAt: Date
        let accountStatus: Account.Status
        let clientDisabled: Bool
        /// The scopes the client is registered for now: a scope taken away stops at once, even for earlier grants.
        let clientScopes: String

        enum CodingKeys: CodingKey, CaseIterable {
            case id, clientID, accountID, sessionID, scope, nonce, redirectUri, codeChallenge, codeExpiresAt, codeUsedAt, authTime, acr, amr,
                 revokedAt, sessionEndedAt, sessionExpiresAt, accountStatus, clientDisabled, clientScopes
        }

        /// The grant's scopes that the client may still receive.
        var currentScopes: Set<String> {
            Set(scope.split(separator: " ").map(String.init)).intersection(clientScopes.split(separator: " ").map(String.init))
        }

        func alive(at now: Date) -> Bool {
            revokedAt == nil && sessionEndedAt == nil && sessionExpiresAt > now && accountStatus != .locked && !clientDisabled
        }
    }

    private static let grantColumns: SQLQueryString = """
        g.id, g.client_id, g.account_id, g.session_id, g.scope, g.nonce, g.redirect_uri, g.code_challenge, g.code_expires_at,
               g.code_used_at, g.auth_time, g.acr, g.amr, g.revoked_at, s.ended_at AS session_ended_at, s.expires_at AS session_expires_at,
               a.status AS account_status, c.disabled AS client_disabled, c.scopes AS client_scopes
        """
    private static let grantFrom: SQLQueryString = """
        FROM oidc_grants g JOIN auth_sessions s ON s.id = g.session_id JOIN accounts a ON a.id = g.account_id
        JOIN oidc_clients c ON c.id = g.client_id
        """
    private static var grantSelect: SQLQueryString { "SELECT \(grantColumns) \(grantFrom)" }

    func exchange(code: String?, redirectURI: String?, verifier: String?, client: OIDCClient, actor: AuditLog.Actor) async throws -> Tokens {
        guard let code, !code.isEmpty, code.count <= 100 else { throw OAuthError.invalidRequest("code is required.") }
        guard let grant = try await db.sql.raw("\(Self.grantSelect) WHERE g.code_hash = \(bind: Self.tokenHash(code, portal))")
            .firstRecord(GrantRow.self), grant.clientID == client.id else { throw OAuthError.invalidGrant("The code is not valid.") }
        if grant.codeUsedAt != nil {
            try await revoke(grant: grant.id, reason: "oidc.code_reuse", client: client, actor: actor)
            throw OAuthError.invalidGrant("The code was used before; what it gave is revoked.")
        }
        guard grant.codeExpiresAt > now else { throw OAuthError.invalidGrant("The code has expired.") }
        guard redirectURI == grant.redirectUri else { throw OAuthError.invalidGrant("redirect_uri does not match.") }
        if let challenge = grant.codeChallenge {
            guard let verifier, (43...128).contains(verifier.count),
                  ConstantTime.equal(Array(Data(SHA256.hash(data: Data(verifier.utf8))).base64URL.utf8), Array(challenge.utf8)) else {
                throw OAuthError.invalidGrant("The PKCE code_verifier does not match.")
            }
        } else if verifier != nil {
            throw OAuthError.invalidGrant("No code_challenge was sent with this code.")
        }
        guard grant.alive(at: now) else { throw OAuthError.invalidGrant("The sign-in behind this code has ended.") }
        // Spent once: of two requests with the same code, one sees its row here and the other none.
        let refresh = try await spend(grant, client: client, actor: actor, details: ["grant": "authorization_code", "scope": grant.scope],
                                      reuse: "oidc.code_reuse", reuseMessage: "The code was used before; what it gave is revoked.") { now in
            "UPDATE oidc_grants SET code_used_at = \(bind: now) WHERE id = \(bind: grant.id) AND code_used_at IS NULL RETURNING id"
        }
        let sub = Self.subject(account: grant.accountID, client: client.clientID, portal)
        let access = try await accessToken(grant: grant, client: client, sub: sub)
        let id = try await idToken(grant: grant, client: client, sub: sub)
        return Tokens(access_token: access, expires_in: Int(Self.accessTokenLifetime), refresh_token: refresh, id_token: id, scope: grant.scope)
    }

    /// A refresh token is used once: each use gives a new one, and a second use of an old one revokes the grant.
    func refresh(_ token: String?, scope: String?, client: OIDCClient, actor: AuditLog.Actor) async throws -> Tokens {
        guard let token, !token.isEmpty, token.count <= 100 else { throw OAuthError.invalidRequest("refresh_token is required.") }
        struct RefreshRow: SQLRecord {
            let refreshID: UUID
            let refreshUsedAt: Date?
            let refreshExpiresAt: Date
            enum CodingKeys: CodingKey, CaseIterable { case refreshID, refreshUsedAt, refreshExpiresAt }
        }
        guard let row = try await db.sql.raw("""
                SELECT \(Self.grantColumns), r.id AS refresh_id, r.used_at AS refresh_used_at, r.expires_at AS refresh_expires_at
                \(Self.grantFrom) JOIN oidc_refresh_tokens r ON r.grant_id = g.id
                WHERE r.token_hash = \(bind: Self.tokenHash(token, portal))
                """).first(),
              let grant = try? row.record(GrantRow.self), let refreshRow = try? row.record(RefreshRow.self), grant.clientID == client.id else {
            throw OAuthError.invalidGrant("The refresh token is not valid.")
        }
        if refreshRow.refreshUsedAt != nil {
            try await revoke(grant: grant.id, reason: "oidc.refresh_reuse", client: client, actor: actor)
            throw OAuthError.invalidGrant("The refresh token was used before; the grant is revoked.")
        }
        guard refreshRow.refreshExpiresAt > now, grant.alive(at: now) else { throw OAuthError.invalidGrant("The grant has ended.") }
        if let scope, !Set(scope.split(separator: " ").map(String.init)).isSubset(of: Set(grant.scope.split(separator: " ").map(String.init))) {
            throw OAuthError(code: "invalid_scope", description: "A refresh cannot widen the scope.")
        }
        let next = try await spend(grant, client: client, actor: actor, details: ["grant": "refresh_token"],
                                   reuse: "oidc.refresh_reuse", reuseMessage: "The refresh token was used before; the grant is revoked.") { now in
            "UPDATE oidc_refresh_tokens SET used_at = \(bind: now) WHERE id = \(bind: refreshRow.refreshID) AND used_at IS NULL RETURNING id"
        }
        let sub = Self.subject(account: grant.accountID, client: client.clientID, portal)
        let access = try await accessToken(grant: grant, client: client, sub: sub)
        return Tokens(access_token: access, expires_in: Int(Self.accessTokenLifetime), refresh_token: next, id_token: nil, scope: grant.scope)
    }

    /// Spends a code or a refresh token (`claim`: an UPDATE … RETURNING that finds its row only while unspent) and
    /// issues the next refresh token with its audit record, in one transaction. Spent already: the grant is
    /// revoked and the request refused. Returns the new refresh token.
    private func spend(_ grant: GrantRow, client: OIDCClient, actor: AuditLog.Actor, details: [String: String], reuse: String,
                       reuseMessage: String, claim: @escaping @Sendable (Date) -> SQLQueryString) async throws -> String {
        let refresh = Random.token(bytes: 32)
        let portal = self.portal
        let audit = AuditLog(db: db, portal: portal)
        let record: @Sendable (SQLQueryString) -> SQLQueryString = { from in
            audit.recording(actor, action: "oidc.token", target: "client:\(client.clientID)", unit: nil, details: details, from: from)
        }
        let spent: Bool
        if db.isSQLite {
            spent = try await db.writeTransaction { tx in
                guard try await tx.sql.raw(claim(portal.time.now())).first() != nil else { return false }
                try await tx.sql.raw(Self.insertRefresh(portal: portal, grant: grant, token: refresh, from: "")).run()
                try await tx.sql.raw(record("")).run()
                return true
            }
        } else {
            // One statement: the claim, and the next refresh token and the record only when the claim found its row.
            let statement: SQLQueryString = """
                WITH claimed AS (\(claim(portal.time.now()))),
                     refreshed AS (\(Self.insertRefresh(portal: portal, grant: grant, token: refresh, from: "FROM claimed"))),
                     recorded AS (\(record("FROM claimed")))
                SELECT COUNT(*) AS count FROM claimed
                """
            spent = try await db.writeStatement { conn in
                try await conn.sql.raw(statement).firstRecord(SQLCount.self).map { $0.count > 0 } ?? false
            }
        }
        guard spent else {
            try await revoke(grant: grant.id, reason: reuse, client: client, actor: actor)
            throw OAuthError.invalidGrant(reuseMessage)
        }
        return refresh
    }

    /// Writes a refresh token of `grant`; `from` ends its `SELECT` (see `spend`).
    private static func insertRefresh(portal: Portal, grant: GrantRow, token: String, from: SQLQueryString) -> SQLQueryString {
        """
        INSERT INTO oidc_refresh_tokens (id, grant_id, token_hash, expires_at, created_at)
        SELECT \(bind: UUID()), \(bind: grant.id), \(bind: tokenHash(token, portal)), \(bind: grant.sessionExpiresAt), \(bind: portal.time.now()) \(from)
        """
    }

    private func revoke(grant: UUID, reason: String, client: OIDCClient, actor: AuditLog.Actor) async throws {
        let portal = self.portal
        try await db.writeTransaction { tx in
            try await tx.sql.raw("UPDATE oidc_grants SET revoked_at = \(bind: portal.time.now()) WHERE id = \(bind: grant) AND revoked_at IS NULL").run()
            try await AuditLog(db: tx, portal: portal).record(actor, action: reason, target: "client:\(client.clientID)", unit: nil, outcome: "revoked")
        }
    }

    private func accessToken(grant: GrantRow, client: OIDCClient, sub: String) async throws -> String {
        let (keys, kid) = try await portal.keyRing.signer(.ES256, db: db, portal: portal)
        let payload = AccessToken(iss: IssuerClaim(value: issuer), sub: SubjectClaim(value: sub), aud: AudienceClaim(value: [client.clientID]),
                                  exp: ExpirationClaim(value: tokenNow.addingTimeInterval(Self.accessTokenLifetime)), iat: IssuedAtClaim(value: tokenNow),
                                  jti: IDClaim(value: grant.id.uuidString.lowercased() + "." + Random.token(bytes: 9)),
                                  client_id: client.clientID, scope: grant.scope)
        var header = JWTHeader()
        header.typ = "at+jwt"
        return try await keys.sign(payload, kid: JWKIdentifier(string: kid), header: header)
    }

    private func idToken(grant: GrantRow, client: OIDCClient, sub: String) async throws -> String {
        let alg = SigningAlgorithm(rawValue: client.idTokenAlg) ?? .RS256
        let (keys, kid) = try await portal.keyRing.signer(alg, db: db, portal: portal)
        let payload = IDToken(iss: IssuerClaim(value: issuer), sub: SubjectClaim(value: sub), aud: AudienceClaim(value: [client.clientID]),
                              exp: ExpirationClaim(value: tokenNow.addingTimeInterval(Self.idTokenLifetime)), iat: IssuedAtClaim(value: tokenNow),
                              auth_time: Int(grant.authTime.timeIntervalSince1970), nonce: grant.nonce, acr: grant.acr,
                              amr: grant.amr.split(separator: " ").map(String.init), azp: client.clientID,
                              sid: Self.sessionID(grant.sessionID, portal))
        return try await keys.sign(payload, kid: JWKIdentifier(string: kid))
    }

    // MARK: Userinfo, introspection, revocation

    /// An access token that is ours, unexpired, and whose grant still stands; with that grant.
    func liveAccessToken(_ token: String) async throws -> (AccessToken, GrantRow)? {
        guard token.count < 4096, token.split(separator: ".").count == 3 else { return nil }
        let kid = try? JWTHeaderKid.read(token)
        let keys = try await portal.keyRing.verifier(kid: kid, db: db, portal: portal)
        guard let claims = try? await keys.verify(token, as: AccessToken.self), claims.iss.value == issuer, claims.exp.value > now,
              let grantID = claims.grantID,
              let grant = try await db.sql.raw("\(Self.grantSelect) WHERE g.id = \(bind: grantID)").firstRecord(GrantRow.self),
              grant.alive(at: now) else { return nil }
        return (claims, grant)
    }

    /// The claims of the grant's scopes (OpenID Connect Core 5.4): only those the client is registered for.
    func userinfo(_ token: String) async throws -> [String: ClaimValue] {
        guard let (claims, grant) = try await liveAccessToken(token) else { throw OAuthError.invalidToken("The access token is not valid.") }
        guard let account = try await db.sql.raw("SELECT \(AccountRecord.columns()) FROM accounts WHERE id = \(bind: grant.accountID)")
            .firstRecord(AccountRecord.self) else { throw OAuthError.invalidToken("The account no longer exists.") }
        let scopes = grant.currentScopes
        var out: [String: ClaimValue] = ["sub": .string(claims.sub.value)]
        if scopes.contains("profile") {
            out["name"] = .string(account.fullName)
            out["birthdate"] = .string(account.dateOfBirth)
        }
        if scopes.contains("phone") {
            out["phone_number"] = .string((try? PhoneNumber(account.phone).e164) ?? account.phone)
            out["phone_number_verified"] = .bool(true)
        }
        if scopes.contains("id_number") {
            out["id_number"] = .string(account.idNumber)
        }
        return out
    }

    enum ClaimValue: Encodable, Sendable {
        case string(String), bool(Bool), int(Int)
        func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case let .string(s): try c.encode(s)
            case let .bool(b): try c.encode(b)
            case let .int(i): try c.encode(i)
            }
        }
    }

    /// RFC 7662. A client learns about its own tokens only; everything else is inactive to it.
    func introspect(_ token: String?, client: OIDCClient) async throws -> [String: ClaimValue] {
        guard let token, !token.isEmpty else { return ["active": .bool(false)] }
        if let (claims, grant) = try await liveAccessToken(token), grant.clientID == client.id {
            return ["active": .bool(true), "scope": .string(claims.scope), "client_id": .string(claims.client_id),
                    "sub": .string(claims.sub.value), "exp": .int(Int(claims.exp.value.timeIntervalSince1970)),
                    "iat": .int(Int(claims.iat.value.timeIntervalSince1970)), "iss": .string(issuer), "aud": .string(client.clientID),
                    "token_type": .string("Bearer"), "jti": .string(claims.jti.value)]
        }
        if token.count <= 100, let row = try await db.sql.raw("""
                \(Self.grantSelect) JOIN oidc_refresh_tokens r ON r.grant_id = g.id
                WHERE r.token_hash = \(bind: Self.tokenHash(token, portal)) AND r.used_at IS NULL AND r.expires_at > \(bind: now)
                """).firstRecord(GrantRow.self), row.clientID == client.id, row.alive(at: now) {
            return ["active": .bool(true), "scope": .string(row.scope), "client_id": .string(client.clientID),
                    "sub": .string(Self.subject(account: row.accountID, client: client.clientID, portal)), "iss": .string(issuer),
                    "token_type": .string("refresh_token")]
        }
        return ["active": .bool(false)]
    }

    /// RFC 7009. Revoking either token revokes the grant behind it; an unknown token is not an error.
    func revoke(_ token: String?, client: OIDCClient, actor: AuditLog.Actor) async throws {
        guard let token, !token.isEmpty else { throw OAuthError.invalidRequest("token is required.") }
        var grantID: UUID? = nil
        if let (_, grant) = try await liveAccessToken(token), grant.clientID == client.id { grantID = grant.id }
        if grantID == nil, token.count <= 100, let row = try await db.sql.raw("""
                \(Self.grantSelect) JOIN oidc_refresh_tokens r ON r.grant_id = g.id WHERE r.token_hash = \(bind: Self.tokenHash(token, portal))
                """).firstRecord(GrantRow.self), row.clientID == client.id {
            grantID = row.id
        }
        if let grantID { try await revoke(grant: grantID, reason: "oidc.revoke", client: client, actor: actor) }
    }

    // MARK: Logout

    /// What an RP-initiated logout request asks, checked: the client it came from and where to go afterwards.
    struct LogoutRequest: Sendable {
        let client: OIDCClient?
        let redirect: String?
        /// The ID token names the session this browser is signed in with.
        let sameSession: Bool
    }

    static let badLogoutRequest = AppError(.badRequest, "sso_bad_logout",
        Msg("Yêu cầu đăng xuất không hợp lệ: ứng dụng hoặc địa chỉ quay lại không khớp với đăng ký.",
            "The logout request is not valid: the application or its return address does not match its registration."))

    func logoutRequest(idTokenHint: String?, postLogoutRedirectURI: String?, state: String?, clientID: String?,
                       current: SignedIn?) async throws -> LogoutRequest {
        var client: OIDCClient? = nil
        var sid: String? = nil
        if let hint = idTokenHint, !hint.isEmpty {
            let keys = try await portal.keyRing.verifier(kid: try? JWTHeaderKid.read(hint), db: db, portal: portal)
            guard let claims = try? await keys.verify(hint, as: IDTokenHint.self), claims.iss.value == issuer,
                  let aud = claims.aud.value.first else { throw Self.badLogoutRequest }
            client = try await OIDCClients(db: db, portal: portal).find(clientID: aud)
            if let clientID, clientID != aud { throw Self.badLogoutRequest }
            sid = claims.sid
        } else if let clientID {
            client = try await OIDCClients(db: db, portal: portal).find(clientID: clientID)
        }
        var redirect: String? = nil
        if let uri = postLogoutRedirectURI, !uri.isEmpty {
            guard let client, client.postLogoutRedirectURIs.contains(uri) else { throw Self.badLogoutRequest }
            redirect = Self.append(to: uri, [("state", state)])
        }
        let same = current.map { sid != nil && sid == Self.sessionID($0.session.id, portal) } ?? false
        return LogoutRequest(client: client, redirect: redirect, sameSession: same)
    }
}

/// The `kid` of a JWT's header, read before the signature is checked, to know which key set to refresh.
enum JWTHeaderKid {
    static func read(_ token: String) throws -> String? {
        guard let part = token.split(separator: ".").first, let data = Data(base64URL: String(part)) else { return nil }
        struct Header: Decodable { let kid: String? }
        return try JSONDecoder().decode(Header.self, from: data).kid
    }
}
