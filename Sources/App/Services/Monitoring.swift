// What the operator's probes read: whether the database answers, and the metrics with the outbox's depth and age.
import Fluent
import Foundation
import SQLKit

struct Monitoring: Sendable {
    let db: any Database
    let portal: Portal

    /// Nil when the database answers; otherwise why not, for the log.
    func databaseProblem() async -> String? {
        do {
            _ = try await db.sql.raw("SELECT 1 AS ok").first()
            return nil
        } catch {
            return ErrorKind.of(error)
        }
    }

    /// The Prometheus text of every metric, with the outbox's depth read now (left as it was when the
    /// database does not answer).
    func metricsText() async -> [UInt8] {
        if let queue = try? await OutboxWorker.queueState(on: db) {
            portal.metrics.outboxDepth(queue.depth)
            portal.metrics.outboxOldest(seconds: queue.oldest.map { max(0, portal.time.now().timeIntervalSince($0)) } ?? 0)
        }
        var buffer: [UInt8] = []
        portal.metrics.registry.emit(into: &buffer)
        return buffer
    }
}
