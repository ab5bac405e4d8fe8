// Who holds which role where, who may administer what, and why someone cannot create citizen accounts.
import Domain
import Fluent
import Foundation
import SQLKit

/// A live role of a person at a unit.
struct Grant: Sendable {
    let role: StaffRole.Role
    let unit: Unit
}

struct StaffContext: Sendable {
    let account: AccountRecord
    /// Live grants at active units, whether or not the account may use them now: what "why can't I" explains.
    let held: [Grant]
    /// Every officer grant ever revoked, to tell "revoked" from "never granted".
    let hadOfficerRevoked: Bool

    /// The grants in force, from which every staff right below derives: none while the account is locked, so
    /// that a lock suspends every right at once, at every unit, on pages and API alike.
    var grants: [Grant] { account.status == .active ? held : [] }

    /// The strongest administrative role that covers `unit`, if any.
    func adminRole(over unit: Unit) -> StaffRole.Role? {
        grants.filter { $0.role >= .unit_admin && $0.unit.contains(unit) }.map(\.role).max()
    }

    var adminGrants: [Grant] { grants.filter { $0.role >= .unit_admin } }
    var isAdmin: Bool { !adminGrants.isEmpty }
    var isSuperAdmin: Bool { grants.contains { $0.role == .super_admin } }
    var isStaff: Bool { !grants.isEmpty }

    /// The one-stop units where this person may create citizen accounts.
    var officerUnits: [Unit] {
        grants.filter { $0.role == .officer && $0.unit.isOneStop }.map(\.unit)
    }

    /// May `role` be granted or revoked at `unit` by this person? Super admins: any role in their province
    /// (super_admin only at the province itself); unit admins: officer and member in their subtree.
    func mayManage(_ role: StaffRole.Role, at unit: Unit) -> Bool {
        guard let mine = adminRole(over: unit) else { return false }
        switch mine {
        case .super_admin: return role != .super_admin || unit.parentID == nil
        case .unit_admin: return role <= .officer
        default: return false
        }
    }
}

struct StaffDirectory: Sendable {
    let db: any Database

    func context(for account: AccountRecord) async throws -> StaffContext {
        // Every officer request reads this: the grants and their units in one plain query (Fluent's model
        // decoding, by reflection, cost more than the query itself).
        let rows = try await db.sql.raw("""
            SELECT \(Self.grantColumns) FROM staff_roles r JOIN units u ON u.id = r.unit_id
            WHERE r.account_id = \(bind: account.id)
            """).all()
        return try Self.context(for: account, grantRows: rows)
    }

    /// The select list of a grant and its unit: one place for what the staff rights are read from, whether alone
    /// (above) or with the session (`Sessions.authenticate`, through `grantJoin`).
    static var grantColumns: SQLQueryString { "\(GrantRow.columns(from: "r", prefix: "r_")), \(UnitRow.columns(from: "u", prefix: "u_"))" }

    /// The grants of the account aliased `a`, joined to its row: a row per grant, one row of NULLs when it has none.
    static let grantJoin: SQLQueryString = " LEFT JOIN staff_roles r ON r.account_id = a.id LEFT JOIN units u ON u.id = r.unit_id"

    /// The staff rights from rows of `grantColumns`: live grants at active units, and whether an officer grant was
    /// ever revoked. A row without a grant (the left join's NULLs) adds nothing.
    static func context(for account: AccountRecord, grantRows rows: [any SQLRow]) throws -> StaffContext {
        var grants: [Grant] = []
        var revokedOfficer = false
        for row in rows {
            guard try !row.decodeNil(column: "r_role") else { continue }
            let grant = try row.record(GrantRow.self, prefix: "r_")
            let unit = try row.record(UnitRow.self, prefix: "u_")
            if grant.revokedAt == nil && unit.active { grants.append(Grant(role: grant.role, unit: unit.unit)) }
            if grant.role == .officer && grant.revokedAt != nil { revokedOfficer = true }
        }
        return StaffContext(account: account, held: grants, hadOfficerRevoked: revokedOfficer)
    }

    /// A role row, as `context(for:)` reads it.
    private struct GrantRow: SQLRecord {
        let role: StaffRole.Role
        let revokedAt: Date?

        enum CodingKeys: CodingKey, CaseIterable { case role, revokedAt }
    }

    /// A unit row, as `context(for:)` reads it beside its grant.
    private struct UnitRow: SQLRecord {
        let id: UUID, name: String, nameKey: String, code: String?, parentID: UUID?, kind: Unit.Kind
        let path: String, active: Bool, createdAt: Date, updatedAt: Date

        enum CodingKeys: CodingKey, CaseIterable { case id, name, nameKey, code, parentID, kind, path, active, createdAt, updatedAt }

        var unit: Unit {
            Unit(id: id, name: name, nameKey: nameKey, code: code, parentID: parentID, kind: kind, path: path, active: active,
                 createdAt: createdAt, updatedAt: updatedAt)
        }
    }

    /// Every unit in the subtrees this person administers, sorted by path (a tree walk order).
    func unitsInScope(_ staff: StaffContext) async throws -> [Unit] {
        var result: [UUID: Unit] = [:]
        for grant in staff.adminGrants {
            let units = try await Unit.query(on: db).filter(\.$path, .custom("LIKE"), grant.unit.path + "%").all()
            for unit in units { result[unit.id!] = unit }
        }
        return result.values.sorted { $0.path < $1.path }
    }

    /// The admins who can grant rights at `unit`: its unit admins and those of every ancestor, and the
    /// province's super admins — by name, for "ask …" messages. A locked admin can grant nothing, so is not named;
    /// nor is the person asking (`excluding`): an admin is sent to the next person up, or to the support contacts
    /// when there is none.
    func adminsOver(_ unit: Unit, excluding asker: UUID? = nil) async throws -> [String] {
        let ancestorIDs = unit.path.split(separator: "/").compactMap { UUID(uuidString: String($0)) }
        let roles = try await StaffRole.query(on: db)
            .filter(\.$unitID ~~ ancestorIDs).filter(\.$revokedAt == nil)
            .filter(\.$role ~~ [.unit_admin, .super_admin]).all()
        let accounts = try await Account.query(on: db).filter(\.$id ~~ roles.map(\.accountID).filter { $0 != asker })
            .filter(\.$status == .active).all()
        return Array(Set(accounts.map(\.fullName))).sorted()
    }

    struct Reason: Sendable {
        let code: String
        let message: Msg
        let askWhom: [String]
    }

    /// Whether this person may create citizen accounts now, where, and if not, every reason why.
    struct CounterRights: Sendable {
        let oneStopUnits: [Unit]
        let reasons: [Reason]
        var canCreate: Bool { reasons.isEmpty && !oneStopUnits.isEmpty }
    }

    /// The one answer to "may this person create citizen accounts", for the console, the counter and the API.
    func counterRights(_ staff: StaffContext) async throws -> CounterRights {
        CounterRights(oneStopUnits: staff.officerUnits, reasons: try await reasons(staff))
    }

    /// The staff (any role, held or once held) of the units this admin administers, by name in Vietnamese
    /// order, for the audit trail's "who" filter; the admin themself first.
    func people(administeredBy staff: StaffContext) async throws -> [(id: UUID, name: String)] {
        let prefixes = staff.adminGrants.map(\.unit.path)
        guard !prefixes.isEmpty else { return [] }
        let scope = SQLGroupExpression(SQLList(prefixes.map { prefix in
            SQLBinaryExpression(SQLColumn("path", table: "u"), .like, SQLBind(prefix + "%"))
        }, separator: SQLRaw(" OR ")))
        let rows = try await db.sql.raw("""
            SELECT DISTINCT a.id, a.full_name FROM staff_roles r JOIN units u ON u.id = r.unit_id JOIN accounts a ON a.id = r.account_id
            WHERE \(scope)
            """).all()
        var people = try rows.map { (id: try $0.decode(column: "id", as: UUID.self), name: try $0.decode(column: "full_name", as: String.self)) }
        people.sort { VietnameseCollation.key($0.name) < VietnameseCollation.key($1.name) }
        if let me = people.firstIndex(where: { $0.id == staff.account.id }) { people.insert(people.remove(at: me), at: 0) }
        return people
    }

    /// Active units, in tree order, for a person choosing where they work.
    func activeUnits() async throws -> [Unit] {
        try await Unit.query(on: db).filter(\.$active == true).sort(\.$path).all()
    }

    /// Precisely why this person cannot create citizen accounts; empty when they can. Read from the grants
    /// held, in force or not, so that a locked officer hears of the lock and of nothing that is not the case.
    func reasons(_ staff: StaffContext) async throws -> [Reason] {
        var reasons: [Reason] = []
        let memberUnits = staff.held.map(\.unit)
        if staff.account.status != .active {
            reasons.append(Reason(code: "account_locked",
                                  message: Msg("Tài khoản của bạn đang bị khóa.", "Your account is locked."),
                                  askWhom: try await names(over: memberUnits, excluding: staff.account.id)))
        }
        let officerGrants = staff.held.filter { $0.role == .officer }
        if staff.held.isEmpty {
            reasons.append(Reason(code: "no_unit",
                                  message: Msg("Tài khoản chưa được gắn với Trung tâm Phục vụ hành chính công hoặc Bộ phận một cửa nào. Hãy gửi họ tên, số định danh và đơn vị công tác cho quản trị viên của đơn vị để được phân quyền.",
                                               "Your account is not assigned to any public administrative service centre or one-stop desk. Send your full name, ID number and unit to your unit's administrator to be granted the right."),
                                  askWhom: []))
        } else if officerGrants.isEmpty {
            if staff.hadOfficerRevoked {
                reasons.append(Reason(code: "right_revoked",
                                      message: Msg("Quyền tạo tài khoản công dân của bạn đã bị thu hồi.", "Your right to create citizen accounts was revoked."),
                                      askWhom: try await names(over: memberUnits, excluding: staff.account.id)))
            } else {
                reasons.append(Reason(code: "right_not_granted",
                                      message: Msg("Bạn chưa được cấp quyền tạo tài khoản công dân. Hãy gửi yêu cầu cấp quyền cho quản trị viên của đơn vị.",
                                                   "You have not been granted the right to create citizen accounts. Ask your unit's administrator for it."),
                                      askWhom: try await names(over: memberUnits, excluding: staff.account.id)))
            }
        } else if officerGrants.allSatisfy({ !$0.unit.isOneStop }) {
            for grant in officerGrants {
                let hint = UnitNameRule.hint(for: grant.unit.name)
                reasons.append(Reason(code: "unit_not_one_stop",
                                      message: hint.map { Msg($0) } ?? Msg("Đơn vị không phải đơn vị một cửa.", "The unit is not a one-stop unit."),
                                      askWhom: try await adminsOver(grant.unit, excluding: staff.account.id)))
            }
        }
        return reasons
    }

    private func names(over units: [Unit], excluding asker: UUID) async throws -> [String] {
        var all: Set<String> = []
        for unit in units { all.formUnion(try await adminsOver(unit, excluding: asker)) }
        return all.sorted()
    }
}
