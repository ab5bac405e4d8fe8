// The counter JSON API (R3–R9, R11, R12) for provincial one-stop systems; the same service as the console pages.
import Domain
import Fluent
import Vapor

struct APICounterController {
    /// The file may be exactly 5 MB; the body may carry the form fields beside it.
    static let uploadBodyLimit = ScanInspector.maxBytes + 64 * 1024

    private func staff(_ req: Request) async throws -> StaffContext {
        try await StaffDirectory(db: req.db).context(for: try req.requireSignedIn().account)
    }

    private func service(_ req: Request) -> CounterService { CounterService(db: req.db, portal: req.portal) }

    func list(req: Request) async throws -> Page<CitizenAccountView> {
        let staff = try await staff(req)
        _ = try await service(req).requireOfficer(staff, language: req.language)
        let (page, per) = req.paging
        let found = try await service(req).createdBy(staff, q: req.query[String.self, at: "q"] ?? "", page: page, per: per)
        let sms = try await service(req).passwordSMSStates(found.items.map(\.id))
        let items = found.items.map { a in
            CitizenAccountView(id: a.id, idNumber: a.idNumber, fullName: a.fullName, phoneMasked: (try? PhoneNumber(a.phone).masked) ?? "",
                               unitId: a.createdAtUnit, createdAt: RFC3339.string(a.createdAt), passwordChangeRequired: a.passwordTemporary,
                               passwordSMS: sms[a.id].map(MessageView.init))
        }
        return Page(items: items, page: page, per: per, total: found.total)
    }

    func lookup(req: Request) async throws -> LookupResponse {
        let exists = try await service(req).lookup(req.query[String.self, at: "idNumber"], staff: try await staff(req), actor: req.auditActor)
        return LookupResponse(exists: exists)
    }

    func createDraft(req: Request) async throws -> Response {
        guard req.headers.contentType?.type == "multipart" else {
            throw AppError(.unsupportedMediaType, "unsupported_media_type",
                           Msg("Nội dung phải là multipart/form-data.", "The body must be multipart/form-data."))
        }
        let form = try await DraftMultipart.decode(req)
        let scan = form.idScan.map { file in ScanUpload(bytes: Array(buffer: file.data), fileName: file.filename) }
        let input = DraftInput(person: PersonInput(idNumber: form.idNumber, fullName: form.fullName, dateOfBirth: form.dateOfBirth,
                                                   phone: form.phone, email: form.email),
                               unitID: form.unitId.flatMap(UUID.init(uuidString:)))
        let draft = try await service(req).createDraft(input, scan: scan, staff: try await staff(req), actor: req.auditActor)
        return try await .json(try await view(draft, req: req), status: .created, for: req)
    }

    func getDraft(req: Request) async throws -> DraftView {
        try await view(try await service(req).draft(try req.uuid(), staff: try await staff(req)), req: req)
    }

    func updateDraft(req: Request) async throws -> DraftView {
        let body = try req.json(DraftPatch.self)
        let input = DraftInput(person: PersonInput(idNumber: body.idNumber, fullName: body.fullName, dateOfBirth: body.dateOfBirth,
                                                   phone: body.phone, email: body.email), unitID: body.unitId)
        let draft = try await service(req).updateDraft(try req.uuid(), input, staff: try await staff(req), actor: req.auditActor)
        return try await view(draft, req: req)
    }

    func scan(req: Request) async throws -> Response {
        let scan = try await service(req).scan(try req.uuid(), staff: try await staff(req), actor: req.auditActor)
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: scan.kind.mimeType)
        headers.contentDisposition = .init(.attachment, filename: scan.fileName)
        return Response(status: .ok, headers: headers, body: .init(data: Data(scan.bytes)))
    }

    func requestForm(req: Request) async throws -> Response {
        let staff = try await staff(req)
        let draft = try await service(req).draft(try req.uuid(), staff: staff)
        let pdf = try await RequestForms.pdf(for: draft, officer: staff.account, req: req)
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "application", subType: "pdf")
        headers.contentDisposition = .init(.attachment, filename: "giay-de-nghi-\(draft.idNumber).pdf")
        return Response(status: .ok, headers: headers, body: .init(data: pdf))
    }

    func sendCode(req: Request) async throws -> Response {
        let sent = try await service(req).sendCode(try req.uuid(), staff: try await staff(req), actor: req.auditActor)
        return try await .json(OTPSentResponse(sent), status: .accepted, for: req)
    }

    func messages(req: Request) async throws -> Page<MessageView> {
        let id = try req.uuid()
        _ = try await service(req).draft(id, staff: try await staff(req))
        let messages = try await service(req).messages(flow: id)
        return Page(items: messages.map(MessageView.init), page: 1, per: messages.count, total: messages.count)
    }

    func create(req: Request) async throws -> Response {
        let body = try req.json(CodeRequest.self)
        let account = try await service(req).create(try req.uuid(), code: body.code, staff: try await staff(req), actor: req.auditActor, hasher: req.portal.hasher)
        return try await .json(AccountCreated(accountId: account.id!), status: .created, for: req)
    }

    func reissueCode(req: Request) async throws -> Response {
        let sent = try await service(req).reissueCode(try req.uuid("accountId"), staff: try await staff(req), actor: req.auditActor)
        return try await .json(OTPSentResponse(sent), status: .accepted, for: req)
    }

    func reissue(req: Request) async throws -> OKResponse {
        let body = try req.json(CodeRequest.self)
        try await service(req).reissue(try req.uuid("accountId"), code: body.code, staff: try await staff(req), actor: req.auditActor, hasher: req.portal.hasher)
        return OKResponse(status: "ok")
    }

    private func view(_ d: CitizenDraft, req: Request) async throws -> DraftView {
        let scan = try await IDScan.find(d.scanID, on: req.db)
        return DraftView(id: d.id!, idNumber: d.idNumber, fullName: d.fullName, dateOfBirth: d.dateOfBirth, phone: d.phone,
                         phoneMasked: (try? PhoneNumber(d.phone).masked) ?? "", email: d.email, unitId: d.unitID,
                         scanFileName: scan?.fileName ?? "", createdAt: RFC3339.string(d.createdAt), updatedAt: RFC3339.string(d.updatedAt),
                         expiresAt: RFC3339.string(d.expiresAt))
    }
}

/// Refuses an upload whose declared length is already over the limit, without reading the rest of it; then
/// waits for one of the upload slots before the body is collected, so only a few bodies are in memory at once,
/// and gives the body the gate's time limit to arrive.
struct UploadLimit: AsyncMiddleware {
    let limit: Int
    /// What a caller told "busy" is asked to wait before sending again.
    static let retryAfter: TimeInterval = 5

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if let length = request.headers.first(name: .contentLength).flatMap(Int.init), length > limit {
            throw AppError(.payloadTooLarge, "too_large",
                           Msg("Tệp đính kèm vượt quá 5 MB.", "The attachment is larger than 5 MB."),
                           fields: ["idScan": Msg("Tệp đính kèm vượt quá 5 MB.", "The attachment is larger than 5 MB.")])
        }
        let gate = request.portal.uploads
        return try await gate.withSlot(retryAt: request.now.addingTimeInterval(Self.retryAfter)) {
            // The body is read here, within the time limit; the route then finds it collected.
            _ = try await gate.withinTimeLimit(request.body.collect(max: limit))
            return try await next.respond(to: request)
        }
    }
}
