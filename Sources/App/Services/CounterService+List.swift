// The accounts an officer created, newest first, with the fate of each one's password SMS.
import Domain
import Fluent
import Foundation
import SQLKit

extension CounterService {
    // MARK: The list

    /// One row of the list, with the fate of the account's password SMS and the unit where it was made.
    struct ListedAccount: Sendable {
        let account: CreatedAccount
        let passwordSMS: SMSState?
        let unitName: String
    }

    /// The accounts the caller created at the units where they hold the right now, for the page and the API
    /// alike: a revoked or locked officer is refused (403), and an officer who moved units no longer lists the
    /// old unit's citizens.
    func list(_ staff: StaffContext, q: String, page: Int, per: Int) async throws -> (items: [ListedAccount], total: Int) {
        let units = try await requireOfficer(staff, language: .vi)
        let found = try await createdBy(staff, at: units, q: q, page: page, per: per)
        // Every row was made at one of these units (the query keeps to them): their names are at hand.
        let names = Dictionary(units.compactMap { unit in unit.id.map { ($0, unit.name) } }, uniquingKeysWith: { first, _ in first })
        return (found.items.map { ListedAccount(account: $0.account, passwordSMS: $0.passwordSMS,
                                                unitName: $0.account.createdAtUnit.flatMap { names[$0] } ?? "") },
                found.total)
    }

    /// One row of an officer's list: just what the list shows.
    struct CreatedAccount: SQLRecord {
        let id: UUID
        let idNumber, fullName, phone: String
        let createdAtUnit: UUID?
        let createdAt: Date
        let passwordTemporary: Bool

        enum CodingKeys: CodingKey, CaseIterable { case id, idNumber, fullName, phone, createdAtUnit, createdAt, passwordTemporary }
    }

    /// A page of the accounts the officer made at `units`, newest first, each with its newest password SMS, and how
    /// many the search finds in all: one statement (the count a subquery, the SMS a join), read into plain records
    /// (building a Fluent model per row walks every field by reflection, a large share of a list's CPU). The index
    /// on (creator, time, unit) serves both: the count reads the index alone, the page walks it newest first and
    /// reads just its own rows.
    func createdBy(_ staff: StaffContext, at units: [Unit], q: String, page: Int, per: Int) async throws
        -> (items: [(account: CreatedAccount, passwordSMS: SMSState?)], total: Int) {
        var filter: SQLQueryString = "a.created_by = \(bind: staff.account.id) AND a.created_at_unit IN (\(binds: units.compactMap(\.id)))"
        let term = Text.searchTerm(q)
        if !term.isEmpty {
            let digits = term.filter(\.isNumber)
            if digits.count == term.filter({ !$0.isWhitespace }).count {
                filter += " AND a.id_number LIKE \(bind: "%\(digits)%")"
            } else {
                let key = Text.searchKey(term).filter { $0 != "%" && $0 != "_" && $0 != "\\" }
                filter += " AND a.name_key LIKE \(bind: "%\(key)%")"
            }
        }
        let rows = try await db.sql.raw("""
            SELECT \(CreatedAccount.columns(from: "a")), \(SMSState.columns(from: "m", prefix: "sms_")),
                   (SELECT COUNT(*) FROM accounts a WHERE \(filter)) AS total
            FROM accounts a
            LEFT JOIN outbox_messages m ON m.id = \(Self.newestPasswordSMS(of: "a.id"))
            WHERE \(filter)
            ORDER BY a.created_at DESC LIMIT \(literal: per) OFFSET \(literal: (page - 1) * per)
            """).all()
        guard let first = rows.first else {
            // Past the last page (or nothing found): the count alone.
            let total = try await db.sql.raw("SELECT COUNT(*) AS count FROM accounts a WHERE \(filter)").firstRecord(SQLCount.self)?.count ?? 0
            return ([], total)
        }
        let items = try rows.map { row in (try row.record(CreatedAccount.self), try? row.record(SMSState.self, prefix: "sms_")) }
        return (items, try first.decode(column: "total", as: Int.self))
    }

    /// The newest password SMS of one account. Plain SQL: the ORM's decoding of a whole message cost more than the query.
    func passwordSMS(of account: UUID) async throws -> SMSState? {
        try await db.sql.raw("SELECT \(SMSState.columns(from: "m")) FROM outbox_messages m WHERE m.id = \(Self.newestPasswordSMS(of: "\(bind: account)"))")
            .firstRecord(SMSState.self)
    }

    /// The id of the newest password SMS of the account `account` (an SQL expression), as a subquery: the one rule the
    /// list and a single account's page read it by.
    static func newestPasswordSMS(of account: SQLQueryString) -> SQLQueryString {
        """
        (SELECT o.id FROM outbox_messages o WHERE o.flow_id = \(account) AND o.kind = \(bind: OutboxMessage.Kind.password.rawValue)
         ORDER BY o.created_at DESC LIMIT 1)
        """
    }
}

/// What the counter shows of an SMS: its fate and when, never its text.
struct SMSState: SQLRecord {
    let id: UUID, flowID: UUID, kind: OutboxMessage.Kind, status: OutboxMessage.Status, attempts: Int
    let lastError: String?, createdAt: Date, sentAt: Date?

    enum CodingKeys: CodingKey, CaseIterable { case id, flowID, kind, status, attempts, lastError, createdAt, sentAt }
}
