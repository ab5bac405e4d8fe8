// The counter pages of the console (R3–R9, R11, R12): Quản trị hệ thống » Tạo tài khoản công dân.
import Domain
import Fluent
import Vapor

struct CounterWebController {
    private func staff(_ req: Request) async throws -> StaffContext {
        try await StaffDirectory(db: req.db).context(for: try req.requireSignedIn().account)
    }

    private func service(_ req: Request) -> CounterService { CounterService(db: req.db, portal: req.portal) }

    struct UnitOption: Encodable { let id: String; let name: String }

    // MARK: The list (R3)

    struct ListPage: Encodable {
        struct Row: Encodable { let id, fullName, idNumber, createdAt, unitName, smsState, smsBadge: String; let mustChange: Bool }
        let menu = "citizens"
        let isAdmin: Bool
        let canCreate: Bool
        let oneStopUnits: [String]
        let reasons: [ConsoleController.R10.Reason]
        let q: String
        let items: [Row]
    }

    static func smsLabel(_ status: OutboxMessage.Status?, _ req: Request) -> (String, String) {
        guard let status else { return ("—", "muted") }
        let badge: String
        switch status {
        case .sent: badge = "ok"
        case .queued: badge = "warn"
        case .failed: badge = "bad"
        case .expired: badge = "muted"
        }
        return (req.t("sms_\(status.rawValue)"), badge)
    }

    func list(req: Request) async throws -> Response {
        let staff = try await staff(req)
        let reasons = try await StaffDirectory(db: req.db).reasons(staff)
        let q = req.query[String.self, at: "q"] ?? ""
        let found = try await service(req).createdBy(staff, q: q, page: 1, per: 100)
        let sms = try await service(req).passwordSMSStates(found.items.map(\.id))
        let units = try await Unit.query(on: req.db).filter(\.$id ~~ Array(Set(found.items.compactMap(\.createdAtUnit)))).all()
        let names = Dictionary(uniqueKeysWithValues: units.map { ($0.id!, $0.name) })
        let rows = found.items.map { a -> ListPage.Row in
            let (label, badge) = Self.smsLabel(sms[a.id]?.status, req)
            return ListPage.Row(id: a.id.uuidString.lowercased(), fullName: a.fullName, idNumber: a.idNumber, createdAt: VietnamTime.dateTime(a.createdAt),
                                unitName: a.createdAtUnit.flatMap { names[$0] } ?? "", smsState: label, smsBadge: badge, mustChange: a.passwordTemporary)
        }
        let language = req.language
        return try await req.page("counter-list", titleKey: "console_menu_create",
                                  ListPage(isAdmin: staff.isAdmin, canCreate: reasons.isEmpty && !staff.officerUnits.isEmpty, oneStopUnits: staff.officerUnits.map(\.name),
                                           reasons: reasons.map { .init(code: $0.code, message: $0.message.text(language), askWhom: $0.askWhom) },
                                           q: q, items: rows))
    }

    // MARK: Look-up and draft (R4–R6)

    struct NewPage: Encodable {
        let menu = "citizens"
        let isAdmin: Bool
        let units: [UnitOption]
        let looked: Bool
        let exists: Bool
        let uploadAction: String
        var form = FormState()
    }

    private func newPage(_ req: Request, staff: StaffContext, looked: Bool = false, exists: Bool = false, form: FormState = FormState(), status: HTTPStatus = .ok) async throws -> Response {
        _ = try await service(req).requireOfficer(staff, language: req.language)
        let units = staff.officerUnits.map { UnitOption(id: $0.id!.uuidString.lowercased(), name: $0.name) }
        return try await req.page("counter-new", titleKey: "counter_lookup_title",
                                  NewPage(isAdmin: staff.isAdmin, units: units, looked: looked, exists: exists,
                                          uploadAction: "/quantri/tai-khoan-cong-dan/ho-so?_csrf=\(req.csrfToken)", form: form), status: status)
    }

    func new(req: Request) async throws -> Response {
        try await newPage(req, staff: try await staff(req))
    }

    struct LookupForm: Content { var idNumber: String? }

    func lookup(req: Request) async throws -> Response {
        let staff = try await staff(req)
        let f = try req.content.decode(LookupForm.self)
        var state = FormState()
        state.values["idNumber"] = f.idNumber ?? ""
        do {
            let exists = try await service(req).lookup(f.idNumber, staff: staff, actor: req.auditActor)
            state.alert = req.t(exists ? "counter_exists" : "counter_free")
            state.alertKind = exists ? "warning" : "info"
            return try await newPage(req, staff: staff, looked: true, exists: exists, form: state)
        } catch let error as AppError where error.status.code < 500 && error.status != .forbidden {
            state.show(error, language: req.language)
            return try await newPage(req, staff: staff, form: state, status: error.status)
        }
    }

    func createDraft(req: Request) async throws -> Response {
        let staff = try await staff(req)
        let form = try await DraftMultipart.decode(req)
        let scan = form.idScan.flatMap { $0.data.readableBytes > 0 ? ScanUpload(bytes: Array(buffer: $0.data), fileName: $0.filename) : nil }
        let input = DraftInput(person: PersonInput(idNumber: form.idNumber, fullName: form.fullName, dateOfBirth: form.dateOfBirth, phone: form.phone, email: form.email),
                               unitID: form.unitId.flatMap(UUID.init(uuidString:)))
        do {
            let draft = try await service(req).createDraft(input, scan: scan, staff: staff, actor: req.auditActor)
            return req.redirect(to: "/quantri/tai-khoan-cong-dan/ho-so/\(draft.id!.uuidString.lowercased())", redirectType: .normal)
        } catch let error as AppError where error.status.code < 500 && error.status != .forbidden {
            var state = FormState()
            state.show(error, language: req.language)
            state.values = ["idNumber": form.idNumber ?? "", "fullName": form.fullName ?? "", "dateOfBirth": form.dateOfBirth ?? "",
                            "phone": form.phone ?? "", "email": form.email ?? ""]
            return try await newPage(req, staff: staff, looked: true, exists: error.code == "id_taken", form: state, status: error.status)
        }
    }

    // MARK: The draft page (R7–R9, R11)

    struct DraftPage: Encodable {
        struct Message: Encodable { let kind, state, badge, time, error: String; let attempts: Int }
        let menu = "citizens"
        let isAdmin: Bool
        let id: String
        let units: [UnitOption]
        let unitId: String
        let phoneMasked: String
        let nextSendAt: String
        let sends: Int
        let manySends: Bool
        let messages: [Message]
        let scanName: String
        var form = FormState()
    }

    private func draftPage(_ req: Request, id: UUID, form: FormState = FormState(), status: HTTPStatus = .ok) async throws -> Response {
        let staff = try await staff(req)
        let draft = try await service(req).draft(id, staff: staff)
        let otp = try await OTPChallenge.find(id, on: req.db)
        let messages = try await service(req).messages(flow: id).map { m -> DraftPage.Message in
            let (label, badge) = Self.smsLabel(m.status, req)
            return DraftPage.Message(kind: req.t("sms_kind_\(m.kind.rawValue)"), state: label, badge: badge, time: VietnamTime.dateTime(m.createdAt),
                                     error: m.status == .sent ? "" : (m.lastError ?? ""), attempts: m.attempts)
        }
        let scan = try await IDScan.find(draft.scanID, on: req.db)
        var state = form
        if state.values.isEmpty {
            state.values = ["idNumber": draft.idNumber, "fullName": draft.fullName, "dateOfBirth": draft.dateOfBirth,
                            "phone": (try? PhoneNumber(draft.phone).national) ?? draft.phone, "email": draft.email ?? ""]
        }
        let sends = otp?.sends ?? 0
        let next = otp.map { $0.lastSentAt.addingTimeInterval(TimeInterval(req.portal.config.otp.resendSeconds)) } ?? req.now
        return try await req.page("counter-draft", titleKey: "counter_draft_title",
                                  DraftPage(isAdmin: staff.isAdmin, id: id.uuidString.lowercased(),
                                            units: staff.officerUnits.map { UnitOption(id: $0.id!.uuidString.lowercased(), name: $0.name) },
                                            unitId: draft.unitID.uuidString.lowercased(), phoneMasked: (try? PhoneNumber(draft.phone).masked) ?? "",
                                            nextSendAt: RFC3339.string(next), sends: sends, manySends: sends >= 3, messages: messages,
                                            scanName: scan?.fileName ?? "", form: state), status: status)
    }

    func draft(req: Request) async throws -> Response { try await draftPage(req, id: try req.uuid()) }

    struct DraftForm: Content {
        var idNumber: String?
        var fullName: String?
        var dateOfBirth: String?
        var phone: String?
        var email: String?
        var unitId: String?
        var code: String?
    }

    func update(req: Request) async throws -> Response {
        let id = try req.uuid()
        let f = try req.content.decode(DraftForm.self)
        var state = FormState()
        do {
            _ = try await service(req).updateDraft(id, DraftInput(person: PersonInput(idNumber: f.idNumber, fullName: f.fullName, dateOfBirth: f.dateOfBirth,
                                                                                      phone: f.phone, email: f.email ?? ""),
                                                                  unitID: f.unitId.flatMap(UUID.init(uuidString:))), staff: try await staff(req), actor: req.auditActor)
            state.alert = req.t("unit_saved"); state.alertKind = "success"
            return try await draftPage(req, id: id, form: state)
        } catch let error as AppError where error.status.code < 500 && error.status != .notFound {
            state.show(error, language: req.language)
            state.values = ["idNumber": f.idNumber ?? "", "fullName": f.fullName ?? "", "dateOfBirth": f.dateOfBirth ?? "", "phone": f.phone ?? "", "email": f.email ?? ""]
            return try await draftPage(req, id: id, form: state, status: error.status)
        }
    }

    func sendCode(req: Request) async throws -> Response {
        let id = try req.uuid()
        var state = FormState()
        do {
            _ = try await service(req).sendCode(id, staff: try await staff(req), actor: req.auditActor)
            state.alert = req.t("otp_resent"); state.alertKind = "success"
        } catch let error as AppError where error.status.code < 500 && error.status != .notFound {
            state.show(error, language: req.language)
        }
        return try await draftPage(req, id: id, form: state)
    }

    struct CreatedPage: Encodable {
        let menu = "citizens"
        let isAdmin: Bool
        let fullName: String
        let idNumber: String
        let phoneMasked: String
        let smsState: String
        let smsBadge: String
        let accountId: String
    }

    func create(req: Request) async throws -> Response {
        let id = try req.uuid()
        let staff = try await staff(req)
        let f = try req.content.decode(DraftForm.self)
        do {
            let account = try await service(req).create(id, code: f.code, staff: staff, actor: req.auditActor, hasher: req.portal.hasher)
            return req.redirect(to: "/quantri/tai-khoan-cong-dan/\(account.id!.uuidString.lowercased())/da-tao", redirectType: .normal)
        } catch let error as AppError where error.status.code < 500 && error.status != .notFound {
            var state = FormState()
            state.show(error, language: req.language)
            return try await draftPage(req, id: id, form: state, status: error.status)
        }
    }

    func created(req: Request) async throws -> Response {
        let staff = try await staff(req)
        let account = try await service(req).createdAccount(try req.uuid("accountId"), staff: staff)
        let sms = try await service(req).passwordSMSStates([account.id!])[account.id!]
        let (label, badge) = Self.smsLabel(sms?.status, req)
        return try await req.page("counter-created", titleKey: "counter_created_title",
                                  CreatedPage(isAdmin: staff.isAdmin, fullName: account.fullName, idNumber: account.idNumber,
                                              phoneMasked: (try? PhoneNumber(account.phone).masked) ?? "", smsState: label, smsBadge: badge,
                                              accountId: account.id!.uuidString.lowercased()))
    }

    func requestForm(req: Request) async throws -> Response {
        try await APICounterController().requestForm(req: req)
    }

    func scan(req: Request) async throws -> Response {
        try await APICounterController().scan(req: req)
    }

    struct PrintPage: Encodable {
        let portalName, unitName, fullNameUpper, idNumber, dateOfBirth, phone, email, officerName, date, reference: String
    }

    /// The same form as the PDF, as a page to print from the browser.
    func printable(req: Request) async throws -> Response {
        let staff = try await staff(req)
        let draft = try await service(req).draft(try req.uuid(), staff: staff)
        let unit = try await Unit.find(draft.unitID, on: req.db)
        return try await req.page("counter-print", titleKey: "form_title", PrintPage(
            portalName: req.portal.config.portalName, unitName: unit?.name ?? "", fullNameUpper: (try? PersonName(draft.fullName).upper) ?? draft.fullName,
            idNumber: draft.idNumber, dateOfBirth: (try? DateOfBirth(iso: draft.dateOfBirth).display) ?? draft.dateOfBirth,
            phone: (try? PhoneNumber(draft.phone).national) ?? draft.phone, email: draft.email ?? "—", officerName: staff.account.fullName,
            date: VietnamTime.dateTime(req.now), reference: draft.id!.uuidString.lowercased()))
    }

    // MARK: Reissue (R12)

    struct ReissuePage: Encodable {
        let menu = "citizens"
        let isAdmin: Bool
        let accountId: String
        let fullName: String
        let phoneMasked: String
        let nextSendAt: String
        var form = FormState()
    }

    private func reissuePage(_ req: Request, form: FormState = FormState(), status: HTTPStatus = .ok) async throws -> Response {
        let staff = try await staff(req)
        let account = try await service(req).createdAccount(try req.uuid("accountId"), staff: staff)
        let otp = try await OTPChallenge.find(account.id, on: req.db)
        let next = otp.map { $0.lastSentAt.addingTimeInterval(TimeInterval(req.portal.config.otp.resendSeconds)) } ?? req.now
        return try await req.page("counter-reissue", titleKey: "counter_reissue",
                                  ReissuePage(isAdmin: staff.isAdmin, accountId: account.id!.uuidString.lowercased(), fullName: account.fullName,
                                              phoneMasked: (try? PhoneNumber(account.phone).masked) ?? "", nextSendAt: RFC3339.string(next), form: form), status: status)
    }

    func reissueForm(req: Request) async throws -> Response { try await reissuePage(req) }

    func reissueCode(req: Request) async throws -> Response {
        var state = FormState()
        do {
            _ = try await service(req).reissueCode(try req.uuid("accountId"), staff: try await staff(req), actor: req.auditActor)
            state.alert = req.t("otp_resent"); state.alertKind = "success"
        } catch let error as AppError where error.status.code < 500 && error.status != .notFound {
            state.show(error, language: req.language)
        }
        return try await reissuePage(req, form: state)
    }

    func reissue(req: Request) async throws -> Response {
        let f = try req.content.decode(DraftForm.self)
        var state = FormState()
        do {
            try await service(req).reissue(try req.uuid("accountId"), code: f.code, staff: try await staff(req), actor: req.auditActor, hasher: req.portal.hasher)
            state.alert = req.t("counter_reissued"); state.alertKind = "success"
            return try await reissuePage(req, form: state)
        } catch let error as AppError where error.status.code < 500 && error.status != .notFound {
            state.show(error, language: req.language)
            return try await reissuePage(req, form: state, status: error.status)
        }
    }
}
