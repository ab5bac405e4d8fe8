// The append-only audit trail: who did what, when, from where, on what, with what outcome.
import Fluent
import Vapor
import Foundation

struct AuditLog: Sendable {
    let db: any Database
    let portal: Portal

    struct Actor: Sendable {
        let id: UUID?
        let name: String
        let address: String
    }

    /// `details` must already be masked where it carries personal data that the viewers do not need.
    func record(_ actor: Actor, action: String, target: String, unit: Unit?, outcome: String = "ok", details: [String: String] = [:]) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(data: (try? encoder.encode(details)) ?? Data("{}".utf8), encoding: .utf8) ?? "{}"
        // Plain SQL: officers' look-ups write one record each, and the ORM's insert cost more than the row.
        try await db.sql.raw("""
            INSERT INTO audit_events (id, at, actor_id, actor_name, client_address, action, target, unit_path, outcome, details)
            VALUES (\(bind: UUID()), \(bind: portal.time.now()), \(bind: actor.id), \(bind: actor.name), \(bind: actor.address),
                    \(bind: action), \(bind: target), \(bind: unit?.path), \(bind: outcome), \(bind: json))
            """).run()
    }
}

extension Request {
    var auditActor: AuditLog.Actor {
        AuditLog.Actor(id: signedIn?.account.id, name: signedIn?.account.fullName ?? "(anonymous)", address: clientAddress)
    }
}
