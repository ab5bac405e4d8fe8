// Changing a password when signed in, and recovering it with an SMS code; both end other sessions.
import Domain
import Fluent
import Foundation

struct PasswordService: Sendable {
    static let resetLifetime: TimeInterval = 15 * 60

    let db: any Database
    let portal: Portal
    let hasher: PasswordHasher

    private var now: Date { portal.time.now() }

    func policyError(_ password: String?, for account: Account, field: String) -> AppError? {
        guard let password, !password.isEmpty else { return AppError.validation([field: PersonValidation.required]) }
        let broken = PasswordPolicy.check(password, idNumber: try? IDNumber(account.idNumber), phone: try? PhoneNumber(account.phone),
                                          dateOfBirth: try? DateOfBirth(iso: account.dateOfBirth, today: now))
        return broken.map { AppError.validation([field: Msg($0)]) }
    }

    /// `confirmation`: the password typed a second time, where a form asks for it; the two must match.
    static func confirm(_ password: String?, _ confirmation: String?) throws {
        guard let confirmation else { return }
        if (password ?? "") != confirmation {
            throw AppError.validation(["passwordConfirm": Msg("Hai mật khẩu không giống nhau.", "The two passwords differ.")])
        }
    }

    func change(_ signedIn: SignedIn, current: String?, new: String?, confirmation: String? = nil) async throws {
        try Self.confirm(new, confirmation)
        // The account as it is now, not as the session check read it: this request writes it.
        guard let account = try await Account.find(signedIn.account.id, on: db) else { throw AppError.unauthorized }
        // An account made through the e-ID has no password yet: its first one needs none.
        if account.passwordHash != Account.noPassword {
            guard let current, !current.isEmpty else { throw AppError.validation(["currentPassword": PersonValidation.required]) }
            guard try await hasher.verify(current, against: account.passwordHash) else {
                throw AppError.validation(["currentPassword": Msg("Mật khẩu hiện tại không đúng.", "The current password is not correct.")])
            }
        }
        if let error = policyError(new, for: account, field: "newPassword") { throw error }
        if new == current {
            throw AppError.validation(["newPassword": Msg("Mật khẩu mới phải khác mật khẩu hiện tại.", "The new password must differ from the current one.")])
        }
        let hash = try await hasher.hash(new!)
        try await store(hash, for: account, keepSession: signedIn.session.id)
    }

    /// Starts a reset. The answer is the same whether or not the account exists; the code goes only to a real
    /// account's phone, and a send limit hit is not told either.
    func startReset(username raw: String?, humanCheck: String?, clientAddress: String) async throws -> UUID {
        try await HumanCheckGate(db: db, portal: portal).require(humanCheck)
        try await IPLimit(db: db, portal: portal).hit("reset", clientAddress)
        let username = try LoginService.parseUsername(raw, now: now)
        let account = try? await LoginService(db: db, portal: portal, hasher: hasher).lookUp(username)
        let portal = self.portal
        let resetID = UUID()
        try await db.writeTransaction { tx in
            let now = portal.time.now()
            let reset = PasswordReset()
            reset.id = resetID
            reset.accountID = account?.id
            reset.createdAt = now
            reset.expiresAt = now.addingTimeInterval(Self.resetLifetime)
            try await reset.create(on: tx)
        }
        await sendResetCode(resetID, standIn: standIn(for: username), account: account, clientAddress: clientAddress)
        return resetID
    }

    /// Another code for the reset, on the same terms as the first: what was typed decides the limits.
    func resendReset(_ id: UUID, clientAddress: String) async throws {
        let reset = try await findReset(id)
        guard let challenge = try await OTPChallenge.find(id, on: db) else { return }
        let account = try await reset.accountID.asyncMap { try await Account.find($0, on: db) } ?? nil
        await sendResetCode(id, standIn: challenge.phone, account: account, clientAddress: clientAddress)
    }

    /// What stands in for a phone in a reset's limits: a keyed hash of the username typed, for a real account
    /// and an unknown one alike, so that no ID number is stored for it and the limits tell nothing.
    private func standIn(for username: Username) -> String {
        let name: String
        switch username {
        case let .idNumber(id): name = "id:" + id.digits
        case let .phone(phone): name = "phone:" + phone.e164
        }
        return "decoy:" + Sessions.hash(name, key: portal.keys.token).prefix(32)
    }

    /// One path for a real account and an unknown username: a code held to the stand-in's limits, which only a
    /// real account's phone receives (and only while that phone's own limits allow). Without an account there is
    /// still a code to count wrong entries against: otherwise the answers to a wrong code ("4 attempts left"
    /// against "not correct") would tell an outsider which ID numbers and phones have an account.
    private func sendResetCode(_ id: UUID, standIn: String, account: Account?, clientAddress: String) async {
        let portal = self.portal
        let phone = account.flatMap { try? PhoneNumber($0.phone) }
        do {
            try await db.writeTransaction { tx in
                try await OTPService(db: tx, portal: portal).sendStandIn(purpose: .reset, flowID: id, standIn: standIn, deliverTo: phone,
                                                                         clientAddress: clientAddress)
            }
        } catch {
            // Telling the caller would tell them nothing an unknown username does not get too; the page reads the same.
            Logger(label: "portal.reset").info("Reset code not sent: \(ErrorKind.of(error))")
        }
    }

    /// The reset's code as its page shows it. Without any code (none could be sent) the page reads as if one
    /// had been sent when the reset began: the same page whether or not an account matched.
    func codeState(_ id: UUID) async throws -> OTPState {
        let reset = try await findReset(id)
        if let state = try await OTPService(db: db, portal: portal).state(of: id) { return state }
        return OTPState(expiresAt: reset.createdAt.addingTimeInterval(TimeInterval(portal.config.otp.ttlSeconds)),
                        nextSendAt: reset.createdAt.addingTimeInterval(TimeInterval(portal.config.otp.resendSeconds)), sends: 0)
    }

    func findReset(_ id: UUID) async throws -> PasswordReset {
        guard let reset = try await PasswordReset.find(id, on: db), reset.expiresAt > now else {
            throw AppError(.notFound, "reset_not_found",
                           Msg("Yêu cầu đặt lại mật khẩu đã hết hạn. Vui lòng làm lại.", "This reset request has expired. Please start again."))
        }
        return reset
    }

    /// The code is checked first without being used up, then the password rules, then both commit together.
    func completeReset(_ id: UUID, code: String?, newPassword: String?, confirmation: String? = nil) async throws {
        try Self.confirm(newPassword, confirmation)
        let reset = try await findReset(id)
        guard let code, !code.isEmpty else { throw AppError.validation(["code": PersonValidation.required]) }
        let otp = OTPService(db: db, portal: portal)
        if let error = OTPService.error(for: try await otp.check(flowID: id, purpose: .reset, code: code, consume: false)) { throw error }
        guard let accountID = reset.accountID, let account = try await Account.find(accountID, on: db) else {
            throw OTPService.error(for: .missing)!
        }
        if let error = policyError(newPassword, for: account, field: "newPassword") { throw error }
        let hash = try await hasher.hash(newPassword!)
        let portal = self.portal
        try await db.writeTransaction { tx in
            let used = try await OTPChallenge.query(on: tx).filter(\.$id == id).count()
            guard used == 1 else { throw OTPService.error(for: .missing)! }
            try await OTPChallenge.query(on: tx).filter(\.$id == id).delete()
            try await PasswordReset.query(on: tx).filter(\.$id == id).delete()
            try await PasswordService.apply(hash, to: account, keepSession: nil, on: tx, portal: portal)
        }
    }

    private func store(_ hash: String, for account: Account, keepSession: UUID?) async throws {
        let portal = self.portal
        try await db.writeTransaction { tx in
            try await PasswordService.apply(hash, to: account, keepSession: keepSession, on: tx, portal: portal)
        }
    }

    /// A chosen password is never temporary; every other session ends; the owner gets an SMS notice.
    static func apply(_ hash: String, to account: Account, keepSession: UUID?, on tx: any Database, portal: Portal) async throws {
        let now = portal.time.now()
        account.passwordHash = hash
        account.passwordTemporary = false
        account.passwordExpiresAt = nil
        account.failedLogins = 0
        account.lastFailedLoginAt = nil
        account.updatedAt = now
        try await account.update(on: tx)
        // Proving the phone ends any sign-in pause, so an attacker's failures cannot keep the owner out.
        try await LoginAttempts(db: tx, now: now).clear(LoginAttempts.key(account: account.id!))
        try await Sessions(db: tx, portal: portal).endAll(account: account.id!, except: keepSession)
        let text = "\(SMSText.fold(portal.config.portalName)): mat khau tai khoan \(account.idNumber) vua duoc thay doi luc \(VietnamTime.dateTime(now)). Neu khong phai ban, hay goi \(portal.config.supportPhone)."
        try await Outbox(db: tx, portal: portal).enqueue(to: try PhoneNumber(account.phone), text: text, kind: .notice)
    }
}
