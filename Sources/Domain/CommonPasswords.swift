// The list of common passwords (zxcvbn's frequency list plus Vietnamese ones), loaded once on first use.
import Foundation

enum CommonPasswords {
    /// Lowercased NFC entries. A static let is initialised once, thread-safely, on first access.
    static let entries: Set<String> = {
        guard let url = Bundle.module.url(forResource: "common-passwords", withExtension: "txt"),
              let text = try? String(contentsOf: url, encoding: .utf8) else {
            // Without the list the policy would silently accept "password1"; a broken install must be loud.
            fatalError("Domain resource common-passwords.txt is missing from the bundle")
        }
        var set = Set<String>()
        for line in text.split(whereSeparator: \.isNewline) where !line.isEmpty {
            set.insert(String(line).precomposedStringWithCanonicalMapping.lowercased())
        }
        return set
    }()

    /// Exact match, or a listed word of 6+ characters with digits, "!" or "@" tacked on ("iloveyou123!").
    static func contains(_ password: String) -> Bool {
        let lower = password.precomposedStringWithCanonicalMapping.lowercased()
        if entries.contains(lower) { return true }
        var stem = Substring(lower)
        while let last = stem.last, last.isASCIIDigit || last == "!" || last == "@" {
            stem = stem.dropLast()
        }
        return stem.count < lower.count && stem.count >= 6 && entries.contains(String(stem))
    }
}
