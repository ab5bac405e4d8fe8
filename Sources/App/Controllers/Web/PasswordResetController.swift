// Password recovery pages: the username with the human check, then the code with the new password.
import Domain
import Vapor

struct PasswordResetController {
    typealias P = CitizenPages

    func form(req: Request) async throws -> Response {
        try await req.page("reset", titleKey: "reset_title", P.FormPage(hc: P.humanCheck(req)))
    }

    func submit(req: Request) async throws -> Response {
        let f = try P.form(req)
        do {
            let id = try await req.passwords.startReset(username: f.username, humanCheck: f.humanCheck, clientAddress: req.clientAddress)
            return req.redirect(to: SiteURL.resetCode(.value(id)).path, redirectType: .normal)
        } catch {
            var page = P.FormPage(hc: P.humanCheck(req))
            let refused = try req.refusal(error)
            page.form = refused.state
            page.form.values = ["username": f.username ?? ""]
            return try await req.page("reset", titleKey: "reset_title", page, status: refused.status)
        }
    }

    private func codePage(_ req: Request, _ id: UUID, form: FormState = FormState()) async throws -> Response {
        let code = try await req.passwords.codeState(id)
        // The same page whether or not an account matched: the phone is never named here.
        var page = P.otpPage(req, heading: req.t("reset_code_title"), phoneMasked: nil, code: code,
                             action: SiteURL.resetCode(.value(id)).path, resendAction: SiteURL.resetResend(.value(id)).path,
                             submitLabel: req.t("reset_submit_new"))
        page.withPassword = true
        page.form = form
        if page.form.alert == nil {
            page.form.alert = req.t("reset_code_lead")
            page.form.alertKind = "info"
        }
        return try await req.page("otp", titleKey: "reset_code_title", page, status: P.status(of: form))
    }

    func code(req: Request) async throws -> Response {
        try await codePage(req, try req.uuid())
    }

    func resend(req: Request) async throws -> Response {
        let id = try req.uuid()
        try await req.passwords.resendReset(id, clientAddress: req.clientAddress)
        return try await codePage(req, id, form: FormState(notice: req.t("otp_resent")))
    }

    func complete(req: Request) async throws -> Response {
        let id = try req.uuid()
        let f = try P.form(req)
        let outcome = try await req.formOutcome {
            try await req.passwords.completeReset(id, code: f.code, newPassword: f.password, confirmation: f.passwordConfirm ?? "")
        }
        guard outcome.status == .ok else { return try await codePage(req, id, form: outcome.state) }
        return try await req.page("message", titleKey: "reset_done_title",
                                  P.MessagePage(heading: req.t("reset_done_title"), text: req.t("reset_done_text"),
                                                linkHref: SiteURL.login.path, linkText: req.t("login")))
    }
}
