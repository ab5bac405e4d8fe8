// Generators for the property tests: hostile text of any Unicode, and valid identity data in every accepted spelling.
import Foundation
import PropertyBased
@testable import Domain

enum Arbitrary {
    /// Pieces that parsers trip on: digits of other scripts, separators, joiners, combining marks, decomposed
    /// Vietnamese, markup and SQL fragments, and the characters JSON and HTML treat specially.
    static let tricky: [String] = [
        "0", "9", "０", "９", "٣", "४", "+", "＋", "84", "0084", " ", "\u{00A0}", "\u{3000}", "\t", "\n", "\r\n",
        ".", "-", "–", "−", "/", "(", ")", "（", "\u{200B}", "\u{200C}", "\u{200D}", "\u{FEFF}", "\u{202E}",
        "\u{0301}", "\u{0323}", "\u{0309}", "\u{0303}", "\u{0300}", "\u{0302}", "\u{0306}", "\u{031B}",
        "a", "o", "u", "y", "e", "Đ", "đ", "Ộ", "ễ", "Hoà", "hòa", "Thuý", "ß", "İ", "ǅ", "ﬁ", "Ⅻ",
        "<script>", "\"", "'", "&", "\\", "' OR 1=1 --", "%", "_", "\u{0000}", "\u{001B}", "\u{007F}",
        "😀", "👨‍👩‍👧", "🇻🇳", "\u{FFFD}", "\u{10FFFF}", "한", "ก", "क्", "ि", "日本",
    ]

    /// Any scalar at all; the surrogate gap maps to U+FFFD.
    static let scalar = Gen<UInt32>.value(in: 0...0x10FFFF)
        .map { Unicode.Scalar($0).map { String(Character($0)) } ?? "\u{FFFD}" }

    static let piece = Gen<String>.frequency(
        (1, scalar),
        (2, Gen<String?>.element(of: tricky).map { $0! }),
        (1, Gen.ascii.map { String($0) })
    )

    /// Hostile text up to a few dozen pieces long.
    static let text = piece.array(of: 0...40).map { (pieces: [String]) -> String in pieces.joined() }

    /// Hostile text long enough to pass every length limit.
    static let longText = piece.array(of: 0...200).map { (pieces: [String]) -> String in pieces.joined() }

    // MARK: Valid values

    static let mobilePrefixes: [String] =
        (2...9).map { "3\($0)" } + ["52", "56", "58", "59"] + ["70", "76", "77", "78", "79"]
        + (1...9).map { "8\($0)" } + [0, 1, 2, 3, 4, 6, 7, 8, 9].map { "9\($0)" }

    /// Separators people put between digits; empty most of the time.
    static let separators = ["", "", "", "", " ", ".", "-", "\u{00A0}", "–", "\u{3000}"]

    /// A valid mobile number as its nine digits after the 0.
    static let mobileNine = zip(Gen<String?>.element(of: mobilePrefixes).map { $0! }, Gen.number.string(of: 7))
        .map { $0 + $1 }

    /// One of the spellings the rule accepts: 0…, 84…, +84…, 0084…, +84 (0) …
    static func spell(_ nine: String, form: Int, separators seps: [String], fullWidth: Bool) -> String {
        let digits = Array(nine).enumerated().map { i, ch in
            let d = fullWidth ? String(Unicode.Scalar(ch.unicodeScalars.first!.value - 0x30 + 0xFF10)!) : String(ch)
            return d + seps[i % seps.count]
        }.joined()
        switch form {
        case 0: return "0" + digits
        case 1: return "84" + digits
        case 2: return "+84 " + digits
        case 3: return "0084" + digits
        default: return "+84 (0) " + digits
        }
    }

    /// Province codes of the old 63-province table and the country codes of births registered abroad.
    static let placeCodes: [String] = Provinces.names.keys.sorted() + ["101", "200", "295"]

    /// A valid CCCD for a birth year from 1900 to 2025 (the tests' "now" is June 2025).
    static let cccd = zip(Gen<String?>.element(of: placeCodes).map { $0! }, Gen.int(in: 1900...2025), Gen.bool,
                          Gen.number.string(of: 6))
        .map { place, year, female, tail -> String in
            let century = (year - 1900) / 100 * 2 + (female ? 1 : 0)
            let yy = year % 100
            return place + String(century) + (yy < 10 ? "0\(yy)" : "\(yy)") + tail
        }

    /// A calendar date from 1900 to 2025 (days capped at 28 so every month has them).
    static let date = zip(Gen.int(in: 1900...2024), Gen.int(in: 1...12), Gen.int(in: 1...28))
}
