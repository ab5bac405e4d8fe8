// Temporary passwords and one-time codes: shape, alphabet, policy, and padding.
import XCTest
@testable import Domain

final class RandomCodesTests: XCTestCase {
    func test_alphabet_has_no_look_alikes() {
        for lookAlike in "0Oo1lIi" {
            XCTAssertFalse(TemporaryPassword.alphabet.contains(lookAlike), String(lookAlike))
        }
    }

    func test_alphabet_is_gsm_safe_letters_and_digits() {
        let alphabet = String(TemporaryPassword.alphabet)

        XCTAssertTrue(SMSText.isGSM7(alphabet))
        XCTAssertTrue(TemporaryPassword.alphabet.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) })
        XCTAssertEqual(Set(TemporaryPassword.alphabet).count, TemporaryPassword.alphabet.count)
    }

    func test_thousand_temporary_passwords_are_10_chars_from_the_alphabet_and_pass_the_policy() {
        let alphabet = Set(TemporaryPassword.alphabet)

        let passwords = (0..<1_000).map { _ in TemporaryPassword.generate() }

        for password in passwords {
            XCTAssertEqual(password.count, 10, password)
            XCTAssertTrue(password.allSatisfy(alphabet.contains), password)
            XCTAssertNil(PasswordPolicy.check(password, idNumber: nil, phone: nil, dateOfBirth: nil), password)
        }
        XCTAssertEqual(Set(passwords).count, passwords.count)
    }

    func test_temporary_password_is_drawn_again_when_it_breaks_the_policy() {
        var rng = LowThenSeededGenerator(ones: 10)

        let password = TemporaryPassword.generate(using: &rng)

        XCTAssertNotEqual(password, "2222222222")
        XCTAssertNil(PasswordPolicy.check(password, idNumber: nil, phone: nil, dateOfBirth: nil))
    }

    func test_seeded_generator_gives_repeatable_passwords() {
        var a = SeededGenerator(state: 7)
        var b = SeededGenerator(state: 7)

        XCTAssertEqual(TemporaryPassword.generate(using: &a), TemporaryPassword.generate(using: &b))
    }

    func test_otp_codes_are_always_six_digits() {
        for _ in 0..<1_000 {
            let otp = OTPCode.generate()

            XCTAssertEqual(otp.count, 6, otp)
            XCTAssertTrue(otp.allSatisfy { $0.isASCII && $0.isNumber }, otp)
        }
    }

    func test_otp_code_keeps_leading_zeros() {
        var rng = LowThenSeededGenerator(ones: 1)

        let otp = OTPCode.generate(using: &rng)

        XCTAssertEqual(otp, "000000")
    }

    func test_otp_digits_are_spread_evenly() {
        var rng = SeededGenerator(state: 2025)
        var counts = [Int](repeating: 0, count: 10)

        for _ in 0..<10_000 {
            for ch in OTPCode.generate(using: &rng) { counts[Int(String(ch))!] += 1 }
        }

        // 6,000 draws per digit expected; ±10% is far outside what chance produces at this size.
        XCTAssertTrue(counts.allSatisfy { (5_400...6_600).contains($0) }, "\(counts)")
    }
}
