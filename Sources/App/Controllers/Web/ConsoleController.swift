// The administration console under /quantri (R2, R10): the same services as the admin API, as pages.
import Domain
import Fluent
import Vapor

struct ConsoleController {
    struct R10: Encodable {
        struct Reason: Encodable { let code: String; let message: String; let askWhom: [String] }
        let canCreate: Bool
        let oneStopUnits: [String]
        let reasons: [Reason]
    }

    struct UnitRow: Encodable {
        let id: String
        let name: String
        let code: String
        let parentId: String
        let depth: Int
        let indent: String
        let active: Bool
        let oneStop: Bool
        let oneStopHint: String?
    }

    struct Option: Encodable { let value: String; let label: String }

    private func staff(_ req: Request) async throws -> StaffContext {
        try await StaffDirectory(db: req.db).context(for: try req.requireSignedIn().account)
    }

    private func admin(_ req: Request) async throws -> StaffContext {
        let staff = try await staff(req)
        guard staff.isAdmin else { throw AppError.forbidden }
        return staff
    }

    private func r10(_ req: Request, _ staff: StaffContext) async throws -> R10 {
        let reasons = try await StaffDirectory(db: req.db).reasons(staff)
        return R10(canCreate: reasons.isEmpty && !staff.officerUnits.isEmpty, oneStopUnits: staff.officerUnits.map(\.name),
                   reasons: reasons.map { R10.Reason(code: $0.code, message: $0.message.text(req.language), askWhom: $0.askWhom) })
    }

    private func rows(_ units: [Unit], language: Language) -> [UnitRow] {
        let minDepth = units.map { $0.path.split(separator: "/").count }.min() ?? 1
        return units.map { u in
            let depth = u.path.split(separator: "/").count - minDepth
            return UnitRow(id: u.id!.uuidString.lowercased(), name: u.name, code: u.code ?? "", parentId: u.parentID?.uuidString.lowercased() ?? "",
                           depth: depth, indent: String(repeating: "— ", count: depth), active: u.active, oneStop: u.isOneStop,
                           oneStopHint: UnitNameRuleHint.text(for: u.name, language: language))
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
        let canCreate: Bool
        let oneStopUnits: [String]
        let reasons: [R10.Reason]
    }

    func home(req: Request) async throws -> Response {
        let staff = try await staff(req)
        let r = try await r10(req, staff)
        let roles = staff.grants.filter { $0.role.role != .member }.map { HomePage.Role(label: roleLabel($0.role.role, req), unitName: $0.unit.name) }
        return try await req.page("console-home", titleKey: "console_title",
                                  HomePage(isAdmin: staff.isAdmin, roles: roles, canCreate: r.canCreate, oneStopUnits: r.oneStopUnits, reasons: r.reasons))
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
        var name: String?
        var parentId: String?
        var code: String?
        var kind: String?
        var active: String?
        var idNumber: String?
        var roles: [String]?
        var position: String?
        var unitId: String?
    }

    private func unitsPage(_ req: Request, menu: String, form: FormState = FormState(), status: HTTPStatus = .ok) async throws -> Response {
        let staff = try await admin(req)
        let units = try await StaffDirectory(db: req.db).unitsInScope(staff)
        return try await req.page("console-units", titleKey: menu == "staff" ? "console_menu_staff" : "console_menu_units",
                                  UnitsPage(menu: menu, units: rows(units, language: req.language), kinds: kinds(req), form: form), status: status)
    }

    func units(req: Request) async throws -> Response { try await unitsPage(req, menu: "units") }
    func staffUnits(req: Request) async throws -> Response { try await unitsPage(req, menu: "staff") }

    func createUnit(req: Request) async throws -> Response {
        let staff = try await admin(req)
        let f = try req.content.decode(UnitForm.self)
        var state = FormState()
        do {
            let unit = try await UnitService(db: req.db, portal: req.portal).create(
                UnitInput(name: f.name, parentID: .some(f.parentId.flatMap(UUID.init(uuidString:))), code: .some(f.code), kind: f.kind),
                by: staff, actor: req.auditActor)
            return req.redirect(to: "/quantri/don-vi/\(unit.id!.uuidString.lowercased())?da-them=1", redirectType: .normal)
        } catch let error as AppError where error.status.code < 500 {
            state.show(error, language: req.language)
            state.values = ["name": f.name ?? "", "code": f.code ?? ""]
            return try await unitsPage(req, menu: "units", form: state, status: error.status)
        }
    }

    // MARK: One unit: edit, staff, grants

    struct UnitPage: Encodable {
        let menu = "units"
        let isAdmin = true
        let unit: UnitRow
        let canEdit: Bool
        let parents: [UnitRow]
        let staff: [StaffView]
        let grantable: [Option]
        var form = FormState()
    }

    private func unitPage(_ req: Request, id: UUID, form: FormState = FormState(), status: HTTPStatus = .ok) async throws -> Response {
        let staff = try await admin(req)
        let unit = try await UnitService(db: req.db, portal: req.portal).administered(id, by: staff)
        let scope = try await StaffDirectory(db: req.db).unitsInScope(staff)
        let parents = scope.filter { !unit.contains($0) }
        let roles = try await StaffRole.query(on: req.db).filter(\.$unitID == id).all()
        let accounts = try await Account.query(on: req.db).filter(\.$id ~~ Array(Set(roles.map(\.accountID)))).sort(\.$fullName).all()
        let staffViews = accounts.map { a -> StaffView in
            let mine = roles.filter { $0.accountID == a.id }
            return StaffView(accountId: a.id!, fullName: a.fullName, idNumberMasked: IDNumber.maskedDigits(a.idNumber),
                             roles: mine.filter { $0.revokedAt == nil }.map { roleLabel($0.role, req) }.sorted(),
                             revokedRoles: mine.filter { $0.revokedAt != nil }.map { roleLabel($0.role, req) }.sorted())
        }
        let ownRoot = staff.adminGrants.contains { $0.unit.id == unit.id } && staff.adminRole(over: unit) != .super_admin
        let grantable = StaffRole.Role.allCases.filter { staff.mayManage($0, at: unit) }.map { Option(value: $0.rawValue, label: roleLabel($0, req)) }
        var state = form
        if state.alert == nil, req.query[String.self, at: "da-them"] != nil { state.alert = req.t("unit_created"); state.alertKind = "success" }
        let unitRow = rows([unit], language: req.language)[0]
        return try await req.page("console-unit", titleKey: "console_menu_units",
                                  UnitPage(unit: unitRow, canEdit: !ownRoot && unit.parentID != nil, parents: rows(parents, language: req.language),
                                           staff: staffViews, grantable: grantable, form: state), status: status)
    }

    func unit(req: Request) async throws -> Response { try await unitPage(req, id: try req.uuid()) }

    func updateUnit(req: Request) async throws -> Response {
        let staff = try await admin(req)
        let id = try req.uuid()
        let f = try req.content.decode(UnitForm.self)
        var state = FormState()
        do {
            let code: String? = (f.code ?? "").trimmingCharacters(in: .whitespaces).isEmpty ? nil : f.code
            _ = try await UnitService(db: req.db, portal: req.portal).update(id, UnitInput(
                name: f.name, parentID: f.parentId.flatMap(UUID.init(uuidString:)).map { .some($0) }, code: .some(code), kind: nil,
                active: f.active == "true"), by: staff, actor: req.auditActor)
            state.alert = req.t("unit_saved"); state.alertKind = "success"
            return try await unitPage(req, id: id, form: state)
        } catch let error as AppError where error.status.code < 500 && error.status != .notFound {
            state.show(error, language: req.language)
            return try await unitPage(req, id: id, form: state, status: error.status)
        }
    }

    func grant(req: Request) async throws -> Response {
        let staff = try await admin(req)
        let id = try req.uuid()
        let unit = try await UnitService(db: req.db, portal: req.portal).administered(id, by: staff)
        let f = try req.content.decode(UnitForm.self)
        var state = FormState()
        do {
            var roles = try StaffService.parseRoles(f.roles)
            if !roles.contains(.member) { roles.insert(.member, at: 0) }
            _ = try await StaffService(db: req.db, portal: req.portal).grant(idNumber: f.idNumber, roles: roles, at: unit, by: staff, actor: req.auditActor)
            state.alert = req.t("staff_granted"); state.alertKind = "success"
            return try await unitPage(req, id: id, form: state)
        } catch let error as AppError where error.status.code < 500 && error.status != .notFound {
            state.show(error, language: req.language)
            state.values = ["idNumber": f.idNumber ?? ""]
            return try await unitPage(req, id: id, form: state, status: error.status)
        }
    }

    func revoke(req: Request) async throws -> Response {
        let staff = try await admin(req)
        let id = try req.uuid()
        let unit = try await UnitService(db: req.db, portal: req.portal).administered(id, by: staff)
        var state = FormState()
        do {
            // The member row stays: the person remains staff of the unit, without rights.
            let live = try await StaffRole.query(on: req.db).filter(\.$accountID == (try req.uuid("accountId"))).filter(\.$unitID == id)
                .filter(\.$revokedAt == nil).all()
            for grant in live where grant.role != .member {
                try await StaffService(db: req.db, portal: req.portal).revoke(accountID: grant.accountID, at: unit, only: grant.role, by: staff, actor: req.auditActor)
            }
            state.alert = req.t("staff_revoked"); state.alertKind = "success"
        } catch let error as AppError where error.status.code < 500 {
            state.show(error, language: req.language)
        }
        return try await unitPage(req, id: id, form: state)
    }

    // MARK: Rights requests

    struct RequestsPage: Encodable {
        struct Row: Encodable { let id, fullName, idNumberMasked, unitName, position, statusLabel: String; let pending: Bool }
        let menu = "requests"
        let isAdmin = true
        let items: [Row]
        var form = FormState()
    }

    private func requestsPage(_ req: Request, form: FormState = FormState()) async throws -> Response {
        let staff = try await admin(req)
        let units = try await StaffDirectory(db: req.db).unitsInScope(staff).filter { staff.mayManage(.officer, at: $0) }
        let rows = try await RightsRequest.query(on: req.db).filter(\.$unitID ~~ units.compactMap(\.id)).sort(\.$createdAt, .descending).limit(200).all()
        let accounts = try await Account.query(on: req.db).filter(\.$id ~~ rows.map(\.accountID)).all()
        let byAccount = Dictionary(uniqueKeysWithValues: accounts.map { ($0.id!, $0) })
        let unitNames = Dictionary(uniqueKeysWithValues: units.map { ($0.id!, $0.name) })
        let items = rows.map { r in
            RequestsPage.Row(id: r.id!.uuidString.lowercased(), fullName: byAccount[r.accountID]?.fullName ?? "",
                             idNumberMasked: IDNumber.maskedDigits(byAccount[r.accountID]?.idNumber ?? ""), unitName: unitNames[r.unitID] ?? "",
                             position: r.position, statusLabel: req.t("status_\(r.status.rawValue)"), pending: r.status == .pending)
        }
        return try await req.page("console-requests", titleKey: "console_menu_requests", RequestsPage(items: items, form: form))
    }

    func requests(req: Request) async throws -> Response { try await requestsPage(req) }

    func decide(req: Request, approve: Bool) async throws -> Response {
        let staff = try await admin(req)
        var state = FormState()
        do {
            _ = try await StaffService(db: req.db, portal: req.portal).decide(try req.uuid(), approve: approve, reason: nil, by: staff, actor: req.auditActor)
            state.alert = req.t("requests_decided"); state.alertKind = "success"
        } catch let error as AppError where error.status.code < 500 {
            state.show(error, language: req.language)
        }
        return try await requestsPage(req, form: state)
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
        let staff = try await staff(req)
        let units = try await Unit.query(on: req.db).filter(\.$active == true).sort(\.$path).all()
        return try await req.page("console-ask", titleKey: "console_menu_ask",
                                  AskPage(isAdmin: staff.isAdmin, units: rows(units, language: req.language), form: form), status: status)
    }

    func ask(req: Request) async throws -> Response { try await askPage(req) }

    func askSubmit(req: Request) async throws -> Response {
        let signedIn = try req.requireSignedIn()
        let f = try req.content.decode(UnitForm.self)
        var state = FormState()
        do {
            _ = try await StaffService(db: req.db, portal: req.portal).request(by: signedIn.account, unitID: f.unitId.flatMap(UUID.init(uuidString:)),
                                                                               position: f.position, actor: req.auditActor)
            state.alert = req.t("ask_sent"); state.alertKind = "success"
            return try await askPage(req, form: state)
        } catch let error as AppError where error.status.code < 500 {
            state.show(error, language: req.language)
            state.values = ["position": f.position ?? ""]
            return try await askPage(req, form: state, status: error.status)
        }
    }

    // MARK: Audit

    struct AuditPage: Encodable {
        struct Row: Encodable { let at, actorName, clientAddress, action, target, outcome, details: String }
        let menu = "audit"
        let isAdmin = true
        let action: String
        let items: [Row]
    }

    func audit(req: Request) async throws -> Response {
        let staff = try await admin(req)
        let rows = try await AuditQuery(req: req, staff: staff).query(on: req.db).sort(\.$at, .descending).limit(200).all()
        let items = rows.map { AuditPage.Row(at: VietnamTime.dateTime($0.at), actorName: $0.actorName, clientAddress: $0.clientAddress,
                                             action: $0.action, target: $0.target, outcome: $0.outcome, details: $0.details) }
        return try await req.page("console-audit", titleKey: "console_menu_audit",
                                  AuditPage(action: req.query[String.self, at: "action"] ?? "", items: items))
    }

    func auditCSV(req: Request) async throws -> Response {
        try await APIAdminController().auditCSV(req: req)
    }
}
