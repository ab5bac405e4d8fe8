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
    func create(account: UUID, kind: AuthSession.Kind, clientAddress: String, userAgent: String) async throws -> (token: String, session: AuthSession) {
        let now = portal.time.now()
        let token = Random.token(bytes: 32)
        let session = AuthSession()
        session.accountID = account
        session.tokenHash = Self.hash(token, key: portal.keys.token)
        session.kind = kind
        session.clientAddress = clientAddress
        session.userAgent = String(userAgent.prefix(200))
        session.createdAt = now
        session.lastSeenAt = now
        session.expiresAt = now.addingTimeInterval(Self.absoluteTimeout)
        try await session.create(on: db)
        return (token, session)
    }

    /// The live session for a token, touched; nil when unknown, ended, idle too long or past its end.
    func authenticate(token: String) async throws -> (AuthSession, Account)? {
        let now = portal.time.now()
        guard token.count >= 20, token.count <= 100,
              let session = try await AuthSession.query(on: db)
                .filter(\.$tokenHash == Self.hash(token, key: portal.keys.token)).first(),
              session.endedAt == nil, session.expiresAt > now,
              session.lastSeenAt.addingTimeInterval(Self.idleTimeout) > now,
              let account = try await Account.find(session.accountID, on: db) else { return nil }
        if now.timeIntervalSince(session.lastSeenAt) > Self.touchInterval {
            session.lastSeenAt = now
            try await session.update(on: db)
        }
        return (session, account)
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

/// Who is signed in on this request, when someone is.
struct SignedIn: Sendable {
    let session: AuthSession
    let account: Account

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
