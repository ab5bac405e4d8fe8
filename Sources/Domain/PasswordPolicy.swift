// Which passwords are refused, and why: length and guessability, never composition rules.
import Foundation

// Anchors: NIST SP 800-63B §5.1.1.2 and OWASP ASVS V2.1, which favour blocklists over composition rules.

public enum PasswordPolicy {
    public static let minLength = 8, maxLength = 128

    /// nil = acceptable; else the first rule broken. Codes: too_short, too_long, common, contains_id,
    /// contains_phone, contains_birth_date, repeated, sequence, keyboard.
    public static func check(_ password: String, idNumber: IDNumber?, phone: PhoneNumber?, dateOfBirth: DateOfBirth?) -> DomainError? {
        // Characters as people count them, after NFC, so "ộ" is one whichever keyboard produced it.
        let p = password.precomposedStringWithCanonicalMapping
        if p.count < minLength { return error(.tooShort) }
        if p.count > maxLength { return error(.tooLong) }
        let lower = p.lowercased()
        if CommonPasswords.contains(lower) { return error(.common) }

        // Personal numbers are found even when written with separators ("0912 345 678", "17/05/1990").
        let compact = compactDigits(lower)
        func containsAny(_ forms: [String]) -> Bool {
            forms.contains { lower.contains($0) || compact.contains($0) }
        }
        if let id = idNumber, containsAny([id.digits]) { return error(.containsID) }
        if let phone, containsAny(phone.allForms) { return error(.containsPhone) }
        if let dob = dateOfBirth, containsAny(dob.passwordForms) { return error(.containsBirthDate) }

        let scalars = Array(lower.unicodeScalars)
        if isRepeated(Array(lower)) { return error(.repeated) }
        if hasSequence(scalars) { return error(.sequence) }
        if hasKeyboardRun(scalars) { return error(.keyboard) }
        return nil
    }

    /// The rules as shown on password pages, in Vietnamese unless "en" is asked for.
    public static func rules(language: String) -> [String] {
        let en = language.lowercased().hasPrefix("en")
        return Rule.allCases.compactMap { en ? $0.ruleEN : $0.ruleVI }
    }

    enum Rule: String, CaseIterable {
        case tooShort = "too_short", tooLong = "too_long", common
        case containsID = "contains_id", containsPhone = "contains_phone", containsBirthDate = "contains_birth_date"
        case repeated, sequence, keyboard

        var messageVI: String {
            switch self {
            case .tooShort: "Mật khẩu phải có ít nhất \(minLength) ký tự."
            case .tooLong: "Mật khẩu không được dài quá \(maxLength) ký tự."
            case .common: "Mật khẩu này quá phổ biến nên dễ bị đoán ra; hãy chọn mật khẩu khác."
            case .containsID: "Mật khẩu không được chứa số định danh cá nhân (số CCCD) của bạn."
            case .containsPhone: "Mật khẩu không được chứa số điện thoại của bạn."
            case .containsBirthDate: "Mật khẩu không được chứa ngày sinh của bạn."
            case .repeated: "Mật khẩu không được chỉ là một ký tự hay một nhóm ký tự lặp lại, hoặc có 6 ký tự giống nhau liền nhau (như aaaaaaaa, 12121212)."
            case .sequence: "Mật khẩu không được chứa 6 chữ số hoặc chữ cái liên tiếp theo thứ tự (như 123456, 987654, abcdef)."
            case .keyboard: "Mật khẩu không được chứa 6 phím liền nhau trên một hàng bàn phím (như qwerty, asdfgh, zxcvbn)."
            }
        }

        var messageEN: String {
            switch self {
            case .tooShort: "The password must have at least \(minLength) characters."
            case .tooLong: "The password can have at most \(maxLength) characters."
            case .common: "This password is too common and easy to guess; please choose another."
            case .containsID: "The password must not contain your ID number (CCCD)."
            case .containsPhone: "The password must not contain your phone number."
            case .containsBirthDate: "The password must not contain your date of birth."
            case .repeated: "The password must not be one character or a short group repeated, or have 6 identical characters in a row (like aaaaaaaa, 12121212)."
            case .sequence: "The password must not contain 6 consecutive digits or letters in order (like 123456, 987654, abcdef)."
            case .keyboard: "The password must not contain 6 adjacent keys of a keyboard row (like qwerty, asdfgh, zxcvbn)."
            }
        }

        // Shown as a list before anyone types; the ID, phone and birth-date rules read best as one line.
        var ruleVI: String? {
            switch self {
            case .tooShort: "Dài từ \(minLength) đến \(maxLength) ký tự; dùng được mọi ký tự, kể cả chữ có dấu và dấu cách."
            case .tooLong, .containsPhone, .containsBirthDate: nil
            case .common: "Không phải mật khẩu phổ biến, dễ đoán (như matkhau123, 12345678, iloveyou)."
            case .containsID: "Không chứa số định danh cá nhân, số điện thoại hay ngày sinh của bạn."
            case .repeated: "Không phải một ký tự hay một nhóm ký tự lặp lại (như aaaaaaaa, 12121212)."
            case .sequence: "Không chứa 6 chữ số hoặc chữ cái liên tiếp theo thứ tự (như 123456, 987654, abcdef)."
            case .keyboard: "Không chứa 6 phím liền nhau trên một hàng bàn phím (như qwerty, asdfgh)."
            }
        }

        var ruleEN: String? {
            switch self {
            case .tooShort: "\(minLength) to \(maxLength) characters; any characters are allowed, including Vietnamese letters and spaces."
            case .tooLong, .containsPhone, .containsBirthDate: nil
            case .common: "Not a common, easily guessed password (like matkhau123, 12345678, iloveyou)."
            case .containsID: "Does not contain your ID number, phone number or date of birth."
            case .repeated: "Not one character or a short group repeated (like aaaaaaaa, 12121212)."
            case .sequence: "No 6 consecutive digits or letters in order (like 123456, 987654, abcdef)."
            case .keyboard: "No 6 adjacent keys of a keyboard row (like qwerty, asdfgh)."
            }
        }
    }

    static func error(_ rule: Rule) -> DomainError {
        DomainError(code: rule.rawValue, vi: rule.messageVI, en: rule.messageEN)
    }

    // Separators dropped and full-width digits made ASCII.
    private static func compactDigits(_ s: String) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            if let d = Text.asciiDigit(scalar) {
                out.append(d)
            } else if Text.isNumberSeparator(scalar) || scalar == "/" || scalar == "_" || scalar == "," {
                continue
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// The whole password one short group (1–4 characters) repeated, or 6 identical characters in a row.
    static func isRepeated(_ chars: [Character]) -> Bool {
        for unit in 1...4 where chars.count % unit == 0 && chars.count / unit >= 2 {
            if (unit..<chars.count).allSatisfy({ chars[$0] == chars[$0 - unit] }) { return true }
        }
        var run = 1
        for i in chars.indices.dropFirst() {
            run = chars[i] == chars[i - 1] ? run + 1 : 1
            if run >= 6 { return true }
        }
        return false
    }

    /// 6 or more ascending or descending consecutive digits (0–9) or letters (a–z), anywhere.
    static func hasSequence(_ scalars: [Unicode.Scalar]) -> Bool {
        func group(_ s: Unicode.Scalar) -> Int? {
            switch s {
            case "0"..."9": 0
            case "a"..."z": 1
            default: nil
            }
        }
        var up = 1, down = 1
        for i in scalars.indices.dropFirst() {
            let a = scalars[i - 1], b = scalars[i]
            guard let ga = group(a), ga == group(b) else { up = 1; down = 1; continue }
            let step = Int(b.value) - Int(a.value)
            up = step == 1 ? up + 1 : 1
            down = step == -1 ? down + 1 : 1
            if up >= 6 || down >= 6 { return true }
        }
        return false
    }

    static let keyboardRows = ["qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890"]

    // Every run of 6 adjacent keys, both directions.
    private static let keyboardRuns: Set<String> = {
        var runs = Set<String>()
        for row in keyboardRows {
            for line in [Array(row), Array(row.reversed())] {
                for start in 0...(line.count - 6) {
                    runs.insert(String(line[start..<start + 6]))
                }
            }
        }
        return runs
    }()

    static func hasKeyboardRun(_ scalars: [Unicode.Scalar]) -> Bool {
        guard scalars.count >= 6 else { return false }
        for start in 0...(scalars.count - 6) {
            var window = String.UnicodeScalarView()
            window.append(contentsOf: scalars[start..<start + 6])
            if keyboardRuns.contains(String(window)) { return true }
        }
        return false
    }
}
