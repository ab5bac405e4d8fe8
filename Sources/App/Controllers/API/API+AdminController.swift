// The administration JSON API: the caller's rights, the unit tree, staff, rights requests, the audit trail.
import Domain
import Vapor

struct APIAdminController {
    func me(req: Request) async throws -> AdminMeResponse {
        let staff = try await req.staff()
        let rights = try await req.staffDirectory.counterRights(staff)
        let language = req.language
        var seen = Set<UUID>()
        let units = staff.grants.map(\.unit).filter { seen.insert($0.id!).inserted }
        return AdminMeResponse(
            accountId: staff.account.id, fullName: staff.account.fullName,
            units: units.map { UnitView($0, language: language) },
            roles: staff.grants.filter { $0.role != .member }.map { RoleView(unitId: $0.unit.id!, unitName: $0.unit.name, role: $0.role.rawValue) },
            canCreateCitizenAccounts: rights.canCreate,
            oneStopUnits: rights.oneStopUnits.map { UnitView($0, language: language) },
            reasons: rights.reasons.isEmpty ? nil : rights.reasons.map { ReasonView(code: $0.code, message: $0.message.text(language), askWhom: $0.askWhom) })
    }

    // MARK: Units

    func units(req: Request) async throws -> Page<UnitView> {
        let all = try await req.staffDirectory.unitsInScope(try await req.admin())
        let (page, per) = try req.apiQuery.paging()
        let language = req.language
        return Page(items: all.dropFirst((page - 1) * per).prefix(per).map { UnitView($0, language: language) }, page: page, per: per, total: all.count)
    }

    func createUnit(req: Request) async throws -> Response {
        let staff = try await req.admin()
        let body = try req.json(CreateUnitRequest.self)
        let unit = try await req.unitService
            .create(UnitInput(name: body.name, parentID: .some(body.parentId), code: .some(body.code), kind: body.kind), by: staff, actor: req.auditActor)
        return try await .json(UnitView(unit, language: req.language), status: .created, for: req)
    }

    func updateUnit(req: Request) async throws -> UnitView {
        let staff = try await req.admin()
        let body = try req.json(UpdateUnitRequest.self)
        let input = UnitInput(name: body.name, parentID: body.parentId.map { .some($0) }, code: body.code, kind: body.kind, active: body.active)
        let unit = try await req.unitService.update(try req.uuid(), input, by: staff, actor: req.auditActor)
        return UnitView(unit, language: req.language)
    }

    // MARK: Staff

    func staffList(req: Request) async throws -> Page<StaffView> {
        let unit = try await req.unitService.administered(try req.uuid(), by: try await req.admin())
        let (page, per) = try req.apiQuery.paging()
        let views = try await req.staffService.members(of: unit).map(StaffView.init)
        return Page(items: Array(views.dropFirst((page - 1) * per).prefix(per)), page: page, per: per, total: views.count)
    }

    func grant(req: Request) async throws -> Response {
        let staff = try await req.admin()
        let unit = try await req.unitService.administered(try req.uuid(), by: staff)
        let body = try req.json(GrantRequest.self)
        let member = try await req.staffService
            .grant(idNumber: body.idNumber, roles: try StaffService.parseRoles(body.roles), at: unit, by: staff, actor: req.auditActor)
        return try await .json(StaffView(member), status: .created, for: req)
    }

    /// `?role=` revokes that role; without it, every right at the unit (the person stays its member).
    func revoke(req: Request) async throws -> HTTPStatus {
        let staff = try await req.admin()
        let unit = try await req.unitService.administered(try req.uuid(), by: staff)
        let role = try req.apiQuery.choice("role", StaffRole.Role.self)
        try await req.staffService.revoke(accountID: try req.uuid("accountId"), at: unit, only: role, by: staff, actor: req.auditActor)
        return .noContent
    }

    // MARK: Rights requests

    func createRightsRequest(req: Request) async throws -> Response {
        let signedIn = try req.requireSignedIn()
        let body = try req.json(RightsRequestBody.self)
        let request = try await req.staffService.request(by: signedIn.account, unitID: body.unitId, position: body.position, actor: req.auditActor)
        return try await .json(RightsRequestView(request), status: .created, for: req)
    }

    func rightsRequests(req: Request) async throws -> Page<RightsRequestView> {
        let staff = try await req.admin()
        let status = try req.apiQuery.choice("status", RightsRequest.Status.self)
        let (page, per) = try req.apiQuery.paging()
        let found = try await req.staffService.rightsRequests(for: staff, status: status, page: page, per: per)
        return Page(items: found.items.map(RightsRequestView.init), page: page, per: per, total: found.total)
    }

    private func decide(req: Request, approve: Bool) async throws -> RightsRequestView {
        let staff = try await req.admin()
        // The body is optional; when one is sent it is read like any other.
        let body = (req.body.data?.readableBytes ?? 0) == 0 ? DecisionBody() : try req.json(DecisionBody.self)
        return RightsRequestView(try await req.staffService.decide(try req.uuid(), approve: approve, reason: body.reason, by: staff, actor: req.auditActor))
    }

    func approve(req: Request) async throws -> RightsRequestView { try await decide(req: req, approve: true) }
    func refuse(req: Request) async throws -> RightsRequestView { try await decide(req: req, approve: false) }

    // MARK: Audit

    func audit(req: Request) async throws -> Page<AuditView> {
        let staff = try await req.admin()
        let (page, per) = try req.apiQuery.paging()
        let found = try await req.auditTrail.list(staff, try req.auditFilter(), page: page, per: per)
        return Page(items: found.items.map(AuditView.init), page: page, per: per, total: found.total)
    }

    func auditCSV(req: Request) async throws -> Response {
        try await req.auditExport()
    }
}
