// How many ID-card uploads one process takes in at once. Each holds its whole body (up to 5 MB + 64 KB) in memory
// while it is collected, inspected and encrypted, and a few copies of it on the way to the database; many at
// once grow the server by hundreds of megabytes and starve the database pool until other requests fail. Uploads beyond the
// slots wait, their bodies left unread in the socket, and are refused with 503 and Retry-After if no slot frees.
// Once it holds a slot, a body must arrive within the time limit: a sender trickling bytes is answered 408 and
// its slot goes to the next upload. What it still sends is read (at most the size limit) by an "overdue" reading
// that no slot covers; while a few of those are open, new uploads are refused at once, so memory stays bounded.
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

final class UploadGate: Sendable {
    let slots: Int
    let wait: Duration
    /// How long a body may take to arrive once it holds a slot.
    let timeLimit: Duration
    /// Bodies past their time limit still being read; at this many, new uploads are refused at once.
    let maxOverdue: Int

    private struct State {
        var free: Int
        var overdue = 0
        var nextTicket = 0
        var waiting: [(ticket: Int, continuation: CheckedContinuation<Bool, Never>)] = []
        /// The accounts holding or waiting for a slot: one each.
        var holders: Set<UUID> = []
    }

    private let state: NIOLockedValueBox<State>
    /// One thread per slot for the uploads' CPU work. Not the shared blocking pool: SQLite runs its queries
    /// there, and a readiness check queued behind two 5 MB parses waits seconds.
    private let pool: NIOThreadPool

    init(slots: Int = 2, wait: Duration = .seconds(15), timeLimit: Duration = .seconds(60)) {
        self.slots = max(1, slots)
        self.wait = wait
        self.timeLimit = timeLimit
        self.maxOverdue = 2 * max(1, slots)
        state = NIOLockedValueBox(State(free: max(1, slots)))
        pool = NIOThreadPool(numberOfThreads: max(1, slots))
        pool.start()
    }

    func shutdown() async {
        try? await pool.shutdownGracefully()
    }

    /// Runs `body` holding a slot; throws `busy` when none frees within `wait`, or at once while too many
    /// overdue bodies are still being read.
    /// With `account`, that account holds at most one slot (or place in the queue) at a time: one caller's slow
    /// bodies cannot take every slot.
    func withSlot<T: Sendable>(for account: UUID? = nil, retryAt: @autoclosure () -> Date, _ body: () async throws -> T) async throws -> T {
        if let account {
            let first = state.withLockedValue { $0.holders.insert(account).inserted }
            guard first else { throw Self.busy(retryAt: retryAt()) }
        }
        defer { if let account { _ = state.withLockedValue { $0.holders.remove(account) } } }
        guard overdue < maxOverdue, await acquire() else { throw Self.busy(retryAt: retryAt()) }
        defer { release() }
        return try await body()
    }

    /// Uploads in progress right now, for tests and metrics.
    var inUse: Int { state.withLockedValue { slots - $0.free } }

    /// Uploads waiting for a slot right now.
    var queued: Int { state.withLockedValue { $0.waiting.count } }

    /// Bodies answered 408 that their senders are still sending.
    var overdue: Int { state.withLockedValue { $0.overdue } }

    /// Waits for `reading` (a body being collected) until the time limit; past it, throws `too_slow` and leaves
    /// the reading to finish or fail on its own, counted as overdue until it does.
    func withinTimeLimit<T: Sendable>(_ reading: EventLoopFuture<T>) async throws -> T {
        let settled = NIOLockedValueBox(false)
        let limit = TimeAmount.nanoseconds(Int64(timeLimit.components.seconds) * 1_000_000_000
                                           + timeLimit.components.attoseconds / 1_000_000_000)
        return try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
            let timer = reading.eventLoop.scheduleTask(in: limit) { [self] in
                guard settled.withLockedValue({ s in defer { s = true }; return !s }) else { return }
                state.withLockedValue { $0.overdue += 1 }
                reading.whenComplete { [self] _ in state.withLockedValue { $0.overdue -= 1 } }
                c.resume(throwing: Self.tooSlow)
            }
            reading.whenComplete { result in
                guard settled.withLockedValue({ s in defer { s = true }; return !s }) else { return }
                timer.cancel()
                c.resume(with: result)
            }
        }
    }

    private func acquire() async -> Bool {
        let ticket: Int? = state.withLockedValue { s in
            if s.free > 0 { s.free -= 1; return nil }
            s.nextTicket += 1
            return s.nextTicket
        }
        guard let ticket else { return true }
        let wait = self.wait
        return await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
            // A slot may have been released between the check above and now: take it at once if so.
            let now = state.withLockedValue { s -> Bool in
                if s.free > 0 { s.free -= 1; return true }
                s.waiting.append((ticket, c))
                return false
            }
            if now { c.resume(returning: true); return }
            Task { [weak self] in
                try? await Task.sleep(for: wait)
                self?.expire(ticket)
            }
        }
    }

    private func expire(_ ticket: Int) {
        let waiter = state.withLockedValue { s -> CheckedContinuation<Bool, Never>? in
            guard let i = s.waiting.firstIndex(where: { $0.ticket == ticket }) else { return nil }
            return s.waiting.remove(at: i).continuation
        }
        waiter?.resume(returning: false)
    }

    /// Hands the slot straight to the longest waiter, so a steady stream cannot starve it.
    private func release() {
        let waiter = state.withLockedValue { s -> CheckedContinuation<Bool, Never>? in
            if s.waiting.isEmpty { s.free += 1; return nil }
            return s.waiting.removeFirst().continuation
        }
        waiter?.resume(returning: true)
    }

    static let tooSlow = AppError(.requestTimeout, "too_slow",
                                  Msg("Tệp gửi lên quá chậm nên đã bị dừng. Vui lòng kiểm tra đường truyền và gửi lại.",
                                      "The file arrived too slowly and was stopped. Please check the connection and send it again."))

    static func busy(retryAt: Date) -> AppError {
        AppError(.serviceUnavailable, "busy",
                 Msg("Hệ thống đang nhận nhiều tệp cùng lúc. Vui lòng gửi lại sau ít giây.",
                     "The system is receiving many files at once. Please send again in a few seconds."),
                 retryAt: retryAt)
    }

    /// Parsing, inspecting and encrypting a 5 MB scan are plain CPU work: done on the gate's own threads, they
    /// leave Swift's few cooperative threads, and the database's, to the requests that only wait on it.
    func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.runIfActive(work)
    }
}
