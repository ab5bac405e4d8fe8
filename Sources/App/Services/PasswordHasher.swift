// scrypt password hashing on its own bounded thread pool, so hashing never blocks the event loops or the database.
import Crypto
import CryptoExtras
import Foundation
#if os(Linux)
import Glibc
#endif
import NIOCore
import NIOPosix
import NIOConcurrencyHelpers

final class PasswordHasher: Sendable {
    let parameters: ScryptParameters
    private let pool: NIOThreadPool
    /// A real hash of a random password, verified when an account is unknown so both paths cost the same.
    /// Made on the pool right after start, so that start-up does not wait one slow hash for it.
    private let dummy: Task<String, Never>
    /// How many verifications ran, real or dummy: lets tests prove both sign-in paths do the same work.
    let verifications = NIOLockedValueBox(0)

    /// One thread per core: more hashes at once would only share the cores and multiply memory
    /// (128·N·r bytes each).
    init(parameters: ScryptParameters, threads: Int = System.coreCount) {
        self.parameters = parameters
        pool = NIOThreadPool(numberOfThreads: max(1, threads))
        pool.start()
        let pool = self.pool
        dummy = Task {
            (try? await pool.runIfActive {
                Self.yieldToRequests()
                return try Self.hashSync(Random.token(), parameters: parameters)
            }) ?? ""
        }
    }

    func shutdown() async {
        try? await pool.shutdownGracefully()
    }

    func hash(_ password: String) async throws -> String {
        let parameters = self.parameters
        return try await pool.runIfActive {
            Self.yieldToRequests()
            return try Self.hashSync(password, parameters: parameters)
        }
    }

    /// Hashing threads run at a lower priority (nice 10) than the event loops: when sign-ins keep every
    /// hashing thread busy, a request that needs no hash still gets a core at once, instead of sharing it
    /// evenly with a 0.1-second hash. Idle cores still hash at full speed. On Linux the nice value belongs
    /// to the calling thread; setting it again is a cheap no-op.
    static func yieldToRequests() {
        #if os(Linux)
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
        #endif
    }

    /// Verifies against a stored hash. `nil` as stored means "no such account": the dummy is checked instead
    /// and the answer is always false.
    func verify(_ password: String, against stored: String?) async throws -> Bool {
        let target: String
        if let stored { target = stored } else { target = await dummy.value }
        verifications.withLockedValue { $0 += 1 }
        let ok = try await pool.runIfActive {
            Self.yieldToRequests()
            return Self.verifySync(password, stored: target)
        }
        return stored != nil && ok
    }

    /// Hashes made with other parameters are upgraded at the next successful sign-in.
    func needsRehash(_ stored: String) -> Bool {
        guard let parsed = Self.parse(stored) else { return true }
        return parsed.parameters != parameters
    }

    static func hashSync(_ password: String, parameters: ScryptParameters) throws -> String {
        let salt = Random.bytes(16)
        let key = try derive(password, salt: salt, parameters: parameters)
        return "scrypt$\(parameters.n)$\(parameters.r)$\(parameters.p)$\(Data(salt).base64EncodedString())$\(Data(key).base64EncodedString())"
    }

    static func verifySync(_ password: String, stored: String) -> Bool {
        guard let parsed = parse(stored),
              let key = try? derive(password, salt: parsed.salt, parameters: parsed.parameters) else { return false }
        return ConstantTime.equal(key, parsed.hash)
    }

    private static func derive(_ password: String, salt: [UInt8], parameters: ScryptParameters) throws -> [UInt8] {
        let input = Array(password.precomposedStringWithCanonicalMapping.utf8)
        let key = try KDF.Scrypt.deriveKey(from: input, salt: salt, outputByteCount: 32,
                                           rounds: parameters.n, blockSize: parameters.r, parallelism: parameters.p,
                                           maxMemory: 128 * parameters.n * parameters.r * parameters.p + 1 << 20)
        return key.withUnsafeBytes { Array($0) }
    }

    private static func parse(_ stored: String) -> (parameters: ScryptParameters, salt: [UInt8], hash: [UInt8])? {
        let parts = stored.split(separator: "$").map(String.init)
        guard parts.count == 6, parts[0] == "scrypt", let n = Int(parts[1]), let r = Int(parts[2]), let p = Int(parts[3]),
              let salt = Data(base64Encoded: parts[4]), let hash = Data(base64Encoded: parts[5]) else { return nil }
        return (ScryptParameters(n: n, r: r, p: p), Array(salt), Array(hash))
    }
}
