// One-time codes: sending with every limit, and checking with attempts counted atomically.
import Crypto
import Domain
import Fluent
import Foundation
import SQLKit

struct OTPSent: Sendable {
    let expiresAt: Date
    /// When this flow's code may be sent again (the later of the cooldown and the per-phone limits).
    let nextSendAt: Date
    let sends: Int
}

/// A flow that has just sent its first code: the flow, the phone it went to, and the code's state.
struct CodeSent<Flow: Sendable>: Sendable {
    let flow: Flow
    let phone: PhoneNumber
    let otp: OTPSent
}

/// What a page or the API shows of a flow's current code: until when it works, when the next one may be
/// sent, and how many were sent.
struct OTPState: Sendable {
    let expiresAt, nextSendAt: Date
    let sends: Int
}

struct OTPService: Sendable {
    let db: any Database
    let portal: Portal

    private var settings: OTPSettings { portal.config.otp }

    static func mac(_ code: String, flowID: UUID, key: SymmetricKey) -> String {
        let input = Data("\(flowID.uuidString.lowercased()):\(code)".utf8)
        return Array(HMAC<SHA256>.authenticationCode(for: input, using: key)).hex
    }

    /// Sends a new code for `flowID` to `phone`, replacing any earlier one. Must run inside a write transaction
    /// (`db` is the transaction), so the code, its SMS and the caller's changes commit together.
    func send(purpose: OTPChallenge.Purpose, flowID: UUID, phone: PhoneNumber, clientAddress: String) async throws -> OTPSent {
        try await decideOneAtATime(for: phone.e164)
        let now = portal.time.now()
        let existing = try await challengePastCooldown(flowID, now: now)
        var sent = try await codesSent(to: phone, now: now)
        if let limitedUntil = limitedUntil(sent, now: now, purpose: purpose) { throw Self.phoneLimit(limitedUntil) }
        let ipDecision = try await RateLimiter(db: db, now: now)
            .hit("otp-ip:\(LimitedAddress.key(clientAddress))", RateLimit(limit: portal.config.rateLimitPerIPPerHour, window: 3600))
        if !ipDecision.allowed { throw AppError.rateLimited(retryAt: ipDecision.retryAt ?? now.addingTimeInterval(3600)) }

        let code = OTPCode.generate()
        let expiresAt = now.addingTimeInterval(TimeInterval(settings.ttlSeconds))
        let challenge = existing ?? OTPChallenge()
        challenge.id = flowID
        challenge.purpose = purpose
        challenge.phone = phone.e164
        challenge.codeMAC = Self.mac(code, flowID: flowID, key: portal.keys.otp)
        challenge.attempts = 0
        challenge.sends = (existing?.sends ?? 0) + 1
        challenge.lastSentAt = now
        challenge.expiresAt = expiresAt
        try await challenge.save(on: db)

        let message = try await Outbox(db: db, portal: portal).enqueue(to: phone, text: codeText(code), kind: .otp, flowID: flowID,
                                                                       expiresAt: expiresAt)
        sent.append(message.createdAt)

        let cooldownEnds = now.addingTimeInterval(TimeInterval(settings.resendSeconds))
        let next = max(cooldownEnds, limitedUntil(sent, now: now, purpose: purpose) ?? cooldownEnds)
        return OTPSent(expiresAt: expiresAt, nextSendAt: Self.wholeSecondAfter(next), sends: challenge.sends)
    }

    /// Times are shown and sent to the second: the time to resend is rounded up, so that a button enabled at the
    /// time shown is never refused as too soon by the fraction of a second the text left out.
    static func wholeSecondAfter(_ date: Date) -> Date {
        Date(timeIntervalSince1970: ceil(date.timeIntervalSince1970))
    }

    /// The flow's current code, as every page and the API show it; nil when none was sent. `nextSendAt` is the
    /// same answer `send` gives: the later of the resend cooldown and the per-phone limits (a stand-in's own
    /// limits for a code that no SMS carries), so a page never promises a resend that `send` then refuses.
    func state(of flowID: UUID) async throws -> OTPState? {
        guard let challenge = try await OTPChallenge.find(flowID, on: db) else { return nil }
        let now = portal.time.now()
        let cooldownEnds = challenge.lastSentAt.addingTimeInterval(TimeInterval(settings.resendSeconds))
        var next = cooldownEnds
        if let phone = try? PhoneNumber(challenge.phone) {
            if let limited = limitedUntil(try await codesSent(to: phone, now: now), now: now, purpose: challenge.purpose) { next = max(next, limited) }
        } else {
            let limiter = RateLimiter(db: db, now: now)
            for (limit, window) in limitWindows {
                let decision = try await limiter.peek("otp-decoy:\(challenge.phone):\(Int(window))",
                                                      RateLimit(limit: Self.share(of: limit, for: challenge.purpose), window: window))
                if !decision.allowed { next = max(next, decision.retryAt ?? now.addingTimeInterval(window)) }
            }
        }
        return OTPState(expiresAt: challenge.expiresAt, nextSendAt: Self.wholeSecondAfter(next), sends: challenge.sends)
    }

    /// A code for a flow that anyone can start for any username (a password reset), which must behave the same
    /// whether or not an account stands behind the username. Its limits, cooldown, attempts and state are those
    /// of `standIn` (a keyed hash of what was typed, kept in place of a phone), never those of a real phone, so
    /// that codes the phone received for other reasons (a sign-in, the registration) change nothing an outsider
    /// can see. With `deliverTo` (an account matched), the code also goes to that phone by SMS while the phone's
    /// own limits allow; when they do not, no SMS goes and nothing in any answer shows it.
    func sendStandIn(purpose: OTPChallenge.Purpose, flowID: UUID, standIn: String, deliverTo phone: PhoneNumber?,
                     clientAddress: String) async throws {
        try await decideOneAtATime(for: standIn)
        let now = portal.time.now()
        let existing = try await challengePastCooldown(flowID, now: now)
        let limiter = RateLimiter(db: db, now: now)
        // A stand-in is held to the same share of the limits as a real phone in this flow.
        let windows = limitWindows.map { (limit: Self.share(of: $0.limit, for: purpose), window: $0.window) }
        for (limit, window) in windows {
            let decision = try await limiter.peek("otp-decoy:\(standIn):\(Int(window))", RateLimit(limit: limit, window: window))
            if !decision.allowed { throw Self.phoneLimit(decision.retryAt ?? now.addingTimeInterval(window)) }
        }
        let ipDecision = try await limiter.hit("otp-ip:\(LimitedAddress.key(clientAddress))", RateLimit(limit: portal.config.rateLimitPerIPPerHour, window: 3600))
        if !ipDecision.allowed { throw AppError.rateLimited(retryAt: ipDecision.retryAt ?? now.addingTimeInterval(3600)) }
        for (limit, window) in windows {
            _ = try await limiter.hit("otp-decoy:\(standIn):\(Int(window))", RateLimit(limit: limit, window: window))
        }
        let code = OTPCode.generate()
        let challenge = existing ?? OTPChallenge()
        challenge.id = flowID
        challenge.purpose = purpose
        challenge.phone = standIn
        challenge.codeMAC = Self.mac(code, flowID: flowID, key: portal.keys.otp)
        challenge.attempts = 0
        challenge.sends = (existing?.sends ?? 0) + 1
        challenge.lastSentAt = now
        challenge.expiresAt = now.addingTimeInterval(TimeInterval(settings.ttlSeconds))
        try await challenge.save(on: db)

        guard let phone else { return }
        // The phone's own limits still protect it from being flooded; they only decide whether the SMS goes.
        try await decideOneAtATime(for: phone.e164)
        guard limitedUntil(try await codesSent(to: phone, now: now), now: now, purpose: purpose) == nil else { return }
        _ = try await Outbox(db: db, portal: portal).enqueue(to: phone, text: codeText(code), kind: .otp, flowID: flowID,
                                                             expiresAt: challenge.expiresAt)
    }

    private func codeText(_ code: String) -> String {
        let minutes = max(1, settings.ttlSeconds / 60)
        return "Ma xac thuc \(code) (\(portal.config.portalName)). Het han sau \(minutes) phut. Khong cung cap ma nay cho bat ky ai."
    }

    /// The flow's current challenge, once its resend cooldown has passed.
    private func challengePastCooldown(_ flowID: UUID, now: Date) async throws -> OTPChallenge? {
        let existing = try await OTPChallenge.find(flowID, on: db)
        if let existing {
            let allowedAt = existing.lastSentAt.addingTimeInterval(TimeInterval(settings.resendSeconds))
            if allowedAt > now { throw Self.tooSoon(allowedAt) }
        }
        return existing
    }

    /// The per-phone limits: codes an hour and codes a day.
    private var limitWindows: [(limit: Int, window: TimeInterval)] {
        [(settings.maxPerHour, 3600), (settings.maxPerDay, 86400)]
    }

    /// The limits read how many codes a phone got, then add one: two sends deciding at once (two requests, or
    /// two instances sharing the database) would both see room for one more. On PostgreSQL a lock held until
    /// the transaction ends makes them decide in turn; SQLite's write transaction (BEGIN IMMEDIATE) already does.
    private func decideOneAtATime(for phone: String) async throws {
        guard !db.isSQLite else { return }
        let digest = Array(SHA256.hash(data: Data("otp-send:\(phone)".utf8)))
        let key = digest.prefix(8).reduce(Int64(0)) { ($0 << 8) | Int64($1) }
        try await db.sql.raw("SELECT pg_advisory_xact_lock(\(bind: key))").run()
    }

    /// Flows that anyone can start for any phone (a registration, a reset) may use only three fifths of each
    /// limit, so that strangers spending a phone's codes can never keep its owner from signing in.
    static func isOpenToStrangers(_ purpose: OTPChallenge.Purpose) -> Bool {
        purpose == .registration || purpose == .reset || purpose == .eidSignup
    }

    static func share(of limit: Int, for purpose: OTPChallenge.Purpose) -> Int {
        isOpenToStrangers(purpose) ? max(1, (limit * 3 + 4) / 5) : limit
    }

    /// When the per-phone hourly or daily limit would refuse one more code for `purpose`, given when the phone's
    /// codes were sent (`codesSent`): every OTP purpose counts towards both limits; open flows stop at their share.
    private func limitedUntil(_ sent: [Date], now: Date, purpose: OTPChallenge.Purpose) -> Date? {
        var until: Date? = nil
        for (fullLimit, window) in limitWindows {
            let limit = Self.share(of: fullLimit, for: purpose)
            let since = now.addingTimeInterval(-window)
            let recent = sent.filter { $0 > since }
            if recent.count >= limit {
                // The window frees a slot when the oldest code that still counts leaves it.
                let freesAt = recent[recent.count - limit].addingTimeInterval(window)
                until = max(until ?? freesAt, freesAt)
            }
        }
        return until
    }

    /// When the codes of the longest window were sent to this phone, oldest first: one read for every limit.
    private func codesSent(to phone: PhoneNumber, now: Date) async throws -> [Date] {
        let since = now.addingTimeInterval(-(limitWindows.map(\.window).max() ?? 86400))
        return try await OutboxMessage.query(on: db)
            .filter(\.$recipient == phone.e164).filter(\.$kind == .otp).filter(\.$createdAt > since)
            .sort(\.$createdAt, .ascending).all(\.$createdAt)
    }

    enum CheckResult: Equatable { case ok, wrong(remaining: Int), expired, exhausted, missing }

    /// Checks a code. Each attempt is counted before comparing, in one statement, so parallel guesses
    /// cannot exceed the limit. A correct code is deleted: it works once.
    func check(flowID: UUID, purpose: OTPChallenge.Purpose, code: String, consume: Bool = true) async throws -> CheckResult {
        let now = portal.time.now()
        let trimmed = Self.entered(code)
        let row = try await db.sql.raw("""
            UPDATE otp_challenges SET attempts = attempts + 1
            WHERE flow_id = \(bind: flowID) AND purpose = \(bind: purpose.rawValue) AND attempts < \(bind: settings.maxAttempts)
            RETURNING \(Attempted.columns())
            """).firstRecord(Attempted.self)
        guard let row else { return try await unattempted(flowID: flowID, purpose: purpose) }
        if row.expiresAt <= now { return .expired }
        let given = Self.mac(trimmed, flowID: flowID, key: portal.keys.otp)
        guard trimmed.count == 6, ConstantTime.equal(Array(given.utf8), Array(row.codeMAC.utf8)) else {
            return .wrong(remaining: settings.maxAttempts - row.attempts)
        }
        if consume { try await db.sql.raw("DELETE FROM otp_challenges WHERE flow_id = \(bind: flowID)").run() }
        return .ok
    }

    /// Why a code took no attempt: it is gone (spent or replaced), or it took all its attempts. Read afresh, after
    /// the attempt's statement: a parallel attempt may have taken the last one while that statement waited.
    func unattempted(flowID: UUID, purpose: OTPChallenge.Purpose) async throws -> CheckResult {
        let exists = try await OTPChallenge.query(on: db).filter(\.$id == flowID).filter(\.$purpose == purpose).first()
        return exists == nil ? .missing : .exhausted
    }

    /// The code as typed, without the spaces a person may put between its digits.
    private static func entered(_ code: String) -> String { code.filter { !$0.isWhitespace } }

    /// A challenge as an attempt left it.
    private struct Attempted: SQLRecord {
        let codeMAC: String
        let expiresAt: Date
        let attempts: Int
        enum CodingKeys: CodingKey, CaseIterable { case codeMAC, expiresAt, attempts }
    }

    /// The same check as parts of one larger PostgreSQL statement (a sign-in's code, session and challenge in one
    /// commit): `queries` are two of its `WITH` queries, `otp_spent` deleting the code when it is right and
    /// `otp_miss` adding the attempt when it is not, each only `when` (an SQL condition); `outcome` (columns of the
    /// statement's last `SELECT`, which must `LEFT JOIN otp_miss ON TRUE`) says which happened, read back by `result`.
    /// The two changes exclude each other row by row, and a concurrent attempt waits for the row and is decided again on what the first one left, so parallel
    /// guesses cannot pass the limit and a right code works once. The MACs are compared by the database: both are
    /// keyed with the OTP key, so how long the comparison takes says nothing an attacker could steer.
    struct Spending {
        let queries, outcome: SQLQueryString
    }

    func spending(flowID: UUID, purpose: OTPChallenge.Purpose, code: String, when: SQLQueryString) -> Spending {
        let now = portal.time.now()
        let trimmed = Self.entered(code)
        // A code of another length is never right; its attempt still counts.
        let given = trimmed.count == 6 ? Self.mac(trimmed, flowID: flowID, key: portal.keys.otp) : ""
        let mine: SQLQueryString = "flow_id = \(bind: flowID) AND purpose = \(bind: purpose.rawValue)"
        let right: SQLQueryString = "expires_at > \(bind: now) AND code_mac = \(bind: given)"
        return Spending(
            queries: """
                otp_spent AS (
                    DELETE FROM otp_challenges WHERE \(mine) AND attempts < \(bind: settings.maxAttempts) AND \(right) AND \(when)
                    RETURNING flow_id),
                otp_miss AS (
                    UPDATE otp_challenges SET attempts = attempts + 1
                    WHERE \(mine) AND attempts < \(bind: settings.maxAttempts) AND NOT (\(right)) AND \(when)
                    RETURNING \(Attempted.columns()))
                """,
            outcome: """
                (SELECT COUNT(*) FROM otp_spent) AS otp_spent, otp_miss.attempts AS otp_attempts, otp_miss.expires_at AS otp_expires_at
                """)
    }

    /// What `Spending.outcome` read.
    struct SpendingOutcome: SQLRecord {
        let otpSpent: Int
        let otpAttempts: Int?
        let otpExpiresAt: Date?
        enum CodingKeys: CodingKey, CaseIterable { case otpSpent, otpAttempts, otpExpiresAt }
    }

    /// What the statement did; when it took no attempt, why (`unattempted`, one more read on that path only).
    func result(of outcome: SpendingOutcome, flowID: UUID, purpose: OTPChallenge.Purpose) async throws -> CheckResult {
        if outcome.otpSpent > 0 { return .ok }
        guard let attempts = outcome.otpAttempts, let expiresAt = outcome.otpExpiresAt else {
            return try await unattempted(flowID: flowID, purpose: purpose)
        }
        return expiresAt <= portal.time.now() ? .expired : .wrong(remaining: settings.maxAttempts - attempts)
    }

    /// The AppError for a failed check, the same wording for every flow.
    static func error(for result: CheckResult) -> AppError? {
        switch result {
        case .ok: return nil
        case let .wrong(remaining) where remaining > 0:
            return AppError(.unprocessableEntity, "otp_invalid",
                            Msg("Mã xác thực không đúng. Bạn còn \(remaining) lần thử.", "The code is not correct. \(remaining) attempts left."),
                            fields: ["code": Msg("Mã xác thực không đúng.", "The code is not correct.")])
        case .wrong, .exhausted:
            return AppError(.unprocessableEntity, "otp_exhausted",
                            Msg("Bạn đã nhập sai quá số lần cho phép. Vui lòng gửi lại mã mới.", "Too many wrong entries. Please send a new code."),
                            fields: ["code": Msg("Mã đã bị khóa, hãy gửi lại mã mới.", "This code is locked; send a new one.")])
        case .expired:
            return AppError(.unprocessableEntity, "otp_expired",
                            Msg("Mã xác thực đã hết hạn. Vui lòng gửi lại mã mới.", "The code has expired. Please send a new one."),
                            fields: ["code": Msg("Mã đã hết hạn.", "The code has expired.")])
        case .missing:
            return AppError(.unprocessableEntity, "otp_invalid",
                            Msg("Mã xác thực không đúng hoặc đã được thay bằng mã mới.", "The code is not correct or was replaced by a newer one."),
                            fields: ["code": Msg("Mã xác thực không đúng.", "The code is not correct.")])
        }
    }

    static func tooSoon(_ when: Date) -> AppError {
        let at = wholeSecondAfter(when)
        let time = VietnamTime.clock(at)
        return AppError(.tooManyRequests, "otp_resend_too_soon",
                        Msg("Vui lòng chờ đến \(time) để gửi lại mã.", "Please wait until \(time) to send the code again."), retryAt: at)
    }

    static func phoneLimit(_ at: Date) -> AppError {
        let time = VietnamTime.dateTime(at)
        return AppError(.tooManyRequests, "otp_phone_limit",
                        Msg("Số điện thoại này đã nhận quá nhiều mã. Có thể gửi lại sau \(time).",
                            "This phone has received too many codes. It can get another after \(time)."), retryAt: at)
    }
}
