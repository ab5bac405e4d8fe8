// Normalisation at the edge: cleaning, case folding that keeps diacritics, and search keys.
import XCTest
@testable import Domain

final class TextTests: XCTestCase {
    func test_clean_composes_decomposed_text() {
        let decomposed = "Hưng Yên".decomposedStringWithCanonicalMapping

        let cleaned = Text.clean(decomposed)

        XCTAssertEqual(Array(cleaned.unicodeScalars), Array("Hưng Yên".unicodeScalars))
    }

    func test_clean_trims_and_collapses_whitespace() {
        let cleaned = Text.clean(" \t Xã\u{00A0}\u{00A0}Tân   Hưng \n")

        XCTAssertEqual(cleaned, "Xã Tân Hưng")
    }

    func test_fold_matches_upper_and_lower_case_vietnamese() {
        XCTAssertEqual(Text.fold("ĐỘ"), Text.fold("độ"))
        XCTAssertEqual(Text.fold("ĐỘ"), "độ")
    }

    func test_fold_matches_decomposed_and_composed_text() {
        let decomposed = "BỘ PHẬN".decomposedStringWithCanonicalMapping

        XCTAssertEqual(Array(Text.fold(decomposed).unicodeScalars), Array("bộ phận".unicodeScalars))
    }

    func test_fold_keeps_diacritics() {
        XCTAssertNotEqual(Text.fold("Hà"), Text.fold("Hạ"))
        XCTAssertNotEqual(Text.fold("Hà"), Text.fold("Ha"))
    }

    func test_search_key_unifies_tone_placement_of_oa() {
        XCTAssertEqual(Text.searchKey("hòa"), Text.searchKey("hoà"))
    }

    func test_search_key_unifies_tone_placement_of_uy() {
        XCTAssertEqual(Text.searchKey("thúy"), Text.searchKey("thuý"))
        XCTAssertEqual(Text.searchKey("Thủy"), Text.searchKey("thuỷ"))
    }

    func test_search_key_unifies_tone_placement_of_oe() {
        XCTAssertEqual(Text.searchKey("khỏe"), Text.searchKey("khoẻ"))
    }

    func test_search_key_keeps_different_tones_apart() {
        XCTAssertNotEqual(Text.searchKey("hòa"), Text.searchKey("hóa"))
        XCTAssertNotEqual(Text.searchKey("hoà"), Text.searchKey("hoá"))
    }

    func test_search_key_keeps_diacritics() {
        XCTAssertNotEqual(Text.searchKey("Hà"), Text.searchKey("Hạ"))
        XCTAssertNotEqual(Text.searchKey("hoà"), Text.searchKey("hoa"))
    }

    func test_search_key_folds_case_decomposition_and_spaces_together() {
        let a = Text.searchKey("  NGUYỄN THỊ THÚY   HÒA ".decomposedStringWithCanonicalMapping)
        let b = Text.searchKey("Nguyễn Thị Thuý Hoà")

        XCTAssertEqual(a, b)
        XCTAssertTrue(b.isNFC)
    }

    func test_search_key_of_old_style_is_a_substring_of_a_new_style_key() {
        let name = Text.searchKey("Trần Thị Khánh Hoà")

        XCTAssertTrue(name.contains(Text.searchKey("hòa")))
    }

    func test_search_key_leaves_words_without_the_pairs_alone() {
        for word in ["hoàng", "quý", "thuyền", "ngoài", "Hạ", "mười"] {
            XCTAssertEqual(Text.searchKey(word), Text.fold(word), word)
        }
    }

    func test_search_key_moves_tone_even_before_a_final_consonant() {
        XCTAssertEqual(Text.searchKey("hòan"), Text.searchKey("hoàn"))
    }
}

final class VietnameseCollationTests: XCTestCase {
    func test_letters_then_tones_then_case_in_dictionary_order() {
        let words = ["Cung", "Cấp", "Chứng", "Chuyển", "Đăng", "Dân", "Giải", "ba", "bà", "bả", "bã", "bá", "bạ", "Ba", "Cấp bản", "an", "ăn", "ân"]
        let sorted = words.sorted { VietnameseCollation.key($0) < VietnameseCollation.key($1) }
        XCTAssertEqual(sorted, ["an", "ăn", "ân", "ba", "Ba", "bà", "bả", "bã", "bá", "bạ", "Cấp", "Cấp bản", "Chuyển", "Chứng", "Cung",
                                "Dân", "Đăng", "Giải"])
        XCTAssertEqual(VietnameseCollation.key("Đăng ký"), VietnameseCollation.key("Đăng ký".decomposedStringWithCanonicalMapping))
    }

    func test_plain_key_drops_every_mark_and_reads_d_for_đ() {
        XCTAssertEqual(Text.plainKey("ĐĂNG KÝ KẾT HÔN"), "dang ky ket hon")
        XCTAssertFalse(Text.hasDiacritics("ket hon"))
        XCTAssertTrue(Text.hasDiacritics("kết hon"))
        XCTAssertTrue(Text.hasDiacritics("đ"))
    }

    func test_control_characters_are_found_once_line_breaks_and_tabs_are_spaces() {
        XCTAssertTrue(Text.hasControlCharacter("Chuyên\u{0}viên"))
        XCTAssertTrue(Text.hasControlCharacter(Text.clean("\u{7}Chuyên viên")))
        XCTAssertTrue(Text.hasControlCharacter("Chuyên viên\u{9F}"))
        XCTAssertFalse(Text.hasControlCharacter(Text.clean("Chuyên\tviên\nmột cửa")))
        XCTAssertFalse(Text.hasControlCharacter("Trung tâm Phục vụ hành chính công"))
    }
}
