// Sends queued SMS through the gateway: claims rows with a lease, retries with back-off, records each outcome.
import Fluent
import NIOConcurrencyHelpers
import Foundation
import SMSGateway
import SQLKit
import Vapor

struct OutboxWorker: Sendable {
    let db: any Database
    let portal: Portal
    let logger: Logger
    var batchSize = 50
    /// Messages in flight at once when running continuously. The gateway client keeps as many connections
    /// (configure.swift), so no request waits for a connection and the 5-second limit measures the gateway.
    static let maxInFlight = 64
    /// Long enough to cover one gateway call with its 5-second timeout many times over.
    var lease: TimeInterval = 60

    /// One round: claim due messages, send them concurrently, record the results. Returns how many were claimed.
    @discardableResult
    func runOnce() async throws -> Int {
        let claimed = try await claim()
        guard !claimed.isEmpty else { return 0 }
        await withTaskGroup(of: Void.self) { group in
            for row in claimed {
                group.addTask { await self.deliver(row) }
            }
        }
        return claimed.count
    }

    /// Runs until the task is cancelled or the portal stops (then the messages in flight are finished and recorded). Keeps up to `maxInFlight` messages in flight and claims more as soon
    /// as a slot frees, rather than waiting for a whole batch: one slow answer no longer holds back the 49
    /// messages claimed with it. Wakes when a message is queued, when a full window frees a slot, or every second.
    func run() async {
        logger.info("Outbox worker started")
        let inFlight = NIOLockedValueBox(0)
        var lastProbe = Date.distantPast
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled && !portal.shutdown.isStopping {
                if portal.time.now().timeIntervalSince(lastProbe) >= Self.probeInterval {
                    lastProbe = portal.time.now()
                    do {
                        if let row = try await claimProbe() {
                            inFlight.withLockedValue { $0 += 1 }
                            group.addTask {
                                await self.deliver(row)
                                inFlight.withLockedValue { $0 -= 1 }
                            }
                        }
                    } catch {
                        logger.error("Outbox probe failed: \(ErrorKind.of(error))")
                    }
                }
                let wanted = min(batchSize, Self.maxInFlight - inFlight.withLockedValue { $0 })
                var claimed = 0
                if wanted > 0 {
                    do {
                        let rows = try await claim(limit: wanted)
                        claimed = rows.count
                        inFlight.withLockedValue { $0 += rows.count }
                        for row in rows {
                            group.addTask {
                                await self.deliver(row)
                                let wasFull = inFlight.withLockedValue { n -> Bool in
                                    defer { n -= 1 }
                                    return n >= Self.maxInFlight
                                }
                                if wasFull { self.portal.outboxSignal.notify() }
                            }
                        }
                    } catch {
                        logger.error("Outbox round failed: \(ErrorKind.of(error))")
                    }
                }
                if wanted > 0 && claimed == wanted { continue }
                await portal.outboxSignal.wait(timeout: .seconds(1))
            }
        }
    }

    struct Claimed: SQLRecord {
        let id: UUID
        let reference, recipient: String
        let textSealed: Data?
        let kind: String
        let attempts: Int
        let expiresAt: Date?
        let giveUpAt: Date

        enum CodingKeys: CodingKey, CaseIterable { case id, reference, recipient, textSealed, kind, attempts, expiresAt, giveUpAt }
    }

    /// While messages wait out a back-off after failures, one of them is tried this often whatever its back-off
    /// says: the gateway's recovery is noticed within seconds, and a down gateway sees one try per interval.
    static let probeInterval: TimeInterval = 5

    /// Claims the failed message due soonest, even if not due yet, to learn whether the gateway is back.
    func claimProbe() async throws -> Claimed? {
        let now = portal.time.now()
        return try await claim(where: "attempts > 0 AND next_attempt_at > \(bind: now)", limit: 1, now: now).first
    }

    /// Tries the probe message now (what `run` does every few seconds); true when there was one.
    @discardableResult
    func probeOnce() async throws -> Bool {
        guard let row = try await claimProbe() else { return false }
        await deliver(row)
        return true
    }

    /// One statement marks the rows as ours, so two workers (or two instances) never send the same row at
    /// once; PostgreSQL skips rows another worker is claiming instead of waiting for it.
    func claim(limit: Int? = nil) async throws -> [Claimed] {
        let now = portal.time.now()
        return try await claim(where: "next_attempt_at <= \(bind: now)", limit: limit ?? batchSize, now: now)
    }

    /// Leases up to `limit` queued messages matching `condition`, soonest due first.
    private func claim(where condition: SQLQueryString, limit: Int, now: Date) async throws -> [Claimed] {
        let lock: SQLQueryString = db.isSQLite ? "" : "FOR UPDATE SKIP LOCKED"
        return try await db.sql.raw("""
            UPDATE outbox_messages SET lease_until = \(bind: now.addingTimeInterval(lease)), attempts = attempts + 1, updated_at = \(bind: now)
            WHERE id IN (
                SELECT id FROM outbox_messages
                WHERE status = 'queued' AND \(condition) AND (lease_until IS NULL OR lease_until < \(bind: now))
                ORDER BY next_attempt_at LIMIT \(bind: limit) \(lock)
            )
            RETURNING \(Claimed.columns())
            """).allRecords(Claimed.self)
    }

    private func deliver(_ row: Claimed) async {
        let now = portal.time.now()
        do {
            if let expiresAt = row.expiresAt, expiresAt <= now {
                try await finish(row, status: .expired, error: "code expired before it could be sent")
                portal.metrics.outboxResult("expired")
                return
            }
            guard let sealed = row.textSealed else {
                try await finish(row, status: .failed, error: "text missing")
                return
            }
            let text = String(decoding: try Sealed.open(Array(sealed), key: portal.keys.dataEncryption, context: Outbox.context(row.id)), as: UTF8.self)
            let outcome = await portal.sms.send(SMSMessage(to: row.recipient, text: text, reference: row.reference))
            switch outcome {
            case .accepted:
                try await finish(row, status: .sent, error: nil)
                portal.metrics.outboxResult("sent")
                if row.attempts > 1 { try await gatewayRecovered() }
            case let .permanent(raw):
                let answer = Self.printable(raw)
                logger.warning("SMS \(row.reference) refused by the gateway: \(answer)")
                try await finish(row, status: .failed, error: answer)
                portal.metrics.outboxResult("failed")
            case let .retry(raw):
                let reason = Self.printable(raw)
                let next = portal.time.now().addingTimeInterval(Self.backoff(attempt: row.attempts, code: row.expiresAt != nil))
                if next > row.giveUpAt {
                    try await finish(row, status: .failed, error: "gave up after 24 hours: \(reason)")
                    portal.metrics.outboxResult("failed")
                } else {
                    try await OutboxMessage.query(on: db).filter(\.$id == row.id)
                        .set(\.$nextAttemptAt, to: next).set(\.$leaseUntil, to: nil)
                        .set(\.$lastError, to: reason).set(\.$updatedAt, to: portal.time.now())
                        .update()
                    portal.metrics.outboxResult("retry")
                }
            }
        } catch {
            // The lease runs out and the row is tried again; nothing is lost.
            logger.error("Outbox delivery of \(row.reference) failed to record: \(ErrorKind.of(error))")
        }
    }

    private func finish(_ row: Claimed, status: OutboxMessage.Status, error: String?) async throws {
        let now = portal.time.now()
        try await OutboxMessage.query(on: db).filter(\.$id == row.id)
            .set(\.$status, to: status)
            .set(\.$textSealed, to: nil)
            .set(\.$leaseUntil, to: nil)
            .set(\.$lastError, to: error)
            .set(\.$sentAt, to: status == .sent ? now : nil)
            .set(\.$updatedAt, to: now)
            .update()
    }

    /// 1 s, 2 s, 4 s … capped at 5 minutes for notices and at 1 minute for codes (they expire in minutes, so a
    /// code waiting 5 minutes for its next try would arrive dead), each with ±20 % jitter so that a recovering
    /// gateway is not hit by every waiting message at the same instant.
    static func backoff(attempt: Int, code: Bool = false) -> TimeInterval {
        let base = min(code ? 60 : 300, pow(2, Double(max(0, attempt - 1))))
        return base * Double.random(in: 0.8...1.2)
    }

    /// A message that had failed has just been accepted: the gateway is back, so the messages waiting out their
    /// back-off are due now instead of minutes later. The in-flight window still limits how many go at once.
    private func gatewayRecovered() async throws {
        let now = portal.time.now()
        try await db.sql.raw("""
            UPDATE outbox_messages SET next_attempt_at = \(bind: now)
            WHERE status = 'queued' AND attempts > 0 AND next_attempt_at > \(bind: now) AND lease_until IS NULL
            """).run()
        portal.outboxSignal.notify()
    }

    /// What the gateway answered, fit to store: a gateway answering garbage sent a NUL byte, which PostgreSQL
    /// refuses in text, so the outcome was never recorded and the message waited out its 60-second lease.
    static func printable(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.prefix(300).map {
            $0.properties.generalCategory == .control || $0.properties.generalCategory == .format ? "?" : $0
        }))
    }

    /// How many SMS wait to be sent, and since when the oldest of them waits.
    static func queueState(on db: any Database) async throws -> (depth: Int, oldest: Date?) {
        guard let row = try await db.sql.raw("""
            SELECT COUNT(*) AS depth, MIN(created_at) AS oldest FROM \(ident: OutboxMessage.schema)
            WHERE status = \(bind: OutboxMessage.Status.queued.rawValue)
            """).first() else { return (0, nil) }
        return (try row.decode(column: "depth", as: Int.self), try row.decode(column: "oldest", as: Date?.self))
    }
}
