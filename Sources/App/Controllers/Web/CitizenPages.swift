// What the citizen pages share: their form, the code page and the password page, and how a service's error
// comes back to the form.
import Domain
import Vapor

enum CitizenPages {
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

    /// Every field any citizen form sends; each page reads its own.
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

        var person: PersonInput {
            PersonInput(idNumber: idNumber, fullName: fullName, dateOfBirth: dateOfBirth, phone: phone, email: email)
        }

        var personValues: [String: String] {
            ["idNumber": idNumber ?? "", "fullName": fullName ?? "", "dateOfBirth": dateOfBirth ?? "", "phone": phone ?? "", "email": email ?? ""]
        }
    }

    static func form(_ req: Request) throws -> Form {
        do { return try req.content.decode(Form.self) } catch { throw AppError.invalidBody() }
    }

    static func humanCheck(_ req: Request) -> HumanCheckChallenge? {
        req.portal.config.humanCheck == .pow ? HumanCheck(key: req.portal.keys.humanCheck).makeChallenge(now: req.now) : nil
    }

    /// Only AppErrors that concern the person's input come back to the form; anything else is a real error.
    static func formError(_ error: any Error) throws -> AppError {
        guard let appError = error as? AppError, appError.status.code < 500 else { throw error }
        return appError
    }

    /// The form state for a failed step: the error spread over the fields, `newPassword` shown at the password.
    static func failed(_ error: any Error, _ req: Request) throws -> FormState {
        let appError = try formError(error)
        var state = FormState()
        state.show(appError, language: req.language)
        if let message = appError.fields["newPassword"] { state.errors["password"] = message.text(req.language) }
        return state
    }

    static func resent(_ req: Request) -> FormState {
        var state = FormState()
        state.alert = req.t("otp_resent")
        state.alertKind = "success"
        return state
    }

    /// The personal values a password must not contain, for the live rule check in the browser.
    static func forbidden(idNumber: String, phone: String, dateOfBirth: String) -> String {
        var values = [idNumber]
        if let p = try? PhoneNumber(phone) { values += p.allForms }
        if let d = try? DateOfBirth(iso: dateOfBirth) { values += d.passwordForms }
        return (try? String(data: JSONEncoder().encode(values), encoding: .utf8)) ?? "[]"
    }

    static func confirm(_ password: String?, _ confirmation: String?) throws {
        if (password ?? "") != (confirmation ?? "") {
            throw AppError.validation(["passwordConfirm": Msg("Hai mật khẩu không giống nhau.", "The two passwords differ.")])
        }
    }

    /// The code page of any flow: the code's state as the service reports it.
    static func otpPage(_ req: Request, heading: String, phoneMasked: String, code: OTPState?, action: String, resendAction: String,
                        submitLabel: String) -> OTPPage {
        OTPPage(heading: heading, phoneMasked: phoneMasked, expiresLocal: code.map { VietnamTime.clock($0.expiresAt) } ?? "—",
                nextSendAt: RFC3339.string(code?.nextSendAt ?? req.now), action: action, resendAction: resendAction, submitLabel: submitLabel)
    }

    static func status(of form: FormState) -> HTTPStatus {
        form.alert != nil && form.alertKind == "error" ? .unprocessableEntity : .ok
    }
}
