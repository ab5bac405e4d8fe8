// Start-up only: logging, configure, run, shut down cleanly.
import App
import Foundation
import Logging
import NIOCore
import NIOPosix
import Vapor

@main
enum Entrypoint {
    static func main() async {
        // Swift concurrency runs its tasks on NIO's event loops instead of on a separate pool of threads, so an
        // async handler no longer hops to another thread and back around each await: on two cores the hops
        // (futex wake-ups and context switches) were half of the server's CPU. Nothing here blocks a loop:
        // password hashing and SQLite have their own thread pools. Must run before any other async work.
        _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        do {
            try await run()
        } catch {
            // A refusal (bad input to a command, a setting production does not accept, missing files) is one
            // line on standard error and exit status 1; thrown out of main it would be a crash report.
            FileHandle.standardError.write(Data("portal: \(String(describing: error))\n".utf8))
            exit(1)
        }
    }

    private static func run() async throws {
        var env = try Environment.detect()
        try LoggingSystem.bootstrap(from: &env)
        let app = try await Application.make(env)
        do {
            try await configure(app)
            try await app.execute()
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }
}
