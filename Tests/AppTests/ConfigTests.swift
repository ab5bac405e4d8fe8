// Configuration: defaults, validation, and production's refusals that name the variable but never its value.
import XCTVapor
@testable import App

final class ConfigTests: XCTestCase {
    private let safeProduction: [String: String] = [
        "DATABASE_URL": "postgres://portal:pw@127.0.0.1:5432/portal",
        "DATA_ENCRYPTION_KEY": testKey,
        "PUBLIC_BASE_URL": "https://dichvucong.example.vn",
        "SMS_GATEWAY_URL": "https://sms.example.vn/send",
    ]

    func test_defaults_match_the_contract() throws {
        let config = try AppConfig.load(environment: .development, env: [:])
        XCTAssertEqual(config.database, .sqliteFile("data/portal.sqlite"))
        XCTAssertEqual(config.humanCheck, .pow)
        XCTAssertEqual(config.publicBaseURL.absoluteString, "http://127.0.0.1:8080")
        XCTAssertEqual(config.portalName, "Cổng Dịch vụ công")
        XCTAssertEqual(config.centrePhones, ["0221.3829883", "0221 1022", "082 6959996", "091 2709689", "035 2379009"])
        XCTAssertEqual(config.supportPhone, "0221.3856789")
        XCTAssertEqual(config.supportEmail, "motcuahy@gmail.com")
        XCTAssertEqual(config.otp, OTPSettings(ttlSeconds: 300, maxAttempts: 5, resendSeconds: 60, maxPerHour: 5, maxPerDay: 10))
        XCTAssertEqual(config.rateLimitPerIPPerHour, 100)
        XCTAssertEqual(config.phoneAccountLimit, 1)
        XCTAssertFalse(config.allowCMNDForNewAccounts)
        XCTAssertEqual(config.scanRetentionDays, 90)
        XCTAssertEqual(config.uploadTimeLimitSeconds, 60)
        XCTAssertEqual(config.databasePoolSize, 4)
        XCTAssertEqual(try AppConfig.load(environment: .development, env: ["DATABASE_POOL_SIZE": "12"]).databasePoolSize, 12)
        XCTAssertTrue(config.autoMigrate)
        XCTAssertNil(config.smsGatewayURL)
    }

    func test_database_url_forms() throws {
        XCTAssertEqual(try DatabaseLocation.parse("sqlite:///var/lib/portal/p.sqlite"), .sqliteFile("/var/lib/portal/p.sqlite"))
        XCTAssertEqual(try DatabaseLocation.parse("sqlite:data/x.sqlite"), .sqliteFile("data/x.sqlite"))
        XCTAssertEqual(try DatabaseLocation.parse("postgres://u:p@db:5432/portal"), .postgres("postgres://u:p@db:5432/portal"))
        XCTAssertThrowsError(try DatabaseLocation.parse("mysql://u@h/db"))
        XCTAssertThrowsError(try DatabaseLocation.parse("sqlite://relative"))
    }

    func test_a_safe_production_configuration_starts() throws {
        XCTAssertNoThrow(try AppConfig.load(environment: .production, env: safeProduction))
    }

    func test_production_refuses_each_unsafe_setting_by_name() {
        let cases: [(String, String?, String)] = [
            ("HUMAN_CHECK", "off", "HUMAN_CHECK"),
            ("DATA_ENCRYPTION_KEY", nil, "DATA_ENCRYPTION_KEY"),
            ("PUBLIC_BASE_URL", "http://dichvucong.example.vn", "PUBLIC_BASE_URL"),
            ("DATABASE_URL", "sqlite:data/portal.sqlite", "DATABASE_URL"),
            ("SMS_GATEWAY_URL", nil, "SMS_GATEWAY_URL"),
            ("SMS_GATEWAY_URL", "http://sms.example.vn/send", "SMS_GATEWAY_URL"),
            ("PASSWORD_SCRYPT_N", "4096", "PASSWORD_SCRYPT_N"),
            ("PASSWORD_SCRYPT_R", "4", "PASSWORD_SCRYPT_R"),
            ("PASSWORD_SCRYPT_P", "2", "PASSWORD_SCRYPT_P"),
        ]
        for (name, value, expected) in cases {
            var env = safeProduction
            env[name] = value
            XCTAssertThrowsError(try AppConfig.load(environment: .production, env: env), name) { error in
                let text = String(describing: error)
                XCTAssertTrue(text.contains(expected), text)
                if let value { XCTAssertFalse(text.contains(value), "the value must not be printed: \(text)") }
            }
        }
    }

    func test_production_accepts_scrypt_parameters_as_costly_as_the_floor() throws {
        for (n, r, p) in [("131072", "8", "1"), ("65536", "8", "2"), ("32768", "8", "3"), ("8192", "8", "10"), ("16384", "16", "5")] {
            var env = safeProduction
            env["PASSWORD_SCRYPT_N"] = n
            env["PASSWORD_SCRYPT_R"] = r
            env["PASSWORD_SCRYPT_P"] = p
            XCTAssertNoThrow(try AppConfig.load(environment: .production, env: env), "\(n)/\(r)/\(p)")
        }
        // Outside production the floor does not apply (tests and benchmarks hash cheaply).
        XCTAssertNoThrow(try AppConfig.load(environment: .development, env: ["PASSWORD_SCRYPT_N": "1024", "PASSWORD_SCRYPT_R": "1", "PASSWORD_SCRYPT_P": "1"]))
    }

    func test_production_accepts_a_plain_http_gateway_only_on_this_machine() throws {
        var env = safeProduction
        env["SMS_GATEWAY_URL"] = "http://127.0.0.1:9025/send"
        XCTAssertNoThrow(try AppConfig.load(environment: .production, env: env), "a relay on this machine may speak plain http")
        env["SMS_GATEWAY_URL"] = "http://10.0.0.5:9025/send"
        XCTAssertThrowsError(try AppConfig.load(environment: .production, env: env))
    }

    func test_the_portals_files_are_found_wherever_it_starts_or_it_refuses_naming_the_setting() throws {
        let root = DirectoryConfiguration.detect().workingDirectory
        let elsewhere = NSTemporaryDirectory() + "portal-cwd-\(UUID().uuidString)/"
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: elsewhere) }
        let started = DirectoryConfiguration(workingDirectory: elsewhere)

        // Beside (or above) the executable, as an installation or `swift build` lays it out.
        let found = try PortalFiles.locate(started, env: [:], executable: root + ".build/release/portal")
        XCTAssertEqual(found.viewsDirectory, root + "Resources/Views/")
        XCTAssertEqual(found.resourcesDirectory, root + "Resources/")
        XCTAssertEqual(found.publicDirectory, root + "Public/")
        XCTAssertEqual(found.workingDirectory, elsewhere, "data stays where the process was started")
        // Named explicitly.
        XCTAssertEqual(try PortalFiles.locate(started, env: ["PORTAL_ROOT": root], executable: nil).viewsDirectory, root + "Resources/Views/")
        // Nowhere: a refusal naming the setting, not a server answering 500.
        for (env, executable) in [([String: String](), elsewhere + "portal"), (["PORTAL_ROOT": elsewhere], root + ".build/release/portal")] {
            XCTAssertThrowsError(try PortalFiles.locate(started, env: env, executable: executable)) { error in
                XCTAssertTrue(String(describing: error).contains("PORTAL_ROOT"), String(describing: error))
            }
        }
    }

    func test_metrics_token_is_optional_and_named_when_missing_in_production() throws {
        XCTAssertNil(try AppConfig.load(environment: .development, env: [:]).metricsToken)
        XCTAssertEqual(try AppConfig.load(environment: .development, env: ["METRICS_TOKEN": "scraper-secret-0123456789"]).metricsToken,
                       "scraper-secret-0123456789")
        XCTAssertThrowsError(try AppConfig.load(environment: .development, env: ["METRICS_TOKEN": "short"]))
        let open = try AppConfig.load(environment: .production, env: safeProduction)
        XCTAssertTrue(open.productionWarnings.contains { $0.contains("METRICS_TOKEN") }, "\(open.productionWarnings)")
        var env = safeProduction
        env["METRICS_TOKEN"] = "scraper-secret-0123456789"
        XCTAssertFalse(try AppConfig.load(environment: .production, env: env).productionWarnings.contains { $0.contains("METRICS_TOKEN") })
    }

    func test_sqlite_in_production_is_allowed_when_asked_for() throws {
        var env = safeProduction
        env["DATABASE_URL"] = "sqlite:///srv/portal.sqlite"
        env["ALLOW_SQLITE_IN_PRODUCTION"] = "true"
        XCTAssertNoThrow(try AppConfig.load(environment: .production, env: env))
    }

    func test_bad_values_are_refused_without_echoing_them() {
        let bad: [String: String] = [
            "DATA_ENCRYPTION_KEY": "c2hvcnQ=",
            "OTP_TTL_SECONDS": "900",
            "OTP_MAX_ATTEMPTS": "five",
            "HUMAN_CHECK": "captcha",
            "PUBLIC_BASE_URL": "ftp://x",
            "TRUSTED_PROXIES": "10.0.0.0/99",
            "ALLOW_SQLITE_IN_PRODUCTION": "maybe",
            "PASSWORD_SCRYPT_N": "1000",
            "SMS_GATEWAY_URL": "not a url",
            "DATABASE_POOL_SIZE": "-3",
            "UPLOAD_TIME_LIMIT_SECONDS": "86400",
        ]
        for (name, value) in bad {
            XCTAssertThrowsError(try AppConfig.load(environment: .development, env: [name: value]), name) { error in
                let text = String(describing: error)
                XCTAssertTrue(text.contains(name), text)
                XCTAssertFalse(text.contains(value), text)
            }
        }
    }

    func test_blank_values_mean_the_default() throws {
        let config = try AppConfig.load(environment: .development, env: ["OTP_TTL_SECONDS": "  ", "PORTAL_NAME": ""])
        XCTAssertEqual(config.otp.ttlSeconds, 300)
        XCTAssertEqual(config.portalName, "Cổng Dịch vụ công")
    }

    func test_settings_shown_on_pages_are_nfc() throws {
        let decomposed = "Cổng Dịch vụ công tỉnh Hưng Yên".decomposedStringWithCanonicalMapping
        let config = try AppConfig.load(environment: .development, env: ["PORTAL_NAME": decomposed])
        XCTAssertEqual(config.portalName.unicodeScalars.count, "Cổng Dịch vụ công tỉnh Hưng Yên".precomposedStringWithCanonicalMapping.unicodeScalars.count)
    }

    func test_trusted_proxy_ranges() {
        let range = IPRange("10.1.0.0/16")!
        XCTAssertTrue(range.contains("10.1.200.3"))
        XCTAssertFalse(range.contains("10.2.0.1"))
        XCTAssertTrue(IPRange("::1")!.contains("::1"))
        XCTAssertFalse(IPRange("::1")!.contains("127.0.0.1"))
        XCTAssertNil(IPRange("300.1.1.1"))
    }
}
