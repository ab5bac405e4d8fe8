// The one error type of the Domain module: a stable code for clients plus a message in each UI language.
import Foundation

/// Every validation failure: a stable machine code plus Vietnamese (NFC, with diacritics) and English messages.
public struct DomainError: Error, Equatable, Sendable {
    public let code: String
    public let vi: String
    public let en: String

    public init(code: String, vi: String, en: String) {
        self.code = code
        // Messages often quote user input, which may arrive decomposed; keep what we show in one form.
        self.vi = vi.precomposedStringWithCanonicalMapping
        self.en = en.precomposedStringWithCanonicalMapping
    }

    /// The message for a UI language tag ("vi", "en", "en-US" …); Vietnamese unless English is asked for.
    public func message(language: String) -> String {
        language.lowercased().hasPrefix("en") ? en : vi
    }

    /// Every code this module can produce, so the API description can list them.
    public static let allCodes: [String] = [
        "required",
        "id_invalid_character", "id_wrong_length", "id_unknown_province", "id_birth_year_in_future",
        "id_cmnd_not_accepted", "dob_mismatch_id",
        "phone_invalid_character", "phone_wrong_length", "phone_not_vietnamese", "phone_old_format", "not_mobile",
        "name_too_short", "name_too_long", "name_digits", "name_invalid_character", "name_no_letter",
        "date_format", "date_invalid", "date_in_future", "date_before_1900",
        "username_invalid",
        "unit_not_one_stop",
        "sms_too_long",
        "too_short", "too_long", "common", "contains_id", "contains_phone", "contains_birth_date",
        "repeated", "sequence", "keyboard",
        "scan_too_large", "scan_empty", "scan_type", "scan_extension_mismatch", "scan_name",
    ]

    static func required(vi field: String, en fieldEN: String) -> DomainError {
        DomainError(code: "required", vi: "Vui lòng nhập \(field).", en: "Please enter \(fieldEN).")
    }
}

extension DomainError: CustomStringConvertible {
    public var description: String { en }
}
