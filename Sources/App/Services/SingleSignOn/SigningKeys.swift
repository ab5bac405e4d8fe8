// The provider's signing keys: made here, sealed with the root secret in the database so that every instance
// signs and verifies with the same keys, published in the JWKS before they sign and kept there until the
// tokens they signed have expired.
import Crypto
import _CryptoExtras
import Fluent
import Foundation
import JWTKit
import SQLKit

/// The algorithms the provider signs with. RS256 is what every OpenID Connect client supports; ES256 is smaller
/// and far cheaper to make, and signs the access tokens.
enum SigningAlgorithm: String, Sendable, CaseIterable, Codable {
    case RS256, ES256
}

struct SigningKeys: Sendable {
    /// How long a new key is published before it signs: longer than any instance keeps its cached key set.
    static let defaultPublishAhead: TimeInterval = 3600
    /// How long a key stays published after it stopped signing: longer than anything it signed lives.
    static let keepAfterRetiring: TimeInterval = 24 * 3600

    let db: any Database
    let portal: Portal

    struct Row: SQLRecord {
        let kid, alg: String
        let privateSealed: Data
        let publicJwk: String
        let signsFrom: Date
        let retiredAt, removeAfter: Date?

        enum CodingKeys: CodingKey, CaseIterable { case kid, alg, privateSealed, publicJwk, signsFrom, retiredAt, removeAfter }
    }

    /// Every key still published, oldest first.
    func published() async throws -> [Row] {
        let now = portal.time.now()
        return try await db.sql.raw("""
            SELECT \(Row.columns()) FROM oidc_signing_keys WHERE remove_after IS NULL OR remove_after > \(bind: now)
            ORDER BY signs_from, kid
            """).allRecords(Row.self)
    }

    /// Makes a first key for each algorithm that has none. Two instances starting at once may both make one;
    /// both are published and the newer signs, so nothing breaks.
    func ensure() async throws {
        let have = Set(try await published().filter { $0.retiredAt == nil }.map(\.alg))
        for alg in SigningAlgorithm.allCases where !have.contains(alg.rawValue) {
            try await insert(alg, signsFrom: portal.time.now())
        }
    }

    /// Publishes a new key for each algorithm now, which signs from `publishAhead` on; the keys signing now
    /// stop then and stay published for `keepAfterRetiring` more. Returns the new keys' ids.
    @discardableResult
    func rotate(publishAhead: TimeInterval = defaultPublishAhead) async throws -> [String] {
        let signsFrom = portal.time.now().addingTimeInterval(publishAhead)
        var made: [String] = []
        for alg in SigningAlgorithm.allCases {
            try await db.sql.raw("""
                UPDATE oidc_signing_keys SET retired_at = \(bind: signsFrom), remove_after = \(bind: signsFrom.addingTimeInterval(Self.keepAfterRetiring))
                WHERE alg = \(bind: alg.rawValue) AND retired_at IS NULL
                """).run()
            made.append(try await insert(alg, signsFrom: signsFrom))
        }
        return made
    }

    /// Deletes keys whose time in the JWKS is over.
    func removeExpired() async throws {
        try await db.sql.raw("DELETE FROM oidc_signing_keys WHERE remove_after IS NOT NULL AND remove_after <= \(bind: portal.time.now())").run()
    }

    @discardableResult
    private func insert(_ alg: SigningAlgorithm, signsFrom: Date) async throws -> String {
        let kid = Random.token(bytes: 12)
        let (privatePEM, jwk) = try Self.generate(alg, kid: kid)
        let sealed = try Sealed.seal(Array(privatePEM.utf8), key: portal.keys.signingKeySeal, context: Self.context(kid))
        try await db.sql.raw("""
            INSERT INTO oidc_signing_keys (id, kid, alg, private_sealed, public_jwk, signs_from, created_at)
            VALUES (\(bind: UUID()), \(bind: kid), \(bind: alg.rawValue), \(bind: Data(sealed)), \(bind: jwk), \(bind: signsFrom), \(bind: portal.time.now()))
            """).run()
        return kid
    }

    static func context(_ kid: String) -> String { "oidc-signing-key:\(kid)" }

    /// A fresh private key (PEM) and its public JWK (JSON).
    static func generate(_ alg: SigningAlgorithm, kid: String) throws -> (String, String) {
        switch alg {
        case .RS256:
            let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
            let primitives = try key.publicKey.getKeyPrimitives()
            let jwk = PublicJWK(kty: "RSA", kid: kid, use: "sig", alg: alg.rawValue, n: primitives.modulus.base64URL,
                                e: primitives.publicExponent.base64URL, crv: nil, x: nil, y: nil)
            return (key.pemRepresentation, try jwk.json())
        case .ES256:
            let key = P256.Signing.PrivateKey()
            let raw = Array(key.publicKey.x963Representation)  // 0x04 ‖ x ‖ y
            let jwk = PublicJWK(kty: "EC", kid: kid, use: "sig", alg: alg.rawValue, n: nil, e: nil, crv: "P-256",
                                x: raw[1..<33].base64URL, y: raw[33..<65].base64URL)
            return (key.pemRepresentation, try jwk.json())
        }
    }

    /// A public key as the JWKS publishes it (RFC 7517).
    struct PublicJWK: Codable, Sendable {
        let kty, kid, use, alg: String
        let n, e, crv, x, y: String?

        func json() throws -> String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return String(decoding: try encoder.encode(self), as: UTF8.self)
        }
    }
}

/// The keys as one instance holds them: a jwt-kit key collection of every published key, and the key each
/// algorithm signs with now. Read again from the database every minute, and at once when a token names a key
/// this instance has not seen.
actor KeyRing {
    static let refreshInterval: TimeInterval = 60

    private var collection = JWTKeyCollection()
    private var signing: [SigningAlgorithm: String] = [:]
    private var known: Set<String> = []
    private var jwks = "{\"keys\":[]}"
    private var loadedAt = Date.distantPast
    private var signingChangesAt = Date.distantFuture

    /// The collection and the kid that signs with `alg` now.
    func signer(_ alg: SigningAlgorithm, db: any Database, portal: Portal) async throws -> (JWTKeyCollection, String) {
        try await refreshIfStale(db: db, portal: portal)
        guard let kid = signing[alg] else {
            try await SigningKeys(db: db, portal: portal).ensure()
            try await load(db: db, portal: portal)
            guard let kid = signing[alg] else { throw AppError(.internalServerError, "no_signing_key", Msg("Chưa có khóa ký.", "No signing key.")) }
            return (collection, kid)
        }
        return (collection, kid)
    }

    /// The collection for verifying a token signed with `kid`.
    func verifier(kid: String?, db: any Database, portal: Portal) async throws -> JWTKeyCollection {
        try await refreshIfStale(db: db, portal: portal)
        if let kid, !known.contains(kid) { try await load(db: db, portal: portal) }
        return collection
    }

    func jwksJSON(db: any Database, portal: Portal) async throws -> String {
        try await refreshIfStale(db: db, portal: portal)
        if signing.count < SigningAlgorithm.allCases.count {
            try await SigningKeys(db: db, portal: portal).ensure()
            try await load(db: db, portal: portal)
        }
        return jwks
    }

    private func refreshIfStale(db: any Database, portal: Portal) async throws {
        let now = portal.time.now()
        if now.timeIntervalSince(loadedAt) > Self.refreshInterval || now >= signingChangesAt || loadedAt > now {
            try await load(db: db, portal: portal)
        }
    }

    private func load(db: any Database, portal: Portal) async throws {
        let now = portal.time.now()
        let rows = try await SigningKeys(db: db, portal: portal).published()
        let fresh = JWTKeyCollection()
        var signing: [SigningAlgorithm: String] = [:]
        var signingFrom: [SigningAlgorithm: Date] = [:]
        var changesAt = Date.distantFuture
        for row in rows {
            guard let alg = SigningAlgorithm(rawValue: row.alg) else { continue }
            let pem = String(decoding: try Sealed.open(Array(row.privateSealed), key: portal.keys.signingKeySeal,
                                                       context: SigningKeys.context(row.kid)), as: UTF8.self)
            let kid = JWKIdentifier(string: row.kid)
            switch alg {
            case .RS256: await fresh.add(rsa: try Insecure.RSA.PrivateKey(pem: pem), digestAlgorithm: .sha256, kid: kid)
            case .ES256: await fresh.add(ecdsa: try ES256PrivateKey(pem: pem), kid: kid)
            }
            // The newest key whose time has come signs; a key not yet due marks when to look again.
            if row.signsFrom <= now, (row.retiredAt.map { $0 > now } ?? true) {
                if signingFrom[alg].map({ row.signsFrom >= $0 }) ?? true {
                    signing[alg] = row.kid
                    signingFrom[alg] = row.signsFrom
                }
            } else if row.signsFrom > now {
                changesAt = min(changesAt, row.signsFrom)
            }
            if let retired = row.retiredAt, retired > now { changesAt = min(changesAt, retired) }
        }
        collection = fresh
        self.signing = signing
        known = Set(rows.map(\.kid))
        jwks = "{\"keys\":[" + rows.map(\.publicJwk).joined(separator: ",") + "]}"
        loadedAt = now
        signingChangesAt = changesAt
    }
}
