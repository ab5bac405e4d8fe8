// Full names: letters of any script with their marks, kept as entered (NFC) and printed upper-case.
import Foundation

public struct PersonName: Hashable, Sendable {
    public static let minLength = 2, maxLength = 100

    /// Cleaned NFC, as the person typed it.
    public let value: String

    public init(_ raw: String) throws(DomainError) {
        let s = Text.clean(raw)
        guard !s.isEmpty else {
            throw DomainError.required(vi: "họ và tên", en: "the full name")
        }
        for ch in s {
            if let problem = Self.problem(with: ch) { throw problem }
        }
        guard s.contains(where: \.isLetter) else {
            throw DomainError(
                code: "name_no_letter",
                vi: "Họ và tên phải có chữ cái.",
                en: "The full name must contain letters.")
        }
        guard s.count >= Self.minLength else {
            throw DomainError(
                code: "name_too_short",
                vi: "Họ và tên phải có ít nhất \(Self.minLength) ký tự.",
                en: "The full name must have at least \(Self.minLength) characters.")
        }
        guard s.count <= Self.maxLength else {
            throw DomainError(
                code: "name_too_long",
                vi: "Họ và tên không được dài quá \(Self.maxLength) ký tự (đã nhập \(s.count)).",
                en: "The full name can have at most \(Self.maxLength) characters (this one has \(s.count)).")
        }
        value = s
    }

    // Names are letters of any script (with combining marks), separated by space, apostrophe or hyphen.
    private static func problem(with ch: Character) -> DomainError? {
        if ch == " " || ch == "'" || ch == "\u{2019}" || ch == "-" { return nil }
        let scalars = ch.unicodeScalars
        let first = scalars.first!
        let rest = scalars.dropFirst()
        // One user-perceived character may hold several letters (Hangul jamo, Indic conjuncts joined by a
        // virama or ZWJ/ZWNJ), so everything after the first scalar may be a letter, a mark or a joiner.
        if isLetter(first) && rest.allSatisfy({ isLetter($0) || isMark($0) || $0 == "\u{200C}" || $0 == "\u{200D}" }) {
            return nil
        }
        if ch.isNumber {
            return DomainError(
                code: "name_digits",
                vi: "Họ và tên không được có chữ số (“\(ch)”).",
                en: "The full name cannot contain digits (“\(ch)”).")
        }
        let shown = first.properties.generalCategory == .control || first.properties.generalCategory == .format
            ? String(format: "U+%04X", first.value) : "“\(ch)”"
        return DomainError(
            code: "name_invalid_character",
            vi: "Họ và tên chỉ gồm chữ cái, dấu cách, dấu nháy (') và dấu gạch nối (-); không dùng được ký tự \(shown).",
            en: "The full name may contain only letters, spaces, apostrophes (') and hyphens (-); \(shown) is not allowed.")
    }

    private static func isLetter(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    private static func isMark(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return true
        default: return false
        }
    }

    /// Upper-case for the printed request form. Swift's mapping is locale-independent, which is what
    /// Vietnamese needs (đ → Đ, ộ → Ộ) and avoids the Turkish dotted-i rule.
    public var upper: String {
        value.uppercased().precomposedStringWithCanonicalMapping
    }
}
