// Reading the audit trail: the events within the caller's scope, filtered, as a page or as a CSV export.
import Fluent
import Foundation

/// The filters a reader of the trail may set; each is optional.
struct AuditFilter: Sendable {
    var action: String?
    var actor: UUID?
    var from, to: Date?
}

struct AuditTrail: Sendable {
    /// At most this many rows go into one export.
    static let exportLimit = 50_000

    let db: any Database
    let portal: Portal

    /// Only events of units in the caller's subtrees, and the caller's own; administrators only.
    private func query(_ staff: StaffContext, _ filter: AuditFilter) throws -> QueryBuilder<AuditEvent> {
        guard staff.isAdmin else { throw AppError.forbidden }
        let prefixes = staff.adminGrants.map(\.unit.path)
        var query = AuditEvent.query(on: db).group(.or) { group in
            for prefix in prefixes { group.filter(\.$unitPath, .custom("LIKE"), prefix + "%") }
            group.filter(\.$actorID == staff.account.id)
            // Events of no unit (single sign-on clients and keys, unit imports, citizens' own e-ID and sign-on
            // events) concern the whole province: its super admins see them.
            if staff.isSuperAdmin { group.filter(\.$unitPath == nil) }
        }
        if let action = filter.action { query = query.filter(\.$action == action) }
        if let actor = filter.actor { query = query.filter(\.$actorID == actor) }
        if let from = filter.from { query = query.filter(\.$at >= from) }
        if let to = filter.to { query = query.filter(\.$at <= to) }
        return query
    }

    /// Newest first.
    func list(_ staff: StaffContext, _ filter: AuditFilter, page: Int, per: Int) async throws -> (items: [AuditEvent], total: Int) {
        let query = try query(staff, filter)
        let total = try await query.count()
        let rows = try await query.sort(\.$at, .descending).range(((page - 1) * per)..<(page * per)).all()
        return (rows, total)
    }

    /// The filtered trail as CSV (UTF-8 with a byte-order mark, for spreadsheets); the export itself is audited.
    func export(_ staff: StaffContext, _ filter: AuditFilter, actor: AuditLog.Actor) async throws -> String {
        let rows = try await query(staff, filter).sort(\.$at, .descending).limit(Self.exportLimit).all()
        var csv = "\u{FEFF}at,actor,address,action,target,outcome,details\r\n"
        for e in rows {
            csv += [RFC3339.string(e.at), e.actorName, e.clientAddress, e.action, e.target, e.outcome, e.details].map(CSV.field).joined(separator: ",") + "\r\n"
        }
        try await AuditLog(db: db, portal: portal).record(actor, action: "audit.export", target: "audit", unit: staff.adminGrants.first?.unit,
                                                          details: ["rows": String(rows.count)])
        return csv
    }
}

enum CSV {
    /// Quotes every field and defuses spreadsheet formulas (a leading =, +, -, @ or tab becomes text).
    static func field(_ value: String) -> String {
        var v = value
        if let first = v.first, "=+-@\t\r".contains(first) { v = "'" + v }
        return "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
