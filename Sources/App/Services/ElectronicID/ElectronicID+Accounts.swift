// What a proven e-ID identity means for the portal's accounts: the link that finds the account, a new link
// (at once for a verified identity, after the account's own password and SMS code otherwise), or a new account
// made from the verified claims. One subject links to at most one account, and an account to one subject.
import Domain
import Fluent
import Foundation
import SQLKit

extension ElectronicID {
    enum Outcome: Sendable {
        case signedIn(token: String, session: SessionRecord, account: UUID)
        /// The identity is not verified enough to link by itself: the account's own sign-in must confirm it.
        case confirmLink(UUID)
        /// A new account whose provider gave no phone: the person gives one and proves it with an SMS code.
        case askPhone(UUID, browserToken: String)
    }

    private static let badNumber = failure("không nhận được số định danh cá nhân hợp lệ (12 chữ số) từ hệ thống định danh.",
                                           "the provider gave no valid 12-digit personal ID number.", code: "eid_claims")
    static let linkedElsewhere = failure("tài khoản của cổng có số định danh này đã liên kết với một tài khoản định danh điện tử khác.",
                                         "the portal account with this ID number is already linked to another electronic identity.",
                                         status: .conflict, code: "eid_linked_elsewhere")
    static let notVerified = failure("mức xác thực của tài khoản định danh điện tử chưa đủ để tạo tài khoản mới. Hãy đăng ký tài khoản của cổng.",
                                     "the electronic identity's level is not enough to create an account. Please register a portal account.",
                                     status: .forbidden, code: "eid_level")

    private struct LinkRow: SQLRecord {
        let id, accountID: UUID
        enum CodingKeys: CodingKey, CaseIterable { case id, accountID }
    }

    /// Signs the person in, linking or creating the account as the rules say. Nothing is written unless all of it is.
    func signIn(_ identity: Identity, next: String = SiteURL.account.path, clientAddress: String, userAgent: String) async throws -> Outcome {
        let portal = self.portal, config = self.config
        let actor: @Sendable (UUID, String) -> AuditLog.Actor = { account, name in AuditLog.Actor(id: account, name: name, address: clientAddress) }
        @Sendable func session(_ tx: any Database, _ account: Account) async throws -> Outcome {
            let made = try await Sessions(db: tx, portal: portal).create(account: account.id!, kind: .web, clientAddress: clientAddress,
                                                                         userAgent: userAgent, acr: Self.acr(identity.acr), amr: Self.amr)
            try await AuditLog(db: tx, portal: portal).record(actor(account.id!, account.fullName), action: "eid.sign_in",
                                                              target: "account:\(account.id!.uuidString.lowercased())", unit: nil,
                                                              details: ["acr": identity.acr ?? ""])
            return .signedIn(token: made.token, session: made.session, account: account.id!)
        }
        return try await db.writeTransaction { tx in
            let now = portal.time.now()
            // A subject seen before: its account.
            if let link = try await tx.sql.raw("""
                    SELECT id, account_id FROM eid_links WHERE issuer = \(bind: config.issuer) AND subject = \(bind: identity.subject)
                    """).firstRecord(LinkRow.self),
               let account = try await Account.find(link.accountID, on: tx) {
                try await tx.sql.raw("UPDATE eid_links SET last_used_at = \(bind: now), acr = \(bind: identity.acr) WHERE id = \(bind: link.id)").run()
                return try await session(tx, account)
            }
            guard let raw = identity.idNumber, let number = try? IDNumber(raw, now: now), number.kind == .cccd else { throw Self.badNumber }
            if let account = try await Account.query(on: tx).filter(\.$idNumber == number.digits).first() {
                let linked = try await tx.sql.raw("""
                    SELECT id, account_id FROM eid_links WHERE issuer = \(bind: config.issuer) AND account_id = \(bind: account.id!)
                    """).firstRecord(LinkRow.self)
                if linked != nil { throw Self.linkedElsewhere }
                guard config.verified(identity.acr) else {
                    let pending = UUID()
                    try await tx.sql.raw("""
                        INSERT INTO eid_pending_links (id, account_id, issuer, subject, acr, created_at, expires_at)
                        VALUES (\(bind: pending), \(bind: account.id!), \(bind: config.issuer), \(bind: identity.subject), \(bind: identity.acr),
                                \(bind: now), \(bind: now.addingTimeInterval(Self.pendingLifetime)))
                        """).run()
                    try await AuditLog(db: tx, portal: portal).record(actor(account.id!, account.fullName), action: "eid.link_pending",
                                                                      target: "account:\(account.id!.uuidString.lowercased())", unit: nil,
                                                                      details: ["acr": identity.acr ?? ""])
                    return .confirmLink(pending)
                }
                try await Self.insertLink(tx, portal: portal, account: account.id!, issuer: config.issuer, subject: identity.subject, acr: identity.acr)
                try await AuditLog(db: tx, portal: portal).record(actor(account.id!, account.fullName), action: "eid.link",
                                                                  target: "account:\(account.id!.uuidString.lowercased())", unit: nil,
                                                                  details: ["acr": identity.acr ?? "", "how": "verified"])
                return try await session(tx, account)
            }
            // No account: one from the verified claims, each checked by the same rules as a registration.
            guard config.verified(identity.acr) else { throw Self.notVerified }
            if identity.phone == nil {
                let checked = try Self.checkedClaims(identity, number: number, now: now)
                try await AccountLimits(db: tx, portal: portal).checkIDFree(number.digits)
                let browser = Random.token(bytes: 24), id = UUID()
                try await tx.sql.raw("""
                    INSERT INTO eid_signups (id, browser_hash, issuer, subject, acr, id_number, full_name, date_of_birth, next, created_at, expires_at)
                    VALUES (\(bind: id), \(bind: self.hash(browser)), \(bind: config.issuer), \(bind: identity.subject), \(bind: identity.acr),
                            \(bind: number.digits), \(bind: checked.name.value), \(bind: checked.dob.iso), \(bind: next), \(bind: now),
                            \(bind: now.addingTimeInterval(Self.pendingLifetime)))
                    """).run()
                return .askPhone(id, browserToken: browser)
            }
            let account = try Self.newAccount(identity, number: number, now: now)
            let limits = AccountLimits(db: tx, portal: portal)
            try await limits.checkIDFree(account.idNumber)
            try await limits.checkPhone(account.phone)
            try await account.create(on: tx)
            try await Self.insertLink(tx, portal: portal, account: account.id!, issuer: config.issuer, subject: identity.subject, acr: identity.acr)
            try await AuditLog(db: tx, portal: portal).record(actor(account.id!, account.fullName), action: "eid.account_create",
                                                              target: "account:\(account.id!.uuidString.lowercased())", unit: nil,
                                                              details: ["id": number.masked, "acr": identity.acr ?? ""])
            return try await session(tx, account)
        }
    }

    /// The name and date of birth the claims give, checked by the domain rules and against the ID number.
    static func checkedClaims(_ identity: Identity, number: IDNumber, now: Date) throws -> (name: PersonName, dob: DateOfBirth) {
        do {
            guard let rawName = identity.name, let rawDOB = identity.birthdate else {
                throw failure("hệ thống định danh không cung cấp đủ họ tên và ngày sinh.", "the provider gave no full name or date of birth.", code: "eid_claims")
            }
            let name = try PersonName(rawName)
            let dob = try DateOfBirth(iso: rawDOB, today: now)
            try number.check(dateOfBirth: dob)
            return (name, dob)
        } catch let error as DomainError {
            throw failure("thông tin nhận được không đúng quy định (\(error.vi)).", "the information received breaks the rules (\(error.en)).",
                          code: "eid_claims")
        }
    }

    /// The account the claims describe, with no password until the person sets one.
    private static func newAccount(_ identity: Identity, number: IDNumber, now: Date) throws -> Account {
        let (name, dob) = try checkedClaims(identity, number: number, now: now)
        let phone: PhoneNumber
        do { phone = try PhoneNumber(identity.phone ?? "") } catch {
            throw failure("số điện thoại nhận được không hợp lệ (\(error.vi)).", "the phone number received is not valid (\(error.en)).", code: "eid_claims")
        }
        return Account.make(id: number, name: name, phone: phone, dateOfBirth: dob, hash: Account.noPassword, temporary: false, now: now)
    }

    static func insertLink(_ db: any Database, portal: Portal, account: UUID, issuer: String, subject: String, acr: String?) async throws {
        let now = portal.time.now()
        try await db.sql.raw("""
            INSERT INTO eid_links (id, account_id, issuer, subject, acr, created_at, last_used_at)
            VALUES (\(bind: UUID()), \(bind: account), \(bind: issuer), \(bind: subject), \(bind: acr), \(bind: now), \(bind: now))
            """).run()
    }

    static let pendingExpired = AppError(.notFound, "eid_link_expired",
        Msg("Yêu cầu liên kết đã hết hạn hoặc không thuộc tài khoản này. Hãy đăng nhập bằng tài khoản định danh điện tử lại.",
            "The link request has expired or belongs to another account. Sign in with the electronic identity again."))

    private struct PendingRow: SQLRecord {
        let accountID: UUID
        let issuer, subject: String
        let acr: String?
        let createdAt, expiresAt: Date
        enum CodingKeys: CodingKey, CaseIterable { case accountID, issuer, subject, acr, createdAt, expiresAt }
    }

    /// Makes a waiting link once the account's owner has signed in with its own password and SMS code, after the
    /// link was asked for.
    func confirmLink(_ id: UUID, signedIn: SignedIn, method: (acr: String, amr: [String]), actor: AuditLog.Actor) async throws {
        let portal = self.portal
        try await db.writeTransaction { tx in
            guard let pending = try await tx.sql.raw("""
                    DELETE FROM eid_pending_links WHERE id = \(bind: id) AND account_id = \(bind: signedIn.account.id) RETURNING \(PendingRow.columns())
                    """).firstRecord(PendingRow.self),
                  pending.expiresAt > portal.time.now(), method.acr == SingleSignOn.passwordSMS,
                  signedIn.session.createdAt >= pending.createdAt else { throw Self.pendingExpired }
            let taken = try await tx.sql.raw("""
                SELECT id, account_id FROM eid_links WHERE issuer = \(bind: pending.issuer)
                AND (subject = \(bind: pending.subject) OR account_id = \(bind: pending.accountID))
                """).firstRecord(LinkRow.self)
            if taken != nil { throw Self.linkedElsewhere }
            try await Self.insertLink(tx, portal: portal, account: pending.accountID, issuer: pending.issuer, subject: pending.subject, acr: pending.acr)
            try await AuditLog(db: tx, portal: portal).record(actor, action: "eid.link", target: "account:\(pending.accountID.uuidString.lowercased())",
                                                              unit: nil, details: ["acr": pending.acr ?? "", "how": "password+sms"])
        }
    }
}

/// An account's e-ID links, as `/tai-khoan/dinh-danh` shows them; the same service without a configured provider.
struct ElectronicIDLinks: Sendable {
    let db: any Database
    let portal: Portal

    struct Link: SQLRecord {
        let id: UUID
        let issuer: String
        let acr: String?
        let createdAt, lastUsedAt: Date
        enum CodingKeys: CodingKey, CaseIterable { case id, issuer, acr, createdAt, lastUsedAt }
    }

    func links(account: UUID) async throws -> [Link] {
        try await db.sql.raw("SELECT \(Link.columns()) FROM eid_links WHERE account_id = \(bind: account) ORDER BY created_at")
            .allRecords(Link.self)
    }

    static let lastWay = AppError(.conflict, "eid_last_way",
        Msg("Không thể gỡ liên kết: đây là cách đăng nhập duy nhất của tài khoản. Hãy đặt mật khẩu trước.",
            "The link cannot be removed: it is the account's only way to sign in. Set a password first."))

    /// Removes one of the account's own links; never the last way to sign in.
    func unlink(_ id: UUID, account: AccountRecord, actor: AuditLog.Actor) async throws {
        let portal = self.portal
        try await db.writeTransaction { tx in
            let all = try await ElectronicIDLinks(db: tx, portal: portal).links(account: account.id)
            guard all.contains(where: { $0.id == id }) else { throw AppError.notFound }
            let current = try await Account.find(account.id, on: tx)
            if current?.passwordHash == Account.noPassword && all.count == 1 { throw Self.lastWay }
            try await tx.sql.raw("DELETE FROM eid_links WHERE id = \(bind: id)").run()
            try await AuditLog(db: tx, portal: portal).record(actor, action: "eid.unlink", target: "account:\(account.id.uuidString.lowercased())", unit: nil)
        }
    }
}
