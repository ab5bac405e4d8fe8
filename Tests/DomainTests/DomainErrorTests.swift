// Error values: stable codes that are all declared, NFC messages, and language choice.
import XCTest
@testable import Domain

final class DomainErrorTests: XCTestCase {
    private func sampleErrors() -> [DomainError] {
        [
            domainError { try IDNumber("", now: june2025) },
            domainError { try IDNumber("00A", now: june2025) },
            domainError { try IDNumber("0010", now: june2025) },
            domainError { try IDNumber("003090001234", now: june2025) },
            domainError { try IDNumber("001230001234", now: june2025) },
            domainError { try IDNumber.forNewAccount("123456789", allowCMND: false, now: june2025) },
            domainError { try PhoneNumber("09x") },
            domainError { try PhoneNumber("091") },
            domainError { try PhoneNumber("+33612345678") },
            domainError { try PhoneNumber("01693456789") },
            domainError { try PhoneNumber("02213856789") },
            domainError { try PersonName("A") },
            domainError { try PersonName(String(repeating: "a", count: 101)) },
            domainError { try PersonName("An 3") },
            domainError { try PersonName("An#") },
            domainError { try PersonName("--") },
            domainError { try DateOfBirth(iso: "x", today: june2025) },
            domainError { try DateOfBirth(iso: "1990-02-30", today: june2025) },
            domainError { try DateOfBirth(iso: "2030-01-01", today: june2025) },
            domainError { try DateOfBirth(iso: "1800-01-01", today: june2025) },
            domainError { try SMSText.make(String(repeating: "a", count: 161)) },
            domainError { try Username("12345", now: june2025) },
            UnitNameRule.hint(for: "Sở Tư pháp"),
        ].compactMap { $0 }
    }

    func test_every_error_code_produced_is_declared() {
        let errors = sampleErrors()

        XCTAssertEqual(errors.count, 23)
        for error in errors {
            XCTAssertTrue(DomainError.allCodes.contains(error.code), error.code)
        }
    }

    func test_every_message_is_nfc_and_not_empty() {
        for error in sampleErrors() {
            XCTAssertTrue(error.vi.isNFC && !error.vi.isEmpty, error.code)
            XCTAssertTrue(error.en.isNFC && !error.en.isEmpty, error.code)
        }
    }

    func test_vietnamese_messages_carry_diacritics() {
        let error = domainError { try PhoneNumber("0221 3856789") }

        XCTAssertTrue(error?.vi.contains("số máy bàn") ?? false)
    }

    func test_message_picks_english_only_when_asked() {
        let error = DomainError(code: "x", vi: "Lỗi", en: "Error")

        XCTAssertEqual(error.message(language: "en-GB"), "Error")
        XCTAssertEqual(error.message(language: "vi"), "Lỗi")
        XCTAssertEqual(error.message(language: ""), "Lỗi")
    }

    func test_codes_are_unique() {
        XCTAssertEqual(Set(DomainError.allCodes).count, DomainError.allCodes.count)
    }
}
