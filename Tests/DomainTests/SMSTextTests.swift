// SMS texts: Vietnamese without diacritics, the GSM 7-bit alphabet, and the 160-septet limit.
import XCTest
@testable import Domain

final class SMSTextTests: XCTestCase {
    func test_fold_removes_vietnamese_diacritics() {
        let folded = SMSText.fold("Mã xác thực của bạn là 123456. Đừng chia sẻ")

        XCTAssertEqual(folded, "Ma xac thuc cua ban la 123456. Dung chia se")
    }

    func test_fold_maps_d_with_stroke_by_hand() {
        XCTAssertEqual(SMSText.fold("Đà Nẵng, đường"), "Da Nang, duong")
    }

    func test_fold_handles_decomposed_input() {
        XCTAssertEqual(SMSText.fold("Hưng Yên".decomposedStringWithCanonicalMapping), "Hung Yen")
    }

    func test_fold_maps_typography_to_ascii() {
        XCTAssertEqual(SMSText.fold("“Cổng” – dịch vụ…"), "\"Cong\" - dich vu...")
    }

    func test_fold_drops_characters_with_no_close_ascii() {
        XCTAssertEqual(SMSText.fold("Mã 王 123"), "Ma  123")
    }

    func test_fold_of_any_vietnamese_text_is_gsm7() {
        let text = "Tài khoản: 001090001234 Mật khẩu: Ab3xYz9kQp — Cổng Dịch vụ công tỉnh Hưng Yên; ỹ Ỷ ự Ự ậ Ậ"

        XCTAssertTrue(SMSText.isGSM7(SMSText.fold(text)))
    }

    func test_is_gsm7_refuses_diacritics_outside_the_alphabet() {
        XCTAssertFalse(SMSText.isGSM7("Mã"))
        XCTAssertTrue(SMSText.isGSM7("Ma {code} €"))
    }

    func test_make_accepts_160_characters() throws {
        let text = try SMSText.make(String(repeating: "a", count: 160))

        XCTAssertEqual(text.count, 160)
    }

    func test_make_refuses_161_characters() {
        let error = domainError { try SMSText.make(String(repeating: "ă", count: 161)) }

        XCTAssertEqual(error?.code, "sms_too_long")
        XCTAssertTrue(error?.en.contains("161") ?? false)
    }

    func test_extension_characters_count_two() throws {
        let fits = try SMSText.make(String(repeating: "{", count: 80))
        let error = domainError { try SMSText.make(String(repeating: "[", count: 80) + "a") }

        XCTAssertEqual(SMSText.septets(fits), 160)
        XCTAssertEqual(error?.code, "sms_too_long")
    }

    func test_password_text_keeps_its_shape() throws {
        let text = try SMSText.make("Tài khoản: 001090001234 Mật khẩu: Ab3xYz9kQp")

        XCTAssertEqual(text, "Tai khoan: 001090001234 Mat khau: Ab3xYz9kQp")
    }
}
