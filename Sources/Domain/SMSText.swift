// SMS texts: Vietnamese written without diacritics in the GSM 7-bit alphabet, so one message is 160 characters.
import Foundation

public enum SMSText {
    public static let maxSeptets = 160

    /// NFD, combining marks dropped, đ/Đ mapped by hand (they have no decomposition), then anything
    /// outside GSM 7-bit replaced by a close ASCII spelling or dropped.
    public static func fold(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in s.decomposedStringWithCanonicalMapping.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .nonspacingMark, .spacingMark, .enclosingMark: continue
            default: break
            }
            if gsmBasic.contains(scalar) || gsmExtension.contains(scalar) {
                out.append(scalar)
            } else if let replacement = replacements[scalar] {
                out.append(contentsOf: replacement.unicodeScalars)
            } else if (0xFF01...0xFF5E).contains(scalar.value) {
                // Full-width forms from CJK keyboards are ASCII in disguise.
                out.append(contentsOf: fold(String(Unicode.Scalar(scalar.value - 0xFEE0)!)).unicodeScalars)
            } else if scalar.properties.isWhitespace {
                out.append(" ")
            }
        }
        return String(out)
    }

    public static func isGSM7(_ s: String) -> Bool {
        s.unicodeScalars.allSatisfy { gsmBasic.contains($0) || gsmExtension.contains($0) }
    }

    /// Length in septets: characters of the extension table are sent as an escape plus the character.
    public static func septets(_ s: String) -> Int {
        s.unicodeScalars.reduce(0) { $0 + (gsmExtension.contains($1) ? 2 : 1) }
    }

    /// The text as it will be sent; an error if it no longer fits one message.
    public static func make(_ s: String) throws(DomainError) -> String {
        let text = fold(s)
        let length = septets(text)
        guard length <= maxSeptets else {
            throw DomainError(
                code: "sms_too_long",
                vi: "Tin nhắn dài \(length) ký tự, vượt quá giới hạn \(maxSeptets) ký tự của một tin SMS.",
                en: "The text message is \(length) characters long, over the \(maxSeptets)-character limit of one SMS.")
        }
        return text
    }

    // 3GPP TS 23.038 default alphabet, without the escape code itself.
    static let gsmBasic: Set<Unicode.Scalar> = Set(
        ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
            + "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà").unicodeScalars)

    static let gsmExtension: Set<Unicode.Scalar> = Set("\u{0C}^{}\\[~]|€".unicodeScalars)

    // Letters without a decomposition and common typography, spelled in ASCII.
    static let replacements: [Unicode.Scalar: String] = [
        "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "ł": "l", "Ł": "L", "ı": "i", "ħ": "h", "Ħ": "H",
        "œ": "oe", "Œ": "OE", "þ": "th", "Þ": "TH", "ŋ": "ng", "Ŋ": "NG", "ƀ": "b", "ƶ": "z",
        "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "“": "\"", "”": "\"", "„": "\"", "″": "\"",
        "«": "\"", "»": "\"", "‹": "'", "›": "'",
        "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-",
        "…": "...", "•": "*", "·": ".", "×": "x", "÷": "/", "°": "o", "\t": " ",
        "`": "'", "´": "'", "¨": "\"", "©": "(c)", "®": "(R)", "™": "TM", "№": "No",
        "₫": "d", "¢": "c", "‰": "%", "¦": "|",
    ]
}
