// Personal identification numbers (12-digit CCCD) and old 9-digit CMND: parsing, decoding and cross-checks.
import Foundation

public struct IDNumber: Hashable, Sendable {
    public enum Kind: String, Sendable { case cccd, cmnd }

    public let digits: String
    public let kind: Kind

    public init(_ raw: String) throws(DomainError) {
        try self.init(raw, now: Date())
    }

    /// `now` decides what "a birth year in the future" means; tests pin it.
    public init(_ raw: String, now: Date) throws(DomainError) {
        var digits = ""
        for scalar in raw.precomposedStringWithCanonicalMapping.unicodeScalars {
            if let d = Text.asciiDigit(scalar) {
                digits.append(d)
            } else if !Text.isNumberSeparator(scalar) {
                let what = Text.describe(scalar)
                throw DomainError(
                    code: "id_invalid_character",
                    vi: "Số định danh chỉ gồm chữ số, nhưng có \(what.vi).",
                    en: "An ID number has digits only, but this one contains \(what.en).")
            }
        }
        switch digits.count {
        case 0:
            throw DomainError.required(vi: "số định danh cá nhân (CCCD)", en: "the ID number (CCCD)")
        case 12:
            kind = .cccd
        case 9:
            kind = .cmnd
        default:
            throw DomainError(
                code: "id_wrong_length",
                vi: "Số định danh cá nhân (CCCD) có 12 chữ số (CMND cũ có 9); số đã nhập có \(digits.count) chữ số.",
                en: "An ID number (CCCD) has 12 digits (an old CMND has 9); this one has \(digits.count).")
        }
        self.digits = digits
        guard kind == .cccd else { return }

        let province = String(digits.prefix(3))
        guard Provinces.names[province] != nil || Provinces.isAbroad(province) else {
            throw DomainError(
                code: "id_unknown_province",
                vi: "Ba chữ số đầu \(province) không phải mã tỉnh, thành phố hay mã quốc gia nào; vui lòng kiểm tra lại số định danh.",
                en: "The first three digits, \(province), are not a province or country code; please check the ID number.")
        }
        let year = Self.decodeYear(digits)
        let thisYear = VietnamCalendar.components(of: now).year
        guard year <= thisYear else {
            throw DomainError(
                code: "id_birth_year_in_future",
                vi: "Số định danh này cho biết năm sinh \(year), là năm trong tương lai; vui lòng kiểm tra lại chữ số thứ 4 đến thứ 6.",
                en: "This ID number implies the birth year \(year), which is in the future; please check digits 4 to 6.")
        }
    }

    /// Refuses CMND for new accounts unless configuration allows it: the cards stopped being valid on
    /// 31 Dec 2024, though their holders may still sign in with them.
    public static func forNewAccount(_ raw: String, allowCMND: Bool, now: Date = Date()) throws(DomainError) -> IDNumber {
        let id: IDNumber
        do { id = try IDNumber(raw, now: now) } catch where error.code == "id_wrong_length" && !allowCMND {
            // Where a CMND cannot make an account, its 9 digits are not offered as an alternative.
            let count = raw.unicodeScalars.filter { Text.asciiDigit($0) != nil }.count
            throw DomainError(
                code: "id_wrong_length",
                vi: "Số định danh cá nhân (CCCD) có 12 chữ số; số đã nhập có \(count) chữ số.",
                en: "An ID number (CCCD) has 12 digits; this one has \(count).")
        }
        if id.kind == .cmnd && !allowCMND {
            throw DomainError(
                code: "id_cmnd_not_accepted",
                vi: "Chứng minh nhân dân 9 số đã hết giá trị sử dụng từ ngày 31/12/2024 (Luật Căn cước 2023). Vui lòng nhập số định danh cá nhân 12 số in trên thẻ căn cước hoặc căn cước công dân.",
                en: "The 9-digit CMND card stopped being valid on 31 December 2024 (Identity Law 2023). Please enter the 12-digit personal identification number printed on the identity card (CCCD).")
        }
        return id
    }

    // Birth year = 1900 + 100·⌊d4/2⌋ + yy, where d4 also carries the sex.
    static func decodeYear(_ digits: String) -> Int {
        let d = Array(digits.utf8).map { Int($0) - 48 }
        return 1900 + 100 * (d[3] / 2) + d[4] * 10 + d[5]
    }

    /// The place the birth was registered; nil for CMND, which encodes nothing we rely on.
    public var provinceCode: String? {
        kind == .cccd ? String(digits.prefix(3)) : nil
    }

    /// Vietnamese name of that place from the old 63-province table; "nước ngoài" for a country code.
    public var provinceName: String? {
        guard let code = provinceCode else { return nil }
        return Provinces.isAbroad(code) ? "nước ngoài" : Provinces.names[code]
    }

    /// The same in English: province names are proper nouns and stay as they are.
    public var provinceNameEnglish: String? {
        guard let code = provinceCode else { return nil }
        return Provinces.isAbroad(code) ? "abroad" : Provinces.names[code]
    }

    /// True when the birth was registered abroad (digits 1–3 are a country code).
    public var isRegisteredAbroad: Bool {
        provinceCode.map(Provinces.isAbroad) ?? false
    }

    /// Digit 4 is odd for women; nil for CMND.
    public var isFemale: Bool? {
        guard kind == .cccd else { return nil }
        let d4 = Int(Array(digits.utf8)[3]) - 48
        return d4 % 2 == 1
    }

    public var birthYear: Int? {
        kind == .cccd ? Self.decodeYear(digits) : nil
    }

    /// A mismatch is reported on the date of birth, saying which year the number implies.
    public func check(dateOfBirth: DateOfBirth) throws(DomainError) {
        guard let year = birthYear, year != dateOfBirth.year else { return }
        throw DomainError(
            code: "dob_mismatch_id",
            vi: "Ngày sinh không khớp với số định danh: số định danh cho biết năm sinh \(year), nhưng ngày sinh đã nhập là năm \(dateOfBirth.year).",
            en: "The date of birth does not match the ID number: the number implies the birth year \(year), but the date entered is in \(dateOfBirth.year).")
    }

    /// Shown to anyone but the holder: enough to recognise, not enough to reuse.
    public var masked: String {
        let head = kind == .cccd ? 4 : 3
        let tail = 2
        return String(digits.prefix(head)) + String(repeating: "*", count: digits.count - head - tail) + String(digits.suffix(tail))
    }
}
