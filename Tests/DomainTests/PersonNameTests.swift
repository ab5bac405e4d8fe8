// Full names: NFC at the edge, allowed characters, length, upper-case printing.
import XCTest
@testable import Domain

final class PersonNameTests: XCTestCase {
    func test_decomposed_input_equals_composed_input() throws {
        let composed = "Nguyễn Thị Hồng Nhung"
        let decomposed = composed.decomposedStringWithCanonicalMapping

        let a = try PersonName(composed)
        let b = try PersonName(decomposed)

        XCTAssertNotEqual(Array(composed.unicodeScalars), Array(decomposed.unicodeScalars))
        XCTAssertEqual(a, b)
        XCTAssertEqual(Array(b.value.unicodeScalars), Array(composed.unicodeScalars))
    }

    func test_spaces_are_trimmed_and_collapsed() throws {
        let name = try PersonName("  Trần   Văn\tAn  ")

        XCTAssertEqual(name.value, "Trần Văn An")
    }

    func test_two_characters_are_enough() throws {
        let name = try PersonName("Lê")

        XCTAssertEqual(name.value, "Lê")
    }

    func test_one_character_is_too_short() {
        let error = domainError { try PersonName(" A ") }

        XCTAssertEqual(error?.code, "name_too_short")
    }

    func test_hundred_characters_are_accepted() throws {
        let raw = String(repeating: "Đức ", count: 24) + "Hạnh"

        let name = try PersonName(raw)

        XCTAssertEqual(name.value.count, 100)
    }

    func test_more_than_hundred_characters_are_too_long() {
        let raw = String(repeating: "Đức ", count: 24) + "Hạnhh"

        let error = domainError { try PersonName(raw) }

        XCTAssertEqual(error?.code, "name_too_long")
        XCTAssertTrue(error?.en.contains("101") ?? false)
    }

    func test_empty_name_is_required() {
        let error = domainError { try PersonName("   ") }

        XCTAssertEqual(error?.code, "required")
    }

    func test_digits_are_refused() {
        let error = domainError { try PersonName("Nguyễn Văn 2") }

        XCTAssertEqual(error?.code, "name_digits")
        XCTAssertTrue(error?.vi.contains("“2”") ?? false)
    }

    func test_symbols_are_refused_naming_the_symbol() {
        let error = domainError { try PersonName("Nguyễn@Văn An") }

        XCTAssertEqual(error?.code, "name_invalid_character")
        XCTAssertTrue(error?.vi.contains("“@”") ?? false)
        XCTAssertTrue(error?.en.contains("“@”") ?? false)
    }

    func test_dot_is_refused() {
        let error = domainError { try PersonName("Nguyễn V. An") }

        XCTAssertEqual(error?.code, "name_invalid_character")
    }

    func test_punctuation_alone_is_not_a_name() {
        let error = domainError { try PersonName("'-'") }

        XCTAssertEqual(error?.code, "name_no_letter")
    }

    func test_apostrophes_and_hyphens_are_accepted() throws {
        for raw in ["H'Hen Niê", "H’Hen Niê", "Jean-Pierre O'Neil", "Y-Moan Ê Nuôl"] {
            let name = try PersonName(raw)

            XCTAssertEqual(name.value, raw)
        }
    }

    func test_letters_of_other_scripts_are_accepted() throws {
        for raw in ["王小明", "Иван Петров", "김민준", "สมชาย ใจดี", "ສົມສັກ ແກ້ວ", "प्रिया शर्मा", "Ελένη Παπαδοπούλου", "محمد علي"] {
            let name = try PersonName(raw)

            XCTAssertEqual(name.value, raw)
        }
    }

    func test_upper_case_is_vietnamese_correct() throws {
        let name = try PersonName("nguyễn văn đức")

        XCTAssertEqual(name.upper, "NGUYỄN VĂN ĐỨC")
        XCTAssertTrue(name.upper.isNFC)
    }

    func test_upper_case_of_decomposed_input_is_composed() throws {
        let name = try PersonName("phạm thị ộ".decomposedStringWithCanonicalMapping)

        XCTAssertEqual(Array(name.upper.unicodeScalars), Array("PHẠM THỊ Ộ".unicodeScalars))
    }
}
