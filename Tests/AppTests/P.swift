import XCTVapor
final class AppPlaceholderTests: XCTestCase { func testNothing() {} }
