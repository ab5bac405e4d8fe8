// Which units are one-stop units (the only ones where citizen accounts may be created), decided by name.
import Foundation

public enum UnitNameRule {
    /// The two phrases of the rule, as written in messages.
    public static let phrases = ["Trung tâm Phục vụ hành chính công", "Bộ phận Một cửa"]

    // Folded once; the rule compares NFC, case-folded text so NFD input and capitals both match,
    // which SQLite's lower() and LIKE (ASCII only) could not do.
    private static let foldedPhrases = phrases.map { Text.fold($0) }

    public static func isOneStop(_ name: String) -> Bool {
        let key = Text.fold(Text.clean(name))
        return foldedPhrases.contains { key.contains($0) }
    }

    /// nil for a one-stop unit; otherwise why not, quoting the name, and a new name when we can see one.
    public static func hint(for name: String) -> DomainError? {
        guard !isOneStop(name) else { return nil }
        let shown = Text.clean(name)
        var vi = "Đơn vị “\(shown)” không phải đơn vị một cửa: tên đơn vị phải chứa cụm “\(phrases[0])” hoặc “\(phrases[1])” (không phân biệt chữ hoa, chữ thường) thì mới được tạo tài khoản công dân."
        var en = "The unit “\(shown)” is not a one-stop unit: citizen accounts can be created only at a unit whose name contains “\(phrases[0])” or “\(phrases[1])” (in any case)."
        if let better = suggestion(for: name) {
            vi += " Nếu đây là bộ phận một cửa, hãy đổi tên đơn vị thành “\(better)”."
            en += " If this is the one-stop desk, rename the unit to “\(better)”."
        }
        return DomainError(code: "unit_not_one_stop", vi: vi, en: en)
    }

    /// A concrete new name when the name shows a one-stop desk under another spelling: "Bộ phận 1 cửa …"
    /// (as the guide itself writes it), "một cửa" written otherwise, or the older
    /// "Bộ phận tiếp nhận và trả kết quả". The suggestion is offered only if it passes the rule.
    public static func suggestion(for name: String) -> String? {
        let s = Text.clean(name)
        guard !isOneStop(s) else { return nil }
        for pattern in renamePatterns {
            guard let regex = try? Regex(pattern).ignoresCase(), let match = s.firstMatch(of: regex) else { continue }
            let found = s[match.range]
            let allCaps = found == found.uppercased() && found != found.lowercased()
            let replacement = allCaps ? phrases[1].uppercased() : phrases[1]
            var renamed = s
            renamed.replaceSubrange(match.range, with: replacement)
            renamed = Text.clean(renamed)
            if isOneStop(renamed) { return renamed }
        }
        return nil
    }

    // Spellings of "bộ phận" and "một cửa" seen in unit names, with and without their diacritics.
    private static let boPhan = #"b[ộôọo]\s*ph[ậâạa]n"#
    private static let motCua = #"(?:một|mot|môt|mọt|1)[\s\-–_.]*(?:cửa|cua|cưa|của|cữa|cứa)"#
    private static let renamePatterns = [
        #"(?:"# + boPhan + #"\s+)?ti[ếêe]p\s+nh[ậâa]n\s+(?:v[àa]|&)\s+tr[ảa]\s+k[ếêe]t\s+qu[ảa]"#,
        #"\b(?:(?:"# + boPhan + #"|bp|phòng|tổ)[\s\-–_.]*)?"# + motCua + #"\b"#,
    ]
}
