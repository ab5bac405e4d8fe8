// The counter JSON API for provincial one-stop systems; the same service as the console pages.
import Domain
import Vapor

struct APICounterController {
    func list(req: Request) async throws -> Page<CitizenAccountView> {
        let staff = try await req.staff()
        let (page, per) = try req.apiQuery.paging()
        let found = try await req.counter.list(staff, q: try req.apiQuery.text("q", maxLength: 100) ?? "", page: page, per: per)
        let items = found.items.map { row in
            let a = row.account
            return CitizenAccountView(id: a.id, idNumber: a.idNumber, fullName: a.fullName, phoneMasked: (try? PhoneNumber(a.phone).masked) ?? "",
                                      unitId: a.createdAtUnit, createdAt: RFC3339.string(a.createdAt), passwordChangeRequired: a.passwordTemporary,
                                      passwordSMS: row.passwordSMS.map(MessageView.init))
        }
        return Page(items: items, page: page, per: per, total: found.total)
    }

    func lookup(req: Request) async throws -> LookupResponse {
        let staff = try await req.staff()
        let found = try await req.counter.lookup(try req.apiQuery.text("idNumber", maxLength: 20), staff: staff, actor: req.auditActor)
        return LookupResponse(exists: found.exists, eidOnly: found.eidOnly)
    }

    func createDraft(req: Request) async throws -> Response {
        guard req.headers.contentType?.type == "multipart" else {
            throw AppError(.unsupportedMediaType, "unsupported_media_type",
                           Msg("Nội dung phải là multipart/form-data.", "The body must be multipart/form-data."))
        }
        let (input, scan) = DraftUpload.input(try await DraftUpload.decode(req), keepEmptyScan: true)
        try APIDate.check(input.person)
        let staff = try await req.staff()
        let draft = try await req.counter.createDraft(input, scan: scan, staff: staff, actor: req.auditActor)
        return try await .json(DraftView(draft, scanFileName: try await req.counter.scanFileName(of: draft)), status: .created, for: req)
    }

    func getDraft(req: Request) async throws -> DraftView {
        let details = try await req.counter.details(try req.uuid(), staff: try await req.staff(), actor: req.auditActor)
        return DraftView(details.draft, scanFileName: details.scanFileName)
    }

    func updateDraft(req: Request) async throws -> DraftView {
        let body = try req.person(WithPerson<DraftUnit>.self)
        let input = DraftInput(person: body.person, unitID: body.rest.unitId)
        let staff = try await req.staff()
        let draft = try await req.counter.updateDraft(try req.uuid(), input, staff: staff, actor: req.auditActor)
        return DraftView(draft, scanFileName: try await req.counter.scanFileName(of: draft))
    }

    func scan(req: Request) async throws -> Response {
        let scan = try await req.counter.scan(try req.uuid(), staff: try await req.staff(), actor: req.auditActor)
        return .attachment(Data(scan.bytes), type: scan.kind.mimeType, fileName: scan.fileName)
    }

    func requestForm(req: Request) async throws -> Response {
        let form = try await req.counter.requestFormPDF(try req.uuid(), staff: try await req.staff(), actor: req.auditActor, threadPool: req.application.threadPool, logger: req.logger)
        return .attachment(form.pdf, type: "application/pdf", fileName: form.fileName)
    }

    func sendCode(req: Request) async throws -> Response {
        let sent = try await req.counter.sendCode(try req.uuid(), staff: try await req.staff(), actor: req.auditActor)
        return try await .json(OTPSentResponse(sent), status: .accepted, for: req)
    }

    func messages(req: Request) async throws -> Page<MessageView> {
        let messages = try await req.counter.messages(ofDraft: try req.uuid(), staff: try await req.staff())
        return Page(items: messages.map(MessageView.init), page: 1, per: messages.count, total: messages.count)
    }

    func create(req: Request) async throws -> Response {
        let body = try req.json(CodeRequest.self)
        let account = try await req.counter.create(try req.uuid(), code: body.code, staff: try await req.staff(), actor: req.auditActor, hasher: req.portal.hasher)
        return try await .json(AccountCreated(accountId: account.id!), status: .created, for: req)
    }

    func reissueCode(req: Request) async throws -> Response {
        let sent = try await req.counter.reissueCode(try req.uuid("accountId"), staff: try await req.staff(), actor: req.auditActor)
        return try await .json(OTPSentResponse(sent), status: .accepted, for: req)
    }

    func reissue(req: Request) async throws -> OKResponse {
        let body = try req.json(CodeRequest.self)
        try await req.counter.reissue(try req.uuid("accountId"), code: body.code, staff: try await req.staff(), actor: req.auditActor, hasher: req.portal.hasher)
        return OKResponse(status: "ok")
    }
}
