import XCTest
@testable import Domain

final class DeviceNameTests: XCTestCase {
    func test_common_browsers_are_named_with_their_system() {
        let cases: [(String, String)] = [
            ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36", "Chrome trên Linux"),
            ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36", "Chrome trên Linux"),
            ("Mozilla/5.0 (Linux; Android 13; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36", "Samsung Internet trên Android"),
            ("Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36", "Chrome trên Android"),
            ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1", "Safari trên iPhone"),
            ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0 Mobile/15E148 Safari/604.1", "Chrome trên iPhone"),
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51", "Edge trên Windows"),
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) coc_coc_browser/117.0.180 Chrome/111.0.0.0 Safari/537.36", "Cốc Cốc trên Windows"),
            ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:125.0) Gecko/20100101 Firefox/125.0", "Firefox trên macOS"),
            ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15", "Safari trên macOS"),
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 OPR/109.0.0.0", "Opera trên Windows"),
            ("curl/8.5.0", "curl"),
            ("python-requests/2.31.0", "Python"),
        ]
        for (ua, expected) in cases {
            XCTAssertEqual(DeviceName(userAgent: ua).text(on: "trên", unknown: "không rõ"), expected, ua)
        }
    }

    func test_a_string_that_names_nothing_known_is_unknown() {
        XCTAssertEqual(DeviceName(userAgent: "").text(on: "on", unknown: "Unknown device"), "Unknown device")
        XCTAssertEqual(DeviceName(userAgent: "SomeBot 1.0").text(on: "on", unknown: "Unknown device"), "Unknown device")
        XCTAssertEqual(DeviceName(userAgent: "Mozilla/5.0 (Linux; Android 12) Version/4.0").browser, nil, "Version/ without Safari/ is not Safari")
    }
}
