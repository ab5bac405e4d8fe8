// Properties of the ID-number and phone-number rules: no input crashes them, and every accepted spelling of a
// valid value normalises to the one stored form.
import Foundation
import PropertyBased
import Testing
@testable import Domain

@Suite struct IDNumberProperties {
    @Test func arbitrary_text_is_parsed_or_refused_with_a_domain_error_never_a_crash() async {
        await propertyCheck(count: 3000, input: Arbitrary.text) { raw in
            if let id = try? IDNumber(raw, now: june2025) {
                #expect(id.digits.count == 12 || id.digits.count == 9)
                #expect(id.digits.allSatisfy { $0.isASCII && $0.isNumber })
            }
        }
    }

    @Test func a_valid_number_with_separators_or_full_width_digits_gives_the_same_digits() async {
        await propertyCheck(count: 1000, input: Arbitrary.cccd, Gen<String?>.element(of: Arbitrary.separators).map { $0! }, Gen.bool) { digits, sep, wide in
            let spelled = Array(digits).map { ch in
                wide ? String(Unicode.Scalar(ch.unicodeScalars.first!.value - 0x30 + 0xFF10)!) : String(ch)
            }.joined(separator: sep)
            let id = try IDNumber(" " + spelled + " ", now: june2025)
            #expect(id.digits == digits)
            #expect(id.kind == .cccd)
            #expect((try? IDNumber(id.digits, now: june2025)) == id, "normalising twice changes nothing")
        }
    }

    @Test func the_encoded_birth_year_is_decoded_back() async {
        await propertyCheck(count: 1000, input: Arbitrary.cccd) { digits in
            let id = try IDNumber(digits, now: june2025)
            let year = try #require(id.birthYear)
            #expect((1900...2025).contains(year))
            #expect(String(year).suffix(2) == digits.dropFirst(4).prefix(2))
        }
    }

    @Test func the_masked_form_shows_only_the_first_four_and_last_two_digits() async {
        await propertyCheck(count: 1000, input: Arbitrary.cccd) { digits in
            let masked = try IDNumber(digits, now: june2025).masked
            #expect(masked.count == 12)
            #expect(masked.prefix(4) == digits.prefix(4))
            #expect(masked.suffix(2) == digits.suffix(2))
            #expect(masked.dropFirst(4).dropLast(2).allSatisfy { $0 == "*" })
        }
    }
}

@Suite struct PhoneNumberProperties {
    @Test func arbitrary_text_is_parsed_or_refused_never_a_crash_and_what_passes_is_a_vietnamese_mobile() async {
        await propertyCheck(count: 3000, input: Arbitrary.text) { raw in
            if let phone = try? PhoneNumber(raw) {
                #expect(phone.e164.hasPrefix("+84"))
                #expect(phone.e164.count == 12)
                #expect(PhoneNumber.isMobilePrefix(phone.national))
            }
        }
    }

    @Test func every_accepted_spelling_of_a_number_normalises_to_the_same_e164() async {
        let seps = Gen<String?>.element(of: Arbitrary.separators).map { $0! }.array(of: 1...4)
        await propertyCheck(count: 2000, input: Arbitrary.mobileNine, Gen.int(in: 0...4), seps, Gen.bool) { nine, form, separators, wide in
            let raw = Arbitrary.spell(nine, form: form, separators: separators, fullWidth: wide)
            let phone = try PhoneNumber(raw)
            #expect(phone.e164 == "+84" + nine, "\(raw)")
            #expect((try? PhoneNumber(phone.e164)) == phone)
            #expect((try? PhoneNumber(phone.national)) == phone)
            #expect(phone.allForms.prefix(3).allSatisfy { (try? PhoneNumber($0)) == phone }, "national, 84… and +84…")
        }
    }

    @Test func the_masked_form_shows_three_digits_at_each_end_and_nothing_between() async {
        await propertyCheck(count: 1000, input: Arbitrary.mobileNine) { nine in
            let phone = try PhoneNumber("0" + nine)
            let masked = phone.masked
            #expect(masked == String(phone.national.prefix(3)) + "****" + String(phone.national.suffix(3)))
            #expect(masked.filter(\.isNumber).count == 6, "four digits stay hidden")
        }
    }

    @Test func usernames_from_arbitrary_text_never_crash() async {
        await propertyCheck(count: 3000, input: Arbitrary.text) { raw in
            if let username = try? Username(raw, now: june2025) {
                switch username {
                case let .idNumber(id): #expect(!id.digits.isEmpty)
                case let .phone(phone): #expect(phone.e164.hasPrefix("+84"))
                }
            }
        }
    }
}
