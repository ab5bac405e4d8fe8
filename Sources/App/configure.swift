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
    let dataDirectory = app.directory.workingDirectory + "data"
    let keys = Keys(root: try Keys.loadOrCreateRoot(config: config, dataDirectory: dataDirectory, logger: app.logger))

    try configureDatabase(app, config.database)

    var devInbox: DevSMSInbox? = nil
    let sms: any SMSSender
    if let custom = overrides.sms {
        sms = custom
    } else if let url = config.smsGatewayURL {
        sms = HTTPSMSGateway(url: url, token: config.smsGatewayToken, client: app.http.client.shared)
    } else {
        let inbox = DevSMSInbox()
        devInbox = inbox
        sms = LogSMSSender(logger: Logger(label: "portal.sms"), inbox: inbox)
    }
    app.portal = Portal(config: config, keys: keys, time: overrides.time ?? SystemTime(), sms: sms,
                        metrics: PortalMetrics(), devInbox: devInbox)

    Migrations.register(on: app)
    app.asyncCommands.use(CreateSuperadminCommand(), as: "create-superadmin")
    app.asyncCommands.use(DemoCommand(), as: "demo")
    app.asyncCommands.use(ImportUnitsCommand(), as: "import-units")
    if config.autoMigrate && CommandLine.arguments.dropFirst().first.map({ $0 == "serve" }) ?? false {
        try await app.autoMigrate()
    }

    app.views.use(.leaf)
    app.leaf.cache.isEnabled = app.environment.isRelease
    app.routes.defaultMaxBodySize = ByteCount(integerLiteral: BodyLimits.json)

    // Outermost first: metrics see every answer, errors are rendered before headers are added.
    app.middleware = Middlewares()
    app.middleware.use(MetricsMiddleware())
    app.middleware.use(SecurityHeadersMiddleware(hsts: config.isProduction))
    app.middleware.use(PortalErrorMiddleware())
    app.middleware.use(StaticFiles(publicDirectory: app.directory.publicDirectory))
    app.middleware.use(CSRFMiddleware())

    app.lifecycle.use(HasherLifecycle())
    if overrides.startOutboxWorker {
        app.lifecycle.use(OutboxLifecycle())
    }
    try routes(app)
}

private func configureDatabase(_ app: Application, _ location: DatabaseLocation) throws {
    switch location {
    case let .postgres(url):
        var pg = try SQLPostgresConfiguration(url: url)
        pg.searchPath = nil
        app.databases.use(.postgres(configuration: pg, maxConnectionsPerEventLoop: 4, connectionPoolTimeout: .seconds(10)), as: .psql)
    case .sqliteMemory:
        app.databases.use(.sqlite(.memory), as: .sqlite)
    case let .sqliteFile(path):
        let absolute = path.hasPrefix("/") ? path : app.directory.workingDirectory + path
        let folder = (absolute as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        app.databases.use(.sqlite(.file(absolute)), as: .sqlite)
    }
}

/// Starts the outbox worker after boot and stops it before shutdown.
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
                        Logger(label: "portal.maintenance").error("Clean-up failed: \(String(reflecting: error))")
                    }
                    try? await Task.sleep(for: .seconds(600))
                }
            }
            await worker.run()
            cleaner.cancel()
        }
    }

    func shutdownAsync(_ app: Application) async {
        task?.cancel()
        app.portal.outboxSignal.notify()
        await task?.value
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
struct StaticFiles: AsyncMiddleware {
    let files: FileMiddleware

    init(publicDirectory: String) {
        files = FileMiddleware(publicDirectory: publicDirectory, defaultFile: nil, directoryAction: .none)
    }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let path = request.url.path
        guard path.hasPrefix("/css/") || path.hasPrefix("/js/") else { return try await next.respond(to: request) }
        let response = try await files.respond(to: request, chainingTo: next)
        if response.status == .ok { response.headers.replaceOrAdd(name: .cacheControl, value: "public, max-age=3600") }
        return response
    }
}
