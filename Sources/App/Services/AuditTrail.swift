// Reading the audit trail: the events within the caller's scope, filtered, as a page or as a CSV export.
import Fluent
import Foundation

/// The filters a reader of the trail may set; each is optional.
struct AuditFilter: Sendable {
    var action: String?
    var actor: UUID?
    var from, to: Date?
    /// Events of this unit and the units under it.
    var unit: UUID? = nil
}

struct AuditTrail: Sendable {
    /// At most this many rows go into one export.
    static let exportLimit = 50_000

    let db: any Database
    let portal: Portal

    /// Only events of units in the caller's subtrees, and the caller's own; administrators only.
    private func query(_ staff: StaffContext, _ filter: AuditFilter) async throws -> QueryBuilder<AuditEvent> {
        guard staff.isAdmin else { throw AppError.forbidden }
        // A unit filter narrows the scope; a unit outside it (or unknown) finds nothing rather than more.
        var unitPath: String? = nil
        // (Paths begin with "/": "(no such unit)" matches none; PostgreSQL refuses a NUL in text.)
        if let unit = filter.unit { unitPath = try await Unit.find(unit, on: db)?.path ?? "(no such unit)" }
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
        if let unitPath { query = query.filter(\.$unitPath, .custom("LIKE"), unitPath + "%") }
        return query
    }

    /// Newest first.
    func list(_ staff: StaffContext, _ filter: AuditFilter, page: Int, per: Int) async throws -> (items: [AuditEvent], total: Int) {
        let query = try await query(staff, filter)
        let total = try await query.count()
        let rows = try await query.sort(\.$at, .descending).range(((page - 1) * per)..<(page * per)).all()
        return (rows, total)
    }

    /// The filtered trail as CSV for people: UTF-8 with a byte-order mark (so that Excel reads the Vietnamese),
    /// headers in the reader's language, Vietnam local time, each event by its name with its code beside, the
    /// details as text. The export itself is audited.
    func export(_ staff: StaffContext, _ filter: AuditFilter, actor: AuditLog.Actor, language: Language) async throws -> String {
        let rows = try await query(staff, filter).sort(\.$at, .descending).limit(Self.exportLimit).all()
        let headers = language == .en
            ? ["Time (Vietnam)", "By", "Address", "Event", "Event code", "Target", "Outcome", "Details"]
            : ["Thời gian (giờ Việt Nam)", "Người thực hiện", "Địa chỉ IP", "Sự kiện", "Mã sự kiện", "Đối tượng", "Kết quả", "Chi tiết"]
        var csv = "\u{FEFF}" + headers.map(CSV.field).joined(separator: ",") + "\r\n"
        for e in rows {
            csv += [VietnamTime.dateTimeSeconds(e.at), AuditNames.actor(e.actorName, language), AuditNames.address(e.clientAddress, language),
                    AuditNames.action(e.action, language), e.action,
                    AuditNames.target(e.target, language), AuditNames.outcome(e.outcome, language), AuditNames.details(e.details, language)]
                .map(CSV.field).joined(separator: ",") + "\r\n"
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
