// Self-registration pages: type of account, details with the human check, the SMS code, the password.
import Domain
import Vapor

struct RegistrationController {
    typealias P = CitizenPages

    func start(req: Request) async throws -> Response {
        struct TypePage: Encodable { let eid: ElectronicIDController.Button? }
        return try await req.page("reg-type", titleKey: "reg_title", TypePage(eid: ElectronicIDController.button(req)))
    }

    func details(req: Request) async throws -> Response {
        try await req.page("reg-details", titleKey: "reg_details_title", P.FormPage(hc: P.humanCheck(req)))
    }

    func submit(req: Request) async throws -> Response {
        let f = try P.personForm(req)
        do {
            let started = try await req.registrations.start(f.person, humanCheck: f.rest.humanCheck, clientAddress: req.clientAddress)
            return req.redirect(to: SiteURL.registerCode(.value(started.flow.id!)).path, redirectType: .normal)
        } catch {
            var page = P.FormPage(hc: P.humanCheck(req))
            let refused = try req.refusal(error)
            page.form = refused.state
            page.form.values = f.person.formValues
            return try await req.page("reg-details", titleKey: "reg_details_title", page, status: refused.status)
        }
    }

    private func codePage(_ req: Request, _ id: UUID, form: FormState = FormState(),
                          state: RegistrationService.CodeState? = nil) async throws -> Response {
        let pending: RegistrationService.CodeState
        if let state { pending = state } else { pending = try await req.registrations.codeState(id) }
        var page = P.otpPage(req, heading: req.t("otp_title"), phoneMasked: pending.phone.masked, code: pending.code,
                             action: SiteURL.registerCode(.value(id)).path, resendAction: SiteURL.registerResend(.value(id)).path,
                             submitLabel: req.t("otp_confirm"))
        page.form = form
        return try await req.page("otp", titleKey: "otp_title", page, status: P.status(of: form))
    }

    func code(req: Request) async throws -> Response {
        let id = try req.uuid()
        let state = try await req.registrations.codeState(id)
        guard state.registration.status == .pending else { return req.redirect(to: SiteURL.register.path) }
        return try await codePage(req, id, state: state)
    }

    func resend(req: Request) async throws -> Response {
        let id = try req.uuid()
        let outcome = try await req.formOutcome(done: "otp_resent") { _ = try await req.registrations.resend(id, clientAddress: req.clientAddress) }
        return try await codePage(req, id, form: outcome.state)
    }

    func verify(req: Request) async throws -> Response {
        let id = try req.uuid()
        let f = try P.form(req)
        do {
            let verified = try await req.registrations.verify(id, code: f.code ?? "")
            return try await passwordPage(req, verified.registration, token: verified.token)
        } catch let refusal as AppError where RegistrationService.endingCodes.contains(refusal.code) {
            struct Ended: Encodable { let text: String; let idTaken: Bool }
            return try await req.page("reg-ended", titleKey: "reg_ended_title",
                                      Ended(text: refusal.message.text(req.language), idTaken: refusal.code == "id_taken"),
                                      status: .conflict)
        } catch {
            return try await codePage(req, id, form: try req.refusal(error).state)
        }
    }

    private func passwordPage(_ req: Request, _ registration: Registration, token: String, form: FormState = FormState()) async throws -> Response {
        var page = P.PasswordPage(heading: req.t("pw_title"), action: SiteURL.registerPassword(.value(registration.id!)).path,
                                  token: token, submitLabel: req.t("reg_submit"))
        page.forbidden = P.forbidden(idNumber: registration.idNumber, phone: registration.phone, dateOfBirth: registration.dateOfBirth)
        page.form = form
        return try await req.page("password-set", titleKey: "pw_title", page, status: form.alert == nil ? .ok : .unprocessableEntity)
    }

    func complete(req: Request) async throws -> Response {
        let id = try req.uuid()
        let f = try P.form(req)
        let outcome = try await req.formOutcome {
            _ = try await req.registrations.complete(id, completionToken: f.completionToken ?? "", password: f.password ?? "",
                                                     confirmation: f.passwordConfirm ?? "", hasher: req.portal.hasher)
        }
        guard outcome.status == .ok else {
            return try await passwordPage(req, try await req.registrations.find(id), token: f.completionToken ?? "", form: outcome.state)
        }
        return try await req.page("message", titleKey: "reg_done_title",
                                  P.MessagePage(heading: req.t("reg_done_title"), text: req.t("reg_done_text"), linkHref: SiteURL.login.path, linkText: req.t("login")))
    }
}
