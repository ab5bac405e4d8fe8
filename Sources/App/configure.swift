// The one wiring point: configuration → database → migrations → jobs → routes.
import AsyncHTTPClient
import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import Leaf
import SMSGateway
import Vapor

/// What tests replace: the environment's variables, the clock and the SMS sender.
struct Overrides {
    var environment: [String: String]? = nil
    var time: (any TimeSource)? = nil
    var sms: (any SMSSender)? = nil
    /// The server starts the outbox worker; tests usually drive it by hand.
    var startOutboxWorker = true
}

public func configure(_ app: Application) async throws {
    try await configure(app, Overrides())
}

func configure(_ app: Application, _ overrides: Overrides) async throws {
    let config = try AppConfig.load(environment: app.environment, env: overrides.environment ?? ProcessInfo.processInfo.environment)
    app.directory = try PortalFiles.locate(app.directory, env: overrides.environment ?? ProcessInfo.processInfo.environment)
    let dataDirectory = app.directory.workingDirectory + "data"
    for warning in config.productionWarnings { app.logger.warning("\(warning)") }
    let keys = Keys(root: try Keys.loadOrCreateRoot(config: config, dataDirectory: dataDirectory, logger: app.logger))

    try configureDatabase(app, config.database, poolSize: config.databasePoolSize)
    if config.database.isSQLite { try await configureSQLiteConnections(app) }

    // Outbound calls (the SMS gateway, the e-ID, clients' key sets) never follow a redirect: a 307 or 308 would
    // send the message, with its code and the gateway's token, to whatever address the answer names.
    app.http.client.configuration.redirectConfiguration = .disallow

    var devInbox: DevSMSInbox? = nil
    let sms: any SMSSender
    if let custom = overrides.sms {
        sms = custom
    } else if let url = config.smsGatewayURL {
        // As many connections as the outbox keeps messages in flight: with the default 8, a slow gateway made
        // requests queue here until their 5-second limit ran out, and then go again though the gateway had them.
        app.http.client.configuration.connectionPool = .init(idleTimeout: .seconds(60),
                                                             concurrentHTTP1ConnectionsPerHostSoftLimit: OutboxWorker.maxInFlight)
        // A connection the gateway refuses fails its message at once, and the outbox's own back-off and probe
        // decide when to try again: the client's own retrying kept each try waiting for the whole timeout, and
        // its growing pause between connection attempts held delivery back for a minute after the gateway was
        // back. A connection that does not open within 2 s counts as no answer.
        app.http.client.configuration.connectionPool.retryConnectionEstablishment = false
        app.http.client.configuration.timeout.connect = .seconds(2)
        sms = HTTPSMSGateway(url: url, token: config.smsGatewayToken, client: app.http.client.shared)
    } else {
        let inbox = DevSMSInbox()
        devInbox = inbox
        sms = LogSMSSender(logger: Logger(label: "portal.sms"), inbox: inbox)
    }
    app.portal = Portal(config: config, keys: keys, time: overrides.time ?? SystemTime(), sms: sms,
                        metrics: PortalMetrics(), devInbox: devInbox, outbound: app.http.client.shared)
    DatabaseWatch.shared.configure(writeDeadline: .seconds(config.databaseWriteTimeoutSeconds), metrics: app.portal.metrics)

    Migrations.register(on: app)
    app.asyncCommands.use(CreateSuperadminCommand(), as: "create-superadmin")
    app.asyncCommands.use(DemoCommand(), as: "demo")
    app.asyncCommands.use(ImportUnitsCommand(), as: "import-units")
    app.asyncCommands.use(SeedBenchCommand(), as: "seed-bench")
    app.asyncCommands.use(HashTimingCommand(), as: "hash-timing")
    app.asyncCommands.use(OIDCClientCommand(), as: "oidc-client")
    app.asyncCommands.use(OIDCKeysCommand(), as: "oidc-keys")
    if config.autoMigrate && CommandLine.arguments.dropFirst().first.map({ $0 == "serve" }) ?? false {
        try await app.autoMigrate()
    }

    app.views.use(.leaf)
    app.leaf.cache.isEnabled = app.environment.isRelease
    app.routes.defaultMaxBodySize = ByteCount(integerLiteral: BodyLimits.json)
    // A connection that sends and receives nothing for this long is closed: without it, connections opened and
    // left silent (or stopped half-way through their headers) would be kept for ever. Longer than any request
    // may legitimately wait (an upload's 15 s for a slot).
    app.http.server.configuration.idleTimeout = .seconds(BodyLimits.idleConnectionSeconds)
    app.http.server.configuration.requestDecompression = .disabled
    // The portal's own Prometheus metrics count every request (MetricsMiddleware); the framework's would be a
    // second, unread count.
    app.http.server.configuration.reportMetrics = false

    // Outermost first: metrics see every answer, errors are rendered before headers are added.
    app.middleware = Middlewares()
    app.middleware.use(MetricsMiddleware())
    app.middleware.use(SecurityHeadersMiddleware(hsts: config.isProduction))
    app.middleware.use(PortalErrorMiddleware())
    app.middleware.use(ContentEncodingGuard())
    app.middleware.use(StaticFiles(publicDirectory: app.directory.publicDirectory))
    app.middleware.use(CSRFMiddleware())

    // Shut down in reverse: the server drains and stops first, then the outbox, then the hashing threads.
    app.lifecycle.use(HasherLifecycle())
    if overrides.startOutboxWorker {
        app.lifecycle.use(OutboxLifecycle())
    }
    app.lifecycle.use(GracefulStop())
    try routes(app)
}

private func configureDatabase(_ app: Application, _ location: DatabaseLocation, poolSize: Int) throws {
    switch location {
    case let .postgres(url):
        var pg = try SQLPostgresConfiguration(url: url)
        pg.searchPath = nil
        app.databases.use(.postgres(configuration: pg, maxConnectionsPerEventLoop: poolSize, connectionPoolTimeout: .seconds(10)), as: .psql)
    case .sqliteMemory:
        app.databases.use(.sqlite(.memory), as: .sqlite)
    case let .sqliteFile(path):
        let absolute = path.hasPrefix("/") ? path : app.directory.workingDirectory + path
        let folder = (absolute as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        app.databases.use(DatabaseConfigurationFactory(make: { SingleConnectionSQLite(base: DatabaseConfigurationFactory.sqlite(.file(absolute)).make()) }), as: .sqlite)
    }
}

/// SQLite takes one writer at a time. Its driver opens one connection per event loop, so two requests that
/// write at once race for the file lock, and the loser retries until the winner commits (spinning a core, or
/// sleeping 1–100 ms and often losing again). One connection for the whole process turns that race into a
/// plain first-come queue in the connection pool: every statement waits its turn, none spins or starves.
/// Readers lose nothing that matters on the one or two cores a SQLite installation runs on.
struct SingleConnectionSQLite: DatabaseConfiguration {
    var base: any DatabaseConfiguration
    var middleware: [any AnyModelMiddleware] {
        get { base.middleware }
        set { base.middleware = newValue }
    }

    func makeDriver(for databases: Databases) -> any DatabaseDriver {
        let loop = databases.eventLoopGroup.any()
        // The SQLite driver pools per loop of the group it is given: given one loop, it has one connection.
        let inner = base.makeDriver(for: Databases(threadPool: databases.threadPool, on: loop))
        return Driver(inner: inner, loop: loop)
    }

    struct Driver: DatabaseDriver {
        let inner: any DatabaseDriver
        let loop: any EventLoop

        func makeDatabase(with context: DatabaseContext) -> any Database {
            inner.makeDatabase(with: DatabaseContext(configuration: context.configuration, logger: context.logger, eventLoop: loop,
                                                     history: context.history, pageSizeLimit: context.pageSizeLimit,
                                                     shouldTrace: context.shouldTrace))
        }

        func shutdown() { inner.shutdown() }
        func shutdownAsync() async { await inner.shutdownAsync() }
    }
}

/// By default the SQLite driver retries a locked database in a tight loop. Within the process there is one
/// connection (above), but another process (a command, a backup) may hold the lock: then a busy timeout
/// sleeps between tries (1, 2, 5 … ms, at most 5 s in all) instead of spinning a core. Set on the connection,
/// which the pool keeps open.
private func configureSQLiteConnections(_ app: Application) async throws {
    for loop in app.eventLoopGroup.makeIterator() {
        guard let db = app.databases.database(logger: app.logger, on: loop) else { continue }
        try await db.sql.raw("PRAGMA busy_timeout = 5000").run()
    }
}

/// Starts the outbox worker after boot and stops it at shutdown: it stops claiming, finishes and records the sends
/// it holds (each bounded by the gateway's timeout), so no message waits out a lease on another instance.
private final class OutboxLifecycle: LifecycleHandler, @unchecked Sendable {
    private var task: Task<Void, Never>?

    func didBootAsync(_ app: Application) async throws {
        guard CommandLine.arguments.dropFirst().first == "serve" else { return }
        if app.db.isSQLite {
            // WAL lets readers run beside the one writer; it persists in the file once set.
            try await app.db.sql.raw("PRAGMA journal_mode=WAL").run()
        }
        let worker = OutboxWorker(db: app.db, portal: app.portal, logger: Logger(label: "portal.outbox"))
        let db = app.db, portal = app.portal
        task = Task {
            // Clean-up every ten minutes beside the sending loop.
            let cleaner = Task {
                while !Task.isCancelled {
                    do { try await Maintenance.runOnce(db: db, now: portal.time.now()) } catch {
                        Logger(label: "portal.maintenance").error("Clean-up failed: \(ErrorKind.of(error))")
                    }
                    try? await Task.sleep(for: .seconds(600))
                }
            }
            // Back-channel logout tokens, beside the SMS.
            let logouts = Task {
                let sender = BackchannelLogout(db: db, portal: portal)
                let logger = Logger(label: "portal.backchannel")
                while !portal.shutdown.isStopping {
                    do {
                        if try await sender.runOnce(client: portal.outbound, logger: logger) > 0 { continue }
                    } catch {
                        logger.error("Back-channel round failed: \(ErrorKind.of(error))")
                    }
                    try? await Task.sleep(for: .seconds(1))
                }
            }
            await worker.run()
            cleaner.cancel()
            await logouts.value
        }
    }

    func shutdownAsync(_ app: Application) async {
        app.portal.shutdown.stop()
        app.portal.outboxSignal.notify()
        await task?.value
    }
}

/// A graceful stop, first of the shutdown steps: readiness answers 503 for `SHUTDOWN_DRAIN_SECONDS` while requests
/// are still served, then the server stops accepting and finishes what is in flight (Vapor's bound, 10 s), and only
/// then do the outbox and the hashing threads stop (the lifecycle handlers registered before this one).
private struct GracefulStop: LifecycleHandler {
    func shutdownAsync(_ app: Application) async {
        guard CommandLine.arguments.dropFirst().first == "serve" else { return }
        let seconds = app.portal.config.shutdownDrainSeconds
        app.portal.shutdown.drain()
        app.logger.notice("Stopping: readiness answers 503 for \(seconds) s, then the server stops accepting")
        if seconds > 0 { try? await Task.sleep(for: .seconds(seconds)) }
        await app.server.shutdown()
        app.logger.notice("Stopping: requests finished; the outbox finishes the messages it holds")
    }
}

/// Stops the hashing and upload threads with the application.
private struct HasherLifecycle: LifecycleHandler {
    func shutdownAsync(_ app: Application) async {
        await app.portal.hasher.shutdown()
        await app.portal.uploads.shutdown()
    }
}

/// Serves /css and /js with a short cache; everything else falls through to the routes.
struct StaticFiles: Middleware {
    let files: FileMiddleware

    init(publicDirectory: String) {
        files = FileMiddleware(publicDirectory: publicDirectory, defaultFile: nil, directoryAction: .none)
    }

    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        let path = request.path
        guard path.hasPrefix("/css/") || path.hasPrefix("/js/") else { return next.respond(to: request) }
        return files.respond(to: request, chainingTo: next).map { response in
            if response.status == .ok { response.headers.replaceOrAdd(name: .cacheControl, value: "public, max-age=3600") }
            return response
        }
    }
}
