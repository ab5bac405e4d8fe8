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
}
