// Start-up only: logging, configure, run, shut down cleanly.
import App
import Logging
import NIOCore
import NIOPosix
import Vapor

@main
enum Entrypoint {
    static func main() async throws {
        // Swift concurrency runs its tasks on NIO's event loops instead of on a separate pool of threads, so an
        // async handler no longer hops to another thread and back around each await: on two cores the hops
        // (futex wake-ups and context switches) were half of the server's CPU. Nothing here blocks a loop:
        // password hashing and SQLite have their own thread pools. Must run before any other async work.
        _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        var env = try Environment.detect()
        try LoggingSystem.bootstrap(from: &env)
        let app = try await Application.make(env)
        do {
            try await configure(app)
            try await app.execute()
        } catch {
            app.logger.critical("\(error)")
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }
}
