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
/// `withStaffRights`: the staff API's routes, which read the caller's rights on every request, read them with the
/// session in one statement.
struct BearerAuthenticator: AsyncMiddleware {
    var withStaffRights = false

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if let bearer = request.headers.bearerAuthorization {
            try await request.signIn(token: bearer.token, kind: .api, withStaffRights: withStaffRights)
        }
        return try await next.respond(to: request)
    }
}

/// Pages: the session cookie; `withStaffRights` as above, for the console's pages.
struct CookieAuthenticator: AsyncMiddleware {
    var withStaffRights = false

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if let token = request.cookies[SessionCookie.name(request.portal.config)]?.string {
            try await request.signIn(token: token, kind: .web, withStaffRights: withStaffRights)
        }
        return try await next.respond(to: request)
    }
}

extension Request {
    /// The live session of `kind` for `token`, if any, as who is signed in (and their staff rights, when read).
    fileprivate func signIn(token: String, kind: AuthSession.Kind, withStaffRights: Bool) async throws {
        guard let found = try await authSessions.authenticate(token: token, withStaffRights: withStaffRights),
              found.session.kind == kind else { return }
        signedIn = SignedIn(session: found.session, account: found.account)
        if let staff = found.staff { staffRead = staff }
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
