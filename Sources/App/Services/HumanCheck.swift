// Proof of work in the ALTCHA format: a signed challenge that a browser solves in a second or two, used once.
import Crypto
import Fluent
import Foundation
import SQLKit

struct HumanCheckChallenge: Codable, Sendable {
    let algorithm, challenge, salt: String
    let maxnumber: Int
    let signature: String
}

struct HumanCheck: Sendable {
    let key: SymmetricKey
    var maxNumber = 100_000
    var lifetime: TimeInterval = 600

    /// The expiry travels inside the salt (`…?expires=…`), so it is covered by the hash and the signature.
    func makeChallenge(now: Date) -> HumanCheckChallenge {
        let salt = Random.bytes(12).hex + "?expires=\(Int(now.timeIntervalSince1970 + lifetime))"
        let number = Int.random(in: 0...maxNumber)
        let challenge = Self.sha256Hex(salt + String(number))
        return HumanCheckChallenge(algorithm: "SHA-256", challenge: challenge, salt: salt, maxnumber: maxNumber,
                                   signature: sign(challenge))
    }

    enum Failure: Error { case missing, malformed, wrongSolution, expired, reused }

    /// Checks a solved challenge and records it as used; a second use is refused.
    func verify(_ payload: String?, now: Date, db: any Database) async throws {
        guard let payload, !payload.isEmpty else { throw Failure.missing }
        struct Solved: Decodable { let algorithm: String; let challenge: String; let number: Int; let salt: String; let signature: String }
        guard let data = Data(base64Encoded: payload), let solved = try? JSONDecoder().decode(Solved.self, from: data) else {
            throw Failure.malformed
        }
        guard solved.algorithm == "SHA-256",
              ConstantTime.equal(Array(solved.signature.utf8), Array(sign(solved.challenge).utf8)),
              Self.sha256Hex(solved.salt + String(solved.number)) == solved.challenge else { throw Failure.wrongSolution }
        guard let expiresText = solved.salt.split(separator: "?expires=").last, let expires = Double(expiresText),
              Date(timeIntervalSince1970: expires) > now else { throw Failure.expired }
        do {
            try await db.sql.raw("""
                INSERT INTO used_human_checks (challenge, expires_at) VALUES (\(bind: solved.challenge), \(bind: Date(timeIntervalSince1970: expires)))
                """).run()
        } catch where error.isUniqueViolation {
            throw Failure.reused
        }
    }

    private func sign(_ challenge: String) -> String {
        Array(HMAC<SHA256>.authenticationCode(for: Data(challenge.utf8), using: key)).hex
    }

    static func sha256Hex(_ text: String) -> String { Array(SHA256.hash(data: Data(text.utf8))).hex }
}
