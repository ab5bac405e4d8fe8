// Signed-in sessions: opaque random tokens, stored hashed, with a 30-minute idle and a 12-hour absolute limit.
import Crypto
import Fluent
import Foundation
import SQLKit

struct Sessions: Sendable {
    static let idleTimeout: TimeInterval = 30 * 60
    static let absoluteTimeout: TimeInterval = 12 * 3600
    /// last_seen_at is written at most this often, so that reading pages does not mean writing rows.
    static let touchInterval: TimeInterval = 60

    let db: any Database
    let portal: Portal

    static func hash(_ token: String, key: SymmetricKey) -> String {
        Array(HMAC<SHA256>.authenticationCode(for: Data(token.utf8), using: key)).hex
    }

    /// Creates a session and returns the token (shown once; only its hash is kept).
    /// `acr`/`amr`: how the person proved who they are, when not with the portal's password and SMS code.
    func create(account: UUID, kind: AuthSession.Kind, clientAddress: String, userAgent: String,
                acr: String? = nil, amr: String? = nil) async throws -> (token: String, session: SessionRecord) {
        let new = prepare(kind: kind)
        try await db.sql.raw(insert(new, account: "\(bind: account)", from: "", clientAddress: clientAddress, userAgent: userAgent,
                                    acr: acr, amr: amr)).run()
        return (new.token, new.record(account: account))
    }

    /// A session about to be written: its token and times, made before the statement that writes it.
    struct NewSession: Sendable {
        let id: UUID
        let token: String
        let kind: AuthSession.Kind
        let createdAt, expiresAt: Date

        func record(account: UUID) -> SessionRecord {
            SessionRecord(id: id, accountID: account, kind: kind, createdAt: createdAt, lastSeenAt: createdAt, expiresAt: expiresAt)
        }
    }

    func prepare(kind: AuthSession.Kind) -> NewSession {
        let now = portal.time.now()
        return NewSession(id: UUID(), token: Random.token(bytes: 32), kind: kind, createdAt: now, expiresAt: now.addingTimeInterval(Self.absoluteTimeout))
    }

    /// The statement that writes `new` for the account `account` (an SQL expression), its `SELECT` ended by `from`:
    /// a statement of its own, or part of a larger one that decides the account (a sign-in's code check).
    func insert(_ new: NewSession, account: SQLQueryString, from: SQLQueryString, clientAddress: String, userAgent: String,
                acr: String? = nil, amr: String? = nil) -> SQLQueryString {
        """
        INSERT INTO auth_sessions (id, account_id, token_hash, kind, client_address, user_agent, created_at, last_seen_at, expires_at, acr, amr)
        SELECT \(bind: new.id), \(account), \(bind: Self.hash(new.token, key: portal.keys.token)), \(bind: new.kind.rawValue),
               \(bind: clientAddress), \(bind: String(userAgent.prefix(200))), \(bind: new.createdAt), \(bind: new.createdAt), \(bind: new.expiresAt),
               \(bind: acr), \(bind: amr)
        \(from)
        """
    }

    /// The live session for a token and its account, touched; nil when unknown, ended, idle too long or past
    /// its end. Every signed-in request pays for this, so it is one plain query read into plain values: through
    /// the ORM it was two queries, and building their SQL and the models took most of a `GET /me`'s time.
    func authenticate(token: String) async throws -> (SessionRecord, AccountRecord)? {
        try await authenticate(token: token, withStaffRights: false).map { ($0.session, $0.account) }
    }

    /// The same, and with `withStaffRights` the account's staff grants read by the same statement (joined, a row
    /// per grant): the console's pages and the staff API check them on every request, and a second round trip
    /// was a tenth of an officer's look-up (`bench/`).
    func authenticate(token: String, withStaffRights: Bool) async throws -> (session: SessionRecord, account: AccountRecord, staff: StaffContext?)? {
        let now = portal.time.now()
        guard token.count >= 20, token.count <= 100 else { return nil }
        let rows = try await db.sql.raw("""
            SELECT \(SessionRow.columns(from: "s")), \(AccountRecord.columns(from: "a", prefix: "a_"))\(withStaffRights ? ", \(StaffDirectory.grantColumns)" : "" as SQLQueryString)
            FROM auth_sessions s JOIN accounts a ON a.id = s.account_id\(withStaffRights ? StaffDirectory.grantJoin : "")
            WHERE s.token_hash = \(bind: Self.hash(token, key: portal.keys.token))
            """).all()
        guard let row = rows.first else { return nil }
        let session = try row.record(SessionRow.self)
        guard session.endedAt == nil, session.expiresAt > now, session.lastSeenAt.addingTimeInterval(Self.idleTimeout) > now else { return nil }
        var lastSeenAt = session.lastSeenAt
        if now.timeIntervalSince(lastSeenAt) > Self.touchInterval {
            try await db.sql.raw("UPDATE auth_sessions SET last_seen_at = \(bind: now) WHERE id = \(bind: session.id)").run()
            lastSeenAt = now
        }
        let account = try row.record(AccountRecord.self, prefix: "a_")
        return (SessionRecord(id: session.id, accountID: session.accountID, kind: session.kind, createdAt: session.createdAt,
                              lastSeenAt: lastSeenAt, expiresAt: session.expiresAt),
                account,
                withStaffRights ? try StaffDirectory.context(for: account, grantRows: rows) : nil)
    }

    /// A session as the check reads it.
    private struct SessionRow: SQLRecord {
        let id, accountID: UUID
        let kind: AuthSession.Kind
        let createdAt, lastSeenAt, expiresAt: Date
        let endedAt: Date?

        enum CodingKeys: CodingKey, CaseIterable { case id, accountID, kind, createdAt, lastSeenAt, expiresAt, endedAt }
    }

    /// Ends a session; the clients it signed in to are told by back-channel logout.
    func end(_ sessionID: UUID) async throws {
        let portal = self.portal
        try await db.writeTransaction { tx in
            let ended = try await tx.sql.raw("""
                UPDATE auth_sessions SET ended_at = \(bind: portal.time.now()) WHERE id = \(bind: sessionID) AND ended_at IS NULL RETURNING id
                """).all().compactMap { try? $0.decode(column: "id", as: UUID.self) }
            try await BackchannelLogout(db: tx, portal: portal).sessionsEnded(ended)
        }
    }

    /// Ends one of the account's own live sessions, chosen from its list. Another account's session, or one
    /// already ended, is simply not found: the same answer for the pages and the API.
    func end(_ sessionID: UUID, of account: UUID) async throws {
        guard try await AuthSession.query(on: db).filter(\.$id == sessionID).filter(\.$accountID == account)
            .filter(\.$endedAt == nil).first() != nil else { throw AppError.notFound }
        try await end(sessionID)
    }

    /// Ends every session of the account except `keep` (after a password change or reset). Every client any of
    /// its sessions signed in to, `keep`'s included, is told by back-channel logout: a new password signs the
    /// person out of the other systems. Runs inside the caller's transaction.
    func endAll(account: UUID, except keep: UUID? = nil) async throws {
        let now = portal.time.now()
        let ended: [UUID]
        if let keep {
            ended = try await db.sql.raw("""
                UPDATE auth_sessions SET ended_at = \(bind: now) WHERE account_id = \(bind: account) AND ended_at IS NULL AND id <> \(bind: keep) RETURNING id
                """).all().compactMap { try? $0.decode(column: "id", as: UUID.self) }
        } else {
            ended = try await db.sql.raw("""
                UPDATE auth_sessions SET ended_at = \(bind: now) WHERE account_id = \(bind: account) AND ended_at IS NULL RETURNING id
                """).all().compactMap { try? $0.decode(column: "id", as: UUID.self) }
        }
        try await BackchannelLogout(db: db, portal: portal).sessionsEnded(ended + (keep.map { [$0] } ?? []))
    }

    func active(account: UUID) async throws -> [AuthSession] {
        let now = portal.time.now()
        return try await AuthSession.query(on: db)
            .filter(\.$accountID == account).filter(\.$endedAt == nil).filter(\.$expiresAt > now)
            .filter(\.$lastSeenAt > now.addingTimeInterval(-Self.idleTimeout))
            .sort(\.$createdAt, .descending).all()
    }
}

/// A live session, as the session check read it.
struct SessionRecord: Sendable {
    let id, accountID: UUID
    let kind: AuthSession.Kind
    let createdAt, lastSeenAt, expiresAt: Date
}

/// The signed-in account, as the session check read it. Plain values: what changes an account reads it again
/// inside its own transaction.
struct AccountRecord: SQLRecord {
    let id: UUID
    let idNumber, fullName, dateOfBirth, phone: String
    let email: String?
    let passwordHash: String
    let passwordTemporary: Bool
    let status: Account.Status
    let createdAt: Date

    enum CodingKeys: CodingKey, CaseIterable {
        case id, idNumber, fullName, dateOfBirth, phone, email, passwordHash, passwordTemporary, status, createdAt
    }
}

extension AccountRecord {
    init(_ account: Account) {
        self.init(id: account.id!, idNumber: account.idNumber, fullName: account.fullName, dateOfBirth: account.dateOfBirth,
                  phone: account.phone, email: account.email, passwordHash: account.passwordHash,
                  passwordTemporary: account.passwordTemporary, status: account.status, createdAt: account.createdAt)
    }
}

/// Who is signed in on this request, when someone is.
struct SignedIn: Sendable {
    let session: SessionRecord
    let account: AccountRecord

    var mustChangePassword: Bool { account.passwordTemporary }
}
