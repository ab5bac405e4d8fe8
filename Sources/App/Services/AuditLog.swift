// The append-only audit trail: who did what, when, from where, on what, with what outcome.
import Domain
import Fluent
import SQLKit
import Foundation

struct AuditLog: Sendable {
    let db: any Database
    let portal: Portal

    struct Actor: Sendable {
        let id: UUID?
        let name, address: String
    }

    /// `details` must already be masked where it carries personal data that the viewers do not need.
    func record(_ actor: Actor, action: String, target: String, unit: Unit?, outcome: String = "ok", details: [String: String] = [:]) async throws {
        // Plain SQL: officers' look-ups write one record each, and the ORM's insert cost more than the row.
        try await db.sql.raw("""
            INSERT INTO audit_events (\(Self.columns))
            VALUES (\(fields(actor, action: action, target: target, unit: unit, outcome: outcome)), \(bind: Self.json(details)))
            """).run()
    }

    /// An officer's ID look-up: whether an account has `idNumber` is read by the statement that writes the
    /// look-up's record, so there is no answer without its record, in one round trip.
    /// What the look-up found: an account, and whether that account signs in only with the e-ID (no password).
    struct LookupResult: Sendable, Equatable {
        let exists, eidOnly: Bool
    }

    func recordLookup(_ actor: Actor, idNumber: IDNumber, unit: Unit?) async throws -> LookupResult {
        let found = Self.lookupFound, notFound = Self.lookupNotFound, eidOnly = Self.lookupEIDOnly
        let row = try await db.sql.raw("""
            INSERT INTO audit_events (\(Self.columns))
            SELECT \(fields(actor, action: "citizen.lookup", target: "id:\(idNumber.masked)", unit: unit, outcome: "ok")),
                   CASE WHEN EXISTS (SELECT 1 FROM accounts WHERE id_number = \(bind: idNumber.digits) AND password_hash <> \(bind: Account.noPassword)) THEN \(bind: found)
                        WHEN EXISTS (SELECT 1 FROM accounts WHERE id_number = \(bind: idNumber.digits)) THEN \(bind: eidOnly)
                        ELSE \(bind: notFound) END
            RETURNING details
            """).firstRecord(Written.self)
        return LookupResult(exists: row?.details == found || row?.details == eidOnly, eidOnly: row?.details == eidOnly)
    }

    /// A sign-in (page or API) by an account that holds any staff right, recorded at the unit of its highest
    /// grant (so its administrators see it); a citizen's sign-in writes nothing. One statement, no read first.
    func recordStaffSignIn(_ actor: Actor, account: UUID, via: String) async throws {
        try await db.sql.raw("""
            INSERT INTO audit_events (\(Self.columns))
            SELECT \(fields(actor, action: "console.sign_in", target: "account:\(account.uuidString.lowercased())", unitPath: "u.path",
                            outcome: "ok")), \(bind: Self.json(["via": via]))
            FROM staff_roles r JOIN units u ON u.id = r.unit_id
            WHERE r.account_id = \(bind: account) AND r.revoked_at IS NULL
            ORDER BY LENGTH(u.path) LIMIT 1
            """).run()
    }

    private struct Written: SQLRecord {
        let details: String
        enum CodingKeys: CodingKey, CaseIterable { case details }
    }

    /// The look-up's two possible details, encoded once.
    private static let lookupFound = json(["exists": "true"]), lookupNotFound = json(["exists": "false"]),
                       lookupEIDOnly = json(["exists": "true", "eidOnly": "true"])

    /// Every column of a record, `details` last.
    private static let columns: SQLQueryString = "id, at, actor_id, actor_name, client_address, action, target, unit_path, outcome, details"

    /// The values of `columns` but `details`.
    private func fields(_ actor: Actor, action: String, target: String, unit: Unit?, outcome: String) -> SQLQueryString {
        fields(actor, action: action, target: target, unitPath: "\(bind: unit?.path)", outcome: outcome)
    }

    /// The same with the unit's path given as SQL (a column of the statement's own rows).
    private func fields(_ actor: Actor, action: String, target: String, unitPath: SQLQueryString, outcome: String) -> SQLQueryString {
        "\(bind: UUID()), \(bind: portal.time.now()), \(bind: actor.id), \(bind: actor.name), \(bind: actor.address), \(bind: action), \(bind: target), \(unitPath), \(bind: outcome)"
    }

    private static func json(_ details: [String: String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(data: (try? encoder.encode(details)) ?? Data("{}".utf8), encoding: .utf8) ?? "{}"
    }
}
