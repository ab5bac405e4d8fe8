// The date texts in JSON answers and pages: arithmetic formatting must say exactly what the formatters said.
import Foundation
import XCTest
@testable import App

final class TimeFormatTests: XCTestCase {
    private func reference(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: date)
    }

    func test_rfc3339_matches_ISO8601DateFormatter() {
        var dates = [Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 951_782_400), // 2000-02-29
                     Date(timeIntervalSince1970: 4_107_542_399.9), Date(timeIntervalSince1970: -86_400 * 365.25 * 30 + 1)]
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 { dates.append(Date(timeIntervalSince1970: Double.random(in: -2_000_000_000...4_000_000_000, using: &rng))) }
        for date in dates { XCTAssertEqual(RFC3339.string(date), reference(date), "\(date.timeIntervalSince1970)") }
    }

    func test_vietnam_time_matches_the_zone_database() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = VietnamTime.zone
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let date = Date(timeIntervalSince1970: Double.random(in: 0...4_000_000_000, using: &rng))
            let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
            XCTAssertEqual(VietnamTime.dateTime(date), String(format: "%02d/%02d/%04d %02d:%02d", c.day!, c.month!, c.year!, c.hour!, c.minute!))
            XCTAssertEqual(VietnamTime.clock(date), String(format: "%02d:%02d:%02d", c.hour!, c.minute!, c.second!))
        }
    }
}
