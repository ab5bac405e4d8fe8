// Every key the portal uses, derived with HKDF from the one root secret, so that all instances agree.
import Crypto
import Foundation
import Vapor

struct Keys: Sendable {
    let dataEncryption, otp, humanCheck, csrf, token, search: SymmetricKey
    /// Single sign-on: seals the signing keys at rest, makes pairwise subjects, hashes client secrets and tokens.
    let signingKeySeal, pairwise, clientSecret, ssoToken: SymmetricKey

    init(root: [UInt8]) {
        let rootKey = SymmetricKey(data: root)
        func derive(_ purpose: String) -> SymmetricKey {
            HKDF<SHA256>.deriveKey(inputKeyMaterial: rootKey, salt: Data("citizen-portal".utf8),
                                   info: Data(purpose.utf8), outputByteCount: 32)
        }
        dataEncryption = derive("data-encryption v1")
        otp = derive("otp-hmac v1")
        humanCheck = derive("human-check v1")
        csrf = derive("csrf v1")
        token = derive("session-token v1")
        search = derive("blind-index v1")
        signingKeySeal = derive("oidc-signing-key-seal v1")
        pairwise = derive("oidc-pairwise-subject v1")
        clientSecret = derive("oidc-client-secret v1")
        ssoToken = derive("oidc-token v1")
    }

    /// Development and testing keep a generated root secret in the data folder so restarts keep working.
    static func loadOrCreateRoot(config: AppConfig, dataDirectory: String, logger: Logger) throws -> [UInt8] {
        if let key = config.dataEncryptionKey { return key }
        let path = dataDirectory + "/secret.key"
        if let text = try? String(contentsOfFile: path, encoding: .utf8),
           let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), data.count == 32 {
            return Array(data)
        }
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        let fresh = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
        try Data(fresh).base64EncodedString().write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o600)
        logger.notice("Generated a development DATA_ENCRYPTION_KEY in \(path); production requires the variable.")
        return fresh
    }
}

/// AES-GCM for personal data at rest (scans, SMS texts). The associated data binds a ciphertext to its row.
enum Sealed {
    static func seal(_ plaintext: [UInt8], key: SymmetricKey, context: String) throws -> [UInt8] {
        let box = try AES.GCM.seal(plaintext, using: key, authenticating: Data(context.utf8))
        return Array(box.combined!)
    }

    static func open(_ combined: [UInt8], key: SymmetricKey, context: String) throws -> [UInt8] {
        let box = try AES.GCM.SealedBox(combined: combined)
        return Array(try AES.GCM.open(box, using: key, authenticating: Data(context.utf8)))
    }
}

enum Random {
    /// From the system's generator eight bytes a call: a call per byte was a system call per byte, a visible share
    /// of every request that makes a token (`bench/`).
    static func bytes(_ count: Int) -> [UInt8] {
        var rng = SystemRandomNumberGenerator()
        var out: [UInt8] = []
        out.reserveCapacity(count + 7)
        while out.count < count { withUnsafeBytes(of: rng.next() as UInt64) { out.append(contentsOf: $0) } }
        return Array(out.prefix(count))
    }

    /// URL-safe base64 without padding, for tokens and references.
    static func token(bytes count: Int = 32) -> String {
        Data(bytes(count)).base64URL
    }
}

extension Sequence where Element == UInt8 {
    /// Lower-case hexadecimal. By table, not `String(format:)`: every signed-in request hashes its token, and
    /// formatting each byte took a tenth of a `GET /me`'s CPU.
    var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(underestimatedCount * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension DataProtocol {
    /// URL-safe base64 without padding (RFC 4648, section 5), as JOSE and PKCE use it.
    var base64URL: String {
        Data(self).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
