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
        try await db.sql.raw(recording(actor, action: action, target: target, unit: unit, outcome: outcome, details: details, from: "")).run()
    }

    /// The statement of `record`, its `SELECT` ended by `from`: a `FROM` of another part of a larger statement writes
    /// the record only for that part's rows (a token's record only when its code was spent).
    func recording(_ actor: Actor, action: String, target: String, unit: Unit?, outcome: String = "ok", details: [String: String] = [:],
                   from: SQLQueryString) -> SQLQueryString {
        """
        INSERT INTO audit_events (\(Self.columns))
        SELECT \(fields(actor, action: action, target: target, unit: unit, outcome: outcome)), \(bind: Self.json(details)) \(from)
        """
    }

    /// What the look-up found: an account, and whether that account signs in only with the e-ID (no password).
    struct LookupResult: Sendable, Equatable {
        let exists, eidOnly: Bool
    }

    /// An officer's ID look-up, counted against `limit` first: whether an account has `idNumber` is read by the
    /// statement that writes the look-up's record, so there is no answer without its record, and the count, the
    /// answer and its record commit together (one statement on PostgreSQL). Refused by the limit, nothing is
    /// recorded and the answer is nil.
    func recordLookup(_ actor: Actor, idNumber: IDNumber, unit: Unit?, counting key: String, limit: RateLimit) async throws
        -> (RateDecision, LookupResult?) {
        let (decision, row) = try await RateLimiter(db: db, now: portal.time.now())
            .hit(key, limit, then: { [self] gate in lookupStatement(actor, idNumber: idNumber, unit: unit, gate: gate) }, reading: Written.self)
        return (decision, row.map { Self.lookupResult($0) })
    }

    /// The look-up's record, whose details say what was found; `gate` ends its `SELECT` (see `RateLimiter.hit`).
    private func lookupStatement(_ actor: Actor, idNumber: IDNumber, unit: Unit?, gate: SQLQueryString) -> SQLQueryString {
        let found = Self.lookupFound, notFound = Self.lookupNotFound, eidOnly = Self.lookupEIDOnly
        return """
            INSERT INTO audit_events (\(Self.columns))
            SELECT \(fields(actor, action: "citizen.lookup", target: "id:\(idNumber.masked)", unit: unit, outcome: "ok")),
                   CASE WHEN EXISTS (SELECT 1 FROM accounts WHERE id_number = \(bind: idNumber.digits) AND password_hash <> \(bind: Account.noPassword)) THEN \(bind: found)
                        WHEN EXISTS (SELECT 1 FROM accounts WHERE id_number = \(bind: idNumber.digits)) THEN \(bind: eidOnly)
                        ELSE \(bind: notFound) END
            \(gate)
            RETURNING details
            """
    }

    private static func lookupResult(_ row: Written?) -> LookupResult {
        LookupResult(exists: row?.details == lookupFound || row?.details == lookupEIDOnly, eidOnly: row?.details == lookupEIDOnly)
    }

    /// A sign-in (page or API) by an account that holds any staff right, recorded at the unit of its highest
    /// grant (so its administrators see it); a citizen's sign-in writes nothing. One statement, no read first.
    func recordStaffSignIn(_ actor: Actor, account: UUID, via: String) async throws {
        try await db.sql.raw(staffSignIn(actor, account: account, via: via)).run()
    }

    /// The statement of `recordStaffSignIn`.
    func staffSignIn(_ actor: Actor, account: UUID, via: String) -> SQLQueryString {
        staffSignIn(account: "\(bind: account)", target: "\(bind: "account:\(account.uuidString.lowercased())")",
                    actorName: "\(bind: actor.name)", address: actor.address, via: via, from: "")
    }

    /// The same for a statement that decides the account itself (a sign-in's code check on PostgreSQL): `from` joins
    /// that statement's row source to the `FROM` (`CROSS JOIN …`), and `account`, `target` and the actor's name are SQL
    /// expressions over it.
    func staffSignIn(account: SQLQueryString, target: SQLQueryString, actorName: SQLQueryString, address: String, via: String,
                     from: SQLQueryString) -> SQLQueryString {
        """
        INSERT INTO audit_events (\(Self.columns))
        SELECT \(fields(actorID: account, actorName: actorName, address: address, action: "console.sign_in", target: target, unitPath: "u.path",
                        outcome: "ok")), \(bind: Self.json(["via": via]))
        FROM staff_roles r JOIN units u ON u.id = r.unit_id \(from)
        WHERE r.account_id = \(account) AND r.revoked_at IS NULL
        ORDER BY LENGTH(u.path) LIMIT 1
        """
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
        fields(actorID: "\(bind: actor.id)", actorName: "\(bind: actor.name)", address: actor.address, action: action,
               target: "\(bind: target)", unitPath: "\(bind: unit?.path)", outcome: outcome)
    }

    /// The same with the actor, the target and the unit's path given as SQL (columns of the statement's own rows).
    private func fields(actorID: SQLQueryString, actorName: SQLQueryString, address: String, action: String, target: SQLQueryString,
                        unitPath: SQLQueryString, outcome: String) -> SQLQueryString {
        "\(bind: UUID()), \(bind: portal.time.now()), \(actorID), \(actorName), \(bind: address), \(bind: action), \(target), \(unitPath), \(bind: outcome)"
    }

    private static func json(_ details: [String: String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(data: (try? encoder.encode(details)) ?? Data("{}".utf8), encoding: .utf8) ?? "{}"
    }
}
