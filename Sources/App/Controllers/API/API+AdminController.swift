// The administration JSON API (R1, R2, R10): the caller's rights, the unit tree, staff, requests, audit.
import Domain
import Fluent
import Vapor

struct APIAdminController {
    private func staff(_ req: Request) async throws -> StaffContext {
        try await StaffDirectory(db: req.db).context(for: try req.requireSignedIn().account)
    }

    /// Only administrators reach the admin lists; others get 403 (they are signed in, so not 401).
    private func admin(_ req: Request) async throws -> StaffContext {
        let staff = try await staff(req)
        guard staff.isAdmin else { throw AppError.forbidden }
        return staff
    }

    func me(req: Request) async throws -> AdminMeResponse {
        let staff = try await staff(req)
        let directory = StaffDirectory(db: req.db)
        let reasons = try await directory.reasons(staff)
        let language = req.language
        var seen = Set<UUID>()
        let units = staff.grants.map(\.unit).filter { seen.insert($0.id!).inserted }
        let oneStop = staff.officerUnits
        return AdminMeResponse(
            accountId: staff.account.id, fullName: staff.account.fullName,
            units: units.map { UnitView($0, language: language) },
            roles: staff.grants.filter { $0.role.role != .member }.map { RoleView(unitId: $0.unit.id!, unitName: $0.unit.name, role: $0.role.role.rawValue) },
            canCreateCitizenAccounts: reasons.isEmpty && !oneStop.isEmpty,
            oneStopUnits: oneStop.map { UnitView($0, language: language) },
            reasons: reasons.isEmpty ? nil : reasons.map { ReasonView(code: $0.code, message: $0.message.text(language), askWhom: $0.askWhom) })
    }

    // MARK: Units

    func units(req: Request) async throws -> Page<UnitView> {
        let staff = try await admin(req)
        let all = try await StaffDirectory(db: req.db).unitsInScope(staff)
        let (page, per) = req.paging
        let language = req.language
        return Page(items: all.dropFirst((page - 1) * per).prefix(per).map { UnitView($0, language: language) }, page: page, per: per, total: all.count)
    }

    func createUnit(req: Request) async throws -> Response {
        let staff = try await admin(req)
        let body = try req.json(CreateUnitRequest.self)
        let unit = try await UnitService(db: req.db, portal: req.portal)
            .create(UnitInput(name: body.name, parentID: .some(body.parentId), code: .some(body.code), kind: body.kind), by: staff, actor: req.auditActor)
        return try await .json(UnitView(unit, language: req.language), status: .created, for: req)
    }

    func updateUnit(req: Request) async throws -> UnitView {
        let staff = try await admin(req)
        let body = try req.json(UpdateUnitRequest.self)
        let input = UnitInput(name: body.name, parentID: body.parentId.map { .some($0) }, code: body.code, kind: body.kind, active: body.active)
        let unit = try await UnitService(db: req.db, portal: req.portal).update(try req.uuid(), input, by: staff, actor: req.auditActor)
        return UnitView(unit, language: req.language)
    }

    // MARK: Staff

    func staffList(req: Request) async throws -> Page<StaffView> {
        let staff = try await admin(req)
        let unit = try await UnitService(db: req.db, portal: req.portal).administered(try req.uuid(), by: staff)
        let rows = try await StaffRole.query(on: req.db).filter(\.$unitID == unit.id!).all()
        let accounts = try await Account.query(on: req.db).filter(\.$id ~~ Array(Set(rows.map(\.accountID)))).sort(\.$fullName).all()
        let views = accounts.map { account -> StaffView in
            let mine = rows.filter { $0.accountID == account.id }
            return StaffView(accountId: account.id!, fullName: account.fullName, idNumberMasked: IDNumber.maskedDigits(account.idNumber),
                             roles: mine.filter { $0.revokedAt == nil }.map(\.role.rawValue).sorted(),
                             revokedRoles: mine.filter { $0.revokedAt != nil }.map(\.role.rawValue).sorted())
        }
        let (page, per) = req.paging
        return Page(items: Array(views.dropFirst((page - 1) * per).prefix(per)), page: page, per: per, total: views.count)
    }

    func grant(req: Request) async throws -> Response {
        let staff = try await admin(req)
        let unit = try await UnitService(db: req.db, portal: req.portal).administered(try req.uuid(), by: staff)
        let body = try req.json(GrantRequest.self)
        let account = try await StaffService(db: req.db, portal: req.portal)
            .grant(idNumber: body.idNumber, roles: try StaffService.parseRoles(body.roles), at: unit, by: staff, actor: req.auditActor)
        let roles = try await StaffRole.query(on: req.db).filter(\.$accountID == account.id!).filter(\.$unitID == unit.id!).all()
        return try await .json(StaffView(accountId: account.id!, fullName: account.fullName, idNumberMasked: IDNumber.maskedDigits(account.idNumber),
                                         roles: roles.filter { $0.revokedAt == nil }.map(\.role.rawValue).sorted(),
                                         revokedRoles: roles.filter { $0.revokedAt != nil }.map(\.role.rawValue).sorted()), status: .created, for: req)
    }

    func revoke(req: Request) async throws -> HTTPStatus {
        let staff = try await admin(req)
        let unit = try await UnitService(db: req.db, portal: req.portal).administered(try req.uuid(), by: staff)
        let role = try req.query.get(String?.self, at: "role").map { raw -> StaffRole.Role in
            guard let role = StaffRole.Role(rawValue: raw) else { throw AppError.validation(["role": Msg("Vai trò không hợp lệ.", "Unknown role.")]) }
            return role
        }
        try await StaffService(db: req.db, portal: req.portal)
            .revoke(accountID: try req.uuid("accountId"), at: unit, only: role, by: staff, actor: req.auditActor)
        return .noContent
    }

    // MARK: Rights requests

    func createRightsRequest(req: Request) async throws -> Response {
        let signedIn = try req.requireSignedIn()
        let body = try req.json(RightsRequestBody.self)
        let request = try await StaffService(db: req.db, portal: req.portal)
            .request(by: signedIn.account, unitID: body.unitId, position: body.position, actor: req.auditActor)
        return try await .json(try await view(request, on: req.db), status: .created, for: req)
    }

    func rightsRequests(req: Request) async throws -> Page<RightsRequestView> {
        let staff = try await admin(req)
        let units = try await StaffDirectory(db: req.db).unitsInScope(staff).filter { staff.mayManage(.officer, at: $0) }
        var query = RightsRequest.query(on: req.db).filter(\.$unitID ~~ units.compactMap(\.id))
        if let status = req.query[String.self, at: "status"], let s = RightsRequest.Status(rawValue: status) { query = query.filter(\.$status == s) }
        let total = try await query.count()
        let (page, per) = req.paging
        let rows = try await query.sort(\.$createdAt, .descending).range(((page - 1) * per)..<(page * per)).all()
        var items: [RightsRequestView] = []
        for row in rows { items.append(try await view(row, on: req.db)) }
        return Page(items: items, page: page, per: per, total: total)
    }

    func decide(req: Request, approve: Bool) async throws -> RightsRequestView {
        let staff = try await admin(req)
        let body = (try? req.content.decode(DecisionBody.self)) ?? DecisionBody()
        let request = try await StaffService(db: req.db, portal: req.portal)
            .decide(try req.uuid(), approve: approve, reason: body.reason, by: staff, actor: req.auditActor)
        return try await view(request, on: req.db)
    }

    func approve(req: Request) async throws -> RightsRequestView { try await decide(req: req, approve: true) }
    func refuse(req: Request) async throws -> RightsRequestView { try await decide(req: req, approve: false) }

    private func view(_ r: RightsRequest, on db: any Database) async throws -> RightsRequestView {
        let account = try await Account.find(r.accountID, on: db)
        let unit = try await Unit.find(r.unitID, on: db)
        return RightsRequestView(id: r.id!, accountId: r.accountID, fullName: account?.fullName ?? "", idNumberMasked: IDNumber.maskedDigits(account?.idNumber ?? ""),
                                 unitId: r.unitID, unitName: unit?.name ?? "", position: r.position, status: r.status.rawValue,
                                 createdAt: RFC3339.string(r.createdAt), decidedAt: r.decidedAt.map(RFC3339.string))
    }

    // MARK: Audit

    func audit(req: Request) async throws -> Page<AuditView> {
        let staff = try await admin(req)
        let (page, per) = req.paging
        let query = try AuditQuery(req: req, staff: staff).query(on: req.db)
        let total = try await query.count()
        let rows = try await query.sort(\.$at, .descending).range(((page - 1) * per)..<(page * per)).all()
        return Page(items: rows.map(AuditView.init), page: page, per: per, total: total)
    }

    func auditCSV(req: Request) async throws -> Response {
        let staff = try await admin(req)
        let rows = try await AuditQuery(req: req, staff: staff).query(on: req.db).sort(\.$at, .descending).limit(50_000).all()
        var csv = "\u{FEFF}at,actor,address,action,target,outcome,details\r\n"
        for e in rows {
            csv += [RFC3339.string(e.at), e.actorName, e.clientAddress, e.action, e.target, e.outcome, e.details].map(CSV.field).joined(separator: ",") + "\r\n"
        }
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        headers.contentDisposition = .init(.attachment, filename: "audit.csv")
        try await AuditLog(db: req.db, portal: req.portal).record(req.auditActor, action: "audit.export", target: "audit", unit: staff.adminGrants.first?.unit,
                                                                  details: ["rows": String(rows.count)])
        return Response(status: .ok, headers: headers, body: .init(string: csv))
    }
}

/// Scope and filters of the audit trail: only events of units in the caller's subtrees (and the caller's own).
struct AuditQuery {
    let prefixes: [String]
    let accountID: UUID
    let action: String?
    let actor: String?
    let from: Date?
    let to: Date?

    init(req: Request, staff: StaffContext) throws {
        prefixes = staff.adminGrants.map(\.unit.path)
        accountID = staff.account.id
        action = req.query[String.self, at: "action"].flatMap { $0.isEmpty ? nil : $0 }
        actor = req.query[String.self, at: "actor"].flatMap { $0.isEmpty ? nil : $0 }
        let iso = ISO8601DateFormatter()
        from = req.query[String.self, at: "from"].flatMap { iso.date(from: $0) }
        to = req.query[String.self, at: "to"].flatMap { iso.date(from: $0) }
    }

    func query(on db: any Database) throws -> QueryBuilder<AuditEvent> {
        var query = AuditEvent.query(on: db).group(.or) { group in
            for prefix in prefixes { group.filter(\.$unitPath, .custom("LIKE"), prefix + "%") }
            group.filter(\.$actorID == accountID)
        }
        if let action { query = query.filter(\.$action == action) }
        if let actor, let id = UUID(uuidString: actor) { query = query.filter(\.$actorID == id) }
        if let from { query = query.filter(\.$at >= from) }
        if let to { query = query.filter(\.$at <= to) }
        return query
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
