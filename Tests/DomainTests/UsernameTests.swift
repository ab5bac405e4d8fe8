// Sign-in names: an ID number or a phone in any accepted spelling, told apart by their digits.
import XCTest
@testable import Domain

final class UsernameTests: XCTestCase {
    func test_twelve_digits_are_an_id_number() throws {
        let name = try Username("0330 9000 1234", now: june2025)

        XCTAssertEqual(name, .idNumber(try IDNumber("033090001234", now: june2025)))
    }

    func test_nine_digits_are_a_cmnd() throws {
        let name = try Username("123456789", now: june2025)

        XCTAssertEqual(name, .idNumber(try IDNumber("123456789", now: june2025)))
    }

    func test_every_phone_spelling_is_a_phone() throws {
        let phone = try PhoneNumber("0912345678")

        for raw in ["0912345678", "84912345678", "+84912345678", "0084912345678", "840912345678", "+84 (0) 912 345 678"] {
            XCTAssertEqual(try Username(raw, now: june2025), .phone(phone), raw)
        }
    }

    func test_old_phone_number_gets_the_phone_hint() {
        let error = domainError { try Username("01693456789", now: june2025) }

        XCTAssertEqual(error?.code, "phone_old_format")
    }

    func test_id_number_with_a_letter_gets_the_id_error() {
        let error = domainError { try Username("03309000123A4", now: june2025) }

        XCTAssertEqual(error?.code, "id_invalid_character")
    }

    func test_other_digit_counts_are_refused() {
        let error = domainError { try Username("12345", now: june2025) }

        XCTAssertEqual(error?.code, "username_invalid")
    }

    func test_empty_username_is_required() {
        let error = domainError { try Username("  ", now: june2025) }

        XCTAssertEqual(error?.code, "required")
    }

    func testElevenDigitsThatAreNoPhoneSpellingGetTheIDOrPhoneMessage() {
        for raw in ["03312345678", "033 1234 5678", "12345678901"] {
            let error = domainError { try Username(raw, now: june2025) }
            XCTAssertEqual(error?.code, "username_invalid", raw)
            XCTAssertEqual(error?.vi, "Vui lòng nhập số định danh cá nhân (12 chữ số) hoặc số điện thoại di động (10 chữ số); đã nhập 11 chữ số.")
        }
        // The eleven-digit phone spellings keep their own answers.
        XCTAssertEqual(try? Username("84912345678", now: june2025), .phone(try! PhoneNumber("0912345678")))
        XCTAssertEqual(domainError { try Username("01662345678", now: june2025) }?.code, "phone_old_format")
        XCTAssertNotNil(domainError { try Username("02213856789", now: june2025) }, "a landline is refused as one")
        XCTAssertEqual(domainError { try Username("1234567890123", now: june2025) }?.code, "username_invalid")
    }
}
