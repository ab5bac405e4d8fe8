// Token and code hashes are stored as lower-case hexadecimal; the table encoder must match the formatter.
import Foundation
import XCTest
@testable import App

final class HexTests: XCTestCase {
    func test_every_byte_is_two_lower_case_digits_as_the_formatter_writes_them() {
        let all = (0...255).map { UInt8($0) }
        XCTAssertEqual(all.hex, all.map { String(format: "%02x", $0) }.joined())
        XCTAssertEqual([UInt8]().hex, "")
        XCTAssertEqual([0x00, 0x0f, 0xa5, 0xff].hex, "000fa5ff")
    }
}
