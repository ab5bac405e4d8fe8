// Password rules: each with a failing and a passing example, the order they are reported in, and the rule texts.
import XCTest
@testable import Domain

final class PasswordPolicyTests: XCTestCase {
    private func code(_ password: String, id: IDNumber? = nil, phone: PhoneNumber? = nil, dob: DateOfBirth? = nil) -> String? {
        PasswordPolicy.check(password, idNumber: id, phone: phone, dateOfBirth: dob)?.code
    }

    private func person() throws -> (IDNumber, PhoneNumber, DateOfBirth) {
        (try IDNumber("033090001234", now: june2025), try PhoneNumber("0913572468"), try DateOfBirth(iso: "1990-05-17", today: june2025))
    }

    func test_seven_characters_are_too_short() {
        XCTAssertEqual(code("Hoa-sen7"), nil)
        XCTAssertEqual(code("Hoasen7"), "too_short")
    }

    func test_length_counts_characters_not_bytes_or_decomposed_marks() {
        let eightVietnamese = "Ộ ẩm ướt".decomposedStringWithCanonicalMapping

        XCTAssertEqual(code(eightVietnamese), nil)
        XCTAssertEqual(code("Ộ ẩm ướ"), "too_short")
    }

    func test_more_than_128_characters_are_too_long() {
        let long = String(repeating: "Hoa sen nở muộn ", count: 8)

        XCTAssertEqual(long.count, 128)
        XCTAssertEqual(code(long), nil)
        XCTAssertEqual(code(long + "x"), "too_long")
    }

    func test_common_password_is_refused() {
        XCTAssertEqual(code("password"), "common")
        XCTAssertEqual(code("trăng-rằm-tháng-tám"), nil)
    }

    func test_common_password_is_matched_without_case() {
        XCTAssertEqual(code("PassWord"), "common")
        XCTAssertEqual(code("ILOVEYOU"), "common")
    }

    func test_common_vietnamese_passwords_are_refused() {
        for password in ["matkhau123", "anhyeuem", "emyeuanh", "anhyeuem123", "yeuem123", "hanoi123", "88888888", "66668888", "0987654321", "a123456789", "Matkhau@123"] {
            XCTAssertEqual(code(password), "common", password)
        }
    }

    func test_common_password_with_digits_or_symbols_appended_is_refused() {
        XCTAssertEqual(code("iloveyou2024!"), "common")
        XCTAssertEqual(code("sunshine@@"), "common")
        XCTAssertEqual(code("Matkhau99"), "common")
    }

    func test_common_word_must_be_at_the_start_to_count_as_appended() {
        XCTAssertEqual(code("7sunshine-x"), nil)
    }

    func test_password_containing_the_id_number_is_refused() throws {
        let (id, _, _) = try person()

        XCTAssertEqual(code("cccd033090001234", id: id), "contains_id")
        XCTAssertEqual(code("cccd 0330 9000 1234", id: id), "contains_id")
        XCTAssertEqual(code("cccd033090001235", id: id), nil)
    }

    func test_password_containing_the_phone_in_any_form_is_refused() throws {
        let (_, phone, _) = try person()

        for password in ["goi0913572468", "goi+84913572468", "goi84913572468", "goi 0913 572 468", "913572468xy"] {
            XCTAssertEqual(code(password, phone: phone), "contains_phone", password)
        }
        XCTAssertEqual(code("goi0913572469", phone: phone), nil)
    }

    func test_password_containing_the_birth_date_is_refused() throws {
        let (_, _, dob) = try person()

        for password in ["hoa17051990", "hoa19900517", "hoa170590x", "hoa17/05/1990", "1990-05-17hoa"] {
            XCTAssertEqual(code(password, dob: dob), "contains_birth_date", password)
        }
        XCTAssertEqual(code("hoa18051990", dob: dob), nil)
    }

    func test_personal_data_is_ignored_when_unknown() {
        XCTAssertEqual(code("hoa17051990"), nil)
    }

    func test_one_character_repeated_is_refused() {
        XCTAssertEqual(code("éééééééé"), "repeated")
        XCTAssertEqual(code("ééééééé1"), "repeated")
    }

    func test_six_identical_characters_in_a_row_are_refused() {
        XCTAssertEqual(code("hoa%%%%%%sen"), "repeated")
        XCTAssertEqual(code("hoa%%%%%sen"), nil)
    }

    func test_short_group_repeated_is_refused() {
        XCTAssertEqual(code("ưa12ưa12"), "repeated")
        XCTAssertEqual(code("hoaxhoax"), "repeated")
        XCTAssertEqual(code("hoaxhoay"), nil)
    }

    func test_six_ascending_digits_are_refused() {
        XCTAssertEqual(code("hoa-234567-x"), "sequence")
        XCTAssertEqual(code("hoa-23456-x"), nil)
    }

    func test_six_descending_digits_are_refused() {
        XCTAssertEqual(code("hoa-876543-x"), "sequence")
    }

    func test_six_consecutive_letters_are_refused() {
        XCTAssertEqual(code("xx-mnopqr-yy"), "sequence")
        XCTAssertEqual(code("xx-RQPONM-yy"), "sequence")
        XCTAssertEqual(code("xx-mnopq-yy"), nil)
    }

    func test_keyboard_row_run_is_refused() {
        XCTAssertEqual(code("hoa-qwerty-x"), "keyboard")
        XCTAssertEqual(code("hoa-qwert-x"), nil)
    }

    func test_keyboard_run_is_found_reversed_and_in_every_row() {
        XCTAssertEqual(code("mèo-lkjhgf"), "keyboard")
        XCTAssertEqual(code("Mèo ZXCVBN"), "keyboard")
        XCTAssertEqual(code("ab567890cd"), "keyboard")
        XCTAssertEqual(code("ab098765cd"), "keyboard")
    }

    func test_first_broken_rule_is_reported() throws {
        let (_, phone, _) = try person()

        XCTAssertEqual(code("12345678"), "common")
        XCTAssertEqual(code("0913572468", phone: phone), "contains_phone")
    }

    func test_good_passphrase_passes_every_rule() throws {
        let (id, phone, dob) = try person()

        XCTAssertNil(PasswordPolicy.check("Mèo đen ăn cơm nguội", idNumber: id, phone: phone, dateOfBirth: dob))
    }

    func test_messages_say_which_rule_failed() {
        let error = PasswordPolicy.check("hoa-qwerty-x", idNumber: nil, phone: nil, dateOfBirth: nil)

        XCTAssertTrue(error?.vi.contains("bàn phím") ?? false)
        XCTAssertTrue(error?.en.contains("keyboard") ?? false)
    }

    func test_every_rule_has_nfc_messages_in_both_languages() {
        for rule in PasswordPolicy.Rule.allCases {
            let error = PasswordPolicy.error(rule)

            XCTAssertTrue(error.vi.isNFC && !error.vi.isEmpty, rule.rawValue)
            XCTAssertFalse(error.en.isEmpty, rule.rawValue)
            XCTAssertTrue(DomainError.allCodes.contains(error.code), rule.rawValue)
        }
    }

    func test_rules_are_listed_in_vietnamese_and_english() {
        let vi = PasswordPolicy.rules(language: "vi")
        let en = PasswordPolicy.rules(language: "en")

        XCTAssertEqual(vi.count, en.count)
        XCTAssertTrue(vi.first?.contains("8") ?? false)
        XCTAssertTrue(vi.allSatisfy(\.isNFC))
        XCTAssertTrue(en.joined().contains("keyboard"))
        XCTAssertEqual(PasswordPolicy.rules(language: "en-US"), en)
        XCTAssertEqual(PasswordPolicy.rules(language: "fr"), vi)
    }

    func test_common_list_is_loaded_with_zxcvbn_and_vietnamese_entries() {
        XCTAssertGreaterThan(CommonPasswords.entries.count, 30_000)
        XCTAssertTrue(CommonPasswords.entries.contains("matkhau"))
        XCTAssertTrue(CommonPasswords.entries.contains("dragon"))
    }
}
