// What someone types to sign in: their ID number or their phone, in any accepted spelling.
import Foundation

public enum Username: Hashable, Sendable {
    case idNumber(IDNumber)
    case phone(PhoneNumber)

    /// Told apart by digit count: ID numbers have 9 or 12 digits, phone spellings 10, 11 (84…; an old 01… or a
    /// landline 02… is named as such) or 13 (0084…) or a "+". A 12-digit "840…" is a phone: no CCCD starts with 84, as place codes stop at 295.
    /// The longest spelling taken: "+84 (0) 912 345 678" has 19 characters.
    public static let maxLength = 24

    public init(_ raw: String, now: Date = Date()) throws(DomainError) {
        guard raw.count <= Self.maxLength else {
            throw DomainError(
                code: "username_too_long",
                vi: "Số định danh hoặc số điện thoại không được dài quá \(Self.maxLength) ký tự.",
                en: "The ID number or phone number can have at most \(Self.maxLength) characters.")
        }
        var digits = ""
        var plus = false
        for scalar in raw.unicodeScalars {
            if let d = Text.asciiDigit(scalar) {
                digits.append(d)
            } else if scalar == "+" || scalar == "\u{FF0B}" {
                plus = true
            }
        }
        switch digits.count {
        case 0 where !plus:
            throw DomainError.required(vi: "số định danh cá nhân hoặc số điện thoại", en: "your ID number or phone number")
        case 9 where !plus, 12 where !plus && !digits.hasPrefix("84"):
            self = .idNumber(try IDNumber(raw, now: now))
        case 10, 12:
            self = .phone(try PhoneNumber(raw))
        // Eleven digits are a phone only as 84…, an old 01… mobile or an 02… landline (each has its own message);
        // any other eleven digits are neither, and the message says what is expected.
        case 11 where plus || ["84", "01", "02"].contains(where: digits.hasPrefix),
             13 where plus || digits.hasPrefix("0084"):
            self = .phone(try PhoneNumber(raw))
        default:
            if plus { self = .phone(try PhoneNumber(raw)); return }
            throw DomainError(
                code: "username_invalid",
                vi: "Vui lòng nhập số định danh cá nhân (12 chữ số) hoặc số điện thoại di động (10 chữ số); đã nhập \(digits.count) chữ số.",
                en: "Please enter your ID number (12 digits) or mobile number (10 digits); this has \(digits.count) digits.")
        }
    }
}
