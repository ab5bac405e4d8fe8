// The counter: an officer looks up an ID number, drafts the account with the ID-card scan,
// sends the code to the citizen's phone, and creates the account with a temporary password sent by SMS.
import Domain
import Fluent
import SQLKit
import Foundation
import Logging
import NIOPosix
import RequestFormPDF

struct DraftInput: Sendable {
    var person = PersonInput()
    var unitID: UUID?
}

struct ScanUpload: Sendable {
    let bytes: [UInt8]
    let fileName: String
}

struct CounterService: Sendable {
    static let draftLifetime: TimeInterval = 24 * 3600
    static let temporaryPasswordLifetime: TimeInterval = 72 * 3600

    let db: any Database
    let portal: Portal

    var now: Date { portal.time.now() }

    /// Officers of at least one one-stop unit pass; everyone else gets every reason why not.
    func requireOfficer(_ staff: StaffContext, language: Language) async throws -> [Unit] {
        let rights = try await StaffDirectory(db: db).counterRights(staff)
        guard rights.canCreate else {
            let vi = rights.reasons.map(\.message.vi).joined(separator: " ")
            let en = rights.reasons.map(\.message.en).joined(separator: " ")
            throw AppError(.forbidden, Self.notOfficerCode, Msg("Bạn chưa thể tạo tài khoản công dân. " + vi, "You cannot create citizen accounts. " + en))
        }
        return rights.oneStopUnits
    }

    static let notOfficerCode = "not_officer"

    static let draftNotFound = AppError(.notFound, "draft_not_found",
        Msg("Hồ sơ nháp không tồn tại hoặc đã hết hạn (sau 24 giờ không thay đổi).", "The draft does not exist or has expired (24 hours after its last change)."))

    /// A draft with what its page and the API show beside it: the scan's file name, the code's state, every SMS.
    struct DraftDetails: Sendable {
        let draft: CitizenDraft
        let scanFileName: String
        let code: OTPState?
        let messages: [OutboxMessage]
    }

    /// Shows the draft whole (every field of the citizen's data): the read is recorded.
    func details(_ id: UUID, staff: StaffContext, actor: AuditLog.Actor) async throws -> DraftDetails {
        let draft = try await draft(id, staff: staff)
        try await recordRead(draft, what: "draft.read", staff: staff, actor: actor)
        return DraftDetails(draft: draft, scanFileName: try await scanFileName(of: draft),
                            code: try await OTPService(db: db, portal: portal).state(of: id), messages: try await messages(flow: id))
    }

    /// The file name the draft's scan was uploaded under, as the API shows a draft.
    func scanFileName(of draft: CitizenDraft) async throws -> String {
        try await IDScan.find(draft.scanID, on: db)?.fileName ?? ""
    }

    /// Every SMS of one of the caller's drafts.
    func messages(ofDraft id: UUID, staff: StaffContext) async throws -> [OutboxMessage] {
        try await messages(flow: try await draft(id, staff: staff).id!)
    }

    /// The request form's contents for a draft: the same values for the PDF and the page printed from the browser.
    func requestForm(_ id: UUID, staff: StaffContext, actor: AuditLog.Actor, format: String) async throws -> RequestForm {
        let draft = try await draft(id, staff: staff)
        try await recordRead(draft, what: "request_form.read", staff: staff, actor: actor, details: ["format": format])
        let unit = try await Unit.find(draft.unitID, on: db)
        let rootID = unit?.path.split(separator: "/").first.flatMap { UUID(uuidString: String($0)) }
        let province = try await rootID.asyncMap { try await Unit.find($0, on: db) } ?? nil
        return RequestForms.form(for: draft, officer: staff.account, unit: unit, province: province, portal: portal)
    }

    /// The filled request form as a PDF, and the file name it is downloaded under.
    func requestFormPDF(_ id: UUID, staff: StaffContext, actor: AuditLog.Actor, threadPool: NIOThreadPool, logger: Logger) async throws -> (pdf: Data, fileName: String) {
        let form = try await requestForm(id, staff: staff, actor: actor, format: "pdf")
        let pdf = try await RequestForms.pdf(form, fontPath: portal.config.pdfFontPath, threadPool: threadPool, logger: logger)
        return (pdf, "giay-de-nghi-\(form.idNumber).pdf")
    }

    private func recordRead(_ draft: CitizenDraft, what: String, staff: StaffContext, actor: AuditLog.Actor,
                            details: [String: String] = [:]) async throws {
        try await AuditLog(db: db, portal: portal).record(actor, action: what, target: "draft:\(draft.id!.uuidString.lowercased())",
                                                          unit: staff.officerUnits.first { $0.id == draft.unitID },
                                                          details: details.merging(["idNumber": IDNumber.maskedDigits(draft.idNumber)]) { a, _ in a })
    }

    /// A draft of one of the caller's one-stop units; any other is simply not found.
    func draft(_ id: UUID, staff: StaffContext) async throws -> CitizenDraft {
        guard let draft = try await CitizenDraft.find(id, on: db), draft.expiresAt > now,
              staff.officerUnits.contains(where: { $0.id == draft.unitID }) else { throw Self.draftNotFound }
        return draft
    }

    // MARK: Look-up

    func lookup(_ raw: String?, staff: StaffContext, actor: AuditLog.Actor) async throws -> AuditLog.LookupResult {
        let units = try await requireOfficer(staff, language: .vi)
        let id: IDNumber
        // The same rule as an account made here: a CMND is looked up only where it could still make one.
        do { id = try IDNumber.forNewAccount(raw ?? "", allowCMND: portal.config.allowCMNDForNewAccounts, now: now) }
        catch {
            // A refused or malformed look-up still counts against the limit.
            try await countLookup(staff)
            throw AppError.validation(["idNumber": Msg(error)])
        }
        return try await countedLookup(id, staff: staff, actor: actor, unit: units.first)
    }

    /// The look-up counted against the officer's hourly limit (`LOOKUP_LIMIT_PER_HOUR`), answered and recorded: one
    /// commit, so there is no answer without its record and no look-up past the limit.
    private func countedLookup(_ id: IDNumber, staff: StaffContext, actor: AuditLog.Actor, unit: Unit?) async throws -> AuditLog.LookupResult {
        let (decision, found) = try await AuditLog(db: db, portal: portal).recordLookup(actor, idNumber: id, unit: unit,
                                                                                        counting: lookupKey(staff), limit: lookupLimit)
        guard decision.allowed, let found else { throw AppError.rateLimited(retryAt: decision.retryAt ?? now.addingTimeInterval(1)) }
        return found
    }

    private func lookupKey(_ staff: StaffContext) -> String { "lookup:\(staff.account.id.uuidString)" }
    private var lookupLimit: RateLimit { RateLimit(limit: portal.config.lookupLimitPerHour, window: 3600) }

    /// One look-up against the officer's hourly limit, for one that is refused before it is answered.
    private func countLookup(_ staff: StaffContext) async throws {
        let decision = try await RateLimiter(db: db, now: now).hit(lookupKey(staff), lookupLimit)
        if !decision.allowed { throw AppError.rateLimited(retryAt: decision.retryAt!) }
    }

    /// A draft's ID number is checked for an existing account: the 409 tells the officer what a look-up tells, so
    /// the check is counted and recorded as one, before the answer.
    func checkIDFreeAsLookup(_ id: IDNumber, staff: StaffContext, actor: AuditLog.Actor, unit: Unit?) async throws {
        if try await countedLookup(id, staff: staff, actor: actor, unit: unit).exists { throw AccountLimits.idTaken }
    }
}
