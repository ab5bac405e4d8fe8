// Signing in with the national electronic identity: the button's start, the provider's return, confirming a
// link with the account's own sign-in, and the account's links.
import Vapor

struct ElectronicIDController {
    static let browserCookie = "eid_attempt"

    private func service(_ req: Request) throws -> ElectronicID {
        guard let config = req.portal.config.eid else { throw AppError.notFound }
        return ElectronicID(db: req.db, portal: req.portal, config: config)
    }

    /// The button on the sign-in and registration pages.
    struct Button: Encodable {
        let label, url: String
    }

    static func button(_ req: Request, next: String? = nil) -> Button? {
        guard let eid = req.portal.config.eid else { return nil }
        let local = SafeRedirect.localPath(next)
        return Button(label: req.t("eid_button").replacingOccurrences(of: "{name}", with: eid.name),
                      url: SiteURL.eidStart.path(query: [("next", local == "/" ? "" : local)]))
    }

    func start(req: Request) async throws -> Response {
        let eid = try service(req)
        let next = SafeRedirect.localPath(req.query[String.self, at: "next"])
        do {
            let started = try await eid.begin(next: next == "/" ? SiteURL.account.path : next)
            let response = Response(status: .seeOther)
            response.headers.replaceOrAdd(name: .location, value: started.redirect)
            response.cookies[Self.browserCookie] = HTTPCookies.Value(
                string: started.browserToken, expires: nil, maxAge: Int(ElectronicID.attemptLifetime), domain: nil, path: "/",
                isSecure: req.portal.config.secureCookies, isHTTPOnly: true, sameSite: .lax)
            return response
        } catch let error as AppError {
            return try await failure(req, error)
        }
    }

    private struct Return: Content { var code, state, error: String? }

    func callback(req: Request) async throws -> Response {
        let eid = try service(req)
        let q = try req.query.decode(Return.self)
        do {
            let (identity, next) = try await eid.complete(state: q.state, code: q.code, error: q.error,
                                                          browserToken: req.cookies[Self.browserCookie]?.string)
            switch try await eid.signIn(identity, clientAddress: req.clientAddress, userAgent: req.userAgent) {
            case let .signedIn(token, _, _):
                let response = req.redirect(to: next, redirectType: .normal)
                SessionCookie.set(token, on: response, config: req.portal.config)
                clearCookie(response, req)
                return response
            case let .confirmLink(id):
                let response = req.redirect(to: SiteURL.login.path(query: [("next", SiteURL.eidConfirm(.value(id)).path), ("lien-ket", "1")]),
                                            redirectType: .normal)
                clearCookie(response, req)
                return response
            }
        } catch let error as AppError {
            let response = try await failure(req, error)
            clearCookie(response, req)
            return response
        }
    }

    private func clearCookie(_ response: Response, _ req: Request) {
        response.cookies[Self.browserCookie] = HTTPCookies.Value(string: "", expires: Date(timeIntervalSince1970: 0), maxAge: 0, domain: nil,
                                                                 path: "/", isSecure: req.portal.config.secureCookies, isHTTPOnly: true, sameSite: .lax)
    }

    struct FailurePage: Encodable {
        let message: String
        let code: String
    }

    private func failure(_ req: Request, _ error: AppError) async throws -> Response {
        req.logger.notice("e-ID sign-in refused: \(error.code)")
        return try await req.page("eid-error", titleKey: "eid_error_title",
                                  FailurePage(message: error.message.text(req.language), code: error.code), status: error.status)
    }

    /// After the account's own sign-in: the waiting link is made.
    func confirm(req: Request) async throws -> Response {
        let eid = try service(req)
        let id = try req.uuid()
        guard let signedIn = req.signedIn else {
            return req.redirect(to: SiteURL.login.path(query: [("next", SiteURL.eidConfirm(.value(id)).path), ("lien-ket", "1")]))
        }
        do {
            let method = try await req.singleSignOn.sessionMethod(signedIn.session.id)
            try await eid.confirmLink(id, signedIn: signedIn, method: method, actor: req.auditActor)
        } catch let error as AppError {
            return try await failure(req, error)
        }
        return try await req.page("message", titleKey: "eid_linked_title",
                                  CitizenPages.MessagePage(heading: req.t("eid_linked_title"), text: req.t("eid_linked"),
                                                           linkHref: SiteURL.eidLinks.path, linkText: req.t("eid_links_title")))
    }

    struct LinksPage: Encodable {
        struct Row: Encodable { let issuer, name, createdAt, lastUsedAt, unlinkURL: String }
        let items: [Row]
        var form = FormState()
        let hasPassword: Bool
        let button: Button?
    }

    func links(req: Request) async throws -> Response {
        try await linksPage(req)
    }

    private func linksPage(_ req: Request, form: FormState = FormState(), status: HTTPStatus = .ok) async throws -> Response {
        let signedIn = try req.requireSignedIn()
        let name = req.portal.config.eid?.name ?? "e-ID"
        let rows = try await req.eidLinks.links(account: signedIn.account.id).map {
            LinksPage.Row(issuer: $0.issuer, name: name, createdAt: VietnamTime.dateTime($0.createdAt), lastUsedAt: VietnamTime.dateTime($0.lastUsedAt),
                          unlinkURL: SiteURL.eidUnlink(.value($0.id)).path)
        }
        return try await req.page("eid-links", titleKey: "eid_links_title",
                                  LinksPage(items: rows, form: form, hasPassword: signedIn.account.passwordHash != Account.noPassword,
                                            button: rows.isEmpty ? Self.button(req, next: SiteURL.eidLinks.path) : nil), status: status)
    }

    func unlink(req: Request) async throws -> Response {
        let signedIn = try req.requireSignedIn()
        let outcome = try await req.formOutcome(done: "eid_unlinked") {
            try await req.eidLinks.unlink(try req.uuid(), account: signedIn.account, actor: req.auditActor)
        }
        return try await linksPage(req, form: outcome.state, status: outcome.status)
    }
}
