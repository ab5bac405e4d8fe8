// Sign-in pages: the password, then the SMS code; and signing out.
import Domain
import Vapor

struct SignInController {
    typealias P = CitizenPages

    struct LoginPage: Encodable {
        var form = FormState()
        var next = ""
        var eid: ElectronicIDController.Button? = nil
        /// Signing in to confirm a link with the electronic identity.
        var linking = false
    }

    func form(req: Request) async throws -> Response {
        let next = SafeRedirect.localPath(req.query[String.self, at: "next"])
        // Signed in already: the form is shown again only when another system asks for a fresh sign-in.
        if req.signedIn != nil && next == "/" { return req.redirect(to: SiteURL.account.path) }
        var page = LoginPage(next: next, eid: ElectronicIDController.button(req, next: next), linking: req.query[String.self, at: "lien-ket"] == "1")
        // A system that signs the person in may suggest the ID number (`login_hint`).
        if let hint = req.query[String.self, at: "hint"], hint.count <= 20, hint.allSatisfy(\.isNumber) { page.form.values = ["username": hint] }
        return try await req.page("login", titleKey: "login_title", page)
    }

    /// Where to go after signing in, carried from page to page as `?next=`.
    private func next(_ req: Request) -> String? {
        req.query[String.self, at: "next"]
    }

    private func withNext(_ url: SiteURL, _ next: String?) -> String {
        let local = SafeRedirect.localPath(next)
        return url.path(query: [("next", local == "/" ? "" : local)])
    }

    func submit(req: Request) async throws -> Response {
        let f = try P.form(req)
        do {
            let started = try await req.logins.start(username: f.username, password: f.password, kind: .web, clientAddress: req.clientAddress)
            return req.redirect(to: withNext(.loginCode(.value(started.flow.id!)), f.next), redirectType: .normal)
        } catch {
            var page = LoginPage(next: SafeRedirect.localPath(f.next), eid: ElectronicIDController.button(req, next: f.next))
            let refused = try req.refusal(error)
            page.form = refused.state
            page.form.values = ["username": f.username ?? ""]
            page.form.errors["password"] = nil
            return try await req.page("login", titleKey: "login_title", page, status: refused.status)
        }
    }

    private func codePage(_ req: Request, _ id: UUID, form: FormState = FormState()) async throws -> Response {
        let state = try await req.logins.codeState(id)
        var page = P.otpPage(req, heading: req.t("login_otp_title"), phoneMasked: state.phone.masked, code: state.code,
                             action: withNext(.loginCode(.value(id)), next(req)), resendAction: withNext(.loginResend(.value(id)), next(req)),
                             submitLabel: req.t("otp_confirm"))
        page.form = form
        return try await req.page("otp", titleKey: "login_otp_title", page, status: P.status(of: form))
    }

    func code(req: Request) async throws -> Response {
        try await codePage(req, try req.uuid())
    }

    func resend(req: Request) async throws -> Response {
        let id = try req.uuid()
        let outcome = try await req.formOutcome(done: "otp_resent") { _ = try await req.logins.resend(id, clientAddress: req.clientAddress) }
        return try await codePage(req, id, form: outcome.state)
    }

    func verify(req: Request) async throws -> Response {
        let id = try req.uuid()
        let f = try P.form(req)
        let asked = SafeRedirect.localPath(next(req) ?? "/")
        do {
            // Without a page asked for, staff land on the console and citizens on their account; the sign-in's
            // audit record says which (console or page) before the session exists, so the role is read first.
            var wanted = asked
            if asked == "/", let account = try await req.logins.accountOfPendingSignIn(id) {
                wanted = try await req.staffDirectory.context(for: account).isStaff ? SiteURL.console.path : SiteURL.account.path
            }
            let done = try await req.logins.verify(id, code: f.code ?? "", kind: .web, clientAddress: req.clientAddress, userAgent: req.userAgent,
                                                   toConsole: wanted.hasPrefix(SiteURL.console.path))
            let target = done.account.passwordTemporary ? SiteURL.changePassword.path : (wanted == "/" ? SiteURL.account.path : wanted)
            let response = req.redirect(to: target, redirectType: .normal)
            SessionCookie.set(done.token, on: response, config: req.portal.config)
            return response
        } catch {
            return try await codePage(req, id, form: try req.refusal(error).state)
        }
    }

    func logout(req: Request) async throws -> Response {
        if let signedIn = req.signedIn {
            try await req.authSessions.end(signedIn.session.id)
        }
        let response = req.redirect(to: SiteURL.home.path, redirectType: .normal)
        SessionCookie.clear(on: response, config: req.portal.config)
        return response
    }
}
