// CCCD/CMND parsing, decoding and cross-checks, with the cases of domain-rules.md.
import XCTest
@testable import Domain

final class IDNumberTests: XCTestCase {
    func test_cccd_decodes_1900s_male() throws {
        let id = try IDNumber("001090001234", now: june2025)

        XCTAssertEqual(id.kind, .cccd)
        XCTAssertEqual(id.birthYear, 1990)
        XCTAssertEqual(id.isFemale, false)
    }

    func test_cccd_decodes_1900s_female() throws {
        let id = try IDNumber("001190001234", now: june2025)

        XCTAssertEqual(id.birthYear, 1990)
        XCTAssertEqual(id.isFemale, true)
    }

    func test_cccd_decodes_2000s_male() throws {
        let id = try IDNumber("079205001234", now: june2025)

        XCTAssertEqual(id.birthYear, 2005)
        XCTAssertEqual(id.isFemale, false)
    }

    func test_cccd_decodes_2000s_female() throws {
        let id = try IDNumber("079300001234", now: june2025)

        XCTAssertEqual(id.birthYear, 2000)
        XCTAssertEqual(id.isFemale, true)
    }

    func test_cccd_decodes_province_from_old_63_table() throws {
        let hungYen = try IDNumber("033090001234", now: june2025)
        let hcm = try IDNumber("079090001234", now: june2025)

        XCTAssertEqual(hungYen.provinceCode, "033")
        XCTAssertEqual(hungYen.provinceName, "Hưng Yên")
        XCTAssertEqual(hcm.provinceName, "TP Hồ Chí Minh")
        XCTAssertFalse(hcm.isRegisteredAbroad)
    }

    func test_every_code_of_the_province_table_is_accepted() {
        let codes = Provinces.names.keys

        let refused = codes.filter { code in domainError { try IDNumber(code + "090001234", now: june2025) } != nil }

        XCTAssertEqual(codes.count, 63)
        XCTAssertEqual(refused, [])
    }

    func test_country_codes_101_to_295_mean_registered_abroad() throws {
        let low = try IDNumber("101090001234", now: june2025)
        let high = try IDNumber("295090001234", now: june2025)

        XCTAssertEqual(low.provinceName, "nước ngoài")
        XCTAssertEqual(low.provinceNameEnglish, "abroad")
        XCTAssertTrue(high.isRegisteredAbroad)
    }

    func test_unknown_province_code_is_refused() {
        for code in ["000", "003", "097", "100", "296", "999"] {
            let error = domainError { try IDNumber(code + "090001234", now: june2025) }

            XCTAssertEqual(error?.code, "id_unknown_province", code)
            XCTAssertTrue(error?.vi.contains(code) ?? false, code)
        }
    }

    func test_birth_year_in_the_future_is_refused() {
        let error = domainError { try IDNumber("001230001234", now: june2025) }

        XCTAssertEqual(error?.code, "id_birth_year_in_future")
        XCTAssertTrue(error?.vi.contains("2030") ?? false)
        XCTAssertTrue(error?.en.contains("2030") ?? false)
    }

    func test_century_digit_of_2100s_is_refused_as_future() {
        let error = domainError { try IDNumber("001400001234", now: june2025) }

        XCTAssertEqual(error?.code, "id_birth_year_in_future")
        XCTAssertTrue(error?.en.contains("2100") ?? false)
    }

    func test_birth_year_of_the_current_year_is_accepted() throws {
        let id = try IDNumber("001225001234", now: june2025)

        XCTAssertEqual(id.birthYear, 2025)
    }

    func test_full_width_digits_are_converted() throws {
        let id = try IDNumber("００１０９０００１２３４", now: june2025)

        XCTAssertEqual(id.digits, "001090001234")
    }

    func test_spaces_dots_and_dashes_are_stripped() throws {
        let id = try IDNumber(" 001.090-001 234 ", now: june2025)

        XCTAssertEqual(id.digits, "001090001234")
    }

    func test_same_number_typed_differently_is_equal() throws {
        let a = try IDNumber("001090001234", now: june2025)
        let b = try IDNumber("001 090 001 234", now: june2025)

        XCTAssertEqual(a, b)
        XCTAssertEqual(Set([a, b]).count, 1)
    }

    func test_letters_are_refused_naming_the_letter() {
        let error = domainError { try IDNumber("00109000123A", now: june2025) }

        XCTAssertEqual(error?.code, "id_invalid_character")
        XCTAssertTrue(error?.vi.contains("“A”") ?? false)
        XCTAssertTrue(error?.en.contains("“A”") ?? false)
    }

    func test_letter_O_is_refused_with_a_hint_about_zero() {
        let error = domainError { try IDNumber("OO1090001234", now: june2025) }

        XCTAssertEqual(error?.code, "id_invalid_character")
        XCTAssertTrue(error?.vi.contains("số 0") ?? false)
        XCTAssertTrue(error?.en.contains("zero") ?? false)
    }

    func test_other_symbols_are_refused() {
        let error = domainError { try IDNumber("001090/001234", now: june2025) }

        XCTAssertEqual(error?.code, "id_invalid_character")
        XCTAssertTrue(error?.vi.contains("“/”") ?? false)
    }

    func test_wrong_number_of_digits_is_refused_with_the_count() {
        for raw in ["00109000123", "0010900012345", "12345678", "1234567890"] {
            let error = domainError { try IDNumber(raw, now: june2025) }

            XCTAssertEqual(error?.code, "id_wrong_length", raw)
            XCTAssertTrue(error?.en.contains("this one has \(raw.count)") ?? false, raw)
        }
    }

    func test_empty_input_is_required() {
        let error = domainError { try IDNumber("  ", now: june2025) }

        XCTAssertEqual(error?.code, "required")
    }

    func test_cmnd_is_accepted_by_init_as_an_identifier() throws {
        let id = try IDNumber("123 456 789")

        XCTAssertEqual(id.kind, .cmnd)
        XCTAssertEqual(id.digits, "123456789")
        XCTAssertNil(id.provinceCode)
        XCTAssertNil(id.provinceName)
        XCTAssertNil(id.isFemale)
        XCTAssertNil(id.birthYear)
    }

    func test_cmnd_is_refused_for_new_account_saying_why() {
        let error = domainError { try IDNumber.forNewAccount("123456789", allowCMND: false, now: june2025) }

        XCTAssertEqual(error?.code, "id_cmnd_not_accepted")
        XCTAssertTrue(error?.vi.contains("31/12/2024") ?? false)
        XCTAssertTrue(error?.en.contains("31 December 2024") ?? false)
    }

    func test_cmnd_is_accepted_for_new_account_when_allowed() throws {
        let id = try IDNumber.forNewAccount("123456789", allowCMND: true, now: june2025)

        XCTAssertEqual(id.kind, .cmnd)
    }

    func test_cccd_is_accepted_for_new_account() throws {
        let id = try IDNumber.forNewAccount("001090001234", allowCMND: false, now: june2025)

        XCTAssertEqual(id.kind, .cccd)
    }

    func test_for_new_account_still_validates_the_number() {
        let error = domainError { try IDNumber.forNewAccount("003090001234", allowCMND: false, now: june2025) }

        XCTAssertEqual(error?.code, "id_unknown_province")
    }

    func test_matching_date_of_birth_passes_the_cross_check() throws {
        let id = try IDNumber("001090001234", now: june2025)
        let dob = try DateOfBirth(iso: "1990-05-17", today: june2025)

        XCTAssertNil(domainError { try id.check(dateOfBirth: dob) })
    }

    func test_date_of_birth_mismatch_names_the_implied_year() throws {
        let id = try IDNumber("001090001234", now: june2025)
        let dob = try DateOfBirth(iso: "1991-05-17", today: june2025)

        let error = domainError { try id.check(dateOfBirth: dob) }

        XCTAssertEqual(error?.code, "dob_mismatch_id")
        XCTAssertTrue(error?.vi.contains("năm sinh 1990") ?? false)
        XCTAssertTrue(error?.en.contains("1990") ?? false)
        XCTAssertTrue(error?.en.contains("1991") ?? false)
    }

    func test_cmnd_has_no_year_to_cross_check() throws {
        let id = try IDNumber("123456789")
        let dob = try DateOfBirth(iso: "1960-01-01", today: june2025)

        XCTAssertNil(domainError { try id.check(dateOfBirth: dob) })
    }

    func test_cccd_mask_shows_first_four_and_last_two() throws {
        let id = try IDNumber("033090001234", now: june2025)

        XCTAssertEqual(id.masked, "0330******34")
    }

    func test_cmnd_mask_shows_first_three_and_last_two() throws {
        let id = try IDNumber("123456789")

        XCTAssertEqual(id.masked, "123****89")
    }

    func testWhereACMNDCannotMakeAnAccountTheWrongLengthMessageDoesNotOfferIt() {
        let refused = domainError { try IDNumber.forNewAccount("0330801234", allowCMND: false) }
        XCTAssertEqual(refused?.code, "id_wrong_length")
        XCTAssertEqual(refused?.vi, "Số định danh cá nhân (CCCD) có 12 chữ số; số đã nhập có 10 chữ số.")
        let offered = domainError { try IDNumber.forNewAccount("0330801234", allowCMND: true) }
        XCTAssertTrue(offered?.vi.contains("CMND cũ có 9") == true)
        XCTAssertEqual(domainError { try IDNumber.forNewAccount("033080123", allowCMND: false) }?.code, "id_cmnd_not_accepted")
    }
}
