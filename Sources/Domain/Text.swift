// Normalisation of text at the system's edge, so equality and search behave the same whatever keyboard typed it.
import Foundation

public enum Text {
    /// NFC, trimmed, inner whitespace runs collapsed to one space.
    public static func clean(_ s: String) -> String {
        var out = ""
        var pendingSpace = false
        for ch in s.precomposedStringWithCanonicalMapping {
            if ch.isWhitespace {
                pendingSpace = !out.isEmpty
            } else if pendingSpace, (" " + String(ch)).count == 1 {
                // A combining mark or joiner with no letter before it (it followed a line break or a tab) would
                // fuse with the space put in its place, and a second cleaning would then drop both. It is
                // dropped now, as a space followed by a mark already is, so cleaning twice changes nothing.
                continue
            } else {
                if pendingSpace { out.append(" ") }
                pendingSpace = false
                out.append(ch)
            }
        }
        return out.precomposedStringWithCanonicalMapping
    }

    /// Whether the text holds a control character once cleaned (`clean` makes line breaks and tabs spaces): none
    /// belongs in a name or a note, and PostgreSQL cannot store a NUL in text (it answered 500 there).
    public static func hasControlCharacter(_ s: String) -> Bool {
        s.unicodeScalars.contains(where: isControl)
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool { scalar.properties.generalCategory == .control }

    /// What a search looks for: the first 100 characters, cleaned (line breaks and tabs become spaces), without other control characters (which no name
    /// or code holds, and which PostgreSQL refuses in text: a NUL made the search fail there).
    public static func searchTerm(_ raw: String) -> String {
        clean(String(raw.prefix(100)).filter { $0.isWhitespace || !$0.unicodeScalars.contains(where: isControl) })
    }

    /// NFC plus Unicode case folding, for case-insensitive equality. Diacritics are kept on purpose:
    /// Hà and Hạ are different names, so an accent-insensitive comparison would merge different people.
    public static func fold(_ s: String) -> String {
        s.precomposedStringWithCanonicalMapping
            .folding(options: [.caseInsensitive], locale: nil)
            // Folding can hand back decomposed text; re-compose so keys compare byte-for-byte.
            .precomposedStringWithCanonicalMapping
    }

    /// A key for case-insensitive search: cleaned, folded, and with the old and new tone placements of
    /// oa / oe / uy (hòa / hoà, thúy / thuý, khỏe / khoẻ) unified. Diacritics stay, so Hà ≠ Hạ.
    public static func searchKey(_ s: String) -> String {
        unifyTonePlacement(fold(clean(s)))
    }

    /// A key for search without diacritics, as people type on a keyboard without Vietnamese input: cleaned,
    /// case-folded, every mark dropped and đ read as d ("ket hon" finds "Đăng ký kết hôn").
    public static func plainKey(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in fold(clean(s)).decomposedStringWithCanonicalMapping.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .nonspacingMark, .spacingMark, .enclosingMark: continue
            default: out.append(scalar == "đ" ? "d" : scalar)
            }
        }
        return String(out)
    }

    /// Whether the text carries any Vietnamese mark (tone, ă â ê ô ơ ư, đ): a search typed with them means them.
    public static func hasDiacritics(_ s: String) -> Bool {
        plainKey(s) != fold(clean(s))
    }

    // The five tone marks. Circumflex, breve and horn are not tones: they change the vowel itself.
    static let toneMarks: Set<UInt32> = [0x0300, 0x0301, 0x0303, 0x0309, 0x0323]

    /// Moves a tone written on the first vowel of o+a, o+e or u+y to the second. The new style always puts
    /// it there, and the old style does too whenever a consonant follows, so the second vowel is the one
    /// placement both spellings of every word can agree on.
    static func unifyTonePlacement(_ folded: String) -> String {
        // Each base scalar with the combining marks that follow it.
        var clusters: [(base: Unicode.Scalar, marks: [Unicode.Scalar])] = []
        for scalar in folded.decomposedStringWithCanonicalMapping.unicodeScalars {
            if scalar.properties.canonicalCombiningClass != .notReordered, !clusters.isEmpty {
                clusters[clusters.count - 1].marks.append(scalar)
            } else {
                clusters.append((scalar, []))
            }
        }
        guard clusters.count > 1 else { return folded }
        var changed = false
        for i in 0..<(clusters.count - 1) {
            let first = clusters[i], second = clusters[i + 1]
            let pair = (first.base, second.base)
            let isPair = (pair.0 == "o" && (pair.1 == "a" || pair.1 == "e")) || (pair.0 == "u" && pair.1 == "y")
            guard isPair, second.marks.isEmpty, first.marks.count == 1,
                  let tone = first.marks.first, toneMarks.contains(tone.value) else { continue }
            clusters[i].marks = []
            clusters[i + 1].marks = [tone]
            changed = true
        }
        guard changed else { return folded }
        var scalars = String.UnicodeScalarView()
        for cluster in clusters {
            scalars.append(cluster.base)
            scalars.append(contentsOf: cluster.marks)
        }
        return String(scalars).precomposedStringWithCanonicalMapping
    }

    /// Folds the digit look-alikes people paste (full-width digits from CJK input methods) to ASCII.
    static func asciiDigit(_ scalar: Unicode.Scalar) -> Character? {
        switch scalar.value {
        case 0x30...0x39: return Character(scalar)
        case 0xFF10...0xFF19: return Character(Unicode.Scalar(scalar.value - 0xFF10 + 0x30)!)
        default: return nil
        }
    }

    /// Separators people type inside numbers (spaces, dots, dashes of every width).
    static func isNumberSeparator(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.properties.isWhitespace { return true }
        switch scalar.value {
        case 0x2E, 0xFF0E, 0x2D, 0xFF0D, 0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2212: return true
        default: return false
        }
    }

    /// How a rejected character is named in a message, with a hint for the usual letter-for-digit slips.
    static func describe(_ scalar: Unicode.Scalar) -> (vi: String, en: String) {
        let shown = scalar.properties.isWhitespace || scalar.value < 0x20
            ? String(format: "U+%04X", scalar.value) : "“\(Character(scalar))”"
        switch scalar {
        case "O", "o":
            return ("ký tự \(shown) (chữ O — có phải số 0?)", "the character \(shown) (the letter O — did you mean zero?)")
        case "l", "I":
            return ("ký tự \(shown) (chữ cái — có phải số 1?)", "the character \(shown) (a letter — did you mean the digit 1?)")
        default:
            if scalar.properties.isAlphabetic {
                return ("chữ cái \(shown)", "the letter \(shown)")
            }
            return ("ký tự \(shown)", "the character \(shown)")
        }
    }
}
