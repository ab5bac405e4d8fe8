// Signed-in sessions: opaque random tokens, stored hashed, with a 30-minute idle and a 12-hour absolute limit.
import Crypto
import Fluent
import Foundation
import Vapor

struct Sessions: Sendable {
    static let idleTimeout: TimeInterval = 30 * 60
    static let absoluteTimeout: TimeInterval = 12 * 3600
    /// last_seen_at is written at most this often, so that reading pages does not mean writing rows.
    static let touchInterval: TimeInterval = 60

    let db: any Database
    let portal: Portal

    static func hash(_ token: String, key: SymmetricKey) -> String {
        Array(HMAC<SHA256>.authenticationCode(for: Data(token.utf8), using: key)).hex
    }

    /// Creates a session and returns the token (shown once; only its hash is kept).
    func create(account: UUID, kind: AuthSession.Kind, clientAddress: String, userAgent: String) async throws -> (token: String, session: SessionRecord) {
        let now = portal.time.now()
        let token = Random.token(bytes: 32)
        let session = SessionRecord(id: UUID(), accountID: account, kind: kind, createdAt: now, lastSeenAt: now,
                                    expiresAt: now.addingTimeInterval(Self.absoluteTimeout))
        try await db.sql.raw("""
            INSERT INTO auth_sessions (id, account_id, token_hash, kind, client_address, user_agent, created_at, last_seen_at, expires_at)
            VALUES (\(bind: session.id), \(bind: account), \(bind: Self.hash(token, key: portal.keys.token)), \(bind: kind.rawValue),
                    \(bind: clientAddress), \(bind: String(userAgent.prefix(200))), \(bind: now), \(bind: now), \(bind: session.expiresAt))
            """).run()
        return (token, session)
    }

    /// The live session for a token and its account, touched; nil when unknown, ended, idle too long or past
    /// its end. Every signed-in request pays for this, so it is one plain query read into plain values: through
    /// the ORM it was two queries, and building their SQL and the models took most of a `GET /me`'s time.
    func authenticate(token: String) async throws -> (SessionRecord, AccountRecord)? {
        let now = portal.time.now()
        guard token.count >= 20, token.count <= 100 else { return nil }
        guard let row = try await db.sql.raw("""
            SELECT s.id, s.account_id, s.kind, s.created_at, s.last_seen_at, s.expires_at, s.ended_at, \(unsafeRaw: AccountRecord.columns("a"))
            FROM auth_sessions s JOIN accounts a ON a.id = s.account_id
            WHERE s.token_hash = \(bind: Self.hash(token, key: portal.keys.token))
            """).first(decoding: SignedInRow.self),
              row.ended_at == nil, row.expires_at > now,
              row.last_seen_at.addingTimeInterval(Self.idleTimeout) > now else { return nil }
        var lastSeenAt = row.last_seen_at
        if now.timeIntervalSince(lastSeenAt) > Self.touchInterval {
            try await db.sql.raw("UPDATE auth_sessions SET last_seen_at = \(bind: now) WHERE id = \(bind: row.id)").run()
            lastSeenAt = now
        }
        return (SessionRecord(id: row.id, accountID: row.account_id, kind: row.kind, createdAt: row.created_at,
                              lastSeenAt: lastSeenAt, expiresAt: row.expires_at),
                row.account)
    }

    private struct SignedInRow: Decodable {
        let id: UUID
        let account_id: UUID
        let kind: AuthSession.Kind
        let created_at: Date
        let last_seen_at: Date
        let expires_at: Date
        let ended_at: Date?
        let account: AccountRecord

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Keys.self)
            id = try c.decode(UUID.self, forKey: .id)
            account_id = try c.decode(UUID.self, forKey: .account_id)
            kind = try c.decode(AuthSession.Kind.self, forKey: .kind)
            created_at = try c.decode(Date.self, forKey: .created_at)
            last_seen_at = try c.decode(Date.self, forKey: .last_seen_at)
            expires_at = try c.decode(Date.self, forKey: .expires_at)
            ended_at = try c.decodeIfPresent(Date.self, forKey: .ended_at)
            account = try AccountRecord(from: decoder)
        }

        private enum Keys: String, CodingKey { case id, account_id, kind, created_at, last_seen_at, expires_at, ended_at }
    }

    func end(_ sessionID: UUID) async throws {
        try await AuthSession.query(on: db).filter(\.$id == sessionID).filter(\.$endedAt == nil)
            .set(\.$endedAt, to: portal.time.now()).update()
    }

    /// Ends every session of the account except `keep` (after a password change or reset).
    func endAll(account: UUID, except keep: UUID? = nil) async throws {
        var query = AuthSession.query(on: db).filter(\.$accountID == account).filter(\.$endedAt == nil)
        if let keep { query = query.filter(\.$id != keep) }
        try await query.set(\.$endedAt, to: portal.time.now()).update()
    }

    func active(account: UUID) async throws -> [AuthSession] {
        let now = portal.time.now()
        return try await AuthSession.query(on: db)
            .filter(\.$accountID == account).filter(\.$endedAt == nil).filter(\.$expiresAt > now)
            .filter(\.$lastSeenAt > now.addingTimeInterval(-Self.idleTimeout))
            .sort(\.$createdAt, .descending).all()
    }
}

/// A live session, as the session check read it.
struct SessionRecord: Sendable {
    let id: UUID
    let accountID: UUID
    let kind: AuthSession.Kind
    let createdAt: Date
    let lastSeenAt: Date
    let expiresAt: Date
}

/// The signed-in account, as the session check read it. Plain values: what changes an account reads it again
/// inside its own transaction. Decoded from a row as `columns` selects it.
struct AccountRecord: Sendable, Decodable {
    let id: UUID
    let idNumber: String
    let fullName: String
    let dateOfBirth: String
    let phone: String
    let email: String?
    let passwordHash: String
    let passwordTemporary: Bool
    let status: Account.Status
    let createdAt: Date

    private enum CodingKeys: String, CodingKey {
        case id = "a_id", idNumber = "id_number", fullName = "full_name", dateOfBirth = "date_of_birth", phone, email
        case passwordHash = "password_hash", passwordTemporary = "password_temporary", status, createdAt = "a_created_at"
    }
}

extension AccountRecord {
    /// The columns an `AccountRecord` is decoded from, from the accounts table under `alias`.
    static func columns(_ alias: String) -> String {
        ["id AS a_id", "id_number", "full_name", "date_of_birth", "phone", "email", "password_hash", "password_temporary",
         "status", "created_at AS a_created_at"].map { "\(alias).\($0)" }.joined(separator: ", ")
    }

    init(_ account: Account) {
        self.init(id: account.id!, idNumber: account.idNumber, fullName: account.fullName, dateOfBirth: account.dateOfBirth,
                  phone: account.phone, email: account.email, passwordHash: account.passwordHash,
                  passwordTemporary: account.passwordTemporary, status: account.status, createdAt: account.createdAt)
    }
}

/// Who is signed in on this request, when someone is.
struct SignedIn: Sendable {
    let session: SessionRecord
    let account: AccountRecord

    var mustChangePassword: Bool { account.passwordTemporary }
}

extension Request {
    private struct SignedInKey: StorageKey { typealias Value = SignedIn }

    var signedIn: SignedIn? {
        get { storage[SignedInKey.self] }
        set { storage[SignedInKey.self] = newValue }
    }

    func requireSignedIn() throws -> SignedIn {
        guard let signedIn else { throw AppError.unauthorized }
        return signedIn
    }
}

/// API: `Authorization: Bearer …` only; never a cookie, so the API needs no CSRF token.
struct BearerAuthenticator: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if let bearer = request.headers.bearerAuthorization,
           let (session, account) = try await Sessions(db: request.db, portal: request.portal).authenticate(token: bearer.token),
           session.kind == .api {
            request.signedIn = SignedIn(session: session, account: account)
        }
        return try await next.respond(to: request)
    }
}

/// Pages: the session cookie.
struct CookieAuthenticator: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if let token = request.cookies[SessionCookie.name(request.portal.config)]?.string,
           let (session, account) = try await Sessions(db: request.db, portal: request.portal).authenticate(token: token),
           session.kind == .web {
            request.signedIn = SignedIn(session: session, account: account)
        }
        return try await next.respond(to: request)
    }
}

/// Refuses anonymous callers, and callers whose temporary password must change first, except on the
/// routes that let them change it.
struct RequireSignedIn: AsyncMiddleware {
    var allowPasswordChangePending = false

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard let signedIn = request.signedIn else {
            if request.wantsJSON { throw AppError.unauthorized }
            return request.redirect(to: "/dang-nhap?next=" + (request.url.path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? "/"))
        }
        if signedIn.mustChangePassword && !allowPasswordChangePending {
            if request.wantsJSON {
                throw AppError(.forbidden, "password_change_required",
                               Msg("Bạn cần đổi mật khẩu tạm thời trước khi tiếp tục.", "You must change your temporary password first."))
            }
            return request.redirect(to: "/tai-khoan/doi-mat-khau")
        }
        return try await next.respond(to: request)
    }
}

enum SessionCookie {
    static func name(_ config: AppConfig) -> String { config.secureCookies ? "__Host-session" : "session" }

    static func set(_ token: String, on response: Response, config: AppConfig) {
        response.cookies[name(config)] = HTTPCookies.Value(
            string: token, expires: nil, maxAge: Int(Sessions.absoluteTimeout), domain: nil, path: "/",
            isSecure: config.secureCookies, isHTTPOnly: true, sameSite: .lax)
    }

    static func clear(on response: Response, config: AppConfig) {
        response.cookies[name(config)] = HTTPCookies.Value(
            string: "", expires: Date(timeIntervalSince1970: 0), maxAge: 0, domain: nil, path: "/",
            isSecure: config.secureCookies, isHTTPOnly: true, sameSite: .lax)
    }
}
