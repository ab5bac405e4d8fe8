// Vietnamese alphabetical order, as a dictionary sorts: letters first (a ă â b c d đ e ê … o ô ơ … u ư …), then
// tones (none, huyền, hỏi, ngã, sắc, nặng), then case. A code-point sort put "Cấp" after "Cung" and Đ after Z.
import Foundation

public enum VietnameseCollation {
    /// The alphabet in order, with the foreign letters f, j, w, z where the Latin alphabet has them.
    static let letters: [Character] = ["a", "ă", "â", "b", "c", "d", "đ", "e", "ê", "f", "g", "h", "i", "j", "k", "l", "m",
                                       "n", "o", "ô", "ơ", "p", "q", "r", "s", "t", "u", "ư", "v", "w", "x", "y", "z"]
    static let rank: [Character: Int] = Dictionary(uniqueKeysWithValues: letters.enumerated().map { ($1, $0) })
    /// Grave, hook, tilde, acute, dot below: the order of huyền, hỏi, ngã, sắc, nặng.
    static let tones: [UInt32: Character] = [0x0300: "1", 0x0309: "2", 0x0303: "3", 0x0301: "4", 0x0323: "5"]

    /// A key whose byte order (ASCII only: `COLLATE "C"`, SQLite's binary order, Swift's `<`) is Vietnamese order.
    /// Letters compare first over the whole text, then tones, then case: "Cấp" < "Chuyển" < "Chứng" < "Cung", and
    /// "Đ" follows "D".
    public static func key(_ text: String) -> String {
        var primary = "", tonesKey = "", caseKey = ""
        for ch in Text.clean(text) {
            let lower = Character(String(ch).lowercased())
            // The letter without its tone, keeping the marks that make another letter (ă â ê ô ơ ư).
            var tone: Character = "0"
            var base = String.UnicodeScalarView()
            for scalar in String(lower).decomposedStringWithCanonicalMapping.unicodeScalars {
                if let t = tones[scalar.value] { tone = t } else { base.append(scalar) }
            }
            let letter = Character(String(base).precomposedStringWithCanonicalMapping)
            if let r = rank[letter] {
                primary.append(Character(Unicode.Scalar(UInt8(0x41 + r))))
                tonesKey.append(tone)
                caseKey.append(ch == lower ? "0" : "1")
            } else if let digit = letter.wholeNumberValue, letter.isASCII {
                primary.append(Character(String(digit)))
            } else if letter.isLetter, let scalar = letter.unicodeScalars.first {
                // Another alphabet: after the Vietnamese letters, in code-point order.
                primary.append("~")
                primary.append(contentsOf: String(format: "%05X", scalar.value))
            } else {
                // Spaces and punctuation separate words and sort before every letter: "Cấp" < "Cấp bản".
                primary.append("#")
            }
        }
        // "!" sorts before every character of the primary part, so a shorter text that is a prefix comes first.
        return primary + "!" + tonesKey + "!" + caseKey
    }
}
