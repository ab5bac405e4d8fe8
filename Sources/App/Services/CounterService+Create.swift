// Creating the account from a draft with the citizen's latest code, and reissuing a temporary password later.
import Domain
import Fluent
import Foundation
import SQLKit

extension CounterService {
    // MARK: Create

    /// Only the latest code creates. The account, its audit record, the kept scan and the password SMS commit
    /// together; the unique index decides a race between two officers on one ID number.
    func create(_ id: UUID, code: String?, staff: StaffContext, actor: AuditLog.Actor, hasher: PasswordHasher) async throws -> Account {
        let draft = try await draft(id, staff: staff)
        guard let code, !code.isEmpty else { throw AppError.validation(["code": PersonValidation.required]) }
        let checked = try await OTPService(db: db, portal: portal).check(flowID: id, purpose: .draft, code: code)
        if checked == .missing, try await OutboxMessage.query(on: db).filter(\.$flowID == id).filter(\.$kind == .otp).count() == 0 {
            throw Self.noCodeSent
        }
        if let error = OTPService.error(for: checked) { throw error }
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
            try await Outbox(db: tx, portal: portal).enqueue(
                to: try PhoneNumber(draft.phone),
                text: Self.passwordSMS(idNumber: draft.idNumber, password: password, expires: account.passwordExpiresAt ?? now, portal: portal),
                kind: .password, flowID: account.id)
            try await AuditLog(db: tx, portal: portal).record(actor, action: "citizen.create", target: "account:\(account.id!.uuidString.lowercased())", unit: unit,
                                                              details: ["idNumber": IDNumber.maskedDigits(draft.idNumber), "draft": id.uuidString.lowercased()])
            return account
        }
    }

    static let noCodeSent = AppError(.unprocessableEntity, "otp_not_sent",
        Msg("Chưa gửi mã OTP nào cho hồ sơ này. Bấm «Gửi mã OTP» để gửi mã đến số điện thoại của công dân, rồi nhập mã công dân đọc lại.",
            "No code has been sent for this draft yet. Press «Send OTP» to send one to the citizen's phone, then enter the code the citizen reads out."),
        fields: ["code": Msg("Chưa gửi mã OTP.", "No code has been sent yet.")])

    /// The temporary password's SMS, for a new account and a reissue alike: what it is and when it expires first,
    /// then the portal's name and what to do (a long configured name can only cost that tail: `Outbox.fit`).
    static func passwordSMS(idNumber: String, password: String, expires: Date, portal: Portal) -> String {
        "Tai khoan \(idNumber), mat khau tam \(password), het han \(VietnamTime.dateTime(expires)). "
            + "\(SMSText.fold(portal.config.portalName)): doi mat khau khi dang nhap lan dau."
    }

    // MARK: Password reissue

    static let accountNotFound = AppError(.notFound, "account_not_found",
        Msg("Không tìm thấy tài khoản do bạn tạo tại đơn vị mà bạn đang có quyền.", "No account you created at a unit where you now hold the right was found."))

    /// An account this officer created at a unit where they hold the right now: an officer who moved units no
    /// longer acts on the old unit's citizens. The flow id of a reissue is the account's own id.
    func createdAccount(_ id: UUID, staff: StaffContext) async throws -> Account {
        try await createdAccountAndUnit(id, staff: staff).account
    }

    /// The same, with the one-stop unit it was created at (where its officer's actions are recorded).
    func createdAccountAndUnit(_ id: UUID, staff: StaffContext) async throws -> (account: Account, unit: Unit) {
        let units = try await requireOfficer(staff, language: .vi)
        guard let account = try await Account.find(id, on: db), account.createdBy == staff.account.id,
              let unitID = account.createdAtUnit, let unit = units.first(where: { $0.id == unitID }) else { throw Self.accountNotFound }
        return (account, unit)
    }

    /// An account the caller created, with the fate of its password SMS.
    func createdWithSMS(_ accountID: UUID, staff: StaffContext) async throws -> (account: Account, passwordSMS: SMSState?) {
        let account = try await createdAccount(accountID, staff: staff)
        return (account, try await passwordSMS(of: accountID))
    }

    /// An account the caller created, with the state of its reissue code.
    func reissueState(_ accountID: UUID, staff: StaffContext) async throws -> (account: Account, code: OTPState?) {
        let account = try await createdAccount(accountID, staff: staff)
        return (account, try await OTPService(db: db, portal: portal).state(of: accountID))
    }

    func reissueCode(_ accountID: UUID, staff: StaffContext, actor: AuditLog.Actor) async throws -> OTPSent {
        let (account, unit) = try await createdAccountAndUnit(accountID, staff: staff)
        let phone = try PhoneNumber(account.phone)
        let portal = self.portal
        return try await db.writeTransaction { tx in
            let sent = try await OTPService(db: tx, portal: portal).send(purpose: .reissue, flowID: accountID, phone: phone, clientAddress: actor.address)
            try await AuditLog(db: tx, portal: portal).record(actor, action: "citizen.reissue_otp_send", target: "account:\(accountID.uuidString.lowercased())", unit: unit,
                                                              details: ["phone": phone.masked])
            return sent
        }
    }

    func reissue(_ accountID: UUID, code: String?, staff: StaffContext, actor: AuditLog.Actor, hasher: PasswordHasher) async throws {
        let (account, unit) = try await createdAccountAndUnit(accountID, staff: staff)
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
            try await Outbox(db: tx, portal: portal).enqueue(
                to: try PhoneNumber(account.phone),
                text: Self.passwordSMS(idNumber: account.idNumber, password: password, expires: account.passwordExpiresAt ?? now, portal: portal),
                kind: .password, flowID: accountID)
            try await AuditLog(db: tx, portal: portal).record(actor, action: "citizen.password_reissue", target: "account:\(accountID.uuidString.lowercased())",
                                                              unit: unit, details: ["idNumber": IDNumber.maskedDigits(account.idNumber)])
        }
    }

}
