// Dates of birth: the two ways people type them, calendar validity, and the forms a password must not contain.
import Foundation

/// "Today" is the date in Vietnam (UTC+7, no daylight saving), wherever the server's clock is set.
enum VietnamCalendar {
    static let calendar: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(secondsFromGMT: 7 * 3600)!
        return c
    }()

    static func components(of date: Date) -> (year: Int, month: Int, day: Int) {
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return (c.year!, c.month!, c.day!)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2:
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
            return leap ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

public struct DateOfBirth: Hashable, Sendable, Comparable {
    public let year: Int, month: Int, day: Int

    /// Accepts "YYYY-MM-DD" (the API's form) and "dd/mm/yyyy" (how Vietnamese people write dates).
    public init(iso: String, today: Date = Date()) throws(DomainError) {
        let s = Text.clean(iso)
        guard !s.isEmpty else {
            throw DomainError.required(vi: "ngày sinh", en: "the date of birth")
        }
        guard let (y, m, d) = Self.parse(s) else {
            throw DomainError(
                code: "date_format",
                vi: "Ngày sinh “\(s)” không đúng dạng; hãy nhập ngày/tháng/năm, ví dụ 17/05/1990.",
                en: "The date of birth “\(s)” is not in a known form; enter day/month/year, for example 17/05/1990, or 1990-05-17.")
        }
        try self.init(year: y, month: m, day: d, today: today)
    }

    public init(year: Int, month: Int, day: Int, today: Date = Date()) throws(DomainError) {
        guard (1...12).contains(month), day >= 1, day <= VietnamCalendar.daysIn(month: month, year: year) else {
            throw DomainError(
                code: "date_invalid",
                vi: "Ngày \(day) tháng \(month) năm \(year) không có trên lịch.",
                en: "Day \(day) of month \(month) in \(year) does not exist.")
        }
        guard year >= 1900 else {
            throw DomainError(
                code: "date_before_1900",
                vi: "Năm sinh phải từ 1900 trở đi.",
                en: "The year of birth must be 1900 or later.")
        }
        self.year = year
        self.month = month
        self.day = day
        let now = VietnamCalendar.components(of: today)
        guard (year, month, day) <= (now.year, now.month, now.day) else {
            throw DomainError(
                code: "date_in_future",
                vi: "Ngày sinh \(display) ở trong tương lai.",
                en: "The date of birth \(display) is in the future.")
        }
    }

    // ISO with exactly 4-2-2 digits, or day-first with one or two digits for day and month.
    private static func parse(_ s: String) -> (Int, Int, Int)? {
        guard s.unicodeScalars.allSatisfy({ $0.isASCII }) else { return nil }
        let iso = s.split(separator: "-", omittingEmptySubsequences: false)
        if iso.count == 3, iso[0].count == 4, iso[1].count == 2, iso[2].count == 2,
           iso.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }) {
            return (Int(iso[0])!, Int(iso[1])!, Int(iso[2])!)
        }
        for separator in ["/", "-", "."] as [Character] {
            let parts = s.split(separator: separator, omittingEmptySubsequences: false)
            if parts.count == 3, (1...2).contains(parts[0].count), (1...2).contains(parts[1].count), parts[2].count == 4,
               parts.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }) {
                return (Int(parts[2])!, Int(parts[1])!, Int(parts[0])!)
            }
        }
        return nil
    }

    public var iso: String { "\(Self.pad(year, 4))-\(Self.pad(month))-\(Self.pad(day))" }

    public var display: String { "\(Self.pad(day))/\(Self.pad(month))/\(Self.pad(year, 4))" }

    /// ddmmyyyy, yyyymmdd, ddmmyy: the ways a birthday ends up inside a password.
    public var passwordForms: [String] {
        let dd = Self.pad(day), mm = Self.pad(month), yyyy = Self.pad(year, 4)
        return [dd + mm + yyyy, yyyy + mm + dd, dd + mm + String(yyyy.suffix(2))]
    }

    public static func < (a: DateOfBirth, b: DateOfBirth) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    private static func pad(_ n: Int, _ width: Int = 2) -> String {
        let s = String(n)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isWholeNumber }
}
