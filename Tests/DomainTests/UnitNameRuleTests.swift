// The one-stop unit rule and its rename hints, with the names of domain-rules.md.
import XCTest
@testable import Domain

final class UnitNameRuleTests: XCTestCase {
    static let centre = "Trung tâm Phục vụ hành chính công và Kiểm soát thủ tục hành chính"
    static let communeDesk = "BỘ PHẬN MỘT CỬA XÃ Tân Hưng"

    func test_the_guides_centre_is_one_stop() {
        XCTAssertTrue(UnitNameRule.isOneStop(Self.centre))
        XCTAssertNil(UnitNameRule.hint(for: Self.centre))
    }

    func test_upper_case_commune_desk_is_one_stop() {
        XCTAssertTrue(UnitNameRule.isOneStop(Self.communeDesk))
        XCTAssertNil(UnitNameRule.hint(for: Self.communeDesk))
    }

    func test_decomposed_names_are_one_stop() {
        let centre = Self.centre.decomposedStringWithCanonicalMapping
        let desk = Self.communeDesk.decomposedStringWithCanonicalMapping

        XCTAssertNotEqual(Array(desk.unicodeScalars), Array(Self.communeDesk.unicodeScalars))
        XCTAssertTrue(UnitNameRule.isOneStop(centre))
        XCTAssertTrue(UnitNameRule.isOneStop(desk))
    }

    func test_extra_spaces_do_not_break_the_rule() {
        XCTAssertTrue(UnitNameRule.isOneStop("Bộ  phận\tmột cửa huyện Văn Lâm"))
    }

    func test_bo_phan_1_cua_fails_with_a_rename_hint() {
        let name = "Bộ phận 1 cửa xã An Lạc"

        let hint = UnitNameRule.hint(for: name)

        XCTAssertFalse(UnitNameRule.isOneStop(name))
        XCTAssertEqual(hint?.code, "unit_not_one_stop")
        XCTAssertTrue(hint?.vi.contains("“Bộ phận 1 cửa xã An Lạc”") ?? false)
        XCTAssertTrue(hint?.vi.contains("“Bộ phận Một cửa xã An Lạc”") ?? false)
        XCTAssertTrue(hint?.en.contains("rename the unit to “Bộ phận Một cửa xã An Lạc”") ?? false)
    }

    func test_tiep_nhan_va_tra_ket_qua_fails_with_a_rename_hint() {
        let name = "Bộ phận tiếp nhận và trả kết quả"

        let hint = UnitNameRule.hint(for: name)

        XCTAssertFalse(UnitNameRule.isOneStop(name))
        XCTAssertEqual(hint?.code, "unit_not_one_stop")
        XCTAssertTrue(hint?.vi.contains("“Bộ phận tiếp nhận và trả kết quả”") ?? false)
        XCTAssertEqual(UnitNameRule.suggestion(for: name), "Bộ phận Một cửa")
    }

    func test_hint_states_the_rule() {
        let hint = UnitNameRule.hint(for: "Phòng Tư pháp")

        XCTAssertTrue(hint?.vi.contains("Trung tâm Phục vụ hành chính công") ?? false)
        XCTAssertTrue(hint?.vi.contains("Bộ phận Một cửa") ?? false)
        XCTAssertTrue(hint?.en.contains("“Phòng Tư pháp”") ?? false)
    }

    func test_unrelated_unit_gets_no_rename_suggestion() {
        let hint = UnitNameRule.hint(for: "Sở Tư pháp")

        XCTAssertNotNil(hint)
        XCTAssertNil(UnitNameRule.suggestion(for: "Sở Tư pháp"))
        XCTAssertFalse(hint?.en.contains("rename") ?? true)
    }

    func test_suggestion_keeps_the_rest_of_the_name() {
        let suggestion = UnitNameRule.suggestion(for: "Bộ phận tiếp nhận và trả kết quả huyện Văn Lâm")

        XCTAssertEqual(suggestion, "Bộ phận Một cửa huyện Văn Lâm")
    }

    func test_suggestion_keeps_upper_case_names_upper_case() {
        let suggestion = UnitNameRule.suggestion(for: "BỘ PHẬN 1 CỬA XÃ AN LẠC")

        XCTAssertEqual(suggestion, "BỘ PHẬN MỘT CỬA XÃ AN LẠC")
    }

    func test_mot_cua_written_otherwise_gets_a_suggestion() {
        let cases = [
            "Bộ phận một-cửa xã Tân Hưng": "Bộ phận Một cửa xã Tân Hưng",
            "Bo phan mot cua xa Tan Hung": "Bộ phận Một cửa xa Tan Hung",
            "Phòng 1 cửa UBND xã Tân Hưng": "Bộ phận Một cửa UBND xã Tân Hưng",
            "UBND xã Tân Hưng - một cửa": "UBND xã Tân Hưng - Bộ phận Một cửa",
        ]
        for (name, expected) in cases {
            XCTAssertEqual(UnitNameRule.suggestion(for: name), expected, name)
            XCTAssertTrue(UnitNameRule.hint(for: name)?.vi.contains(expected) ?? false, name)
        }
    }

    func test_every_suggestion_passes_the_rule() {
        for name in ["Bộ phận 1 cửa xã An Lạc", "Bộ phận tiếp nhận và trả kết quả", "Tổ một cửa phường 3"] {
            let suggestion = UnitNameRule.suggestion(for: name)

            XCTAssertTrue(suggestion.map(UnitNameRule.isOneStop) ?? false, name)
        }
    }

    func test_decomposed_bo_phan_1_cua_still_gets_the_hint() {
        let name = "Bộ phận 1 cửa xã An Lạc".decomposedStringWithCanonicalMapping

        let hint = UnitNameRule.hint(for: name)

        XCTAssertTrue(hint?.vi.contains("“Bộ phận Một cửa xã An Lạc”") ?? false)
        XCTAssertTrue(hint?.vi.isNFC ?? false)
    }
}
