// The provider's browser side: the authorization endpoint, the consent page, and RP-initiated logout.
import Vapor

struct SingleSignOnController {
    private struct AuthorizeQuery: Content {
        var client_id, redirect_uri, response_type, scope, state, nonce, code_challenge, code_challenge_method: String?
        var prompt, max_age, login_hint, request, request_uri, response_mode, registration: String?
    }

    /// GET or POST (OpenID Connect Core 3.1.2.1): check the request, keep it, and go on with it at once.
    func authorize(req: Request) async throws -> Response {
        let q: AuthorizeQuery = req.method == .POST ? try req.content.decode(AuthorizeQuery.self) : try req.query.decode(AuthorizeQuery.self)
        do {
            let id = try await req.singleSignOn.begin(SingleSignOn.AuthorizationRequest(
                clientID: q.client_id, redirectURI: q.redirect_uri, responseType: q.response_type, scope: q.scope, state: q.state,
                nonce: q.nonce, codeChallenge: q.code_challenge, codeChallengeMethod: q.code_challenge_method, prompt: q.prompt,
                maxAge: q.max_age, loginHint: q.login_hint, request: q.request, requestURI: q.request_uri, responseMode: q.response_mode,
                registration: q.registration))
            return try await proceed(req, id, decision: nil, direct: true)
        } catch let failure as SingleSignOn.AuthorizationFailure {
            return try await render(req, failure, direct: true)
        }
    }

    /// Where the person comes back after signing in or changing the password.
    func resume(req: Request) async throws -> Response {
        try await proceed(req, try req.uuid(), decision: nil, direct: false)
    }

    private struct ConsentForm: Content { var decision: String? }

    /// The consent page's answer.
    func decide(req: Request) async throws -> Response {
        guard req.signedIn != nil else { throw AppError.unauthorized }
        let form = try req.content.decode(ConsentForm.self)
        return try await proceed(req, try req.uuid(), decision: form.decision == "allow", direct: false)
    }

    struct ConsentPage: Encodable {
        let clientName, logoText, action: String
        let claims: [String]
    }

    /// `direct`: the request came straight from the client, so a redirect may go straight back. After one of the
    /// portal's own forms (sign-in, consent, logout) the way back is a page that moves on by itself: the pages'
    /// CSP (`form-action 'self'`) covers every redirect that follows a form, and would stop one to the client.
    private func proceed(_ req: Request, _ id: UUID, decision: Bool?, direct: Bool) async throws -> Response {
        do {
            let here = SiteURL.ssoContinue(.value(id)).path
            switch try await req.singleSignOn.proceed(id, signedIn: req.signedIn, decision: decision, actor: req.auditActor) {
            case let .signIn(hint):
                return req.redirect(to: SiteURL.login.path(query: [("next", here), ("hint", hint ?? "")]))
            case .changePassword:
                return req.redirect(to: SiteURL.changePassword.path(query: [("next", here)]))
            case let .consent(ask):
                let claims = ask.scopes.map { req.t("sso_scope_\($0)") }
                return try await req.page("sso-consent", titleKey: "sso_consent_title",
                                          ConsentPage(clientName: ask.clientName, logoText: ask.logoText, action: here, claims: claims))
            case let .redirect(target):
                return try await Self.leave(req, to: target, direct: direct)
            }
        } catch let failure as SingleSignOn.AuthorizationFailure {
            return try await render(req, failure, direct: direct)
        }
    }

    private func render(_ req: Request, _ failure: SingleSignOn.AuthorizationFailure, direct: Bool) async throws -> Response {
        switch failure {
        case let .page(error):
            return await ErrorPage.render(error, request: req, headers: [:])
        case let .client(uri, error, state):
            return try await Self.leave(req, to: SingleSignOn.append(to: uri, [("error", error.code), ("error_description", error.description),
                                                                               ("state", state), ("iss", req.portal.config.issuer)]),
                                        direct: direct)
        }
    }

    struct ContinuePage: Encodable {
        let target, heading, text, link: String
    }

    /// Back to a registered address of a client: a 303 when nothing of ours came before, otherwise a page that
    /// moves on at once (a refresh, and a link for browsers that do not follow it).
    private static func leave(_ req: Request, to target: String, direct: Bool) async throws -> Response {
        if direct {
            let response = Response(status: .seeOther)
            response.headers.replaceOrAdd(name: .location, value: target)
            response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
            return response
        }
        return try await req.page("sso-continue", titleKey: "sso_continue_title",
                                  ContinuePage(target: target, heading: req.t("sso_continue_title"), text: req.t("sso_continue_text"),
                                               link: req.t("continue")))
    }

    // MARK: Logout

    private struct LogoutQuery: Content {
        var id_token_hint, post_logout_redirect_uri, state, client_id: String?
    }

    struct LogoutPage: Encodable {
        let action: String
        let clientID, redirectURI, state, idTokenHint: String
    }

    /// RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0). With an ID token naming this browser's
    /// session, the session ends at once; otherwise the person is asked.
    func logout(req: Request) async throws -> Response {
        let q: LogoutQuery = req.method == .POST ? try req.content.decode(LogoutQuery.self) : try req.query.decode(LogoutQuery.self)
        let checked = try await req.singleSignOn.logoutRequest(idTokenHint: q.id_token_hint, postLogoutRedirectURI: q.post_logout_redirect_uri,
                                                               state: q.state, clientID: q.client_id, current: req.signedIn)
        if req.signedIn != nil, !checked.sameSession {
            return try await req.page("sso-logout", titleKey: "sso_logout_title",
                                      LogoutPage(action: SiteURL.ssoLogoutConfirm.path, clientID: checked.client?.clientID ?? "",
                                                 redirectURI: q.post_logout_redirect_uri ?? "", state: q.state ?? "",
                                                 idTokenHint: q.id_token_hint ?? ""))
        }
        return try await signOut(req, then: checked.redirect)
    }

    /// The person's answer on the logout page (a form of ours, with its CSRF token).
    func confirmLogout(req: Request) async throws -> Response {
        let q = try req.content.decode(LogoutQuery.self)
        let checked = try await req.singleSignOn.logoutRequest(idTokenHint: q.id_token_hint?.nilIfEmpty, postLogoutRedirectURI: q.post_logout_redirect_uri?.nilIfEmpty,
                                                               state: q.state?.nilIfEmpty, clientID: q.client_id?.nilIfEmpty, current: req.signedIn)
        return try await signOut(req, then: checked.redirect)
    }

    private func signOut(_ req: Request, then redirect: String?) async throws -> Response {
        if let signedIn = req.signedIn { try await req.authSessions.end(signedIn.session.id) }
        req.signedIn = nil
        let response: Response
        if let redirect {
            response = try await Self.leave(req, to: redirect, direct: req.path == SiteURL.ssoLogout.path)
        } else {
            response = try await req.page("message", titleKey: "sso_logout_title",
                                          CitizenPages.MessagePage(heading: req.t("sso_logout_title"), text: req.t("sso_logged_out"),
                                                                   linkHref: SiteURL.home.path, linkText: req.t("home_title")))
        }
        SessionCookie.clear(on: response, config: req.portal.config)
        return response
    }
}
