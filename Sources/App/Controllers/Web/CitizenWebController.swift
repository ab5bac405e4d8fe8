// The citizen pages (Part III): registration, sign-in with the SMS code, password recovery, the signed-in portal.
// Thin: each handler parses the form, calls the same service as the API, and renders.
import Domain
import Fluent
import Vapor

struct CitizenWebController {
    // MARK: Shared page contents

    struct FormPage: Encodable {
        var form = FormState()
        var hc: HumanCheckChallenge? = nil
    }

    struct OTPPage: Encodable {
        let heading: String
        let phoneMasked: String
        let expiresLocal: String
        let nextSendAt: String
        let action: String
        let resendAction: String
        let submitLabel: String
        var withPassword = false
        var forbidden = "[]"
        var form = FormState()
    }

    struct PasswordPage: Encodable {
        let heading: String
        var lead: String? = nil
        let action: String
        var token: String? = nil
        var withCurrent = false
        let submitLabel: String
        var forbidden = "[]"
        var form = FormState()
    }

    struct MessagePage: Encodable {
        let heading: String
        let text: String
        var linkHref: String? = nil
        var linkText: String? = nil
    }

    struct Form: Content {
        var idNumber: String?
        var fullName: String?
        var dateOfBirth: String?
        var phone: String?
        var email: String?
        var humanCheck: String?
        var code: String?
        var username: String?
        var password: String?
        var passwordConfirm: String?
        var currentPassword: String?
        var completionToken: String?
        var next: String?
    }

    private func form(_ req: Request) throws -> Form {
        do { return try req.content.decode(Form.self) } catch { throw AppError.invalidBody() }
    }

    private func challenge(_ req: Request) -> HumanCheckChallenge? {
        req.portal.config.humanCheck == .pow ? HumanCheck(key: req.portal.keys.humanCheck).makeChallenge(now: req.now) : nil
    }

    /// Only AppErrors that concern the person's input come back to the form; anything else is a real error.
    private func formError(_ error: any Error) throws -> AppError {
        guard let appError = error as? AppError, appError.status.code < 500 else { throw error }
        return appError
    }

    /// The personal values a password must not contain, for the live rule check in the browser.
    private func forbidden(idNumber: String, phone: String, dateOfBirth: String) -> String {
        var values = [idNumber]
        if let p = try? PhoneNumber(phone) { values += p.allForms }
        if let d = try? DateOfBirth(iso: dateOfBirth) { values += d.passwordForms }
        return (try? String(data: JSONEncoder().encode(values), encoding: .utf8)) ?? "[]"
    }

    // MARK: Registration (R13–R17)

    func registerStart(req: Request) async throws -> Response {
        try await req.page("reg-type", titleKey: "reg_title", Empty())
    }

    func registerDetails(req: Request) async throws -> Response {
        try await req.page("reg-details", titleKey: "reg_details_title", FormPage(hc: challenge(req)))
    }

    func registerSubmit(req: Request) async throws -> Response {
        let f = try form(req)
        let input = PersonInput(idNumber: f.idNumber, fullName: f.fullName, dateOfBirth: f.dateOfBirth, phone: f.phone, email: f.email)
        do {
            let started = try await RegistrationService(db: req.db, portal: req.portal)
                .start(input, humanCheck: f.humanCheck, clientAddress: req.clientAddress)
            return req.redirect(to: "/dang-ky/\(started.registration.id!.uuidString.lowercased())/xac-thuc", redirectType: .normal)
        } catch {
            var page = FormPage(hc: challenge(req))
            page.form.values = ["idNumber": f.idNumber ?? "", "fullName": f.fullName ?? "", "dateOfBirth": f.dateOfBirth ?? "",
                                "phone": f.phone ?? "", "email": f.email ?? ""]
            let appError = try formError(error)
            page.form.show(appError, language: req.language)
            return try await req.page("reg-details", titleKey: "reg_details_title", page, status: appError.status)
        }
    }

    private func registrationOTPPage(_ req: Request, _ registration: Registration, form: FormState = FormState()) async throws -> Response {
        let phone = try PhoneNumber(registration.phone)
        let id = registration.id!.uuidString.lowercased()
        let challenge = try await OTPChallenge.find(registration.id, on: req.db)
        var page = OTPPage(heading: req.t("otp_title"), phoneMasked: phone.masked,
                           expiresLocal: challenge.map { VietnamTime.clock($0.expiresAt) } ?? "—",
                           nextSendAt: RFC3339.string(challenge.map { $0.lastSentAt.addingTimeInterval(TimeInterval(req.portal.config.otp.resendSeconds)) } ?? req.now),
                           action: "/dang-ky/\(id)/xac-thuc", resendAction: "/dang-ky/\(id)/gui-lai", submitLabel: req.t("otp_confirm"))
        page.form = form
        return try await req.page("otp", titleKey: "otp_title", page, status: form.alert == nil || form.alertKind != "error" ? .ok : .unprocessableEntity)
    }

    func registerOTP(req: Request) async throws -> Response {
        let registration = try await RegistrationService(db: req.db, portal: req.portal).find(try req.uuid())
        guard registration.status == .pending else { return req.redirect(to: "/dang-ky") }
        return try await registrationOTPPage(req, registration)
    }

    func registerResend(req: Request) async throws -> Response {
        let service = RegistrationService(db: req.db, portal: req.portal)
        let id = try req.uuid()
        var state = FormState()
        do {
            _ = try await service.resend(id, clientAddress: req.clientAddress)
            state.alert = req.t("otp_resent")
            state.alertKind = "success"
        } catch {
            state.show(try formError(error), language: req.language)
        }
        return try await registrationOTPPage(req, try await service.find(id), form: state)
    }

    func registerVerify(req: Request) async throws -> Response {
        let service = RegistrationService(db: req.db, portal: req.portal)
        let id = try req.uuid()
        let f = try form(req)
        let registration = try await service.find(id)
        do {
            let token = try await service.verify(id, code: f.code ?? "")
            return try await passwordPage(req, registration: registration, token: token)
        } catch {
            var state = FormState()
            state.show(try formError(error), language: req.language)
            return try await registrationOTPPage(req, try await service.find(id), form: state)
        }
    }

    private func passwordPage(_ req: Request, registration: Registration, token: String, form: FormState = FormState()) async throws -> Response {
        var page = PasswordPage(heading: req.t("pw_title"), action: "/dang-ky/\(registration.id!.uuidString.lowercased())/mat-khau",
                                token: token, submitLabel: req.t("reg_submit"))
        page.forbidden = forbidden(idNumber: registration.idNumber, phone: registration.phone, dateOfBirth: registration.dateOfBirth)
        page.form = form
        return try await req.page("password-set", titleKey: "pw_title", page, status: form.alert == nil ? .ok : .unprocessableEntity)
    }

    func registerComplete(req: Request) async throws -> Response {
        let service = RegistrationService(db: req.db, portal: req.portal)
        let id = try req.uuid()
        let f = try form(req)
        let registration = try await service.find(id)
        do {
            try confirm(f.password, f.passwordConfirm)
            _ = try await service.complete(id, completionToken: f.completionToken ?? "", password: f.password ?? "", hasher: req.portal.hasher)
        } catch {
            var state = FormState()
            state.show(try formError(error), language: req.language)
            return try await passwordPage(req, registration: registration, token: f.completionToken ?? "", form: state)
        }
        return try await req.page("message", titleKey: "reg_done_title",
                                  MessagePage(heading: req.t("reg_done_title"), text: req.t("reg_done_text"), linkHref: "/dang-nhap", linkText: req.t("login")))
    }

    private func confirm(_ password: String?, _ confirmation: String?) throws {
        if (password ?? "") != (confirmation ?? "") {
            throw AppError.validation(["passwordConfirm": Msg("Hai mật khẩu không giống nhau.", "The two passwords differ.")])
        }
    }

    // MARK: Sign-in (R18)

    struct LoginPage: Encodable {
        var form = FormState()
        var next = ""
    }

    private func loginService(_ req: Request) -> LoginService {
        LoginService(db: req.db, portal: req.portal, hasher: req.portal.hasher)
    }

    func loginForm(req: Request) async throws -> Response {
        if req.signedIn != nil { return req.redirect(to: "/tai-khoan") }
        return try await req.page("login", titleKey: "login_title", LoginPage(next: SafeRedirect.localPath(req.query[String.self, at: "next"])))
    }

    func loginSubmit(req: Request) async throws -> Response {
        let f = try form(req)
        do {
            let started = try await loginService(req).start(username: f.username, password: f.password, kind: .web, clientAddress: req.clientAddress)
            let next = SafeRedirect.localPath(f.next)
            let query = next == "/" ? "" : "?next=" + (next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
            return req.redirect(to: "/dang-nhap/\(started.challenge.id!.uuidString.lowercased())" + query, redirectType: .normal)
        } catch {
            var page = LoginPage(next: SafeRedirect.localPath(f.next))
            page.form.values = ["username": f.username ?? ""]
            let appError = try formError(error)
            page.form.show(appError, language: req.language)
            page.form.errors["password"] = nil
            return try await req.page("login", titleKey: "login_title", page, status: appError.status)
        }
    }

    private func loginOTPPage(_ req: Request, _ challenge: LoginChallenge, form: FormState = FormState()) async throws -> Response {
        let phone = try await loginService(req).phone(of: challenge)
        let id = challenge.id!.uuidString.lowercased()
        let otp = try await OTPChallenge.find(challenge.id, on: req.db)
        let next = req.query[String.self, at: "next"].map { "?next=" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "") } ?? ""
        var page = OTPPage(heading: req.t("login_otp_title"), phoneMasked: phone.masked,
                           expiresLocal: otp.map { VietnamTime.clock($0.expiresAt) } ?? "—",
                           nextSendAt: RFC3339.string(otp.map { $0.lastSentAt.addingTimeInterval(TimeInterval(req.portal.config.otp.resendSeconds)) } ?? req.now),
                           action: "/dang-nhap/\(id)" + next, resendAction: "/dang-nhap/\(id)/gui-lai" + next, submitLabel: req.t("otp_confirm"))
        page.form = form
        return try await req.page("otp", titleKey: "login_otp_title", page, status: form.alertKind == "error" && form.alert != nil ? .unprocessableEntity : .ok)
    }

    func loginOTP(req: Request) async throws -> Response {
        try await loginOTPPage(req, try await loginService(req).findChallenge(try req.uuid()))
    }

    func loginResend(req: Request) async throws -> Response {
        let id = try req.uuid()
        var state = FormState()
        do {
            _ = try await loginService(req).resend(id, clientAddress: req.clientAddress)
            state.alert = req.t("otp_resent")
            state.alertKind = "success"
        } catch {
            state.show(try formError(error), language: req.language)
        }
        return try await loginOTPPage(req, try await loginService(req).findChallenge(id), form: state)
    }

    func loginVerify(req: Request) async throws -> Response {
        let id = try req.uuid()
        let f = try form(req)
        let challenge = try await loginService(req).findChallenge(id)
        do {
            let done = try await loginService(req).verify(id, code: f.code ?? "", kind: .web, clientAddress: req.clientAddress, userAgent: req.userAgent)
            let wanted = SafeRedirect.localPath(req.query[String.self, at: "next"] ?? "/tai-khoan")
            if wanted.hasPrefix("/quantri") {
                try await AuditLog(db: req.db, portal: req.portal).record(
                    AuditLog.Actor(id: done.account.id, name: done.account.fullName, address: req.clientAddress),
                    action: "console.sign_in", target: "account:\(done.account.id.uuidString.lowercased())", unit: nil)
            }
            let target = done.account.passwordTemporary ? "/tai-khoan/doi-mat-khau" : wanted
            let response = req.redirect(to: target == "/" ? "/tai-khoan" : target, redirectType: .normal)
            SessionCookie.set(done.token, on: response, config: req.portal.config)
            return response
        } catch {
            var state = FormState()
            state.show(try formError(error), language: req.language)
            return try await loginOTPPage(req, challenge, form: state)
        }
    }

    func logout(req: Request) async throws -> Response {
        if let signedIn = req.signedIn {
            try await Sessions(db: req.db, portal: req.portal).end(signedIn.session.id)
        }
        let response = req.redirect(to: "/", redirectType: .normal)
        SessionCookie.clear(on: response, config: req.portal.config)
        return response
    }

    // MARK: Password recovery (R12)

    private func passwords(_ req: Request) -> PasswordService {
        PasswordService(db: req.db, portal: req.portal, hasher: req.portal.hasher)
    }

    func resetForm(req: Request) async throws -> Response {
        try await req.page("reset", titleKey: "reset_title", FormPage(hc: challenge(req)))
    }

    func resetSubmit(req: Request) async throws -> Response {
        let f = try form(req)
        do {
            let id = try await passwords(req).startReset(username: f.username, humanCheck: f.humanCheck, clientAddress: req.clientAddress)
            return req.redirect(to: "/quen-mat-khau/\(id.uuidString.lowercased())", redirectType: .normal)
        } catch {
            var page = FormPage(hc: challenge(req))
            page.form.values = ["username": f.username ?? ""]
            let appError = try formError(error)
            page.form.show(appError, language: req.language)
            return try await req.page("reset", titleKey: "reset_title", page, status: appError.status)
        }
    }

    private func resetCodePage(_ req: Request, id: UUID, form: FormState = FormState()) async throws -> Response {
        let reset = try await passwords(req).findReset(id)
        let otp = try await OTPChallenge.find(id, on: req.db)
        let idText = id.uuidString.lowercased()
        // The same page whether or not an account matched: the phone is never shown here.
        var page = OTPPage(heading: req.t("reset_code_title"), phoneMasked: "***",
                           expiresLocal: VietnamTime.clock(otp?.expiresAt ?? reset.createdAt.addingTimeInterval(TimeInterval(req.portal.config.otp.ttlSeconds))),
                           nextSendAt: RFC3339.string((otp?.lastSentAt ?? reset.createdAt).addingTimeInterval(TimeInterval(req.portal.config.otp.resendSeconds))),
                           action: "/quen-mat-khau/\(idText)", resendAction: "/quen-mat-khau/\(idText)/gui-lai", submitLabel: req.t("reset_submit_new"))
        page.withPassword = true
        page.form = form
        if page.form.alert == nil {
            page.form.alert = req.t("reset_code_lead")
            page.form.alertKind = "info"
        }
        return try await req.page("otp", titleKey: "reset_code_title", page, status: form.alert == nil || form.alertKind != "error" ? .ok : .unprocessableEntity)
    }

    func resetCode(req: Request) async throws -> Response {
        try await resetCodePage(req, id: try req.uuid())
    }

    func resetResend(req: Request) async throws -> Response {
        let id = try req.uuid()
        try await passwords(req).resendReset(id, clientAddress: req.clientAddress)
        var state = FormState()
        state.alert = req.t("otp_resent")
        state.alertKind = "success"
        return try await resetCodePage(req, id: id, form: state)
    }

    func resetComplete(req: Request) async throws -> Response {
        let id = try req.uuid()
        let f = try form(req)
        do {
            try confirm(f.password, f.passwordConfirm)
            try await passwords(req).completeReset(id, code: f.code, newPassword: f.password)
        } catch {
            var state = FormState()
            let appError = try formError(error)
            state.show(appError, language: req.language)
            if let message = appError.fields["newPassword"] { state.errors["password"] = message.text(req.language) }
            return try await resetCodePage(req, id: id, form: state)
        }
        return try await req.page("message", titleKey: "reset_done_title",
                                  MessagePage(heading: req.t("reset_done_title"), text: req.t("reset_done_text"), linkHref: "/dang-nhap", linkText: req.t("login")))
    }

    // MARK: Signed in (R18)

    struct CataloguePage: Encodable {
        let greeting: String?
        let chosen: String?
        let action: String
        let q: String
        let items: [ServiceItem]
    }

    func account(req: Request) async throws -> Response {
        let signedIn = try req.requireSignedIn()
        return try await catalogue(req, greeting: signedIn.account.fullName, action: "/tai-khoan")
    }

    func publicCatalogue(req: Request) async throws -> Response {
        try await catalogue(req, greeting: nil, action: "/dich-vu")
    }

    private func catalogue(_ req: Request, greeting: String?, action: String) async throws -> Response {
        let q = req.query[String.self, at: "q"] ?? ""
        let found = try await ServiceCatalogue(db: req.db).search(q, page: 1, per: 100)
        var chosen: String? = nil
        if greeting != nil, let code = req.query[String.self, at: "chon"] {
            chosen = try await PublicService.query(on: req.db).filter(\.$code == code).first()?.name
        }
        return try await req.page("account", titleKey: greeting == nil ? "services_title" : "account_title",
                                  CataloguePage(greeting: greeting, chosen: chosen, action: action, q: q, items: found.items.map(ServiceItem.init)))
    }

    struct ProfilePage: Encodable {
        let fullName, idNumber, dateOfBirth, phone, email: String
    }

    func profile(req: Request) async throws -> Response {
        let a = try req.requireSignedIn().account
        let dob = (try? DateOfBirth(iso: a.dateOfBirth).display) ?? a.dateOfBirth
        return try await req.page("profile", titleKey: "profile_title",
                                  ProfilePage(fullName: a.fullName, idNumber: a.idNumber, dateOfBirth: dob,
                                              phone: (try? PhoneNumber(a.phone).national) ?? a.phone, email: a.email ?? "—"))
    }

    private func changePasswordPage(_ req: Request, form: FormState = FormState()) async throws -> Response {
        let signedIn = try req.requireSignedIn()
        var page = PasswordPage(heading: req.t("change_pw_title"), action: "/tai-khoan/doi-mat-khau", withCurrent: true, submitLabel: req.t("change_pw_title"))
        page.lead = signedIn.mustChangePassword ? req.t("change_pw_required") : nil
        page.forbidden = forbidden(idNumber: signedIn.account.idNumber, phone: signedIn.account.phone, dateOfBirth: signedIn.account.dateOfBirth)
        page.form = form
        return try await req.page("password-set", titleKey: "change_pw_title", page, status: form.alert == nil ? .ok : .unprocessableEntity)
    }

    func changePasswordForm(req: Request) async throws -> Response {
        try await changePasswordPage(req)
    }

    func changePassword(req: Request) async throws -> Response {
        let signedIn = try req.requireSignedIn()
        let f = try form(req)
        do {
            try confirm(f.password, f.passwordConfirm)
            try await passwords(req).change(signedIn, current: f.currentPassword, new: f.password)
        } catch {
            var state = FormState()
            let appError = try formError(error)
            state.show(appError, language: req.language)
            if let message = appError.fields["newPassword"] { state.errors["password"] = message.text(req.language) }
            return try await changePasswordPage(req, form: state)
        }
        return try await req.page("message", titleKey: "change_pw_title",
                                  MessagePage(heading: req.t("change_pw_title"), text: req.t("change_pw_done"), linkHref: "/tai-khoan", linkText: req.t("account_title")))
    }

    struct SessionsPage: Encodable {
        struct Row: Encodable { let id: String; let current: Bool; let createdAt, lastSeenAt, clientAddress, userAgent: String }
        let items: [Row]
        var form = FormState()
    }

    func sessions(req: Request) async throws -> Response {
        let signedIn = try req.requireSignedIn()
        let rows = try await Sessions(db: req.db, portal: req.portal).active(account: signedIn.account.id).map {
            SessionsPage.Row(id: $0.id!.uuidString.lowercased(), current: $0.id == signedIn.session.id, createdAt: VietnamTime.dateTime($0.createdAt),
                             lastSeenAt: VietnamTime.dateTime($0.lastSeenAt), clientAddress: $0.clientAddress, userAgent: $0.userAgent)
        }
        return try await req.page("sessions", titleKey: "sessions_title", SessionsPage(items: rows))
    }

    func endSession(req: Request) async throws -> Response {
        let signedIn = try req.requireSignedIn()
        let id = try req.uuid()
        guard let session = try await AuthSession.find(id, on: req.db), session.accountID == signedIn.account.id else { throw AppError.notFound }
        try await Sessions(db: req.db, portal: req.portal).end(id)
        return req.redirect(to: "/tai-khoan/phien", redirectType: .normal)
    }
}
