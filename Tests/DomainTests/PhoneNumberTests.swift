// Mobile numbers: accepted spellings, network prefixes, landlines, the 2018 conversion, masks.
import XCTest
@testable import Domain

final class PhoneNumberTests: XCTestCase {
    // Viettel, VinaPhone, MobiFone, Vietnamobile, Gmobile, iTel, as listed in domain-rules.md.
    static let networkPrefixes: Set<String> = [
        "032", "033", "034", "035", "036", "037", "038", "039", "086", "096", "097", "098",
        "081", "082", "083", "084", "085", "088", "091", "094",
        "070", "076", "077", "078", "079", "089", "090", "093",
        "052", "056", "058", "092",
        "059", "099",
        "087",
    ]

    func test_every_network_prefix_is_valid() {
        for prefix in Self.networkPrefixes {
            let phone = try? PhoneNumber(prefix + "1234567")

            XCTAssertEqual(phone?.national, prefix + "1234567", prefix)
        }
    }

    func test_no_other_prefix_is_a_mobile_number() {
        for n in 0...99 {
            let prefix = "0" + (n < 10 ? "0\(n)" : "\(n)")
            guard !Self.networkPrefixes.contains(prefix) else { continue }

            let error = domainError { try PhoneNumber(prefix + "1234567") }

            XCTAssertEqual(error?.code, "not_mobile", prefix)
        }
    }

    func test_national_form_is_stored_as_e164() throws {
        let phone = try PhoneNumber("0912345678")

        XCTAssertEqual(phone.e164, "+84912345678")
        XCTAssertEqual(phone.national, "0912345678")
    }

    func test_84_form_is_accepted() throws {
        let phone = try PhoneNumber("84912345678")

        XCTAssertEqual(phone.e164, "+84912345678")
    }

    func test_plus_84_form_is_accepted() throws {
        let phone = try PhoneNumber("+84912345678")

        XCTAssertEqual(phone.e164, "+84912345678")
    }

    func test_0084_form_is_accepted() throws {
        let phone = try PhoneNumber("0084 912 345 678")

        XCTAssertEqual(phone.e164, "+84912345678")
    }

    func test_trunk_zero_after_country_code_is_accepted() throws {
        let phone = try PhoneNumber("+84 (0) 912 345 678")

        XCTAssertEqual(phone.e164, "+84912345678")
    }

    func test_spaces_dots_dashes_and_parentheses_are_stripped() throws {
        for raw in ["091 234 5678", "091.234.5678", "091-234-5678", "(091) 234-5678", "+84 91 234 56 78", " 0912345678 "] {
            let phone = try PhoneNumber(raw)

            XCTAssertEqual(phone.e164, "+84912345678", raw)
        }
    }

    func test_full_width_digits_are_converted() throws {
        let phone = try PhoneNumber("０９１２３４５６７８")

        XCTAssertEqual(phone.e164, "+84912345678")
    }

    func test_same_number_in_different_forms_is_equal() throws {
        let a = try PhoneNumber("0912345678")
        let b = try PhoneNumber("+84 912 345 678")

        XCTAssertEqual(a, b)
    }

    func test_landline_is_not_a_mobile_number() {
        let error = domainError { try PhoneNumber("0221 3856789") }

        XCTAssertEqual(error?.code, "not_mobile")
        XCTAssertTrue(error?.en.contains("not a mobile number") ?? false)
        XCTAssertTrue(error?.vi.contains("không phải số điện thoại di động") ?? false)
    }

    func test_landline_with_country_code_is_not_a_mobile_number() {
        let error = domainError { try PhoneNumber("+84 24 3825 1234") }

        XCTAssertEqual(error?.code, "not_mobile")
    }

    func test_old_11_digit_number_names_its_new_form() {
        let error = domainError { try PhoneNumber("01693456789") }

        XCTAssertEqual(error?.code, "phone_old_format")
        XCTAssertTrue(error?.vi.contains("0393456789") ?? false)
        XCTAssertTrue(error?.en.contains("0393456789") ?? false)
    }

    func test_old_number_with_country_code_names_its_new_form() {
        let error = domainError { try PhoneNumber("+84 169 345 6789") }

        XCTAssertEqual(error?.code, "phone_old_format")
        XCTAssertTrue(error?.en.contains("0393456789") ?? false)
    }

    func test_every_2018_conversion_is_applied() {
        let table = [
            "0120": "070", "0121": "079", "0122": "077", "0126": "076", "0128": "078",
            "0123": "083", "0124": "084", "0125": "085", "0127": "081", "0129": "082",
            "0162": "032", "0163": "033", "0164": "034", "0165": "035", "0166": "036",
            "0167": "037", "0168": "038", "0169": "039", "0186": "056", "0188": "058", "0199": "059",
        ]
        for (old, new) in table {
            let error = domainError { try PhoneNumber(old + "1234567") }

            XCTAssertEqual(error?.code, "phone_old_format", old)
            XCTAssertTrue(error?.en.contains(new + "1234567") ?? false, old)
        }
    }

    func test_nine_digits_are_the_wrong_length() {
        let error = domainError { try PhoneNumber("091234567") }

        XCTAssertEqual(error?.code, "phone_wrong_length")
        XCTAssertTrue(error?.en.contains("this one has 9") ?? false)
    }

    func test_eleven_digits_are_the_wrong_length() {
        let error = domainError { try PhoneNumber("09123456789") }

        XCTAssertEqual(error?.code, "phone_wrong_length")
        XCTAssertTrue(error?.en.contains("this one has 11") ?? false)
    }

    func test_short_number_after_country_code_is_the_wrong_length() {
        let error = domainError { try PhoneNumber("+84 91234567") }

        XCTAssertEqual(error?.code, "phone_wrong_length")
    }

    func test_foreign_number_is_refused() {
        let error = domainError { try PhoneNumber("+1 650 555 1234") }

        XCTAssertEqual(error?.code, "phone_not_vietnamese")
    }

    func test_letters_are_refused_naming_the_character() {
        let error = domainError { try PhoneNumber("09l2345678") }

        XCTAssertEqual(error?.code, "phone_invalid_character")
        XCTAssertTrue(error?.en.contains("“l”") ?? false)
    }

    func test_plus_in_the_middle_is_refused() {
        let error = domainError { try PhoneNumber("0912+345678") }

        XCTAssertEqual(error?.code, "phone_invalid_character")
    }

    func test_empty_input_is_required() {
        let error = domainError { try PhoneNumber(" - ") }

        XCTAssertEqual(error?.code, "required")
    }

    func test_mask_shows_first_three_and_last_three() throws {
        let phone = try PhoneNumber("0912345678")

        XCTAssertEqual(phone.masked, "091****678")
    }

    func test_all_forms_list_every_spelling() throws {
        let phone = try PhoneNumber("0912345678")

        XCTAssertEqual(phone.allForms, ["0912345678", "84912345678", "+84912345678", "912345678"])
    }
}
