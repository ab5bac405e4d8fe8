// Builds a configured application on each test database: SQLite always, PostgreSQL when TEST_DATABASE_URL is set
// (required when REQUIRE_POSTGRES=1).
import Foundation
import NIOConcurrencyHelpers
import SMSGateway
import SQLKit
import XCTVapor
@testable import App

enum TestDatabases {
    /// Each data test runs once per entry. With `REQUIRE_POSTGRES=1` (the test command and CI set it) a missing
    /// `TEST_DATABASE_URL` stops the run instead of leaving PostgreSQL out in silence.
    static let all: [String] = {
        let env = ProcessInfo.processInfo.environment
        var urls = ["sqlite"]
        if let pg = env["TEST_DATABASE_URL"], !pg.isEmpty {
            urls.append(pg)
        } else if env["REQUIRE_POSTGRES"] == "1" {
            fatalError("REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set: the data tests would run on SQLite only.")
        }
        FileHandle.standardError.write(Data("Data tests run on: \(urls.map { $0 == "sqlite" ? "SQLite" : "PostgreSQL" }.joined(separator: ", "))\n".utf8))
        return urls
    }()
}

/// Records every message and answers as told: accept by default.
final class FakeSMS: SMSSender, @unchecked Sendable {
    private let lock = NIOLock()
    private var _sent: [SMSMessage] = []
    var answer: @Sendable (SMSMessage) -> SendOutcome = { _ in .accepted }

    func send(_ message: SMSMessage) async -> SendOutcome {
        let outcome = lock.withLock { answer }(message)
        if outcome == .accepted { lock.withLock { _sent.append(message) } }
        return outcome
    }

    var sent: [SMSMessage] { lock.withLock { _sent } }
}

struct TestContext {
    let app: Application
    let time: ManualTime
    let sms: FakeSMS
    let databaseName: String
}

/// 32 zero-free bytes so that the keys are stable and no key file is written.
let testKey = Data((1...32).map { UInt8($0) }).base64EncodedString()

/// Runs `body` once per test database with a fresh, migrated schema.
func withEachDatabase(
    env extra: [String: String] = [:],
    environment: Environment = .testing,
    file: StaticString = #filePath, line: UInt = #line,
    _ body: (TestContext) async throws -> Void
) async throws {
    for db in TestDatabases.all {
        try await withApp(database: db, env: extra, environment: environment) { ctx in
            do {
                try await body(ctx)
            } catch {
                XCTFail("on \(ctx.databaseName): \(String(reflecting: error))", file: file, line: line)
            }
        }
    }
}

func withApp(
    database: String = "sqlite",
    env extra: [String: String] = [:],
    environment: Environment = .testing,
    _ body: (TestContext) async throws -> Void
) async throws {
    var sqlitePath: String? = nil
    var env: [String: String] = [
        "DATA_ENCRYPTION_KEY": testKey,
        "HUMAN_CHECK": "off",
        "PASSWORD_SCRYPT_N": "16",
        "PASSWORD_SCRYPT_R": "1",
        "PASSWORD_SCRYPT_P": "1",
    ]
    if database == "sqlite" {
        let path = NSTemporaryDirectory() + "portal-test-\(UUID().uuidString).sqlite"
        sqlitePath = path
        env["DATABASE_URL"] = "sqlite://" + path
    } else {
        env["DATABASE_URL"] = database
    }
    env.merge(extra) { _, new in new }

    let app = try await Application.make(environment)
    app.logger.logLevel = .warning
    let time = ManualTime()
    let sms = FakeSMS()
    do {
        try await configure(app, Overrides(environment: env, time: time, sms: sms, startOutboxWorker: false))
        if !app.db.isSQLite {
            try await app.db.sql.raw("DROP SCHEMA public CASCADE").run()
            try await app.db.sql.raw("CREATE SCHEMA public").run()
        }
        try await app.autoMigrate()
        try await body(TestContext(app: app, time: time, sms: sms, databaseName: app.db.isSQLite ? "SQLite" : "PostgreSQL"))
    } catch {
        try? await app.asyncShutdown()
        if let sqlitePath { removeSQLite(sqlitePath) }
        throw error
    }
    try await app.asyncShutdown()
    if let sqlitePath { removeSQLite(sqlitePath) }
}

private func removeSQLite(_ path: String) {
    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
}
