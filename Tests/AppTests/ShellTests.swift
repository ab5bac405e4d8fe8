// The pages' shell and the plumbing around every request: headers, CSRF, errors, language, health, metrics.
import XCTVapor
@testable import App

final class ShellTests: XCTestCase {
    func test_home_page_has_register_and_login_at_the_top_and_the_support_contacts() async throws {
        try await withApp { ctx in
            try await ctx.app.test(.GET, "/") { res async in
                XCTAssertEqual(res.status, .ok)
                let html = res.body.string
                XCTAssertTrue(html.contains("<html lang=\"vi\">"))
                XCTAssertTrue(html.contains("href=\"/dang-ky\" id=\"nav-register\">Đăng ký</a>"))
                XCTAssertTrue(html.contains("href=\"/dang-nhap\" id=\"nav-login\">Đăng nhập</a>"))
                XCTAssertTrue(html.contains("0221.3856789"))
                XCTAssertTrue(html.contains("motcuahy@gmail.com"))
                // The catalogue is reachable from the home page (it was linked from nowhere).
                XCTAssertTrue(html.contains("<a href=\"/dich-vu\">Xem danh mục dịch vụ công trực tuyến</a>"))
                for phone in ["0221.3829883", "0221 1022", "082 6959996", "091 2709689", "035 2379009"] {
                    XCTAssertTrue(html.contains(phone), phone)
                }
            }
        }
    }

    func test_province_settings_replace_the_guides_contacts() async throws {
        try await withApp(env: ["SUPPORT_PHONE": "0236.1234567", "CENTRE_PHONES": "0236 111, 0236 222", "PORTAL_NAME": "Cổng Dịch vụ công tỉnh Thử"]) { ctx in
            try await ctx.app.test(.GET, "/") { res async in
                XCTAssertTrue(res.body.string.contains("0236.1234567"))
                XCTAssertTrue(res.body.string.contains("0236 222"))
                XCTAssertFalse(res.body.string.contains("0221.3856789"))
                XCTAssertTrue(res.body.string.contains("Cổng Dịch vụ công tỉnh Thử"))
            }
        }
    }

    func test_english_from_accept_language_and_from_the_switch() async throws {
        try await withApp { ctx in
            try await ctx.app.test(.GET, "/", headers: ["Accept-Language": "en-US,en;q=0.9"]) { res async in
                XCTAssertTrue(res.body.string.contains("<html lang=\"en\">"))
                XCTAssertTrue(res.body.string.contains(">Register</a>"))
            }
            try await ctx.app.test(.GET, "/ngon-ngu/en?next=/") { res async in
                XCTAssertEqual(res.status, .seeOther)
                XCTAssertEqual(res.headers.first(name: .location), "/")
                XCTAssertEqual(res.headers.setCookie?["lang"]?.string, "en")
            }
            var headers = HTTPHeaders()
            headers.cookie = ["lang": "en"]
            try await ctx.app.test(.GET, "/", headers: headers) { res async in
                XCTAssertTrue(res.body.string.contains(">Sign in</a>"))
            }
        }
    }

    func test_the_language_switch_never_redirects_off_site() async throws {
        try await withApp { ctx in
            for next in ["//evil.example", "https://evil.example", "/\\evil.example", "javascript:alert(1)"] {
                try await ctx.app.test(.GET, "/ngon-ngu/vi?next=\(next.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)") { res async in
                    XCTAssertEqual(res.headers.first(name: .location), "/", next)
                }
            }
        }
    }

    func test_security_headers_on_pages_and_api() async throws {
        try await withApp { ctx in
            for path in ["/", "/health/live", "/api/v1/nothing"] {
                try await ctx.app.test(.GET, path) { res async in
                    let csp = res.headers.first(name: "Content-Security-Policy") ?? ""
                    XCTAssertTrue(csp.contains("default-src 'self'"), path)
                    XCTAssertTrue(csp.contains("frame-ancestors 'none'"), path)
                    XCTAssertEqual(res.headers.first(name: "X-Content-Type-Options"), "nosniff")
                    XCTAssertEqual(res.headers.first(name: "X-Frame-Options"), "DENY")
                    XCTAssertNotNil(res.headers.first(name: "X-Request-Id"))
                    XCTAssertNil(res.headers.first(name: "Strict-Transport-Security"), "HSTS only in production")
                }
            }
        }
    }

    func test_csrf_cookie_is_http_only_and_a_post_without_the_token_is_refused() async throws {
        try await withApp { ctx in
            var cookie = ""
            try await ctx.app.test(.GET, "/") { res async in
                let value = res.headers.setCookie?["csrf"]
                XCTAssertEqual(value?.isHTTPOnly, true)
                XCTAssertEqual(value?.sameSite, .lax)
                cookie = value?.string ?? ""
            }
            XCTAssertFalse(cookie.isEmpty)
            var headers = HTTPHeaders()
            headers.cookie = ["csrf": .init(string: cookie)]
            try await ctx.app.test(.POST, "/", headers: headers, beforeRequest: { req in
                try req.content.encode(["_csrf": "forged"], as: .urlEncodedForm)
            }) { res async in
                XCTAssertEqual(res.status, .forbidden)
                XCTAssertTrue(res.body.string.contains("Phiên làm việc của biểu mẫu đã hết hạn"))
            }
            let token = CSRF.token(for: cookie, key: ctx.app.portal.keys.csrf)
            try await ctx.app.test(.POST, "/", headers: headers, beforeRequest: { req in
                try req.content.encode(["_csrf": token], as: .urlEncodedForm)
            }) { res async in
                // Past the check, the request reaches the router: the home page answers only GET.
                XCTAssertEqual(res.status, .methodNotAllowed, "a valid token passes the check")
            }
        }
    }

    func test_the_api_and_the_health_checks_hand_out_no_cookie() async throws {
        try await withApp { ctx in
            for path in ["/health/ready", "/health/live", "/api/v1/services", "/api/v1/me"] {
                try await ctx.app.test(.GET, path) { res async in
                    XCTAssertNil(res.headers.first(name: .setCookie), path)
                }
            }
        }
    }

    func test_secure_cookies_when_the_portal_is_served_over_https() async throws {
        try await withApp(env: ["PUBLIC_BASE_URL": "https://dichvucong.example.vn"]) { ctx in
            try await ctx.app.test(.GET, "/") { res async in
                let value = res.headers.setCookie?["__Host-csrf"]
                XCTAssertEqual(value?.isSecure, true)
            }
        }
    }

    func test_api_errors_use_the_contract_shape_in_both_languages() async throws {
        try await withApp { ctx in
            try await ctx.app.test(.GET, "/api/v1/does-not-exist") { res async in
                assertError(res, .notFound, "not_found")
                XCTAssertEqual(res.headers.contentType, .json)
                let error = res.json?["error"] as? [String: Any]
                XCTAssertEqual(error?["message"] as? String, "Không tìm thấy nội dung yêu cầu.")
            }
            try await ctx.app.test(.GET, "/api/v1/does-not-exist", headers: ["Accept-Language": "en"]) { res async in
                let error = res.json?["error"] as? [String: Any]
                XCTAssertEqual(error?["message"] as? String, "The requested item was not found.")
            }
        }
    }

    func test_a_web_error_is_a_vietnamese_page_with_the_request_id() async throws {
        try await withApp { ctx in
            try await ctx.app.test(.GET, "/khong-co-trang-nay") { res async in
                XCTAssertEqual(res.status, .notFound)
                XCTAssertEqual(res.headers.contentType, .html)
                XCTAssertTrue(res.body.string.contains("Không tìm thấy nội dung yêu cầu."))
                XCTAssertTrue(res.body.string.contains(res.headers.first(name: "X-Request-Id") ?? "missing"))
            }
        }
    }

    func test_health_ready_runs_a_query_and_metrics_are_prometheus_text() async throws {
        try await withEachDatabase { ctx in
            try await ctx.app.test(.GET, "/health/live") { res async in
                XCTAssertEqual(res.status, .ok)
            }
            for _ in 0..<2 {
                try await ctx.app.test(.GET, "/health/ready") { res async in
                    XCTAssertEqual(res.status, .ok)
                    XCTAssertEqual(res.json?["status"] as? String, "ok")
                }
            }
            try await ctx.app.test(.GET, "/no-such-page-41") { res async in XCTAssertEqual(res.status, .notFound) }
            try await ctx.app.test(.GET, "/no-such-page-42") { res async in XCTAssertEqual(res.status, .notFound) }
            try await ctx.app.test(.GET, "/metrics") { res async in
                XCTAssertEqual(res.status, .ok)
                let text = res.body.string
                XCTAssertTrue(text.contains("portal_http_requests_total{route=\"/health/ready\",method=\"GET\",status=\"200\"} 2"), text)
                XCTAssertTrue(text.contains("portal_http_requests_total{route=\"/health/live\",method=\"GET\",status=\"200\"} 1"), text)
                XCTAssertTrue(text.contains("portal_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 2"), text)
                XCTAssertFalse(text.contains("no-such-page"), "a raw path is never a label")
                XCTAssertTrue(text.contains("portal_http_request_duration_seconds_bucket"))
                XCTAssertTrue(text.contains("portal_outbox_queued_messages 0"))
            }
        }
    }

    func test_metrics_answer_only_the_token_holder_when_a_token_is_set() async throws {
        try await withApp(env: ["METRICS_TOKEN": "scraper-secret-0123456789"]) { ctx in
            try await ctx.app.test(.GET, "/metrics") { res async in
                XCTAssertEqual(res.status, .unauthorized)
                XCTAssertFalse(res.body.string.contains("portal_http_requests_total"))
            }
            try await ctx.app.test(.GET, "/metrics", headers: ["Authorization": "Bearer scraper-secret-012345678X"]) { res async in
                XCTAssertEqual(res.status, .unauthorized)
            }
            try await ctx.app.test(.GET, "/metrics", headers: ["Authorization": "Bearer scraper-secret-0123456789"]) { res async in
                XCTAssertEqual(res.status, .ok)
                XCTAssertTrue(res.body.string.contains("portal_http_requests_total"))
            }
        }
    }

    func test_readiness_fails_when_the_database_is_gone() async throws {
        try await withApp { ctx in
            try await ctx.app.db.sql.raw("SELECT 1").run()
            // Point the default database at a file in a folder that does not exist.
            ctx.app.databases.use(.sqlite(.file("/nonexistent-folder/portal.sqlite")), as: .init(string: "broken"), isDefault: true)
            try await ctx.app.test(.GET, "/health/ready") { res async in
                XCTAssertEqual(res.status, .serviceUnavailable)
            }
        }
    }

    func test_openapi_document_is_served() async throws {
        try await withApp { ctx in
            try await ctx.app.test(.GET, "/api/openapi.yaml") { res async in
                XCTAssertEqual(res.status, .ok)
                XCTAssertTrue(res.body.string.hasPrefix("openapi: 3"))
            }
        }
    }

    func test_static_assets_are_served_with_a_cache() async throws {
        try await withApp { ctx in
            try await ctx.app.test(.GET, "/css/portal.css") { res async in
                XCTAssertEqual(res.status, .ok)
                XCTAssertEqual(res.headers.first(name: .cacheControl), "public, max-age=3600")
            }
        }
    }

    func test_development_sms_page_lists_logged_messages() async throws {
        // No gateway and no override: the log sender and its page are in use.
        let app = try await Application.make(.testing)
        let path = NSTemporaryDirectory() + "portal-dev-\(UUID().uuidString).sqlite"
        try await configure(app, Overrides(environment: ["DATABASE_URL": "sqlite://" + path, "DATA_ENCRYPTION_KEY": testKey], startOutboxWorker: false))
        try await app.autoMigrate()
        let inbox = try XCTUnwrap(app.portal.devInbox)
        _ = try await app.db.writeTransaction { db in
            try await Outbox(db: db, portal: app.portal).enqueue(to: try .init("0912345678"), text: "Ma xac thuc 246810", kind: .otp)
        }
        try await OutboxWorker(db: app.db, portal: app.portal, logger: app.logger).runOnce()
        XCTAssertEqual(inbox.recent.count, 1)
        try await app.test(.GET, "/dev/sms") { res async in
            XCTAssertTrue(res.body.string.contains("Ma xac thuc 246810"))
        }
        try await app.asyncShutdown()
        for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + s) }
    }
}

/// Keeps the OpenAPI document and the routes from drifting apart: every API route is described.
final class OpenAPICoverageTests: XCTestCase {
    func test_every_api_route_is_in_the_openapi_document() async throws {
        try await withApp { ctx in
            let yaml = try String(contentsOfFile: ctx.app.directory.resourcesDirectory + "openapi.yaml", encoding: .utf8)
            var documented: Set<String> = []
            var currentPath: String? = nil
            for line in yaml.split(separator: "\n", omittingEmptySubsequences: false) {
                if line.hasPrefix("  /"), line.hasSuffix(":") {
                    currentPath = String(line.dropFirst(2).dropLast())
                } else if let path = currentPath, line.hasPrefix("    "), !line.hasPrefix("     "),
                          let method = ["get", "post", "put", "patch", "delete"].first(where: { line == "    \($0):" }) {
                    documented.insert("\(method.uppercased()) \(path)")
                } else if !line.isEmpty, !line.hasPrefix(" ") {
                    currentPath = nil
                }
            }
            for route in ctx.app.routes.all {
                let path = "/" + route.path.map { component -> String in
                    if case let .parameter(name) = component { return "{\(name)}" }
                    return component.description
                }.joined(separator: "/")
                guard path.hasPrefix("/api/") || path.hasPrefix("/health") || path == "/metrics" else { continue }
                XCTAssertTrue(documented.contains("\(route.method.rawValue) \(path)"), "\(route.method.rawValue) \(path) is not in openapi.yaml")
            }
        }
    }
}
