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
        let event = AuditEvent()
        event.at = portal.time.now()
        event.actorID = actor.id
        event.actorName = actor.name
        event.clientAddress = actor.address
        event.action = action
        event.target = target
        event.unitPath = unit?.path
        event.outcome = outcome
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        event.details = String(data: (try? encoder.encode(details)) ?? Data("{}".utf8), encoding: .utf8) ?? "{}"
        try await event.create(on: db)
    }
}

extension Request {
    var auditActor: AuditLog.Actor {
        AuditLog.Actor(id: signedIn?.account.id, name: signedIn?.account.fullName ?? "(anonymous)", address: clientAddress)
    }
}
