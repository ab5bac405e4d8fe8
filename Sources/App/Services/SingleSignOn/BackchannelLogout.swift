// Back-channel logout (OpenID Connect Back-Channel Logout 1.0): when a portal session ends, each client it
// signed in to and that registered a back-channel URI gets a logout token. Queued in the transaction that ends
// the session, delivered afterwards by the worker with retries, never making the person's request wait.
import AsyncHTTPClient
import Fluent
import Foundation
import JWTKit
import NIOCore
import NIOHTTP1
import SQLKit
import Vapor

struct BackchannelLogout: Sendable {
    static let giveUpAfter: TimeInterval = 6 * 3600
    static let tokenLifetime: TimeInterval = 120
    static let lease: TimeInterval = 60

    let db: any Database
    let portal: Portal

    private struct Target: SQLRecord {
        let clientID, accountID, sessionID: UUID
        let clientKey: String
        enum CodingKeys: String, CodingKey, CaseIterable {
            case clientID = "client_id", accountID = "account_id", sessionID = "session_id", clientKey = "client_key"
        }
    }

    /// Queues a logout token for every client these sessions signed in to, and revokes what those clients hold.
    func sessionsEnded(_ sessions: [UUID]) async throws {
        guard !sessions.isEmpty else { return }
        let now = portal.time.now()
        let targets = try await db.sql.raw("""
            SELECT DISTINCT g.client_id, g.account_id, g.session_id, c.client_id AS client_key
            FROM oidc_grants g JOIN oidc_clients c ON c.id = g.client_id
            WHERE g.session_id IN (\(binds: sessions)) AND c.backchannel_logout_uri IS NOT NULL
            """).allRecords(Target.self)
        for t in targets {
            try await db.sql.raw("""
                INSERT INTO oidc_logout_deliveries (id, client_id, subject, sid, status, attempts, next_attempt_at, give_up_at, created_at)
                VALUES (\(bind: UUID()), \(bind: t.clientID), \(bind: SingleSignOn.subject(account: t.accountID, client: t.clientKey, portal)),
                        \(bind: SingleSignOn.sessionID(t.sessionID, portal)), 'queued', 0, \(bind: now), \(bind: now.addingTimeInterval(Self.giveUpAfter)), \(bind: now))
                """).run()
        }
        try await db.sql.raw("UPDATE oidc_grants SET revoked_at = \(bind: now) WHERE session_id IN (\(binds: sessions)) AND revoked_at IS NULL").run()
        if !targets.isEmpty { portal.outboxSignal.notify() }
    }

    struct Delivery: SQLRecord {
        let id: UUID
        let subject, sid: String
        let attempts: Int
        let giveUpAt: Date
        let clientKey: String
        let uri: String?
        let idTokenAlg: String
        enum CodingKeys: String, CodingKey, CaseIterable {
            case id, subject, sid, attempts, giveUpAt = "give_up_at", clientKey = "client_key", uri, idTokenAlg = "id_token_alg"
        }
    }

    /// Delivers the due logout tokens; returns how many were tried.
    @discardableResult
    func runOnce(client http: HTTPClient, logger: Logger) async throws -> Int {
        let now = portal.time.now()
        let lock: SQLQueryString = db.isSQLite ? "" : "FOR UPDATE SKIP LOCKED"
        let ids = try await db.sql.raw("""
            UPDATE oidc_logout_deliveries SET lease_until = \(bind: now.addingTimeInterval(Self.lease)), attempts = attempts + 1
            WHERE id IN (SELECT id FROM oidc_logout_deliveries WHERE status = 'queued' AND next_attempt_at <= \(bind: now)
                         AND (lease_until IS NULL OR lease_until < \(bind: now)) ORDER BY next_attempt_at LIMIT 20 \(lock))
            RETURNING id
            """).all().compactMap { try? $0.decode(column: "id", as: UUID.self) }
        guard !ids.isEmpty else { return 0 }
        let rows = try await db.sql.raw("""
            SELECT d.id, d.subject, d.sid, d.attempts, d.give_up_at, c.client_id AS client_key, c.backchannel_logout_uri AS uri, c.id_token_alg
            FROM oidc_logout_deliveries d JOIN oidc_clients c ON c.id = d.client_id WHERE d.id IN (\(binds: ids))
            """).allRecords(Delivery.self)
        await withTaskGroup(of: Void.self) { group in
            for row in rows { group.addTask { await self.deliver(row, http: http, logger: logger) } }
        }
        return rows.count
    }

    private func deliver(_ row: Delivery, http: HTTPClient, logger: Logger) async {
        do {
            guard let uri = row.uri else { return try await finish(row.id, status: "dropped", error: "no back-channel URI") }
            let token = try await logoutToken(row)
            var request = HTTPClientRequest(url: uri)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: "logout_token=" + (token.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? token)))
            var failure: String
            do {
                let response = try await http.execute(request, timeout: .seconds(5))
                _ = try? await response.body.collect(upTo: 64 * 1024)
                if response.status == .ok || response.status == .noContent { return try await finish(row.id, status: "sent", error: nil) }
                failure = "answered \(response.status.code)"
            } catch {
                failure = "no answer: \(type(of: error))"
            }
            let next = portal.time.now().addingTimeInterval(OutboxWorker.backoff(attempt: row.attempts))
            if next > row.giveUpAt { return try await finish(row.id, status: "failed", error: failure) }
            try await db.sql.raw("""
                UPDATE oidc_logout_deliveries SET next_attempt_at = \(bind: next), lease_until = NULL, last_error = \(bind: failure) WHERE id = \(bind: row.id)
                """).run()
            logger.warning("Back-channel logout to \(row.clientKey) failed (\(failure)); tried again later")
        } catch {
            logger.error("Back-channel logout \(row.id) could not be recorded: \(ErrorKind.of(error))")
        }
    }

    private func finish(_ id: UUID, status: String, error: String?) async throws {
        let now = portal.time.now()
        try await db.sql.raw("""
            UPDATE oidc_logout_deliveries SET status = \(bind: status), lease_until = NULL, last_error = \(bind: error),
                   sent_at = \(bind: status == "sent" ? now : nil) WHERE id = \(bind: id)
            """).run()
    }

    func logoutToken(_ row: Delivery) async throws -> String {
        let now = Date(timeIntervalSince1970: portal.time.now().timeIntervalSince1970.rounded(.down))
        let alg = SigningAlgorithm(rawValue: row.idTokenAlg) ?? .RS256
        let (keys, kid) = try await portal.keyRing.signer(alg, db: db, portal: portal)
        let payload = LogoutToken(iss: IssuerClaim(value: portal.config.issuer), sub: SubjectClaim(value: row.subject),
                                  aud: AudienceClaim(value: [row.clientKey]), iat: IssuedAtClaim(value: now),
                                  exp: ExpirationClaim(value: now.addingTimeInterval(Self.tokenLifetime)),
                                  jti: IDClaim(value: row.id.uuidString.lowercased()), sid: row.sid)
        var header = JWTHeader()
        header.typ = "logout+jwt"
        return try await keys.sign(payload, kid: JWKIdentifier(string: kid), header: header)
    }
}
