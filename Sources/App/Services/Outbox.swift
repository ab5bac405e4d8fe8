// Putting SMS into the outbox, inside the caller's transaction; the worker sends them after commit.
import Fluent
import Foundation
import NIOConcurrencyHelpers
import Domain

struct Outbox: Sendable {
    let db: any Database
    let portal: Portal

    /// Queues one message. `text` is folded to GSM without diacritics here, the one place texts leave.
    /// For an OTP, `flowID` ties it to its flow and `expiresAt` to its code: a newer code for the same
    /// flow marks this one expired, and the worker never sends a dead code.
    @discardableResult
    func enqueue(to phone: PhoneNumber, text: String, kind: OutboxMessage.Kind, flowID: UUID? = nil, expiresAt: Date? = nil) async throws -> OutboxMessage {
        let now = portal.time.now()
        if kind == .otp, let flowID {
            try await OutboxMessage.query(on: db)
                .filter(\.$flowID == flowID)
                .filter(\.$status == .queued)
                .set(\.$status, to: .expired)
                .set(\.$textSealed, to: nil)
                .set(\.$lastError, to: "replaced by a newer code")
                .set(\.$updatedAt, to: now)
                .update()
        }
        let message = OutboxMessage()
        let id = UUID()
        message.id = id
        message.reference = id.uuidString.lowercased()
        message.recipient = phone.e164
        message.textSealed = Data(try Sealed.seal(Array(Self.fit(text).utf8), key: portal.keys.dataEncryption, context: Self.context(id)))
        message.kind = kind
        message.flowID = flowID
        message.status = .queued
        message.attempts = 0
        message.nextAttemptAt = now
        message.expiresAt = expiresAt
        message.giveUpAt = now.addingTimeInterval(24 * 3600)
        message.createdAt = now
        message.updatedAt = now
        try await message.create(on: db)
        portal.outboxSignal.notify()
        return message
    }

    /// Folds to GSM 7-bit without diacritics and cuts to one SMS (160 septets). Texts put what matters
    /// (the code, the password) first, so a long configured portal name can only cost the tail.
    static func fit(_ text: String) -> String {
        var folded = SMSText.fold(text)
        while SMSText.septets(folded) > SMSText.maxSeptets { folded.removeLast() }
        return folded
    }

    static func context(_ id: UUID) -> String { "outbox:\(id.uuidString.lowercased())" }
}

/// Wakes the worker when a message is queued, so an SMS goes out at once rather than at the next poll.
final class OutboxSignal: Sendable {
    private let state = NIOLockedValueBox<(pending: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    func notify() {
        let waiter = state.withLockedValue { s -> CheckedContinuation<Void, Never>? in
            if let w = s.waiter { s.waiter = nil; return w }
            s.pending = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns when notified or after `timeout`, whichever comes first.
    func wait(timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                    let resumeNow = self.state.withLockedValue { s -> Bool in
                        if s.pending { s.pending = false; return true }
                        s.waiter = c
                        return false
                    }
                    if resumeNow { c.resume() }
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                self.notify()
            }
            await group.next()
            group.cancelAll()
        }
        state.withLockedValue { $0.pending = false }
    }
}
