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
        let sms = try await passwordSMSStates(found.items.map(\.id))
        let names = try await StaffDirectory(db: db).unitNames(found.items.compactMap(\.createdAtUnit))
        return (found.items.map { ListedAccount(account: $0, passwordSMS: sms[$0.id], unitName: $0.createdAtUnit.flatMap { names[$0] } ?? "") },
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

    /// Read with plain SQL into `CreatedAccount`: building a full Fluent model per row walks every field by
    /// reflection, a large share of a list page's CPU (`bench/`).
    func createdBy(_ staff: StaffContext, at units: [Unit], q: String, page: Int, per: Int) async throws -> (items: [CreatedAccount], total: Int) {
        func filtered<B: SQLPredicateBuilder>(_ builder: B) -> B {
            var b = builder.where(SQLIdentifier("created_by"), .equal, SQLBind(staff.account.id))
                .where(SQLIdentifier("created_at_unit"), .in, SQLBind.group(units.compactMap(\.id)))
            let term = Text.searchTerm(q)
            if !term.isEmpty {
                let digits = term.filter(\.isNumber)
                if digits.count == term.filter({ !$0.isWhitespace }).count {
                    b = b.where(SQLIdentifier("id_number"), .like, SQLBind("%\(digits)%"))
                } else {
                    let key = Text.searchKey(term).filter { $0 != "%" && $0 != "_" && $0 != "\\" }
                    b = b.where(SQLIdentifier("name_key"), .like, SQLBind("%\(key)%"))
                }
            }
            return b
        }
        let total = try await filtered(db.sql.select().column(SQLCount.expression).from(Account.schema)).firstRecord(SQLCount.self)?.count ?? 0
        let items = try await filtered(db.sql.select().column(CreatedAccount.columns()).from(Account.schema))
            .orderBy("created_at", .descending).limit(per).offset((page - 1) * per)
            .allRecords(CreatedAccount.self)
        return (items, total)
    }

    /// The newest password SMS of each account, for the list. Plain SQL: a list page reads a hundred of them, and the ORM's
    /// decoding of whole messages cost more than the query.
    func passwordSMSStates(_ accounts: [UUID]) async throws -> [UUID: SMSState] {
        guard !accounts.isEmpty else { return [:] }
        let states = try await db.sql.raw("""
            SELECT \(SMSState.columns()) FROM outbox_messages
            WHERE kind = \(bind: OutboxMessage.Kind.password.rawValue) AND flow_id IN (\(binds: accounts)) ORDER BY created_at
            """).allRecords(SMSState.self)
        var latest: [UUID: SMSState] = [:]
        for state in states { latest[state.flowID] = state }
        return latest
    }
}

/// What the counter shows of an SMS: its fate and when, never its text.
struct SMSState: SQLRecord {
    let id: UUID, flowID: UUID, kind: OutboxMessage.Kind, status: OutboxMessage.Status, attempts: Int
    let lastError: String?, createdAt: Date, sentAt: Date?

    enum CodingKeys: CodingKey, CaseIterable { case id, flowID, kind, status, attempts, lastError, createdAt, sentAt }
}
