// Helpers shared by the Domain tests: capturing typed errors, fixed clocks and predictable random sources.
import Foundation
import XCTest
@testable import Domain

/// The DomainError a call throws, or nil when it succeeds. Closures are not inferred as typed-throwing,
/// so the error arrives as `any Error` and anything else is a test failure.
func domainError<T>(_ body: () throws -> T, file: StaticString = #filePath, line: UInt = #line) -> DomainError? {
    do {
        _ = try body()
        return nil
    } catch let error as DomainError {
        return error
    } catch {
        XCTFail("unexpected error \(error)", file: file, line: line)
        return nil
    }
}

/// Noon on a day in Vietnam, so tests do not depend on the machine's time zone or today's date.
func vietnamDate(_ year: Int, _ month: Int, _ day: Int, hour: Int = 12) -> Date {
    VietnamCalendar.calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour))!
}

/// A fixed "now" for tests that care about the year: 1 June 2025 in Vietnam.
let june2025 = vietnamDate(2025, 6, 1)

/// SplitMix64: a seeded generator, so random tests are repeatable.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Answers 1 for its first `ones` draws, which makes bounded random values 0, then goes on seeded.
struct LowThenSeededGenerator: RandomNumberGenerator {
    var ones: Int
    var rest = SeededGenerator(state: 42)
    mutating func next() -> UInt64 {
        if ones > 0 {
            ones -= 1
            return 1
        }
        return rest.next()
    }
}

extension String {
    var isNFC: Bool { self.unicodeScalars.elementsEqual(self.precomposedStringWithCanonicalMapping.unicodeScalars) }
}
