// The administration console under /quantri: the same services as the admin API, as pages.
import Domain
import Vapor

struct ConsoleController {
    /// Whether the person may create citizen accounts, and if not why and whom to ask.
    struct RightsView: Encodable {
        struct Reason: Encodable { let code: String; let message: String; let askWhom: [String] }
        let canCreate: Bool
        let oneStopUnits: [String]
        let reasons: [Reason]

        init(_ rights: StaffDirectory.CounterRights, language: Language) {
            canCreate = rights.canCreate
            oneStopUnits = rights.oneStopUnits.map(\.name)
            reasons = rights.reasons.map { Reason(code: $0.code, message: $0.message.text(language), askWhom: $0.askWhom) }
        }
    }

    struct UnitRow: Encodable {
        let id, name, code, parentId: String
        let depth: Int
        let indent: String
        let active, oneStop: Bool
        /// A one-stop name for a unit that looks like a one-stop desk under another spelling (the rule itself is
        /// said once, above the table).
        let suggestion: String?
        let url: String
    }

    struct Option: Encodable { let value: String; let label: String }

    private func rows(_ units: [Unit], language: Language) -> [UnitRow] {
        let minDepth = units.map { $0.path.split(separator: "/").count }.min() ?? 1
        return units.map { u in
            let depth = u.path.split(separator: "/").count - minDepth
            return UnitRow(id: u.id!.uuidString.lowercased(), name: u.name, code: u.code ?? "", parentId: u.parentID?.uuidString.lowercased() ?? "",
                           depth: depth, indent: String(repeating: "— ", count: depth), active: u.active, oneStop: u.isOneStop,
                           suggestion: Domain.UnitNameRule.suggestion(for: u.name), url: SiteURL.unit(.value(u.id!)).path)
        }
    }

    private func kinds(_ req: Request) -> [Option] {
        Unit.Kind.allCases.map { Option(value: $0.rawValue, label: req.t("kind_\($0.rawValue)")) }
    }

    private func roleLabel(_ role: StaffRole.Role, _ req: Request) -> String { req.t("role_\(role.rawValue)") }

    // MARK: Start page

    struct HomePage: Encodable {
        struct Role: Encodable { let label: String; let unitName: String }
        let menu = "home"
        let isAdmin: Bool
        let roles: [Role]
        let rights: RightsView
    }

    func home(req: Request) async throws -> Response {
        let staff = try await req.staff()
        let rights = try await req.staffDirectory.counterRights(staff)
        let roles = staff.grants.filter { $0.role != .member }.map { HomePage.Role(label: roleLabel($0.role, req), unitName: $0.unit.name) }
        return try await req.page("console-home", titleKey: "console_title",
                                  HomePage(isAdmin: staff.isAdmin, roles: roles, rights: RightsView(rights, language: req.language)))
    }

    // MARK: Units

    struct UnitsPage: Encodable {
        let menu: String
        let isAdmin = true
        let units: [UnitRow]
        let kinds: [Option]
        var form = FormState()
    }

    struct UnitForm: Content {
        var name, parentId, code, kind, active, idNumber: String?
        var roles: [String]?
        var position, unitId: String?
    }

    private func unitsPage(_ req: Request, menu: String, form: FormState = FormState(), status: HTTPStatus = .ok) async throws -> Response {
        let units = try await req.staffDirectory.unitsInScope(try await req.admin())
        return try await req.page("console-units", titleKey: menu == "staff" ? "console_menu_staff" : "console_menu_units",
                                  UnitsPage(menu: menu, units: rows(units, language: req.language), kinds: kinds(req), form: form), status: status)
    }

    func units(req: Request) async throws -> Response { try await unitsPage(req, menu: "units") }
    func staffUnits(req: Request) async throws -> Response { try await unitsPage(req, menu: "staff") }

    func createUnit(req: Request) async throws -> Response {
        let staff = try await req.admin()
        let f = try req.content.decode(UnitForm.self)
        do {
            let unit = try await req.unitService.create(
                UnitInput(name: f.name, parentID: .some(f.parentId.flatMap(UUID.init(uuidString:))), code: .some(f.code), kind: f.kind),
                by: staff, actor: req.auditActor)
            return req.redirect(to: SiteURL.unit(.value(unit.id!)).path(query: [("da-them", "1")]), redirectType: .normal)
        } catch {
            var refused = try req.refusal(error)
            refused.state.values = ["name": f.name ?? "", "code": f.code ?? ""]
            return try await unitsPage(req, menu: "units", form: refused.state, status: refused.status)
        }
    }

    // MARK: One unit: edit, staff, grants

    struct UnitPage: Encodable {
        struct Member: Encodable {
            let accountId, fullName, idNumberMasked: String
            let roles, revokedRoles: [String]
            let revokeURL: String
        }
        let menu = "units"
        let isAdmin = true
        let unit: UnitRow
        let canEdit: Bool
        let parents: [UnitRow]
        let staff: [Member]
        let grantable: [Option]
        let grantURL: String
        var form = FormState()
    }

    private func unitPage(_ req: Request, id: UUID, form: FormState = FormState(), status: HTTPStatus = .ok) async throws -> Response {
        let staff = try await req.admin()
        let unit = try await req.unitService.administered(id, by: staff)
        let parents = try await req.staffDirectory.unitsInScope(staff).filter { !unit.contains($0) }
        let members = try await req.staffService.members(of: unit).map {
            UnitPage.Member(accountId: $0.accountID.uuidString.lowercased(), fullName: $0.fullName, idNumberMasked: $0.idNumberMasked,
                            roles: $0.roles.map { roleLabel($0, req) }.sorted(), revokedRoles: $0.revokedRoles.map { roleLabel($0, req) }.sorted(),
                            revokeURL: SiteURL.unitRevoke(.value(id), account: .value($0.accountID)).path)
        }
        let ownRoot = staff.adminGrants.contains { $0.unit.id == unit.id } && staff.adminRole(over: unit) != .super_admin
        let grantable = StaffRole.Role.allCases.filter { staff.mayManage($0, at: unit) }.map { Option(value: $0.rawValue, label: roleLabel($0, req)) }
        var state = form
        if state.alert == nil, req.query[String.self, at: "da-them"] != nil { state = FormState(notice: req.t("unit_created")) }
        return try await req.page("console-unit", titleKey: "console_menu_units",
                                  UnitPage(unit: rows([unit], language: req.language)[0], canEdit: !ownRoot && unit.parentID != nil,
                                           parents: rows(parents, language: req.language), staff: members, grantable: grantable,
                                           grantURL: SiteURL.unitStaff(.value(id)).path, form: state), status: status)
    }

    func unit(req: Request) async throws -> Response { try await unitPage(req, id: try req.uuid()) }

    func updateUnit(req: Request) async throws -> Response {
        let staff = try await req.admin()
        let id = try req.uuid()
        let f = try req.content.decode(UnitForm.self)
        let code: String? = (f.code ?? "").trimmingCharacters(in: .whitespaces).isEmpty ? nil : f.code
        let input = UnitInput(name: f.name, parentID: f.parentId.flatMap(UUID.init(uuidString:)).map { .some($0) }, code: .some(code), kind: nil,
                              active: f.active == "true")
        let outcome = try await req.formOutcome(done: "unit_saved", propagating: [.notFound]) {
            _ = try await req.unitService.update(id, input, by: staff, actor: req.auditActor)
        }
        return try await unitPage(req, id: id, form: outcome.state, status: outcome.status)
    }

    func grant(req: Request) async throws -> Response {
        let staff = try await req.admin()
        let id = try req.uuid()
        let unit = try await req.unitService.administered(id, by: staff)
        let f = try req.content.decode(UnitForm.self)
        var outcome = try await req.formOutcome(done: "staff_granted", propagating: [.notFound]) {
            _ = try await req.staffService.grant(idNumber: f.idNumber, roles: try StaffService.parseRoles(f.roles), at: unit, by: staff, actor: req.auditActor)
        }
        if outcome.status != .ok { outcome.state.values = ["idNumber": f.idNumber ?? ""] }
        return try await unitPage(req, id: id, form: outcome.state, status: outcome.status)
    }

    /// Revokes every right the person holds at the unit; they stay its member.
    func revoke(req: Request) async throws -> Response {
        let staff = try await req.admin()
        let id = try req.uuid()
        let unit = try await req.unitService.administered(id, by: staff)
        let outcome = try await req.formOutcome(done: "staff_revoked") {
            try await req.staffService.revoke(accountID: try req.uuid("accountId"), at: unit, only: nil, by: staff, actor: req.auditActor)
        }
        return try await unitPage(req, id: id, form: outcome.state)
    }

    // MARK: Rights requests

    struct RequestsPage: Encodable {
        struct Row: Encodable { let id, fullName, idNumberMasked, unitName, position, statusLabel, approveURL, refuseURL: String; let pending: Bool }
        let menu = "requests"
        let isAdmin = true
        let items: [Row]
        var form = FormState()
    }

    private func requestsPage(_ req: Request, form: FormState = FormState(), status: HTTPStatus = .ok) async throws -> Response {
        let found = try await req.staffService.rightsRequests(for: try await req.admin(), status: nil, page: 1, per: 200)
        let items = found.items.map { row in
            let r = row.request
            return RequestsPage.Row(id: r.id!.uuidString.lowercased(), fullName: row.fullName, idNumberMasked: row.idNumberMasked, unitName: row.unitName,
                                    position: r.position, statusLabel: req.t("status_\(r.status.rawValue)"),
                                    approveURL: SiteURL.approveRequest(.value(r.id!)).path, refuseURL: SiteURL.refuseRequest(.value(r.id!)).path,
                                    pending: r.status == .pending)
        }
        return try await req.page("console-requests", titleKey: "console_menu_requests", RequestsPage(items: items, form: form), status: status)
    }

    func requests(req: Request) async throws -> Response { try await requestsPage(req) }

    private func decide(req: Request, approve: Bool) async throws -> Response {
        let staff = try await req.admin()
        let outcome = try await req.formOutcome(done: "requests_decided") {
            _ = try await req.staffService.decide(try req.uuid(), approve: approve, reason: nil, by: staff, actor: req.auditActor)
        }
        return try await requestsPage(req, form: outcome.state, status: outcome.status)
    }

    func approve(req: Request) async throws -> Response { try await decide(req: req, approve: true) }
    func refuse(req: Request) async throws -> Response { try await decide(req: req, approve: false) }

    // MARK: Asking for rights (anyone signed in)

    struct AskPage: Encodable {
        let menu = "ask"
        let isAdmin: Bool
        let units: [UnitRow]
        var form = FormState()
    }

    private func askPage(_ req: Request, form: FormState = FormState(), status: HTTPStatus = .ok) async throws -> Response {
        let staff = try await req.staff()
        let units = try await req.staffDirectory.activeUnits()
        return try await req.page("console-ask", titleKey: "console_menu_ask",
                                  AskPage(isAdmin: staff.isAdmin, units: rows(units, language: req.language), form: form), status: status)
    }

    func ask(req: Request) async throws -> Response { try await askPage(req) }

    func askSubmit(req: Request) async throws -> Response {
        let signedIn = try req.requireSignedIn()
        let f = try req.content.decode(UnitForm.self)
        var outcome = try await req.formOutcome(done: "ask_sent") {
            _ = try await req.staffService.request(by: signedIn.account, unitID: f.unitId.flatMap(UUID.init(uuidString:)), position: f.position,
                                                   actor: req.auditActor)
        }
        if outcome.status != .ok { outcome.state.values = ["position": f.position ?? ""] }
        return try await askPage(req, form: outcome.state, status: outcome.status)
    }

    // MARK: Audit

    struct AuditPage: Encodable {
        struct Row: Encodable { let at, actorName, clientAddress, action, actionCode, target, outcome, details: String }
        let menu = "audit"
        let isAdmin = true
        let csvURL: String
        let actions, people, units: [Option]
        let items: [Row]
        let total: Int
        let shown: Int
        let filtered: Bool
        let form: FormState
    }

    /// The trail for people: named events, readable details, filters by event, person, unit and days.
    func audit(req: Request) async throws -> Response {
        let staff = try await req.admin()
        let (filter, values, errors) = req.consoleAuditFilter()
        let found = try await req.auditTrail.list(staff, filter, page: 1, per: 200)
        let language = req.language
        let items = found.items.map {
            AuditPage.Row(at: VietnamTime.dateTime($0.at), actorName: AuditNames.actor($0.actorName, language),
                          clientAddress: AuditNames.address($0.clientAddress, language),
                          action: AuditNames.action($0.action, language), actionCode: $0.action, target: AuditNames.target($0.target, language),
                          outcome: AuditNames.outcome($0.outcome, language), details: AuditNames.details($0.details, language))
        }
        // The CSV link carries the same filters, in the API's own terms.
        var csvQuery: [(String, String)] = []
        if let action = filter.action { csvQuery.append(("action", action)) }
        if let actor = filter.actor { csvQuery.append(("actor", actor.uuidString.lowercased())) }
        if let unit = filter.unit { csvQuery.append(("unit", unit.uuidString.lowercased())) }
        if let from = filter.from { csvQuery.append(("from", RFC3339.string(from))) }
        if let to = filter.to { csvQuery.append(("to", RFC3339.string(to))) }
        var form = FormState()
        form.values = values
        form.errors = errors
        if !errors.isEmpty { form.alert = req.t("audit_filter_error") }
        let units = try await req.staffDirectory.unitsInScope(staff)
        return try await req.page("console-audit", titleKey: "console_menu_audit",
                                  AuditPage(csvURL: SiteURL.auditCSV.path(query: csvQuery),
                                            actions: AuditNames.actions.map { Option(value: $0.code, label: $0.name.text(language)) },
                                            people: try await req.staffDirectory.people(administeredBy: staff)
                                                .map { Option(value: $0.id.uuidString.lowercased(), label: $0.name) },
                                            units: rows(units, language: language).map { Option(value: $0.id, label: $0.indent + $0.name) },
                                            items: items, total: found.total, shown: items.count,
                                            filtered: filter.action != nil || filter.actor != nil || filter.unit != nil || filter.from != nil || filter.to != nil,
                                            form: form))
    }

    func auditCSV(req: Request) async throws -> Response {
        try await req.auditExport()
    }
}
