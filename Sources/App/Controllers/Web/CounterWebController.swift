// The counter pages of the console: Quản trị hệ thống » Tạo tài khoản công dân. The same service calls as the
// counter API.
import Domain
import Leaf
import LeafKit
import RequestFormPDF
import Vapor

struct CounterWebController {
    struct UnitOption: Encodable { let id: String; let name: String }

    static func unitOptions(_ units: [Unit]) -> [UnitOption] {
        units.map { UnitOption(id: $0.id!.uuidString.lowercased(), name: $0.name) }
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

    // MARK: The list

    struct ListPage: Encodable {
        struct Row: Encodable, LeafDataRepresentable {
            let id, fullName, idNumber, createdAt, unitName, smsState, smsBadge, reissueURL: String
            let mustChange: Bool

            /// Handed to Leaf as it is: going through its encoder cost more than rendering the row.
            var leafData: LeafData {
                .dictionary(["id": .string(id), "fullName": .string(fullName), "idNumber": .string(idNumber), "createdAt": .string(createdAt),
                             "unitName": .string(unitName), "smsState": .string(smsState), "smsBadge": .string(smsBadge),
                             "reissueURL": .string(reissueURL), "mustChange": .bool(mustChange)])
            }
        }
        let menu = "citizens"
        let isAdmin: Bool
        let rights: ConsoleController.RightsView
        let q: String
        let items: [Row]
        /// Page `page` of `pages`, `perPage` rows each, as the API pages them; links keep the search.
        let page, pages, total, first, last: Int
        let previousURL, nextURL: String?
    }

    /// Rows per page: the API's default, so an officer's page costs what an API page does.
    static let listPerPage = 20

    func list(req: Request) async throws -> Response {
        let staff = try await req.staff()
        let rights = try await req.staffDirectory.counterRights(staff)
        let q = req.query[String.self, at: "q"] ?? ""
        let page = max(1, min(req.query[Int.self, at: "page"] ?? 1, APIQuery.maxPage))
        let per = Self.listPerPage
        // The service decides, as for the API; refused, the counter's explanation page answers (CounterRefusalPage).
        let (found, total) = try await req.counter.list(staff, q: q, page: page, per: per)
        let rows = found.map { row -> ListPage.Row in
            let a = row.account
            let (label, badge) = Self.smsLabel(row.passwordSMS?.status, req)
            return ListPage.Row(id: a.id.uuidString.lowercased(), fullName: a.fullName, idNumber: a.idNumber, createdAt: VietnamTime.dateTime(a.createdAt),
                                unitName: row.unitName, smsState: label, smsBadge: badge, reissueURL: SiteURL.counter(.reissue(.value(a.id))).path,
                                mustChange: a.passwordTemporary)
        }
        let pages = max(1, (total + per - 1) / per)
        func link(_ n: Int) -> String? {
            guard n >= 1, n <= pages, n != page else { return nil }
            var query: [(String, String)] = []
            if !q.isEmpty { query.append(("q", q)) }
            if n > 1 { query.append(("page", String(n))) }
            return SiteURL.counter(.list).path(query: query)
        }
        return try await req.page("counter-list", titleKey: "console_menu_create",
                                  ListPage(isAdmin: staff.isAdmin, rights: .init(rights, language: req.language), q: q, items: rows,
                                           page: page, pages: pages, total: total, first: (page - 1) * per + 1, last: (page - 1) * per + rows.count,
                                           previousURL: link(page - 1), nextURL: page < pages ? link(page + 1) : nil))
    }

    // MARK: Look-up and draft

    struct NewPage: Encodable {
        let menu = "citizens"
        let isAdmin: Bool
        let units: [UnitOption]
        let looked, exists: Bool
        let uploadAction: String
        var form = FormState()
        /// Whether a 9-digit CMND can still make an account (ALLOW_CMND_FOR_NEW_ACCOUNTS): the lead says so only then.
        var cmndAccepted = false
    }

    private func newPage(_ req: Request, staff: StaffContext, looked: Bool = false, exists: Bool = false, form: FormState = FormState(),
                         status: HTTPStatus = .ok) async throws -> Response {
        let units = try await req.counter.requireOfficer(staff, language: req.language)
        return try await req.page("counter-new", titleKey: "counter_lookup_title",
                                  NewPage(isAdmin: staff.isAdmin, units: Self.unitOptions(units), looked: looked, exists: exists,
                                          uploadAction: SiteURL.counter(.drafts).path(query: [("_csrf", req.csrfToken)]), form: form,
                                          cmndAccepted: req.application.portal.config.allowCMNDForNewAccounts), status: status)
    }

    func new(req: Request) async throws -> Response {
        try await newPage(req, staff: try await req.staff())
    }

    struct LookupForm: Content { var idNumber: String? }

    func lookup(req: Request) async throws -> Response {
        let staff = try await req.staff()
        let f = try req.content.decode(LookupForm.self)
        var state = FormState()
        state.values["idNumber"] = f.idNumber ?? ""
        do {
            let found = try await req.counter.lookup(f.idNumber, staff: staff, actor: req.auditActor)
            let exists = found.exists
            // An account made through the e-ID that has no password: the citizen signs in with the e-ID instead.
            state.alert = req.t(found.eidOnly ? "counter_exists_eid_only" : exists ? "counter_exists" : "counter_free")
            state.alertKind = exists ? "warning" : "info"
            return try await newPage(req, staff: staff, looked: true, exists: exists, form: state)
        } catch {
            var refused = try req.refusal(error, propagating: [.forbidden])
            refused.state.values = state.values
            return try await newPage(req, staff: staff, form: refused.state, status: refused.status)
        }
    }

    func createDraft(req: Request) async throws -> Response {
        let staff = try await req.staff()
        let form = try await DraftUpload.decode(req)
        let (input, scan) = DraftUpload.input(form, keepEmptyScan: false)
        do {
            let draft = try await req.counter.createDraft(input, scan: scan, staff: staff, actor: req.auditActor)
            return req.redirect(to: SiteURL.counter(.draft(.value(draft.id!))).path, redirectType: .normal)
        } catch {
            var refused = try req.refusal(error, propagating: [.forbidden])
            refused.state.values = form.person.formValues
            return try await newPage(req, staff: staff, looked: true, exists: (error as? AppError)?.code == AccountLimits.idTaken.code,
                                     form: refused.state, status: refused.status)
        }
    }

    // MARK: The draft page

    struct DraftPage: Encodable {
        struct Message: Encodable { let kind, state, badge, time, error: String; let attempts: Int }
        struct Links: Encodable { let pdf, printable, scan, update, sendCode, create: String }
        let menu = "citizens"
        let isAdmin: Bool
        let id: String
        let urls: Links
        let units: [UnitOption]
        let unitId, phoneMasked, nextSendAt: String
        let sends: Int
        let manySends: Bool
        let messages: [Message]
        let scanName: String
        var form = FormState()
        /// The edit section opens for errors of its own fields, not for a wrong code.
        let editErrors: Bool
    }

    private func draftPage(_ req: Request, id: UUID, form: FormState = FormState(), status: HTTPStatus = .ok) async throws -> Response {
        let staff = try await req.staff()
        let details = try await req.counter.details(id, staff: staff, actor: req.auditActor)
        let draft = details.draft
        let messages = details.messages.map { m -> DraftPage.Message in
            let (label, badge) = Self.smsLabel(m.status, req)
            return DraftPage.Message(kind: req.t("sms_kind_\(m.kind.rawValue)"), state: label, badge: badge, time: VietnamTime.dateTime(m.createdAt),
                                     error: m.status == .sent ? "" : (m.lastError ?? ""), attempts: m.attempts)
        }
        var state = form
        if state.values.isEmpty {
            state.values = PersonInput(idNumber: draft.idNumber, fullName: draft.fullName, dateOfBirth: draft.dateOfBirth,
                                       phone: (try? PhoneNumber(draft.phone).national) ?? draft.phone, email: draft.email).formValues
        }
        let sends = details.code?.sends ?? 0
        let links = DraftPage.Links(pdf: SiteURL.counter(.requestFormPDF(.value(id))).path, printable: SiteURL.counter(.requestFormPage(.value(id))).path,
                                    scan: SiteURL.counter(.scan(.value(id))).path, update: SiteURL.counter(.updateDraft(.value(id))).path,
                                    sendCode: SiteURL.counter(.sendCode(.value(id))).path, create: SiteURL.counter(.create(.value(id))).path)
        return try await req.page("counter-draft", titleKey: "counter_draft_title",
                                  DraftPage(isAdmin: staff.isAdmin, id: id.uuidString.lowercased(), urls: links, units: Self.unitOptions(staff.officerUnits),
                                            unitId: draft.unitID.uuidString.lowercased(), phoneMasked: (try? PhoneNumber(draft.phone).masked) ?? "",
                                            nextSendAt: RFC3339.string(details.code?.nextSendAt ?? req.now), sends: sends, manySends: sends >= 3,
                                            messages: messages, scanName: details.scanFileName, form: state,
                                            editErrors: state.errors.keys.contains { $0 != "code" }), status: status)
    }

    func draft(req: Request) async throws -> Response { try await draftPage(req, id: try req.uuid()) }

    /// The draft page's own fields, beside the person's details (`WithPerson`).
    struct DraftFields: Codable, Sendable {
        var unitId: String?
    }

    struct CodeForm: Codable, Sendable {
        var code: String?
    }

    func update(req: Request) async throws -> Response {
        let id = try req.uuid()
        let f = try req.content.decode(WithPerson<DraftFields>.self)
        var person = f.person
        person.email = person.email ?? ""
        let input = DraftInput(person: person, unitID: f.rest.unitId.flatMap(UUID.init(uuidString:)))
        var outcome = try await req.formOutcome(done: "unit_saved", propagating: [.notFound]) {
            _ = try await req.counter.updateDraft(id, input, staff: try await req.staff(), actor: req.auditActor)
        }
        if outcome.status != .ok { outcome.state.values = f.person.formValues }
        return try await draftPage(req, id: id, form: outcome.state, status: outcome.status)
    }

    func sendCode(req: Request) async throws -> Response {
        let id = try req.uuid()
        var sends = 0
        var outcome = try await req.formOutcome(propagating: [.notFound]) {
            sends = try await req.counter.sendCode(id, staff: try await req.staff(), actor: req.auditActor).sends
        }
        // "The old code no longer works" only when there was an old code.
        if outcome.status == .ok { outcome.state = FormState(notice: req.t(sends > 1 ? "otp_resent" : "counter_code_sent_first")) }
        return try await draftPage(req, id: id, form: outcome.state)
    }

    struct CreatedPage: Encodable {
        let menu = "citizens"
        let isAdmin: Bool
        let fullName, idNumber, phoneMasked, smsState, smsBadge, accountId, reissueURL: String
    }

    func create(req: Request) async throws -> Response {
        let id = try req.uuid()
        let f = try req.content.decode(CodeForm.self)
        do {
            let account = try await req.counter.create(id, code: f.code, staff: try await req.staff(), actor: req.auditActor, hasher: req.portal.hasher)
            return req.redirect(to: SiteURL.counter(.created(.value(account.id!))).path, redirectType: .normal)
        } catch {
            let refused = try req.refusal(error, propagating: [.notFound])
            return try await draftPage(req, id: id, form: refused.state, status: refused.status)
        }
    }

    func created(req: Request) async throws -> Response {
        let staff = try await req.staff()
        let created = try await req.counter.createdWithSMS(try req.uuid("accountId"), staff: staff)
        let account = created.account
        let (label, badge) = Self.smsLabel(created.passwordSMS?.status, req)
        return try await req.page("counter-created", titleKey: "counter_created_title",
                                  CreatedPage(isAdmin: staff.isAdmin, fullName: account.fullName, idNumber: account.idNumber,
                                              phoneMasked: (try? PhoneNumber(account.phone).masked) ?? "", smsState: label, smsBadge: badge,
                                              accountId: account.id!.uuidString.lowercased(), reissueURL: SiteURL.counter(.reissue(.value(account.id!))).path))
    }

    func requestForm(req: Request) async throws -> Response {
        let form = try await req.counter.requestFormPDF(try req.uuid(), staff: try await req.staff(), actor: req.auditActor, threadPool: req.application.threadPool, logger: req.logger)
        return .attachment(form.pdf, type: "application/pdf", fileName: form.fileName)
    }

    func scan(req: Request) async throws -> Response {
        let scan = try await req.counter.scan(try req.uuid(), staff: try await req.staff(), actor: req.auditActor)
        return .attachment(Data(scan.bytes), type: scan.kind.mimeType, fileName: scan.fileName)
    }

    struct PrintPage: Encodable {
        let form: FormText
        let draftURL: String
        /// `RequestFormText` as Leaf reads it.
        struct FormText: Encodable {
            let title, subtitle, recipient, statement, placeAndDate, officerHeading, citizenHeading, signHint, officerName, citizenName, reference: String
            let fields: [RequestFormText.Field]
            init(_ t: RequestFormText) {
                (title, subtitle, recipient, statement, placeAndDate) = (t.title, t.subtitle, t.recipient, t.statement, t.placeAndDate)
                (officerHeading, citizenHeading, signHint, officerName, citizenName, reference) =
                    (t.officerHeading, t.citizenHeading, t.signHint, t.officerName, t.citizenName, t.reference)
                fields = t.fields
            }
        }
    }

    /// The same form as the PDF, from the same values and in the same words (`RequestForm.text`), as a page to
    /// print from the browser.
    func printable(req: Request) async throws -> Response {
        let id = try req.uuid()
        let form = try await req.counter.requestForm(id, staff: try await req.staff(), actor: req.auditActor, format: "page")
        return try await req.page("counter-print", titleKey: "form_title",
                                  PrintPage(form: PrintPage.FormText(form.text), draftURL: SiteURL.counter(.draft(.value(id))).path))
    }

    // MARK: Reissue

    struct ReissuePage: Encodable {
        let menu = "citizens"
        let isAdmin: Bool
        let accountId, fullName, phoneMasked, nextSendAt, sendCodeURL, reissueURL: String
        var form = FormState()
    }

    private func reissuePage(_ req: Request, form: FormState = FormState(), status: HTTPStatus = .ok) async throws -> Response {
        let staff = try await req.staff()
        let id = try req.uuid("accountId")
        let (account, code) = try await req.counter.reissueState(id, staff: staff)
        return try await req.page("counter-reissue", titleKey: "counter_reissue",
                                  ReissuePage(isAdmin: staff.isAdmin, accountId: id.uuidString.lowercased(), fullName: account.fullName,
                                              phoneMasked: (try? PhoneNumber(account.phone).masked) ?? "", nextSendAt: RFC3339.string(code?.nextSendAt ?? req.now),
                                              sendCodeURL: SiteURL.counter(.reissueCode(.value(id))).path, reissueURL: SiteURL.counter(.reissue(.value(id))).path,
                                              form: form), status: status)
    }

    func reissueForm(req: Request) async throws -> Response { try await reissuePage(req) }

    func reissueCode(req: Request) async throws -> Response {
        let outcome = try await req.formOutcome(done: "otp_resent", propagating: [.notFound]) {
            _ = try await req.counter.reissueCode(try req.uuid("accountId"), staff: try await req.staff(), actor: req.auditActor)
        }
        return try await reissuePage(req, form: outcome.state)
    }

    func reissue(req: Request) async throws -> Response {
        let f = try req.content.decode(CodeForm.self)
        let outcome = try await req.formOutcome(done: "counter_reissued", propagating: [.notFound]) {
            try await req.counter.reissue(try req.uuid("accountId"), code: f.code, staff: try await req.staff(), actor: req.auditActor, hasher: req.portal.hasher)
        }
        return try await reissuePage(req, form: outcome.state, status: outcome.status)
    }
}
