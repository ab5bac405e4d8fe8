// A calendar date and time of day without a time zone.
import Foundation

/// A calendar date and time of day, from seconds since 1970 in a fixed offset (proleptic Gregorian).
struct Civil: Equatable {
    let year, month, day, hour, minute, second: Int

    init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        (self.year, self.month, self.day, self.hour, self.minute, self.second) = (year, month, day, hour, minute, second)
    }

    init(utcSeconds: Double) {
        let total = Int((utcSeconds).rounded(.down))
        var days = total / 86400
        var rest = total % 86400
        if rest < 0 { rest += 86400; days -= 1 }
        // Howard Hinnant's days-to-civil algorithm.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(year: yoe + era * 400 + (m <= 2 ? 1 : 0), month: m, day: d, hour: rest / 3600, minute: rest % 3600 / 60, second: rest % 60)
    }

    static func pad2(_ n: Int) -> String { n < 10 ? "0\(n)" : String(n) }
    static func pad4(_ n: Int) -> String { n >= 1000 ? String(n) : String(repeating: "0", count: 4 - String(n).count) + String(n) }
}
