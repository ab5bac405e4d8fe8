// Sign-in: password, then an SMS code, then a session. Unknown accounts and wrong passwords look the same.
import Domain
import Fluent
import Foundation
import SQLKit

typealias LoginStarted = CodeSent<LoginChallenge>

struct LoginService: Sendable {
    static let challengeLifetime: TimeInterval = 15 * 60
    /// Failures before the account and the address start to wait.
    static let freeFailures = 5
    /// Failed sign-ins one client address may make in a quarter of an hour, whatever accounts it tries.
    static let addressFailures = RateLimit(limit: 20, window: 900)

    let db: any Database
    let portal: Portal
    let hasher: PasswordHasher

    private var now: Date { portal.time.now() }

    static let invalidCredentials = AppError(.unauthorized, "invalid_credentials",
        Msg("Tên đăng nhập hoặc mật khẩu không đúng.", "The username or password is not correct."),
        fields: ["password": Msg("Tên đăng nhập hoặc mật khẩu không đúng.", "The username or password is not correct.")])

    static let challengeNotFound = AppError(.notFound, "login_challenge_not_found",
        Msg("Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại.", "This sign-in has expired. Please sign in again."))

    /// After the free failures, each further one doubles the wait: 1 min, 2, 4 … at most an hour. The count
    /// is forgotten a day after the last failure, so a lock never becomes permanent by itself.
    static func notBefore(failures: Int, lastFailure: Date?) -> Date? {
        guard failures >= freeFailures, let lastFailure else { return nil }
        let delay = min(3600, 60 * pow(2, Double(failures - freeFailures)))
        return lastFailure.addingTimeInterval(delay)
    }

    /// Finds the account a username names. A phone backing several accounts cannot name one.
    func lookUp(_ username: Username) async throws -> Account? {
        switch username {
        case let .idNumber(id):
            return try await Account.query(on: db).filter(\.$idNumber == id.digits).first()
        case let .phone(phone):
            let accounts = try await Account.query(on: db).filter(\.$phone == phone.e164).limit(2).all()
            if accounts.count > 1 {
                throw AppError(.conflict, "phone_ambiguous",
                               Msg("Số điện thoại này dùng cho nhiều tài khoản. Vui lòng đăng nhập bằng số định danh cá nhân.",
                                   "This phone backs several accounts. Please sign in with your ID number."),
                               fields: ["username": Msg("Hãy dùng số định danh cá nhân.", "Use your ID number.")])
            }
            return accounts.first
        }
    }

    static func parseUsername(_ raw: String?, now: Date) throws -> Username {
        guard let raw, !raw.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw AppError.validation(["username": PersonValidation.required])
        }
        do { return try Username(raw, now: now) } catch { throw AppError.validation(["username": Msg(error)]) }
    }

    func start(username raw: String?, password: String?, kind: AuthSession.Kind, clientAddress: String) async throws -> LoginStarted {
        let username = try Self.parseUsername(raw, now: now)
        guard let password, !password.isEmpty else { throw AppError.validation(["password": PersonValidation.required]) }
        try await IPLimit(db: db, portal: portal).hit("login", clientAddress)
        // Both limits count the attempt before the password is checked, so parallel guesses cannot all be
        // judged before the first failure is recorded; a right password gives the attempt back.
        let limiter = RateLimiter(db: db, now: now)
        let ipKey = "login-fail:\(LimitedAddress.key(clientAddress))"
        let ipDecision = try await limiter.hit(ipKey, Self.addressFailures)
        if !ipDecision.allowed {
            try await limiter.giveBack(ipKey, Self.addressFailures)
            throw AppError.rateLimited(retryAt: ipDecision.retryAt!)
        }

        let account = try await lookUp(username)
        // An unknown username is counted and paused by the same rule, so the pause tells nothing.
        let attempts = LoginAttempts(db: db, now: now)
        let attemptKey = account.map { LoginAttempts.key(account: $0.id!) } ?? LoginAttempts.key(unknown: username)
        if case let .paused(until) = try await attempts.reserve(attemptKey) {
            try await limiter.giveBack(ipKey, Self.addressFailures)
            throw AppError.rateLimited(retryAt: until)
        }
        // The same slow hash runs whether or not the account exists.
        let ok = try await hasher.verify(password, against: account?.passwordHash)
        guard ok, let account else { throw Self.invalidCredentials }
        try await attempts.clear(attemptKey)
        try await limiter.giveBack(ipKey, Self.addressFailures)
        // A locked account still signs in as a citizen; the lock suspends its staff rights (reason account_locked).
        if account.passwordTemporary, let expires = account.passwordExpiresAt, expires <= now {
            throw AppError(.forbidden, "temporary_password_expired",
                           Msg("Mật khẩu tạm thời đã hết hạn. Hãy chọn «Quên mật khẩu» hoặc nhờ cán bộ một cửa cấp lại.",
                               "The temporary password has expired. Choose «Forgot password» or ask a one-stop officer to issue a new one."))
        }
        if hasher.needsRehash(account.passwordHash) {
            account.passwordHash = try await hasher.hash(password)
            try await account.update(on: db)
        }

        let phone = try PhoneNumber(account.phone)
        let portal = self.portal
        return try await db.writeTransaction { tx in
            let now = portal.time.now()
            let challenge = LoginChallenge()
            challenge.id = UUID()
            challenge.accountID = account.id!
            challenge.kind = kind
            challenge.createdAt = now
            challenge.expiresAt = now.addingTimeInterval(Self.challengeLifetime)
            try await challenge.create(on: tx)
            let otp = try await OTPService(db: tx, portal: portal).send(purpose: .login, flowID: challenge.id!, phone: phone, clientAddress: clientAddress)
            return LoginStarted(flow: challenge, phone: phone, otp: otp)
        }
    }

    func findChallenge(_ id: UUID) async throws -> LoginChallenge {
        guard let challenge = try await LoginChallenge.find(id, on: db), challenge.expiresAt > now else { throw Self.challengeNotFound }
        return challenge
    }

    /// The phone a sign-in's code goes to and the code's state, as the code page shows them.
    func codeState(_ id: UUID) async throws -> (phone: PhoneNumber, code: OTPState?) {
        let phone = try await phone(of: try await findChallenge(id))
        return (phone, try await OTPService(db: db, portal: portal).state(of: id))
    }

    func phone(of challenge: LoginChallenge) async throws -> PhoneNumber {
        guard let account = try await Account.find(challenge.accountID, on: db) else { throw Self.challengeNotFound }
        return try PhoneNumber(account.phone)
    }

    /// The account a sign-in in progress is for (nil when the sign-in is not found), to choose where it lands.
    func accountOfPendingSignIn(_ id: UUID) async throws -> AccountRecord? {
        try await db.sql.raw("""
            SELECT \(AccountRecord.columns(from: "a")) FROM login_challenges c JOIN accounts a ON a.id = c.account_id
            WHERE c.id = \(bind: id)
            """).firstRecord(AccountRecord.self)
    }

    func resend(_ id: UUID, clientAddress: String) async throws -> OTPSent {
        let challenge = try await findChallenge(id)
        let phone = try await phone(of: challenge)
        let portal = self.portal
        return try await db.writeTransaction { tx in
            try await OTPService(db: tx, portal: portal).send(purpose: .login, flowID: id, phone: phone, clientAddress: clientAddress)
        }
    }

    /// The second factor. A new session id is made here, never reused from before sign-in.
    /// `toConsole`: the person signs in to go to the administration console, which the audit trail records.
    /// One commit: the attempt (right or wrong), the session, the end of the challenge and, for staff, the sign-in's
    /// audit record; no state where the code is spent but no session exists. A wrong code still commits its attempt.
    func verify(_ id: UUID, code: String, kind: AuthSession.Kind, clientAddress: String, userAgent: String,
                toConsole: Bool = false) async throws -> (token: String, session: SessionRecord, account: AccountRecord) {
        let via = kind == .api ? "api" : (toConsole ? "console" : "page")
        if !db.isSQLite {
            return try await verifyInOneStatement(id, code: code, kind: kind, clientAddress: clientAddress, userAgent: userAgent, via: via)
        }
        // Plain SQL throughout: this is the busiest write of a sign-in peak, and the ORM's statements cost more
        // CPU than the database's work.
        guard let challenge = try await db.sql.raw(
                "SELECT \(ChallengeRow.columns()) FROM login_challenges WHERE id = \(bind: id)").firstRecord(ChallengeRow.self),
              challenge.expiresAt > now, challenge.kind == kind else { throw Self.challengeNotFound }
        let portal = self.portal
        let outcome: VerifyOutcome = try await db.writeTransaction { tx in
            let result = try await OTPService(db: tx, portal: portal).check(flowID: id, purpose: .login, code: code)
            guard result == .ok else { return .refused(result) }
            guard let account = try await tx.sql.raw(
                    "SELECT \(AccountRecord.columns()) FROM accounts WHERE id = \(bind: challenge.accountID)")
                .firstRecord(AccountRecord.self) else { return .noAccount }
            let created = try await Sessions(db: tx, portal: portal).create(account: account.id, kind: kind, clientAddress: clientAddress, userAgent: userAgent)
            try await tx.sql.raw("DELETE FROM login_challenges WHERE id = \(bind: id)").run()
            try await AuditLog(db: tx, portal: portal).recordStaffSignIn(
                AuditLog.Actor(id: account.id, name: account.fullName, address: clientAddress), account: account.id, via: via)
            return .signedIn(created.token, created.session, account)
        }
        switch outcome {
        case let .refused(result): throw OTPService.error(for: result) ?? Self.challengeNotFound
        case .noAccount: throw Self.challengeNotFound
        case let .signedIn(token, session, account): return (token, session, account)
        }
    }

    /// The same on PostgreSQL as one statement, one round trip: the challenge read, the code spent or its attempt
    /// counted, the account read, the session written, the challenge ended and a staff sign-in recorded, each part
    /// only when the one before it held.
    private func verifyInOneStatement(_ id: UUID, code: String, kind: AuthSession.Kind, clientAddress: String, userAgent: String,
                                      via: String) async throws -> (token: String, session: SessionRecord, account: AccountRecord) {
        let otp = OTPService(db: db, portal: portal)
        let spending = otp.spending(flowID: id, purpose: .login, code: code, when: "EXISTS (SELECT 1 FROM challenge)")
        let sessions = Sessions(db: db, portal: portal)
        let new = sessions.prepare(kind: kind)
        let staffSignIn = AuditLog(db: db, portal: portal).staffSignIn(
            account: "signed_in.id", target: "'account:' || CAST(signed_in.id AS TEXT)", actorName: "signed_in.full_name",
            address: clientAddress, via: via, from: "CROSS JOIN signed_in")
        let statement: SQLQueryString = """
            WITH challenge AS (
                SELECT account_id FROM login_challenges WHERE id = \(bind: id) AND kind = \(bind: kind.rawValue) AND expires_at > \(bind: now)),
            \(spending.queries),
            signed_in AS (
                SELECT \(AccountRecord.columns()) FROM accounts
                WHERE id = (SELECT account_id FROM challenge) AND EXISTS (SELECT 1 FROM otp_spent)),
            new_session AS (\(sessions.insert(new, account: "signed_in.id", from: "FROM signed_in", clientAddress: clientAddress, userAgent: userAgent))),
            ended AS (DELETE FROM login_challenges WHERE id = \(bind: id) AND EXISTS (SELECT 1 FROM signed_in)),
            staff AS (\(staffSignIn))
            SELECT (SELECT COUNT(*) FROM challenge) AS challenges, \(spending.outcome), signed_in.*
            FROM (SELECT 1) AS one LEFT JOIN otp_miss ON TRUE LEFT JOIN signed_in ON TRUE
            """
        guard let row = try await db.writeStatement({ conn in try await conn.sql.raw(statement).first() }),
              try row.decode(column: "challenges", as: Int.self) > 0 else { throw Self.challengeNotFound }
        let result = try await otp.result(of: try row.record(OTPService.SpendingOutcome.self), flowID: id, purpose: .login)
        guard result == .ok else { throw OTPService.error(for: result) ?? Self.challengeNotFound }
        guard let account = try? row.record(AccountRecord.self) else { throw Self.challengeNotFound }
        return (new.token, new.record(account: account.id), account)
    }

    private struct ChallengeRow: SQLRecord {
        let accountID: UUID
        let kind: AuthSession.Kind
        let expiresAt: Date

        enum CodingKeys: CodingKey, CaseIterable { case accountID, kind, expiresAt }
    }

    private enum VerifyOutcome: Sendable {
        case refused(OTPService.CheckResult)
        case noAccount
        case signedIn(String, SessionRecord, AccountRecord)
    }
}
