// Times in the API: RFC 3339 in UTC.
import Foundation

enum RFC3339 {
    /// `2025-01-31T09:05:00Z`: whole seconds in UTC, as ISO8601DateFormatter's .withInternetDateTime writes it,
    /// without building a formatter on every call (a JSON answer may carry dozens of dates).
    static func string(_ date: Date) -> String {
        // The formatter worked in whole milliseconds: 05.9996 s was 06 s.
        let c = Civil(utcSeconds: (date.timeIntervalSince1970 * 1000).rounded() / 1000)
        return "\(Civil.pad4(c.year))-\(Civil.pad2(c.month))-\(Civil.pad2(c.day))T\(Civil.pad2(c.hour)):\(Civil.pad2(c.minute)):\(Civil.pad2(c.second))Z"
    }
}
