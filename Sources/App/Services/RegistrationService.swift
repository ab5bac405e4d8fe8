// Self-registration: details and human check → SMS code → password → account.
import Domain
import Fluent
import Foundation

typealias RegistrationStarted = CodeSent<Registration>

struct RegistrationService: Sendable {
    typealias CodeState = (registration: Registration, phone: PhoneNumber, code: OTPState?)

    /// A registration never completed is gone after this long, and leaves no account behind.
    static let lifetime: TimeInterval = 30 * 60

    let db: any Database
    let portal: Portal

    private var now: Date { portal.time.now() }

    static let notFound = AppError(.notFound, "registration_not_found",
        Msg("Phiên đăng ký không tồn tại hoặc đã hết hạn. Vui lòng đăng ký lại.", "This registration does not exist or has expired. Please start again."))

    /// Whether the ID number already has an account is deliberately not checked here: only after the
    /// phone is proven (no enumeration).
    /// Only citizen accounts verified by mobile subscriber are registered here: another `accountType` or
    /// `verificationMethod`, where a caller names one, is a field error; so is leaving one out when
    /// `choicesRequired` (the API, whose document requires both; the page makes the choice itself). Field
    /// errors of the choices and of the person come back together.
    func start(_ input: PersonInput, accountType: String? = nil, verificationMethod: String? = nil, choicesRequired: Bool = false,
               humanCheck: String?, clientAddress: String) async throws -> RegistrationStarted {
        var choices: [String: Msg] = [:]
        for (name, value, only, refusal) in [
            ("accountType", accountType, "citizen", Msg("Chỉ hỗ trợ đăng ký tài khoản công dân.", "Only citizen accounts can be registered here.")),
            ("verificationMethod", verificationMethod, "mobile", Msg("Chỉ hỗ trợ xác thực qua thuê bao di động.", "Only mobile-subscriber verification is offered.")),
        ] {
            if let value, value != only { choices[name] = refusal } else if value == nil && choicesRequired { choices[name] = PersonValidation.required }
        }
        try await HumanCheckGate(db: db, portal: portal).require(humanCheck)
        try await IPLimit(db: db, portal: portal).hit("register", clientAddress)
        let person: ValidPerson
        do {
            person = try PersonValidation.validate(input, allowCMND: portal.config.allowCMNDForNewAccounts, now: now)
        } catch let error as AppError where error.code == "validation_failed" && !choices.isEmpty {
            throw AppError.validation(error.fields.merging(choices) { first, _ in first })
        }
        if !choices.isEmpty { throw AppError.validation(choices) }
        let portal = self.portal
        return try await db.writeTransaction { tx in
            let now = portal.time.now()
            let registration = Registration()
            registration.id = UUID()
            registration.idNumber = person.idNumber.digits
            registration.fullName = person.name.value
            registration.dateOfBirth = person.dateOfBirth.iso
            registration.phone = person.phone.e164
            registration.email = person.email
            registration.status = .pending
            registration.createdAt = now
            registration.expiresAt = now.addingTimeInterval(Self.lifetime)
            try await registration.create(on: tx)
            let otp = try await OTPService(db: tx, portal: portal)
                .send(purpose: .registration, flowID: registration.id!, phone: person.phone, clientAddress: clientAddress)
            return RegistrationStarted(flow: registration, phone: person.phone, otp: otp)
        }
    }

    /// A registration with its phone and the state of its code, as the code page and the API show them.
    func codeState(_ id: UUID) async throws -> CodeState {
        let registration = try await find(id)
        return (registration, try PhoneNumber(registration.phone), try await OTPService(db: db, portal: portal).state(of: id))
    }

    func find(_ id: UUID) async throws -> Registration {
        guard let registration = try await Registration.find(id, on: db), registration.expiresAt > now else { throw Self.notFound }
        return registration
    }

    func resend(_ id: UUID, clientAddress: String) async throws -> OTPSent {
        let registration = try await find(id)
        guard registration.status == .pending else { throw Self.alreadyVerified }
        let phone = try PhoneNumber(registration.phone)
        let portal = self.portal
        return try await db.writeTransaction { tx in
            try await OTPService(db: tx, portal: portal).send(purpose: .registration, flowID: id, phone: phone, clientAddress: clientAddress)
        }
    }

    /// The code is checked outside any transaction so that a wrong attempt stays counted.
    func verify(_ id: UUID, code: String) async throws -> (registration: Registration, token: String) {
        let registration = try await find(id)
        guard registration.status == .pending else { throw Self.alreadyVerified }
        if let error = OTPService.error(for: try await OTPService(db: db, portal: portal).check(flowID: id, purpose: .registration, code: code)) {
            throw error
        }
        do {
            try await checkStillPossible(idNumber: registration.idNumber, phone: registration.phone)
        } catch let refusal as AppError {
            // Nothing more can be done in this registration: it ends here, and what to do instead is the answer.
            try await end(id)
            throw refusal
        }
        let token = Random.token()
        registration.status = .verified
        registration.completionTokenHash = Sessions.hash(token, key: portal.keys.token)
        registration.expiresAt = now.addingTimeInterval(Self.lifetime)
        try await registration.update(on: db)
        return (registration, token)
    }

    /// Creates the account. The unique index decides a race between two registrations of one ID number.
    func complete(_ id: UUID, completionToken: String, password: String, confirmation: String? = nil, hasher: PasswordHasher) async throws -> Account {
        try PasswordService.confirm(password, confirmation)
        let registration = try await find(id)
        guard registration.status == .verified, let stored = registration.completionTokenHash,
              ConstantTime.equal(Array(Sessions.hash(completionToken, key: portal.keys.token).utf8), Array(stored.utf8)) else {
            throw AppError(.forbidden, "completion_token_invalid",
                           Msg("Phiên đăng ký chưa được xác thực bằng mã OTP.", "This registration has not been confirmed with the SMS code."))
        }
        let idNumber = try IDNumber(registration.idNumber)
        let phone = try PhoneNumber(registration.phone)
        let dob = try DateOfBirth(iso: registration.dateOfBirth, today: now)
        if let broken = PasswordPolicy.check(password, idNumber: idNumber, phone: phone, dateOfBirth: dob) {
            throw AppError.validation(["password": Msg(broken)])
        }
        let hash = try await hasher.hash(password)
        let portal = self.portal
        let account = try await db.writeTransaction { tx -> Account in
            try await AccountLimits(db: tx, portal: portal).checkPhone(registration.phone)
            let account = Account.make(id: idNumber, name: try PersonName(registration.fullName), phone: phone, dateOfBirth: dob,
                                       email: registration.email, hash: hash, temporary: false, now: portal.time.now())
            do {
                try await account.create(on: tx)
            } catch where error.isUniqueViolation {
                throw AccountLimits.idTaken
            }
            try await Registration.query(on: tx).filter(\.$id == id).delete()
            let text = "\(SMSText.fold(portal.config.portalName)): tai khoan \(idNumber.digits) da duoc tao. Neu khong phai ban dang ky, hay goi \(portal.config.supportPhone)."
            try await Outbox(db: tx, portal: portal).enqueue(to: phone, text: text, kind: .notice)
            return account
        }
        return account
    }

    /// A registration that cannot finish (its ID number or phone already taken) is removed with its code.
    private func end(_ id: UUID) async throws {
        try await db.writeTransaction { tx in
            try await Registration.query(on: tx).filter(\.$id == id).delete()
            try await OTPChallenge.query(on: tx).filter(\.$id == id).delete()
        }
    }

    /// The refusals that end a registration after its code was right: the page says what to do instead.
    static let endingCodes: Set<String> = ["id_taken", "phone_limit"]

    private func checkStillPossible(idNumber: String, phone: String) async throws {
        try await AccountLimits(db: db, portal: portal).checkIDFree(idNumber)
        try await AccountLimits(db: db, portal: portal).checkPhone(phone)
    }

    static let alreadyVerified = AppError(.conflict, "registration_already_verified",
        Msg("Số điện thoại đã được xác thực; hãy đặt mật khẩu để hoàn tất.", "The phone is already confirmed; set a password to finish."))

    /// Registrations, codes and used human checks past their time.
    static func purgeExpired(db: any Database, now: Date) async throws {
        try await Registration.query(on: db).filter(\.$expiresAt < now).delete()
        try await LoginChallenge.query(on: db).filter(\.$expiresAt < now).delete()
        try await PasswordReset.query(on: db).filter(\.$expiresAt < now).delete()
        try await OTPChallenge.query(on: db).filter(\.$expiresAt < now.addingTimeInterval(-3600)).delete()
        try await db.sql.raw("DELETE FROM used_human_checks WHERE expires_at < \(bind: now)").run()
    }
}

/// The rules on who may get a new account: one per ID number, and at most PHONE_ACCOUNT_LIMIT per phone.
struct AccountLimits: Sendable {
    let db: any Database
    let portal: Portal

    static let idTaken = AppError(.conflict, "id_taken",
        Msg("Số định danh này đã có tài khoản. Hãy đăng nhập, hoặc chọn «Quên mật khẩu» nếu bạn không nhớ mật khẩu.",
            "This ID number already has an account. Sign in, or choose «Forgot password» if you do not remember it."))

    func checkIDFree(_ idNumber: String) async throws {
        if try await Account.query(on: db).filter(\.$idNumber == idNumber).count() > 0 { throw Self.idTaken }
    }

    func checkPhone(_ e164: String) async throws {
        let count = try await Account.query(on: db).filter(\.$phone == e164).count()
        if count >= portal.config.phoneAccountLimit {
            throw AppError(.conflict, "phone_limit",
                           Msg("Số điện thoại này đã được dùng cho tài khoản khác. Mỗi tài khoản cần số điện thoại của chính chủ.",
                               "This phone number already backs another account. Each account needs its owner's own phone."))
        }
    }
}

/// The human check, unless switched off (never in production).
struct HumanCheckGate: Sendable {
    let db: any Database
    let portal: Portal

    func require(_ payload: String?) async throws {
        guard portal.config.humanCheck == .pow else { return }
        do {
            try await HumanCheck(key: portal.keys.humanCheck).verify(payload, now: portal.time.now(), db: db)
        } catch let failure as HumanCheck.Failure {
            let message: Msg
            switch failure {
            case .missing: message = Msg("Chưa hoàn thành bước kiểm tra chống máy tự động.", "The human check has not been completed.")
            case .expired: message = Msg("Bước kiểm tra đã hết hạn, vui lòng thử lại.", "The human check has expired; please try again.")
            case .reused: message = Msg("Bước kiểm tra này đã được dùng, vui lòng tải lại trang.", "This human check was already used; please reload the page.")
            case .malformed, .wrongSolution: message = Msg("Bước kiểm tra chống máy tự động không hợp lệ.", "The human check is not valid.")
            }
            throw AppError(.unprocessableEntity, "human_check_failed", message, fields: ["humanCheck": message])
        }
    }
}

/// RATE_LIMIT_PER_IP_PER_HOUR for registrations, sign-ins, resets and look-ups from one address.
struct IPLimit: Sendable {
    let db: any Database
    let portal: Portal

    func hit(_ action: String, _ address: String) async throws {
        let now = portal.time.now()
        let decision = try await RateLimiter(db: db, now: now)
            .hit("\(action):\(LimitedAddress.key(address))", RateLimit(limit: portal.config.rateLimitPerIPPerHour, window: 3600))
        if !decision.allowed { throw AppError.rateLimited(retryAt: decision.retryAt ?? now.addingTimeInterval(3600)) }
    }
}
