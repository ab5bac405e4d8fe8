// `portal hash-timing`: times the password hash on this machine, to choose PASSWORD_SCRYPT_N/R/P with numbers.
import Foundation
import NIOCore
import NIOPosix
import Vapor

struct HashTimingCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "n", help: "scrypt N (default: the configured PASSWORD_SCRYPT_N).") var n: Int?
        @Option(name: "r", help: "scrypt r (default: the configured PASSWORD_SCRYPT_R).") var r: Int?
        @Option(name: "p", help: "scrypt p (default: the configured PASSWORD_SCRYPT_P).") var p: Int?
        @Option(name: "count", help: "Hashes to time one after another (default 20).") var count: Int?
        @Option(name: "threads", help: "Also hash on this many threads at once, to see the machine's bound (default: cores).") var threads: Int?
    }

    var help: String { "Times the password hash with the configured or given scrypt parameters." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let configured = context.application.portal.config.scrypt
        let parameters = ScryptParameters(n: signature.n ?? configured.n, r: signature.r ?? configured.r, p: signature.p ?? configured.p)
        guard parameters.n > 1, parameters.n & (parameters.n - 1) == 0 else { throw CommandError.invalid("--n must be a power of two.") }
        let count = max(1, signature.count ?? 20)
        let clock = ContinuousClock()
        _ = try PasswordHasher.hashSync("warm-up", parameters: parameters)
        var times: [Double] = []
        for _ in 0..<count {
            let start = clock.now
            _ = try PasswordHasher.hashSync("Citizen-Pass-2024!", parameters: parameters)
            times.append(SeedBenchCommand.seconds(clock.now - start) * 1000)
        }
        times.sort()
        let mean = times.reduce(0, +) / Double(times.count)
        let median = times[times.count / 2]

        // Every core hashing at once, as the sign-in pool does under load.
        let threads = max(1, signature.threads ?? System.coreCount)
        let pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
        let perThread = max(2, count / 2)
        let start = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<threads {
                group.addTask {
                    for _ in 0..<perThread { _ = try await pool.runIfActive { try PasswordHasher.hashSync("Citizen-Pass-2024!", parameters: parameters) } }
                }
            }
            try await group.waitForAll()
        }
        let wall = SeedBenchCommand.seconds(clock.now - start)
        try await pool.shutdownGracefully()
        let memory = 128 * parameters.n * parameters.r
        let line = String(format: "scrypt N=%d r=%d p=%d (%d MiB each): %d hashes, mean %.1f ms, median %.1f ms, min %.1f ms; "
                          + "%d threads at once: %.1f hashes/s (bound %.1f/s from cores / median)",
                          parameters.n, parameters.r, parameters.p, memory >> 20, count, mean, median, times[0],
                          threads, Double(threads * perThread) / wall, Double(System.coreCount) / (median / 1000))
        context.console.print(line)
    }
}
