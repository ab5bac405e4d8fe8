// The clock behind every expiry, so that tests move time instead of waiting for it.
import Foundation
import NIOConcurrencyHelpers

protocol TimeSource: Sendable {
    func now() -> Date
}

struct SystemTime: TimeSource {
    func now() -> Date { Date() }
}

/// A clock the tests set and advance.
final class ManualTime: TimeSource, @unchecked Sendable {
    private let lock = NIOLock()
    private var current: Date

    init(_ start: Date = Date(timeIntervalSince1970: 1_790_000_000)) { current = start }

    func now() -> Date { lock.withLock { current } }
    func advance(_ seconds: TimeInterval) { lock.withLock { current += seconds } }
    func set(_ date: Date) { lock.withLock { current = date } }
}
