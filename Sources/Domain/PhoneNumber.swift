// Vietnamese mobile numbers: every way people type them, one stored form (E.164), and the masked form.
import Foundation

public struct PhoneNumber: Hashable, Sendable {
    /// "+84912345678": how it is stored and sent to the SMS gateway.
    public let e164: String

    public init(_ raw: String) throws(DomainError) {
        var digits = ""
        var plus = false
        for scalar in raw.precomposedStringWithCanonicalMapping.unicodeScalars {
            if let d = Text.asciiDigit(scalar) {
                digits.append(d)
            } else if (scalar == "+" || scalar == "\u{FF0B}") && digits.isEmpty && !plus {
                plus = true
            } else if !(Text.isNumberSeparator(scalar) || "()（）".unicodeScalars.contains(scalar)) {
                let what = Text.describe(scalar)
                throw DomainError(
                    code: "phone_invalid_character",
                    vi: "Số điện thoại chỉ gồm chữ số, nhưng có \(what.vi).",
                    en: "A phone number has digits only, but this one contains \(what.en).")
            }
        }
        guard !digits.isEmpty else {
            throw DomainError.required(vi: "số điện thoại di động", en: "a mobile phone number")
        }
        let national = try Self.national(digits: digits, plus: plus)
        try Self.checkMobile(national)
        e164 = "+84" + national.dropFirst()
    }

    // Reduces every accepted spelling to the 0-prefixed national number.
    private static func national(digits: String, plus: Bool) throws(DomainError) -> String {
        var international: Substring? = nil
        if plus {
            international = Substring(digits)
        } else if digits.hasPrefix("0084") {
            international = digits.dropFirst(2)
        } else if digits.hasPrefix("84") && digits.count >= 11 {
            // A national number never starts with 84 (it starts with 0), so this is the country code.
            international = Substring(digits)
        }
        guard let intl = international else { return digits }
        guard intl.hasPrefix("84") else {
            throw DomainError(
                code: "phone_not_vietnamese",
                vi: "Chỉ nhận số điện thoại di động Việt Nam (mã +84).",
                en: "Only Vietnamese mobile numbers (+84) are accepted.")
        }
        var rest = intl.dropFirst(2)
        // "+84 (0) 912 …": the trunk 0 written after the country code.
        if rest.hasPrefix("0") { rest = rest.dropFirst() }
        return "0" + rest
    }

    private static func checkMobile(_ national: String) throws(DomainError) {
        guard national.hasPrefix("0") else {
            throw wrongLength(national)
        }
        if national.count == 11 && national.hasPrefix("01"), let newForm = convertedFrom2018(national) {
            throw DomainError(
                code: "phone_old_format",
                vi: "Số \(national) là số 11 số cũ; từ năm 2018 số này đã đổi thành \(newForm). Vui lòng nhập \(newForm).",
                en: "\(national) is an old 11-digit number; since 2018 it has been \(newForm). Please enter \(newForm).")
        }
        if national.hasPrefix("02") && (national.count == 10 || national.count == 11) {
            throw DomainError(
                code: "not_mobile",
                vi: "\(national) là số máy bàn, không phải số điện thoại di động. Mã xác thực được gửi bằng tin nhắn, nên cần số di động.",
                en: "\(national) is a landline, not a mobile number. Codes are sent by text message, so a mobile number is needed.")
        }
        guard national.count == 10 else {
            throw wrongLength(national)
        }
        guard isMobilePrefix(national) else {
            throw DomainError(
                code: "not_mobile",
                vi: "\(national) không phải số điện thoại di động Việt Nam (đầu số \(national.prefix(3)) không thuộc nhà mạng di động nào).",
                en: "\(national) is not a Vietnamese mobile number (no mobile network uses the prefix \(national.prefix(3))).")
        }
    }

    private static func wrongLength(_ national: String) -> DomainError {
        let count = national.count
        return DomainError(
            code: "phone_wrong_length",
            vi: "Số điện thoại di động có 10 chữ số (bắt đầu bằng 0); số đã nhập có \(count) chữ số.",
            en: "A mobile number has 10 digits (starting with 0); this one has \(count).")
    }

    /// After the 0: 3[2-9], 5[2689], 7[06-9], 8[1-9], 9[0-46-9] (Viettel, VinaPhone, MobiFone,
    /// Vietnamobile, Gmobile, iTel).
    static func isMobilePrefix(_ national: String) -> Bool {
        let d = Array(national.utf8.dropFirst().prefix(2)).map { Int($0) - 48 }
        guard d.count == 2 else { return false }
        switch d[0] {
        case 3: return (2...9).contains(d[1])
        case 5: return [2, 6, 8, 9].contains(d[1])
        case 7: return d[1] == 0 || (6...9).contains(d[1])
        case 8: return (1...9).contains(d[1])
        case 9: return d[1] != 5
        default: return false
        }
    }

    /// The 2018 conversion of 11-digit mobile prefixes to 10-digit ones.
    static let prefixes2018: [String: String] = [
        "0120": "070", "0121": "079", "0122": "077", "0126": "076", "0128": "078",
        "0123": "083", "0124": "084", "0125": "085", "0127": "081", "0129": "082",
        "0162": "032", "0163": "033", "0164": "034", "0165": "035", "0166": "036",
        "0167": "037", "0168": "038", "0169": "039",
        "0186": "056", "0188": "058", "0199": "059",
    ]

    static func convertedFrom2018(_ old: String) -> String? {
        prefixes2018[String(old.prefix(4))].map { $0 + old.dropFirst(4) }
    }

    /// "0912345678".
    public var national: String { "0" + e164.dropFirst(3) }

    /// "091****678": shown everywhere except to the number's owner.
    public var masked: String {
        let n = national
        return String(n.prefix(3)) + "****" + String(n.suffix(3))
    }

    /// Every spelling of the number someone might put into a password: national, with 84, with +84,
    /// and the bare nine digits.
    public var allForms: [String] {
        let nine = String(e164.dropFirst(3))
        return [national, "84" + nine, "+84" + nine, nine]
    }
}
