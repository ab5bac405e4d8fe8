// The counter (R3–R9, R11, R12): an officer looks up an ID number, drafts the account with the ID-card scan,
// sends the code to the citizen's phone, and creates the account with a temporary password sent by SMS.
import Domain
import Fluent
import SQLKit
import Foundation

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

    private var now: Date { portal.time.now() }

    /// Officers of at least one one-stop unit pass; everyone else gets the precise R10 causes.
    func requireOfficer(_ staff: StaffContext, language: Language) async throws -> [Unit] {
        let units = staff.officerUnits
        if units.isEmpty {
            let reasons = try await StaffDirectory(db: db).reasons(staff)
            let vi = reasons.map(\.message.vi).joined(separator: " ")
            let en = reasons.map(\.message.en).joined(separator: " ")
            throw AppError(.forbidden, "not_officer", Msg("Bạn chưa thể tạo tài khoản công dân. " + vi, "You cannot create citizen accounts. " + en))
        }
        return units
    }

    static let draftNotFound = AppError(.notFound, "draft_not_found",
        Msg("Hồ sơ nháp không tồn tại hoặc đã hết hạn (sau 24 giờ không thay đổi).", "The draft does not exist or has expired (24 hours after its last change)."))

    /// A draft of one of the caller's one-stop units; any other is simply not found.
    func draft(_ id: UUID, staff: StaffContext) async throws -> CitizenDraft {
        guard let draft = try await CitizenDraft.find(id, on: db), draft.expiresAt > now,
              staff.officerUnits.contains(where: { $0.id == draft.unitID }) else { throw Self.draftNotFound }
        return draft
    }

    // MARK: Look-up (R4)

    func lookup(_ raw: String?, staff: StaffContext, actor: AuditLog.Actor) async throws -> Bool {
        let units = try await requireOfficer(staff, language: .vi)
        // A refused or malformed look-up still counts against the limit.
        let decision = try await RateLimiter(db: db, now: now).hit("lookup:\(staff.account.id.uuidString)",
                                                                  RateLimit(limit: portal.config.lookupLimitPerHour, window: 3600))
        if !decision.allowed { throw AppError.rateLimited(retryAt: decision.retryAt!) }
        let id: IDNumber
        do { id = try IDNumber(raw ?? "", now: now) } catch { throw AppError.validation(["idNumber": Msg(error)]) }
        return try await AuditLog(db: db, portal: portal).recordLookup(actor, idNumber: id, unit: units.first)
    }

    // MARK: Draft (R5, R6)

    func createDraft(_ input: DraftInput, scan: ScanUpload?, staff: StaffContext, actor: AuditLog.Actor) async throws -> CitizenDraft {
        let units = try await requireOfficer(staff, language: .vi)
        var fields: [String: Msg] = [:]
        var person: ValidPerson? = nil
        do { person = try PersonValidation.validate(input.person, allowCMND: portal.config.allowCMNDForNewAccounts, now: now) } catch let e as AppError { fields = e.fields }
        let unit = units.first { $0.id == input.unitID }
        if unit == nil {
            fields["unitId"] = Msg("Chọn Trung tâm Phục vụ hành chính công hoặc Bộ phận một cửa nơi bạn công tác.",
                                   "Choose the public administrative service centre or one-stop desk where you work.")
        }
        guard let scan, !scan.bytes.isEmpty else {
            fields["idScan"] = Msg("Cần đính kèm bản quét hai mặt thẻ căn cước (.pdf, .docx hoặc .doc, tối đa 5 MB).",
                                   "Attach the scan of both sides of the ID card (.pdf, .docx or .doc, at most 5 MB).")
            throw AppError.validation(fields)
        }
        let kind = try await portal.uploads.offload { try Self.inspect(scan) }
        guard fields.isEmpty, let person, let unit else { throw AppError.validation(fields) }
        try await AccountLimits(db: db, portal: portal).checkIDFree(person.idNumber.digits)
        try await AccountLimits(db: db, portal: portal).checkPhone(person.phone.e164)

        let portal = self.portal
        // Encrypted before the transaction: the write lock (on SQLite, the whole database's) is held only
        // for the inserts.
        let scanID = UUID()
        let key = portal.keys.dataEncryption
        let sealed = try await portal.uploads.offload { Data(try Sealed.seal(scan.bytes, key: key, context: "scan:\(scanID.uuidString.lowercased())")) }
        return try await db.writeTransaction { tx in
            let now = portal.time.now()
            let scanRow = IDScan()
            scanRow.id = scanID
            scanRow.sealed = sealed
            scanRow.fileName = ScanInspector.safeFileName(scan.fileName, kind: kind)
            scanRow.kind = kind.rawValue
            scanRow.size = scan.bytes.count
            scanRow.createdAt = now
            try await scanRow.create(on: tx)
            let draft = CitizenDraft()
            draft.id = UUID()
            draft.officerID = staff.account.id
            draft.unitID = unit.id!
            draft.idNumber = person.idNumber.digits
            draft.fullName = person.name.value
            draft.dateOfBirth = person.dateOfBirth.iso
            draft.phone = person.phone.e164
            draft.email = person.email
            draft.scanID = scanID
            draft.createdAt = now
            draft.updatedAt = now
            draft.expiresAt = now.addingTimeInterval(Self.draftLifetime)
            try await draft.create(on: tx)
            try await AuditLog(db: tx, portal: portal).record(actor, action: "draft.create", target: "draft:\(draft.id!.uuidString.lowercased())", unit: unit,
                                                              details: ["idNumber": person.idNumber.masked, "scanBytes": String(scan.bytes.count), "scanKind": kind.rawValue])
            return draft
        }
    }

    /// The scan's type comes from its bytes; the errors map to the contract's statuses (413 too large, 415 wrong type).
    static func inspect(_ scan: ScanUpload) throws -> ScanKind {
        do {
            return try ScanInspector.inspect(scan.bytes, fileName: scan.fileName)
        } catch {
            switch error.code {
            case "scan_too_large": throw AppError(.payloadTooLarge, "too_large", Msg(error), fields: ["idScan": Msg(error)])
            case "scan_empty": throw AppError.validation(["idScan": Msg(error)])
            default: throw AppError(.unsupportedMediaType, "unsupported_media_type", Msg(error), fields: ["idScan": Msg(error)])
            }
        }
    }

    /// Corrects fields (R11). A new phone kills every code sent to the old one.
    func updateDraft(_ id: UUID, _ input: DraftInput, staff: StaffContext, actor: AuditLog.Actor) async throws -> CitizenDraft {
        let draft = try await draft(id, staff: staff)
        var merged = PersonInput(idNumber: draft.idNumber, fullName: draft.fullName, dateOfBirth: draft.dateOfBirth, phone: draft.phone, email: draft.email)
        if let v = input.person.idNumber { merged.idNumber = v }
        if let v = input.person.fullName { merged.fullName = v }
        if let v = input.person.dateOfBirth { merged.dateOfBirth = v }
        if let v = input.person.phone { merged.phone = v }
        if let v = input.person.email { merged.email = v }
        let person = try PersonValidation.validate(merged, allowCMND: portal.config.allowCMNDForNewAccounts, now: now)
        var unitID = draft.unitID
        if let wanted = input.unitID {
            guard staff.officerUnits.contains(where: { $0.id == wanted }) else {
                throw AppError.validation(["unitId": Msg("Bạn chỉ chọn được đơn vị một cửa nơi bạn công tác.", "You can only choose a one-stop unit where you work.")])
            }
            unitID = wanted
        }
        if person.idNumber.digits != draft.idNumber { try await AccountLimits(db: db, portal: portal).checkIDFree(person.idNumber.digits) }
        let phoneChanged = person.phone.e164 != draft.phone
        if phoneChanged { try await AccountLimits(db: db, portal: portal).checkPhone(person.phone.e164) }
        let portal = self.portal
        let newUnitID = unitID
        return try await db.writeTransaction { tx in
            let now = portal.time.now()
            if phoneChanged {
                try await OTPChallenge.query(on: tx).filter(\.$id == id).delete()
                try await OutboxMessage.query(on: tx).filter(\.$flowID == id).filter(\.$status == .queued).filter(\.$kind == .otp)
                    .set(\.$status, to: .expired).set(\.$textSealed, to: nil).set(\.$lastError, to: "phone number corrected").set(\.$updatedAt, to: now).update()
            }
            draft.idNumber = person.idNumber.digits
            draft.fullName = person.name.value
            draft.dateOfBirth = person.dateOfBirth.iso
            draft.phone = person.phone.e164
            draft.email = person.email
            draft.unitID = newUnitID
            draft.updatedAt = now
            draft.expiresAt = now.addingTimeInterval(Self.draftLifetime)
            try await draft.update(on: tx)
            try await AuditLog(db: tx, portal: portal).record(actor, action: "draft.update", target: "draft:\(id.uuidString.lowercased())",
                                                              unit: staff.officerUnits.first { $0.id == newUnitID },
                                                              details: ["phoneChanged": String(phoneChanged)])
            return draft
        }
    }

    func scan(_ id: UUID, staff: StaffContext, actor: AuditLog.Actor) async throws -> (bytes: [UInt8], fileName: String, kind: ScanKind) {
        let draft = try await draft(id, staff: staff)
        guard let scan = try await IDScan.find(draft.scanID, on: db), let kind = ScanKind(rawValue: scan.kind) else { throw Self.draftNotFound }
        let bytes = try Sealed.open(Array(scan.sealed), key: portal.keys.dataEncryption, context: "scan:\(scan.id!.uuidString.lowercased())")
        try await AuditLog(db: db, portal: portal).record(actor, action: "scan.download", target: "draft:\(id.uuidString.lowercased())",
                                                          unit: staff.officerUnits.first { $0.id == draft.unitID })
        return (bytes, scan.fileName, kind)
    }

    // MARK: Code (R8, R11)

    func sendCode(_ id: UUID, staff: StaffContext, actor: AuditLog.Actor) async throws -> OTPSent {
        let draft = try await draft(id, staff: staff)
        let phone = try PhoneNumber(draft.phone)
        let portal = self.portal
        let unit = staff.officerUnits.first { $0.id == draft.unitID }
        return try await db.writeTransaction { tx in
            let sent = try await OTPService(db: tx, portal: portal).send(purpose: .draft, flowID: id, phone: phone, clientAddress: actor.address)
            try await AuditLog(db: tx, portal: portal).record(actor, action: "draft.otp_send", target: "draft:\(id.uuidString.lowercased())", unit: unit,
                                                              details: ["phone": phone.masked, "sends": String(sent.sends)])
            return sent
        }
    }

    func messages(flow: UUID) async throws -> [OutboxMessage] {
        try await OutboxMessage.query(on: db).filter(\.$flowID == flow).sort(\.$createdAt, .descending).limit(50).all()
    }

    // MARK: Create (R9)

    /// Only the latest code creates. The account, its audit record, the kept scan and the password SMS commit
    /// together; the unique index decides a race between two officers on one ID number.
    func create(_ id: UUID, code: String?, staff: StaffContext, actor: AuditLog.Actor, hasher: PasswordHasher) async throws -> Account {
        let draft = try await draft(id, staff: staff)
        guard let code, !code.isEmpty else { throw AppError.validation(["code": PersonValidation.required]) }
        if let error = OTPService.error(for: try await OTPService(db: db, portal: portal).check(flowID: id, purpose: .draft, code: code)) { throw error }
        let password = TemporaryPassword.generate()
        let hash = try await hasher.hash(password)
        let portal = self.portal
        let unit = staff.officerUnits.first { $0.id == draft.unitID }
        return try await db.writeTransaction { tx -> Account in
            let now = portal.time.now()
            try await AccountLimits(db: tx, portal: portal).checkPhone(draft.phone)
            let account = Account.make(id: try IDNumber(draft.idNumber, now: now), name: try PersonName(draft.fullName),
                                               phone: try PhoneNumber(draft.phone), dateOfBirth: try DateOfBirth(iso: draft.dateOfBirth, today: now),
                                               email: draft.email, hash: hash, temporary: true, now: now)
            account.createdBy = staff.account.id
            account.createdAtUnit = draft.unitID
            do { try await account.create(on: tx) } catch where error.isUniqueViolation { throw AccountLimits.idTaken }
            try await IDScan.query(on: tx).filter(\.$id == draft.scanID)
                .set(\.$accountID, to: account.id).set(\.$deleteAfter, to: now.addingTimeInterval(TimeInterval(portal.config.scanRetentionDays) * 86400)).update()
            try await CitizenDraft.query(on: tx).filter(\.$id == id).delete()
            try await Outbox(db: tx, portal: portal).enqueue(to: try PhoneNumber(draft.phone), text: "Tai khoan: \(draft.idNumber) Mat khau: \(password)",
                                                             kind: .password, flowID: account.id)
            try await AuditLog(db: tx, portal: portal).record(actor, action: "citizen.create", target: "account:\(account.id!.uuidString.lowercased())", unit: unit,
                                                              details: ["idNumber": IDNumber.maskedDigits(draft.idNumber), "draft": id.uuidString.lowercased()])
            return account
        }
    }

    // MARK: Password reissue (R12)

    static let accountNotFound = AppError(.notFound, "account_not_found", Msg("Không tìm thấy tài khoản do bạn tạo.", "No account you created was found."))

    /// Accounts this officer created; the flow id of a reissue is the account's own id.
    func createdAccount(_ id: UUID, staff: StaffContext) async throws -> Account {
        _ = try await requireOfficer(staff, language: .vi)
        guard let account = try await Account.find(id, on: db), account.createdBy == staff.account.id else { throw Self.accountNotFound }
        return account
    }

    func reissueCode(_ accountID: UUID, staff: StaffContext, actor: AuditLog.Actor) async throws -> OTPSent {
        let account = try await createdAccount(accountID, staff: staff)
        let phone = try PhoneNumber(account.phone)
        let portal = self.portal
        return try await db.writeTransaction { tx in
            let sent = try await OTPService(db: tx, portal: portal).send(purpose: .reissue, flowID: accountID, phone: phone, clientAddress: actor.address)
            try await AuditLog(db: tx, portal: portal).record(actor, action: "citizen.reissue_otp_send", target: "account:\(accountID.uuidString.lowercased())", unit: nil,
                                                              details: ["phone": phone.masked])
            return sent
        }
    }

    func reissue(_ accountID: UUID, code: String?, staff: StaffContext, actor: AuditLog.Actor, hasher: PasswordHasher) async throws {
        let account = try await createdAccount(accountID, staff: staff)
        guard let code, !code.isEmpty else { throw AppError.validation(["code": PersonValidation.required]) }
        if let error = OTPService.error(for: try await OTPService(db: db, portal: portal).check(flowID: accountID, purpose: .reissue, code: code)) { throw error }
        let password = TemporaryPassword.generate()
        let hash = try await hasher.hash(password)
        let portal = self.portal
        try await db.writeTransaction { tx in
            let now = portal.time.now()
            account.passwordHash = hash
            account.passwordTemporary = true
            account.passwordExpiresAt = now.addingTimeInterval(Self.temporaryPasswordLifetime)
            account.updatedAt = now
            try await account.update(on: tx)
            // The new password must not wait out a pause earned by tries with the old one.
            try await LoginAttempts(db: tx, now: now).clear(LoginAttempts.key(account: accountID))
            try await Sessions(db: tx, portal: portal).endAll(account: accountID)
            try await Outbox(db: tx, portal: portal).enqueue(to: try PhoneNumber(account.phone), text: "Tai khoan: \(account.idNumber) Mat khau: \(password)",
                                                             kind: .password, flowID: accountID)
            try await AuditLog(db: tx, portal: portal).record(actor, action: "citizen.password_reissue", target: "account:\(accountID.uuidString.lowercased())",
                                                              unit: nil, details: ["idNumber": IDNumber.maskedDigits(account.idNumber)])
        }
    }

    // MARK: The list (R3)

    /// One row of an officer's list: just what the list shows.
    struct CreatedAccount: Sendable, Decodable {
        let id: UUID
        let idNumber: String
        let fullName: String
        let phone: String
        let createdAtUnit: UUID?
        let createdAt: Date
        let passwordTemporary: Bool

        enum CodingKeys: String, CodingKey {
            case id, phone
            case idNumber = "id_number", fullName = "full_name", createdAtUnit = "created_at_unit"
            case createdAt = "created_at", passwordTemporary = "password_temporary"
        }
    }

    /// Read with plain SQL into `CreatedAccount`: building a full Fluent model per row walks every field by
    /// reflection, which was 28 % of the CPU of a 100-row list page.
    func createdBy(_ staff: StaffContext, q: String, page: Int, per: Int) async throws -> (items: [CreatedAccount], total: Int) {
        func filtered<B: SQLPredicateBuilder>(_ builder: B) -> B {
            var b = builder.where(SQLIdentifier("created_by"), .equal, SQLBind(staff.account.id))
            let term = Text.clean(String(q.prefix(100)))
            if !term.isEmpty {
                let digits = term.filter(\.isNumber)
                if digits.count == term.filter({ !$0.isWhitespace }).count {
                    b = b.where(SQLIdentifier("id_number"), .like, SQLBind("%\(digits)%"))
                } else {
                    let key = Text.searchKey(term).filter { $0 != "%" && $0 != "_" && $0 != "\\" }
                    b = b.where(SQLIdentifier("name_key"), .like, SQLBind("%\(key)%"))
                }
            }
            return b
        }
        let total = try await filtered(db.sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from(Account.schema))
            .first()?.decode(column: "n", as: Int.self) ?? 0
        let items = try await filtered(db.sql.select()
                .columns("id", "id_number", "full_name", "phone", "created_at_unit", "created_at", "password_temporary")
                .from(Account.schema))
            .orderBy("created_at", .descending).limit(per).offset((page - 1) * per)
            .all(decoding: CreatedAccount.self)
        return (items, total)
    }

    /// The newest password SMS of each account, for the list. Plain SQL: a list page reads a hundred of them, and the ORM's
    /// decoding of whole messages cost more than the query.
    func passwordSMSStates(_ accounts: [UUID]) async throws -> [UUID: SMSState] {
        guard !accounts.isEmpty else { return [:] }
        let states = try await db.sql.raw("""
            SELECT \(unsafeRaw: SMSState.columns) FROM outbox_messages
            WHERE kind = \(bind: OutboxMessage.Kind.password.rawValue) AND flow_id IN (\(binds: accounts)) ORDER BY created_at
            """).all(decoding: SMSState.self)
        var latest: [UUID: SMSState] = [:]
        for state in states { latest[state.flowID] = state }
        return latest
    }
}

/// What the counter shows of an SMS: its fate and when, never its text.
struct SMSState: Decodable, Sendable {
    static let columns = "id, flow_id, kind, status, attempts, last_error, created_at, sent_at"

    let id: UUID, flowID: UUID, kind: OutboxMessage.Kind, status: OutboxMessage.Status, attempts: Int
    let lastError: String?, createdAt: Date, sentAt: Date?

    private enum CodingKeys: String, CodingKey {
        case id, flowID = "flow_id", kind, status, attempts, lastError = "last_error", createdAt = "created_at", sentAt = "sent_at"
    }
}

/// Periodic clean-up: expired flows, drafts with their scans, scans past their retention, old limit counters,
/// sessions and SMS past their retention.
enum Maintenance {
    /// Ended and expired sessions stay listed for this long after their absolute end (who was signed in, from
    /// where), then go.
    static let sessionRetentionDays = 30
    /// Sent, failed and expired SMS stay this long after their outcome (the counter shows a password SMS's
    /// fate; the per-phone limits look back one day), then go. Their text is erased at the outcome already.
    static let outboxRetentionDays = 30
    /// Rows deleted per statement, so that a large backlog never holds the database's write lock for long.
    static let batch = 5_000

    static func runOnce(db: any Database, now: Date) async throws {
        try await purgeRetained(db: db, now: now)
        try await RegistrationService.purgeExpired(db: db, now: now)
        let expired = try await CitizenDraft.query(on: db).filter(\.$expiresAt < now).all()
        for draft in expired {
            try await db.writeTransaction { tx in
                try await CitizenDraft.query(on: tx).filter(\.$id == draft.id!).delete()
                try await IDScan.query(on: tx).filter(\.$id == draft.scanID).filter(\.$accountID == nil).delete()
                try await OTPChallenge.query(on: tx).filter(\.$id == draft.id!).delete()
            }
        }
        try await IDScan.query(on: db).filter(\.$deleteAfter < now).delete()
        try await RateLimiter(db: db, now: now).purgeExpired()
    }

    static func purgeRetained(db: any Database, now: Date) async throws {
        let sessionsBefore = now.addingTimeInterval(-Double(sessionRetentionDays) * 86_400)
        let outboxBefore = now.addingTimeInterval(-Double(outboxRetentionDays) * 86_400)
        while try await deleted(db, "auth_sessions", "expires_at < \(bind: sessionsBefore)") == batch {}
        while try await deleted(db, "outbox_messages", "status <> 'queued' AND updated_at < \(bind: outboxBefore)") == batch {}
    }

    /// Deletes at most `batch` rows matching `condition`; returns how many went.
    private static func deleted(_ db: any Database, _ table: String, _ condition: SQLQueryString) async throws -> Int {
        let rows = try await db.sql.raw("""
            DELETE FROM \(ident: table) WHERE id IN (SELECT id FROM \(ident: table) WHERE \(condition) LIMIT \(bind: batch)) RETURNING id
            """).all()
        return rows.count
    }
}
