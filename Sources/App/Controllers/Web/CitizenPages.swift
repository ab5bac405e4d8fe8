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
        let heading, expiresLocal, nextSendAt, action, resendAction, submitLabel: String
        /// Nil where the page may not say which phone (password reset): the lead says "the phone of the account".
        let phoneMasked: String?
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
        let heading, text: String
        var linkHref: String? = nil
        var linkText: String? = nil
    }

    /// Every field the citizen forms send but a person's details; each page reads its own.
    struct Form: Codable, Sendable {
        var humanCheck, code, username, password, passwordConfirm, currentPassword, completionToken, next: String?
    }

    static func form(_ req: Request) throws -> Form {
        do { return try req.content.decode(Form.self) } catch { throw AppError.invalidBody() }
    }

    /// The registration form: a person's details beside the other fields.
    static func personForm(_ req: Request) throws -> WithPerson<Form> {
        do { return try req.content.decode(WithPerson<Form>.self) } catch { throw AppError.invalidBody() }
    }

    static func humanCheck(_ req: Request) -> HumanCheckChallenge? {
        req.portal.config.humanCheck == .pow ? HumanCheck(key: req.portal.keys.humanCheck).makeChallenge(now: req.now) : nil
    }

    /// The personal values a password must not contain, for the live rule check in the browser.
    static func forbidden(idNumber: String, phone: String, dateOfBirth: String) -> String {
        var values = [idNumber]
        if let p = try? PhoneNumber(phone) { values += p.allForms }
        if let d = try? DateOfBirth(iso: dateOfBirth) { values += d.passwordForms }
        return (try? String(data: JSONEncoder().encode(values), encoding: .utf8)) ?? "[]"
    }

    /// The code page of any flow: the code's state as the service reports it.
    static func otpPage(_ req: Request, heading: String, phoneMasked: String?, code: OTPState?, action: String, resendAction: String,
                        submitLabel: String) -> OTPPage {
        OTPPage(heading: heading, expiresLocal: code.map { VietnamTime.clock($0.expiresAt) } ?? "—",
                nextSendAt: RFC3339.string(code?.nextSendAt ?? req.now), action: action, resendAction: resendAction, submitLabel: submitLabel,
                phoneMasked: phoneMasked)
    }

    static func status(of form: FormState) -> HTTPStatus {
        form.alert != nil && form.alertKind == "error" ? .unprocessableEntity : .ok
    }
}
