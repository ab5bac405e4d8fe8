// Properties of dates of birth and the password rules: no input crashes them, valid dates round-trip through
// every written form, and personal numbers are found inside any password.
import Foundation
import PropertyBased
import Testing
@testable import Domain

@Suite struct DateOfBirthProperties {
    @Test func arbitrary_text_never_crashes_and_an_accepted_date_is_on_the_calendar_and_not_in_the_future() async {
        await propertyCheck(count: 3000, input: Arbitrary.text) { raw in
            guard let date = try? DateOfBirth(iso: raw, today: june2025) else { return }
            #expect(date.year >= 1900)
            #expect((1...12).contains(date.month))
            #expect(date.day >= 1 && date.day <= VietnamCalendar.daysIn(month: date.month, year: date.year))
            #expect((try? DateOfBirth(iso: date.iso, today: june2025)) == date)
        }
    }

    @Test func a_valid_date_round_trips_through_iso_and_day_first_forms() async {
        await propertyCheck(count: 2000, input: Arbitrary.date) { y, m, d in
            let date = try DateOfBirth(year: y, month: m, day: d, today: june2025)
            #expect((try? DateOfBirth(iso: date.iso, today: june2025)) == date)
            #expect((try? DateOfBirth(iso: date.display, today: june2025)) == date)
            #expect((try? DateOfBirth(iso: "\(d)/\(m)/\(y)", today: june2025)) == date)
            #expect((try? DateOfBirth(iso: "\(d).\(m).\(y)", today: june2025)) == date)
            #expect(date.passwordForms.allSatisfy { $0.allSatisfy(\.isASCIIDigit) && ($0.count == 8 || $0.count == 6) })
        }
    }
}

@Suite struct PasswordPolicyProperties {
    @Test func arbitrary_passwords_never_crash_and_length_limits_always_hold() async {
        await propertyCheck(count: 2000, input: Arbitrary.longText) { raw in
            let broken = PasswordPolicy.check(raw, idNumber: nil, phone: nil, dateOfBirth: nil)
            let length = raw.precomposedStringWithCanonicalMapping.count
            if length < PasswordPolicy.minLength { #expect(broken?.code == "too_short") }
            if length > PasswordPolicy.maxLength { #expect(broken?.code == "too_long") }
        }
    }

    @Test func a_password_holding_the_id_number_is_refused_whatever_surrounds_it() async {
        let words = Gen.letter.string(of: 0...12)
        await propertyCheck(count: 1000, input: Arbitrary.cccd, words, words) { digits, before, after in
            let id = try IDNumber(digits, now: june2025)
            #expect(PasswordPolicy.check(before + digits + after, idNumber: id, phone: nil, dateOfBirth: nil)?.code == "contains_id")
        }
    }

    @Test func a_password_holding_the_phone_in_any_form_is_refused() async {
        let words = Gen.letter.string(of: 1...12)
        await propertyCheck(count: 1000, input: Arbitrary.mobileNine, Gen.int(in: 0...3), words) { nine, form, word in
            let phone = try PhoneNumber("0" + nine)
            let inside = word + phone.allForms[form] + word
            #expect(PasswordPolicy.check(inside, idNumber: nil, phone: phone, dateOfBirth: nil)?.code == "contains_phone")
        }
    }
}
