// Signing in with the national electronic identity: the button's start, the provider's return, confirming a
// link with the account's own sign-in, and the account's links.
import Vapor

struct ElectronicIDController {
    static let browserCookie = "eid_attempt"
    /// Binds a new account waiting for its phone to the browser that started it.
    static let signupCookie = "eid_signup"

    private func service(_ req: Request) throws -> ElectronicID {
        guard let eid = req.electronicID else { throw AppError.notFound }
        return eid
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
            switch try await eid.signIn(identity, next: next, clientAddress: req.clientAddress, userAgent: req.userAgent) {
            case let .signedIn(token, _, _):
                let response = req.redirect(to: next, redirectType: .normal)
                SessionCookie.set(token, on: response, config: req.portal.config)
                clearCookie(response, req)
                return response
            case let .askPhone(id, browserToken):
                let response = req.redirect(to: SiteURL.eidPhone(.value(id)).path, redirectType: .normal)
                clearCookie(response, req)
                response.cookies[Self.signupCookie] = HTTPCookies.Value(
                    string: browserToken, expires: nil, maxAge: Int(ElectronicID.pendingLifetime), domain: nil, path: "/",
                    isSecure: req.portal.config.secureCookies, isHTTPOnly: true, sameSite: .lax)
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
        return try await req.page("eid-linked", titleKey: "eid_linked_title",
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

    // MARK: A new account's phone, when the provider gave none

    struct PhonePage: Encodable {
        let fullName, action: String
        var form = FormState()
    }

    private struct PhoneForm: Content { var phone: String? }

    func phoneForm(req: Request) async throws -> Response {
        let eid = try service(req)
        do {
            let row = try await eid.signup(try req.uuid(), browserToken: req.cookies[Self.signupCookie]?.string)
            return try await req.page("eid-phone", titleKey: "eid_phone_title",
                                      PhonePage(fullName: row.fullName, action: SiteURL.eidPhone(.value(row.id)).path))
        } catch let error as AppError {
            return try await failure(req, error)
        }
    }

    func sendPhoneCode(req: Request) async throws -> Response {
        let eid = try service(req)
        let id = try req.uuid()
        let f = try req.content.decode(PhoneForm.self)
        let token = req.cookies[Self.signupCookie]?.string
        do {
            _ = try await eid.sendSignupCode(id, phone: f.phone, browserToken: token, clientAddress: req.clientAddress)
            return try await codePage(req, eid, id)
        } catch let error as AppError where error.status.code < 500 && error.code != "eid_state" {
            let row = try await eid.signup(id, browserToken: token)
            var page = PhonePage(fullName: row.fullName, action: SiteURL.eidPhone(.value(id)).path)
            page.form = try req.refusal(error).state
            page.form.values = ["phone": f.phone ?? ""]
            return try await req.page("eid-phone", titleKey: "eid_phone_title", page, status: error.status)
        } catch let error as AppError {
            return try await failure(req, error)
        }
    }

    func resendPhoneCode(req: Request) async throws -> Response {
        let eid = try service(req)
        let id = try req.uuid()
        let outcome = try await req.formOutcome(done: "otp_resent") {
            _ = try await eid.sendSignupCode(id, phone: nil, browserToken: req.cookies[Self.signupCookie]?.string, clientAddress: req.clientAddress)
        }
        return try await codePage(req, eid, id, form: outcome.state)
    }

    func verifyPhoneCode(req: Request) async throws -> Response {
        let eid = try service(req)
        let id = try req.uuid()
        let f = try CitizenPages.form(req)
        do {
            let done = try await eid.finishSignup(id, code: f.code ?? "", browserToken: req.cookies[Self.signupCookie]?.string,
                                                  clientAddress: req.clientAddress, userAgent: req.userAgent)
            let response = req.redirect(to: done.next, redirectType: .normal)
            SessionCookie.set(done.token, on: response, config: req.portal.config)
            response.cookies[Self.signupCookie] = HTTPCookies.Value(string: "", expires: Date(timeIntervalSince1970: 0), maxAge: 0, domain: nil,
                                                                    path: "/", isSecure: req.portal.config.secureCookies, isHTTPOnly: true, sameSite: .lax)
            return response
        } catch let error as AppError where error.code == "eid_state" {
            return try await failure(req, error)
        } catch {
            return try await codePage(req, eid, id, form: try req.refusal(error).state)
        }
    }

    private func codePage(_ req: Request, _ eid: ElectronicID, _ id: UUID, form: FormState = FormState()) async throws -> Response {
        let state = try await eid.signupCodeState(id, browserToken: req.cookies[Self.signupCookie]?.string)
        var page = CitizenPages.otpPage(req, heading: req.t("eid_phone_code_title"), phoneMasked: state.phone?.masked ?? "—", code: state.code,
                                        action: SiteURL.eidPhoneCode(.value(id)).path, resendAction: SiteURL.eidPhoneResend(.value(id)).path,
                                        submitLabel: req.t("otp_confirm"))
        page.form = form
        return try await req.page("otp", titleKey: "eid_phone_code_title", page, status: CitizenPages.status(of: form))
    }
}
