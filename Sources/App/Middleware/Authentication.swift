// Who is signed in: the bearer token for the API, the session cookie for pages, and the guard for routes that need someone.
import Vapor

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
            return request.redirect(to: SiteURL.login.path + "?next=" + (request.path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? "/"))
        }
        if signedIn.mustChangePassword && !allowPasswordChangePending {
            if request.wantsJSON {
                throw AppError(.forbidden, "password_change_required",
                               Msg("Bạn cần đổi mật khẩu tạm thời trước khi tiếp tục.", "You must change your temporary password first."))
            }
            return request.redirect(to: SiteURL.changePassword.path)
        }
        return try await next.respond(to: request)
    }
}
