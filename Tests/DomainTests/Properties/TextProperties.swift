// Properties of the text rules: cleaning and folding are idempotent and keyboard-independent, names that pass
// carry no markup, and SMS texts are always GSM 7-bit.
import Foundation
import PropertyBased
import Testing
@testable import Domain

@Suite struct TextProperties {
    @Test func clean_is_idempotent_nfc_trimmed_and_single_spaced() async {
        await propertyCheck(count: 3000, input: Arbitrary.text) { raw in
            let once = Text.clean(raw)
            #expect(Text.clean(once) == once)
            #expect(once.isNFC)
            #expect(once.first?.isWhitespace != true && once.last?.isWhitespace != true)
            #expect(!once.contains("  "))
        }
    }

    @Test func fold_and_search_key_are_idempotent_and_ignore_the_keyboards_normal_form() async {
        await propertyCheck(count: 3000, input: Arbitrary.text) { raw in
            let key = Text.searchKey(raw)
            #expect(Text.searchKey(key) == key)
            #expect(Text.searchKey(raw.decomposedStringWithCanonicalMapping) == key)
            let folded = Text.fold(raw)
            #expect(Text.fold(folded) == folded)
            #expect(folded.isNFC)
        }
    }
}

@Suite struct PersonNameProperties {
    @Test func arbitrary_text_never_crashes_and_an_accepted_name_is_clean_and_bounded() async {
        await propertyCheck(count: 3000, input: Arbitrary.text) { raw in
            guard let name = try? PersonName(raw) else { return }
            #expect(name.value == Text.clean(raw))
            #expect((PersonName.minLength...PersonName.maxLength).contains(name.value.count))
            #expect((try? PersonName(name.value)) == name, "accepting is idempotent")
        }
    }

    @Test func no_name_with_markup_or_sql_syntax_is_accepted() async {
        let markup = Gen<String?>.element(of: ["<", ">", "\"", "&", ";", "=", "/", "(", ")", "{", "`", "\\", "%"]).map { $0! }
        await propertyCheck(count: 2000, input: Arbitrary.text, markup, Gen.int(in: 0...40)) { raw, bad, at in
            var chars = Array("Nguyễn Văn An " + raw)
            chars.insert(contentsOf: Array(bad), at: min(at, chars.count))
            #expect(throws: DomainError.self) { try PersonName(String(chars)) }
        }
    }
}

@Suite struct SMSTextProperties {
    @Test func folded_text_is_always_gsm7_and_folding_again_changes_nothing() async {
        await propertyCheck(count: 3000, input: Arbitrary.text) { raw in
            let folded = SMSText.fold(raw)
            #expect(SMSText.isGSM7(folded))
            #expect(SMSText.fold(folded) == folded)
        }
    }

    @Test func make_either_fits_one_message_or_says_it_is_too_long() async {
        await propertyCheck(count: 2000, input: Arbitrary.longText) { raw in
            do {
                let text = try SMSText.make(raw)
                #expect(SMSText.septets(text) <= SMSText.maxSeptets)
            } catch {
                #expect((error as? DomainError)?.code == "sms_too_long")
            }
        }
    }
}
