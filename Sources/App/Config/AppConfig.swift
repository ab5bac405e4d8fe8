// Every environment variable the portal reads, typed and checked once at start-up.
import Foundation
import Vapor

/// Where the data lives: an embedded SQLite file or a PostgreSQL server.
enum DatabaseLocation: Equatable, Sendable {
    case sqliteFile(String)
    case sqliteMemory
    case postgres(String)

    /// Parses `DATABASE_URL`: `postgres://…`, `sqlite:///abs/path`, `sqlite:relative/path`, `sqlite::memory:`.
    static func parse(_ raw: String) throws -> DatabaseLocation {
        if raw.hasPrefix("postgres://") || raw.hasPrefix("postgresql://") {
            guard URL(string: raw)?.host != nil else { throw ConfigError.invalid("DATABASE_URL", "a postgres:// URL with a host") }
            return .postgres(raw)
        }
        if raw == "sqlite::memory:" { return .sqliteMemory }
        if raw.hasPrefix("sqlite://") {
            let path = String(raw.dropFirst("sqlite://".count))
            guard path.hasPrefix("/"), path.count > 1 else { throw ConfigError.invalid("DATABASE_URL", "sqlite:///absolute/path.sqlite") }
            return .sqliteFile(path)
        }
        if raw.hasPrefix("sqlite:") {
            let path = String(raw.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw ConfigError.invalid("DATABASE_URL", "sqlite:relative/path.sqlite") }
            return .sqliteFile(path)
        }
        throw ConfigError.invalid("DATABASE_URL", "postgres://user:pass@host:port/db or sqlite:path")
    }

    var isSQLite: Bool { if case .postgres = self { return false } else { return true } }
}

/// A start-up refusal. It names the variable and what it must be, never the value (it may be a secret).
enum ConfigError: Error, CustomStringConvertible, Equatable {
    case invalid(String, String)
    case unsafeInProduction(String, String)

    var description: String {
        switch self {
        case let .invalid(name, expected): return "Configuration error: \(name) must be \(expected)."
        case let .unsafeInProduction(name, why): return "Refusing to start in production: \(name) \(why)."
        }
    }
}

struct OTPSettings: Sendable, Equatable {
    var ttlSeconds, maxAttempts, resendSeconds, maxPerHour, maxPerDay: Int
}

struct ScryptParameters: Sendable, Equatable, Codable {
    var n, r, p: Int

    /// The default for new hashes (see bench/README.md, "The password hash").
    static let standard = ScryptParameters(n: 1 << 14, r: 8, p: 5)

    /// OWASP's floor for scrypt, which production does not go below: r at least 8, N at least 2^13, and a
    /// cost N·r·p at least that of N=2^14, r=8, p=5 (its equivalents: 2^17/8/1, 2^16/8/2, 2^15/8/3, 2^13/8/10).
    static let floorCost = (1 << 14) * 8 * 5

    static func checkFloor(_ s: ScryptParameters) throws {
        if s.r < 8 { throw ConfigError.unsafeInProduction("PASSWORD_SCRYPT_R", "is below the floor of 8") }
        if s.n < 1 << 13 { throw ConfigError.unsafeInProduction("PASSWORD_SCRYPT_N", "is below the floor of 8192") }
        if s.n * s.r * s.p < floorCost {
            throw ConfigError.unsafeInProduction("PASSWORD_SCRYPT_P", "with N and r makes a cost N·r·p below the floor (that of N=16384, r=8, p=5)")
        }
    }
}

/// The national electronic identity provider the portal signs people in with (`EID_*`), when one is configured.
struct EIDConfig: Sendable {
    let issuer, clientID: String
    let clientSecret: String?
    let name, scopes, idNumberClaim: String
    /// The `acr` values that count as a verified identity; nil: every value counts.
    let minACR: Set<String>?

    func verified(_ acr: String?) -> Bool {
        guard let minACR else { return true }
        return acr.map(minACR.contains) ?? false
    }
}

struct AppConfig: Sendable {
    enum HumanCheckMode: String, Sendable { case pow, off }

    var environment: Environment
    var database: DatabaseLocation
    var allowSQLiteInProduction, autoMigrate: Bool
    var smsGatewayURL, smsGatewayToken: String?
    var humanCheck: HumanCheckMode
    /// The root secret, when given; development generates one into the data folder instead.
    var dataEncryptionKey: [UInt8]?
    var publicBaseURL: URL
    var trustedProxies: [IPRange]
    var portalName, centreName: String
    var centrePhones: [String]
    var supportPhone, supportEmail: String
    var otp: OTPSettings
    var rateLimitPerIPPerHour: Int
    /// ID look-ups per officer per rolling hour.
    var lookupLimitPerHour: Int
    /// Seconds an ID-card upload may take to arrive once it holds an upload slot; a slower sender gets 408.
    var uploadTimeLimitSeconds: Int
    var eid: EIDConfig? = nil
    /// PostgreSQL connections per event loop (one loop per core).
    var databasePoolSize, phoneAccountLimit: Int
    var allowCMNDForNewAccounts: Bool
    var scrypt: ScryptParameters
    var scanRetentionDays: Int
    var pdfFontPath: String?
    /// When set, `/metrics` answers only a request with `Authorization: Bearer <token>`.
    var metricsToken: String? = nil
    /// On SIGTERM, seconds of readiness 503 while requests are still served, so that the load balancer's health
    /// check takes the instance out before it stops accepting connections.
    var shutdownDrainSeconds = 0
    /// On PostgreSQL, seconds a write transaction may take before its connection is closed and the request is
    /// answered 503 (a primary gone without closing connections, a commit waiting for a standby that is gone).
    var databaseWriteTimeoutSeconds = 15

    static let defaultLookupLimitPerHour = 120

    var isProduction: Bool { environment == .production }

    /// Settings that production accepts but names at start-up, because they relax a protection.
    var productionWarnings: [String] {
        guard isProduction else { return [] }
        var warnings: [String] = []
        if lookupLimitPerHour > Self.defaultLookupLimitPerHour {
            warnings.append("LOOKUP_LIMIT_PER_HOUR is above \(Self.defaultLookupLimitPerHour): officers may look up more ID numbers per hour than the default allows.")
        }
        if metricsToken == nil {
            warnings.append("METRICS_TOKEN is not set: /metrics answers anyone who reaches it; set a token or keep /metrics off the public proxy.")
        }
        return warnings
    }
    /// Cookies get `Secure` whenever citizens reach the portal over https.
    var secureCookies: Bool { publicBaseURL.scheme == "https" }
    /// The single sign-on issuer: the public address without a trailing slash.
    var issuer: String {
        var s = publicBaseURL.absoluteString
        while s.hasSuffix("/") { s.removeLast() }
        return s
    }

    /// Reads and validates the environment. Every problem is a `ConfigError` naming the variable.
    static func load(environment: Environment, env: [String: String] = ProcessInfo.processInfo.environment) throws -> AppConfig {
        let reader = EnvReader(env: env)
        let database = try DatabaseLocation.parse(reader.string("DATABASE_URL") ?? "sqlite:data/portal.sqlite")
        let humanCheckRaw = reader.string("HUMAN_CHECK") ?? "pow"
        guard let humanCheck = HumanCheckMode(rawValue: humanCheckRaw) else { throw ConfigError.invalid("HUMAN_CHECK", "pow or off") }

        var key: [UInt8]? = nil
        if let raw = reader.string("DATA_ENCRYPTION_KEY") {
            guard let data = Data(base64Encoded: raw), data.count == 32 else {
                throw ConfigError.invalid("DATA_ENCRYPTION_KEY", "base64 of exactly 32 bytes")
            }
            key = Array(data)
        }
        let baseRaw = reader.string("PUBLIC_BASE_URL") ?? "http://127.0.0.1:8080"
        guard let base = URL(string: baseRaw.hasSuffix("/") ? String(baseRaw.dropLast()) : baseRaw),
              let scheme = base.scheme, ["http", "https"].contains(scheme), base.host != nil else {
            throw ConfigError.invalid("PUBLIC_BASE_URL", "an http:// or https:// address")
        }
        var proxies: [IPRange] = []
        for item in (reader.string("TRUSTED_PROXIES") ?? "").split(separator: ",") {
            let text = item.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { continue }
            guard let range = IPRange(text) else { throw ConfigError.invalid("TRUSTED_PROXIES", "a comma-separated list of IP addresses or CIDR ranges") }
            proxies.append(range)
        }
        var gatewayURL: String? = nil
        if let raw = reader.string("SMS_GATEWAY_URL") {
            guard let url = URL(string: raw), let s = url.scheme, ["http", "https"].contains(s), url.host != nil else {
                throw ConfigError.invalid("SMS_GATEWAY_URL", "an http:// or https:// address")
            }
            gatewayURL = raw
        }
        let otp = OTPSettings(
            ttlSeconds: try reader.int("OTP_TTL_SECONDS", default: 300, range: 30...600),
            maxAttempts: try reader.int("OTP_MAX_ATTEMPTS", default: 5, range: 1...20),
            resendSeconds: try reader.int("OTP_RESEND_SECONDS", default: 60, range: 0...3600),
            maxPerHour: try reader.int("OTP_MAX_PER_HOUR", default: 5, range: 1...1000),
            maxPerDay: try reader.int("OTP_MAX_PER_DAY", default: 10, range: 1...10000)
        )
        // N=2^14, r=8, p=5: OWASP's floor for scrypt, and Django's default. bench/README.md argues it with
        // numbers: about 0.1 s per hash here, 16 MiB per hash in flight, 10 hashes a second per core.
        let scrypt = ScryptParameters(
            n: try reader.int("PASSWORD_SCRYPT_N", default: ScryptParameters.standard.n, range: 2...(1 << 22)),
            r: try reader.int("PASSWORD_SCRYPT_R", default: ScryptParameters.standard.r, range: 1...32),
            p: try reader.int("PASSWORD_SCRYPT_P", default: ScryptParameters.standard.p, range: 1...16)
        )
        guard scrypt.n & (scrypt.n - 1) == 0 else { throw ConfigError.invalid("PASSWORD_SCRYPT_N", "a power of two") }
        let phones = (reader.string("CENTRE_PHONES") ?? "0221.3829883, 0221 1022, 082 6959996, 091 2709689, 035 2379009")
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }

        let config = AppConfig(
            environment: environment,
            database: database,
            allowSQLiteInProduction: try reader.bool("ALLOW_SQLITE_IN_PRODUCTION", default: false),
            autoMigrate: try reader.bool("AUTO_MIGRATE", default: true),
            smsGatewayURL: gatewayURL,
            smsGatewayToken: reader.string("SMS_GATEWAY_TOKEN"),
            humanCheck: humanCheck,
            dataEncryptionKey: key,
            publicBaseURL: base,
            trustedProxies: proxies,
            portalName: reader.text("PORTAL_NAME") ?? "Cổng Dịch vụ công",
            centreName: reader.text("CENTRE_NAME") ?? "Trung tâm Phục vụ hành chính công và Kiểm soát thủ tục hành chính",
            centrePhones: phones,
            supportPhone: reader.text("SUPPORT_PHONE") ?? "0221.3856789",
            supportEmail: reader.text("SUPPORT_EMAIL") ?? "motcuahy@gmail.com",
            otp: otp,
            rateLimitPerIPPerHour: try reader.int("RATE_LIMIT_PER_IP_PER_HOUR", default: 100, range: 1...1_000_000),
            lookupLimitPerHour: try reader.int("LOOKUP_LIMIT_PER_HOUR", default: Self.defaultLookupLimitPerHour, range: 1...1_000_000),
            uploadTimeLimitSeconds: try reader.int("UPLOAD_TIME_LIMIT_SECONDS", default: 60, range: 1...600),
            databasePoolSize: try reader.int("DATABASE_POOL_SIZE", default: 4, range: 1...100),
            phoneAccountLimit: try reader.int("PHONE_ACCOUNT_LIMIT", default: 1, range: 1...100),
            allowCMNDForNewAccounts: try reader.bool("ALLOW_CMND_FOR_NEW_ACCOUNTS", default: false),
            scrypt: scrypt,
            scanRetentionDays: try reader.int("SCAN_RETENTION_DAYS", default: 90, range: 1...3650),
            pdfFontPath: reader.string("PDF_FONT_PATH")
        )
        var withEID = config
        withEID.metricsToken = reader.string("METRICS_TOKEN")
        withEID.shutdownDrainSeconds = try reader.int("SHUTDOWN_DRAIN_SECONDS", default: 0, range: 0...120)
        withEID.databaseWriteTimeoutSeconds = try reader.int("DATABASE_WRITE_TIMEOUT_SECONDS", default: 15, range: 1...300)
        if let token = withEID.metricsToken, token.count < 16 {
            throw ConfigError.invalid("METRICS_TOKEN", "at least 16 characters")
        }
        if var issuer = reader.string("EID_ISSUER") {
            while issuer.hasSuffix("/") { issuer.removeLast() }
            guard let url = URL(string: issuer), ["https", "http"].contains(url.scheme ?? ""), url.host != nil else {
                throw ConfigError.invalid("EID_ISSUER", "an http(s) URL")
            }
            guard let clientID = reader.string("EID_CLIENT_ID") else { throw ConfigError.invalid("EID_CLIENT_ID", "set whenever EID_ISSUER is") }
            let acr = reader.string("EID_MIN_ACR").map { Set($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }) }
            withEID.eid = EIDConfig(issuer: issuer, clientID: clientID, clientSecret: reader.string("EID_CLIENT_SECRET"),
                                    name: reader.text("EID_NAME") ?? "VNeID", scopes: reader.string("EID_SCOPES") ?? "openid profile",
                                    idNumberClaim: reader.string("EID_ID_NUMBER_CLAIM") ?? "id_number",
                                    minACR: acr?.isEmpty == true ? nil : acr)
        }
        try withEID.checkProductionSafety()
        return withEID
    }

    /// Production refuses settings that would be unsafe for citizens' data.
    func checkProductionSafety() throws {
        guard isProduction else { return }
        if humanCheck == .off { throw ConfigError.unsafeInProduction("HUMAN_CHECK", "must be pow: the human check is required in production") }
        if dataEncryptionKey == nil { throw ConfigError.unsafeInProduction("DATA_ENCRYPTION_KEY", "is not set; it must hold base64 of 32 random bytes") }
        if publicBaseURL.scheme != "https" { throw ConfigError.unsafeInProduction("PUBLIC_BASE_URL", "is not https") }
        if database.isSQLite && !allowSQLiteInProduction {
            throw ConfigError.unsafeInProduction("DATABASE_URL", "selects SQLite; use PostgreSQL or set ALLOW_SQLITE_IN_PRODUCTION=true")
        }
        if smsGatewayURL == nil { throw ConfigError.unsafeInProduction("SMS_GATEWAY_URL", "is not set; citizens would receive no SMS") }
        // Plain http only to this machine's own address (a relay beside the portal): nothing leaves the host.
        if let raw = smsGatewayURL, let url = URL(string: raw), url.scheme?.lowercased() != "https",
           !["127.0.0.1", "localhost", "::1", "[::1]"].contains(url.host?.lowercased() ?? "") {
            throw ConfigError.unsafeInProduction("SMS_GATEWAY_URL", "is not https; codes, temporary passwords and the gateway token would travel in clear text")
        }
        try ScryptParameters.checkFloor(scrypt)
        if let eid, !eid.issuer.hasPrefix("https://") { throw ConfigError.unsafeInProduction("EID_ISSUER", "is not https") }
    }
}

/// Reads raw variables; blank counts as unset so that `FOO=` in a unit file means "use the default".
private struct EnvReader {
    let env: [String: String]

    func string(_ name: String) -> String? {
        guard let value = env[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }

    /// Human-readable settings are shown on pages, so they are normalised to NFC.
    func text(_ name: String) -> String? { string(name)?.precomposedStringWithCanonicalMapping }

    func int(_ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let raw = string(name) else { return value }
        guard let number = Int(raw), range.contains(number) else {
            throw ConfigError.invalid(name, "a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    func bool(_ name: String, default value: Bool) throws -> Bool {
        guard let raw = string(name)?.lowercased() else { return value }
        switch raw {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: throw ConfigError.invalid(name, "true or false")
        }
    }
}
