// Times as people in Vietnam read them (UTC+7, no daylight saving).
import Foundation

/// Times shown to people are Vietnam local time; the API always uses UTC.
enum VietnamTime {
    static let zone = TimeZone(identifier: "Asia/Ho_Chi_Minh")!
    /// Vietnam has kept UTC+7, without summer time, since 13 June 1975; earlier instants take the zone database.
    static let fixedOffsetSince = Date(timeIntervalSince1970: 171_824_400)

    static func clock(_ date: Date) -> String {
        let c = parts(date)
        return "\(Civil.pad2(c.hour)):\(Civil.pad2(c.minute)):\(Civil.pad2(c.second))"
    }

    static func dateTime(_ date: Date) -> String {
        let c = parts(date)
        return "\(Civil.pad2(c.day))/\(Civil.pad2(c.month))/\(Civil.pad4(c.year)) \(Civil.pad2(c.hour)):\(Civil.pad2(c.minute))"
    }

    /// Pages show many of these (a row each), so they are computed by arithmetic, not by a Calendar per call.
    static func parts(_ date: Date) -> Civil {
        if date >= fixedOffsetSince { return Civil(utcSeconds: date.timeIntervalSince1970 + 7 * 3600) }
        let c = Calendar(identifier: .gregorian).dateComponents(in: zone, from: date)
        return Civil(year: c.year ?? 0, month: c.month ?? 0, day: c.day ?? 0, hour: c.hour ?? 0, minute: c.minute ?? 0, second: c.second ?? 0)
    }

    /// The instant a Vietnam-local day ("2026-12-01") begins, or nil for text that is not such a day.
    static func startOfDay(iso: String) -> Date? {
        let parts = iso.split(separator: "-")
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let components = DateComponents(year: y, month: m, day: d)
        guard components.isValidDate(in: calendar), let date = calendar.date(from: components) else { return nil }
        return date
    }

    /// "01/12/2026 14:05:09": the CSV's time, to the second.
    static func dateTimeSeconds(_ date: Date) -> String {
        dateTime(date) + ":" + Civil.pad2(parts(date).second)
    }
}
