// Dates of birth: both typed forms, real calendar dates, the 1900–today range, and derived forms.
import XCTest
@testable import Domain

final class DateOfBirthTests: XCTestCase {
    func test_iso_form_is_accepted() throws {
        let dob = try DateOfBirth(iso: "1990-05-17", today: june2025)

        XCTAssertEqual([dob.year, dob.month, dob.day], [1990, 5, 17])
    }

    func test_day_first_form_is_accepted() throws {
        let dob = try DateOfBirth(iso: "17/05/1990", today: june2025)

        XCTAssertEqual(dob.iso, "1990-05-17")
    }

    func test_day_first_form_without_leading_zeros_is_accepted() throws {
        let dob = try DateOfBirth(iso: "7/5/1990", today: june2025)

        XCTAssertEqual(dob.iso, "1990-05-07")
    }

    func test_unknown_forms_are_refused() {
        for raw in ["1990/05/17", "17-05-90", "1990-5-17", "17 tháng 5 1990", "19900517", "abc"] {
            let error = domainError { try DateOfBirth(iso: raw, today: june2025) }

            XCTAssertEqual(error?.code, "date_format", raw)
        }
    }

    func test_empty_date_is_required() {
        let error = domainError { try DateOfBirth(iso: " ", today: june2025) }

        XCTAssertEqual(error?.code, "required")
    }

    func test_february_30_is_refused() {
        let error = domainError { try DateOfBirth(iso: "1990-02-30", today: june2025) }

        XCTAssertEqual(error?.code, "date_invalid")
    }

    func test_february_29_of_a_leap_year_is_accepted() throws {
        let dob = try DateOfBirth(iso: "29/02/2000", today: june2025)

        XCTAssertEqual(dob.iso, "2000-02-29")
    }

    func test_february_29_of_a_common_year_is_refused() {
        let error = domainError { try DateOfBirth(iso: "1900-02-29", today: june2025) }

        XCTAssertEqual(error?.code, "date_invalid")
    }

    func test_month_13_and_day_0_are_refused() {
        for raw in ["1990-13-01", "1990-00-10", "1990-04-31", "00/05/1990"] {
            let error = domainError { try DateOfBirth(iso: raw, today: june2025) }

            XCTAssertEqual(error?.code, "date_invalid", raw)
        }
    }

    func test_future_date_is_refused() {
        let error = domainError { try DateOfBirth(iso: "2025-06-02", today: june2025) }

        XCTAssertEqual(error?.code, "date_in_future")
        XCTAssertTrue(error?.vi.contains("02/06/2025") ?? false)
    }

    func test_today_is_accepted() throws {
        let dob = try DateOfBirth(iso: "2025-06-01", today: june2025)

        XCTAssertEqual(dob.display, "01/06/2025")
    }

    func test_today_is_the_date_in_vietnam() throws {
        // 20:00 UTC on 1 June is already 03:00 on 2 June in Vietnam.
        let lateUTC = Date(timeIntervalSince1970: 1_748_808_000)

        let dob = try DateOfBirth(iso: "2025-06-02", today: lateUTC)

        XCTAssertEqual(dob.day, 2)
    }

    func test_before_1900_is_refused() {
        let error = domainError { try DateOfBirth(iso: "1899-12-31", today: june2025) }

        XCTAssertEqual(error?.code, "date_before_1900")
    }

    func test_first_of_january_1900_is_accepted() throws {
        let dob = try DateOfBirth(iso: "1900-01-01", today: june2025)

        XCTAssertEqual(dob.year, 1900)
    }

    func test_iso_and_display_are_zero_padded() throws {
        let dob = try DateOfBirth(year: 1990, month: 5, day: 7, today: june2025)

        XCTAssertEqual(dob.iso, "1990-05-07")
        XCTAssertEqual(dob.display, "07/05/1990")
    }

    func test_password_forms_are_ddmmyyyy_yyyymmdd_ddmmyy() throws {
        let dob = try DateOfBirth(iso: "1990-05-17", today: june2025)

        XCTAssertEqual(dob.passwordForms, ["17051990", "19900517", "170590"])
    }

    func test_dates_order_chronologically() throws {
        let earlier = try DateOfBirth(iso: "1990-12-31", today: june2025)
        let later = try DateOfBirth(iso: "1991-01-01", today: june2025)

        XCTAssertLessThan(earlier, later)
    }

    func test_both_forms_give_equal_dates() throws {
        let a = try DateOfBirth(iso: "1990-05-17", today: june2025)
        let b = try DateOfBirth(iso: "17/05/1990", today: june2025)

        XCTAssertEqual(a, b)
    }
}
