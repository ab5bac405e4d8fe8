// The personal details a citizen or an officer types, validated field by field with every error at once.
import Domain
import Foundation

/// Every field optional, so that a missing one is a field error naming it. Forms and JSON bodies read it from
/// their top level beside their own fields (`WithPerson`).
struct PersonInput: Codable, Sendable {
    var idNumber, fullName, dateOfBirth, phone, email: String?

    /// The values as typed, to show again on a refused form.
    var formValues: [String: String] {
        ["idNumber": idNumber ?? "", "fullName": fullName ?? "", "dateOfBirth": dateOfBirth ?? "", "phone": phone ?? "", "email": email ?? ""]
    }
}

struct ValidPerson: Sendable {
    let idNumber: IDNumber
    let name: PersonName
    let dateOfBirth: DateOfBirth
    let phone: PhoneNumber
    let email: String?
}

enum PersonValidation {
    static let required = Msg("Trường này là bắt buộc.", "This field is required.")

    /// The most characters each field may have as sent, spaces and dots included: what the forms allow and
    /// the API's document states. The rules of each field (PersonName's length after tidying among them) apply
    /// within these.
    static let maxLengths = ["idNumber": 20, "fullName": 100, "dateOfBirth": 10, "phone": 20, "email": 254]

    static func tooLong(_ limit: Int) -> Msg {
        Msg("Không được dài quá \(limit) ký tự.", "At most \(limit) characters.")
    }

    /// Every field is checked so that the form can show all its problems in one go; the ID number's
    /// encoded birth year is checked against the date of birth when both are valid.
    static func validate(_ input: PersonInput, allowCMND: Bool, now: Date) throws -> ValidPerson {
        var fields: [String: Msg] = [:]
        func blank(_ s: String?) -> Bool { (s ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
        var tooLong: [String: Msg] = [:]
        for (name, value) in input.formValues {
            if let limit = maxLengths[name], value.count > limit { tooLong[name] = Self.tooLong(limit) }
        }
        guard tooLong.isEmpty else { throw AppError.validation(tooLong) }

        var id: IDNumber? = nil
        if blank(input.idNumber) { fields["idNumber"] = required } else {
            do { id = try IDNumber.forNewAccount(input.idNumber!, allowCMND: allowCMND, now: now) } catch { fields["idNumber"] = Msg(error) }
        }
        var name: PersonName? = nil
        if blank(input.fullName) { fields["fullName"] = required } else {
            do { name = try PersonName(input.fullName!) } catch { fields["fullName"] = Msg(error) }
        }
        var dob: DateOfBirth? = nil
        if blank(input.dateOfBirth) { fields["dateOfBirth"] = required } else {
            do { dob = try DateOfBirth(iso: input.dateOfBirth!.trimmingCharacters(in: .whitespaces), today: now) } catch { fields["dateOfBirth"] = Msg(error) }
        }
        if let id, let dob {
            do { try id.check(dateOfBirth: dob) } catch { fields["dateOfBirth"] = Msg(error) }
        }
        var phone: PhoneNumber? = nil
        if blank(input.phone) { fields["phone"] = required } else {
            do { phone = try PhoneNumber(input.phone!) } catch { fields["phone"] = Msg(error) }
        }
        var email: String? = nil
        if !blank(input.email) {
            do { email = try EmailAddress.validate(input.email!) } catch { fields["email"] = Msg(error) }
        }
        guard fields.isEmpty, let id, let name, let dob, let phone else { throw AppError.validation(fields) }
        return ValidPerson(idNumber: id, name: name, dateOfBirth: dob, phone: phone, email: email)
    }
}

enum EmailAddress {
    /// A pragmatic check: one @, a dotted domain, no spaces, at most 254 characters; stored lowercased.
    static func validate(_ raw: String) throws(DomainError) -> String {
        let email = raw.trimmingCharacters(in: .whitespacesAndNewlines).precomposedStringWithCanonicalMapping
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard email.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[0].count <= 64,
              parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
              !email.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" || $0 == "\"" || $0 == "," || $0 == ";" }) else {
            throw DomainError(code: "email_invalid", vi: "Địa chỉ thư điện tử không hợp lệ (ví dụ: ten@example.vn).",
                              en: "The email address is not valid (for example: name@example.vn).")
        }
        return email.lowercased()
    }
}
