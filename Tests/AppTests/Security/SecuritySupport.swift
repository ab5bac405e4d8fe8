// What the hostile-input tests share: requests from a chosen client address, a browser with a cookie jar and
// the form's CSRF token, a second citizen, and a snapshot of the data an attack must not change.
import Foundation
import NIOCore
import SQLKit
import XCTVapor
@testable import App

/// An answer with its body read, for requests sent straight to the responder.
struct Answer {
    let status: HTTPStatus
    let headers: HTTPHeaders
    let body: String

    var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] }
    var errorCode: String? { (json?["error"] as? [String: Any])?["code"] as? String }
    var location: String? { headers.first(name: .location) }
}

extension TestContext {
    /// Sends one request through the whole middleware chain. `from` sets the client's address, which the
    /// in-memory tester leaves empty, so per-address limits can be tested with several attackers.
    func send(_ method: HTTPMethod, _ path: String, json: Any? = nil, form: [(String, String)]? = nil, raw: String? = nil,
              headers extra: HTTPHeaders = [:], token: String? = nil, from address: String? = nil) async throws -> Answer {
        try await app.asyncBoot()
        var headers = extra
        var body: ByteBuffer? = nil
        if let json {
            headers.contentType = .json
            body = ByteBuffer(data: try JSONSerialization.data(withJSONObject: json, options: [.fragmentsAllowed]))
        }
        if let form {
            headers.contentType = .urlEncodedForm
            body = ByteBuffer(string: form.map { "\(formEncode($0))=\(formEncode($1))" }.joined(separator: "&"))
        }
        if let raw {
            if headers.contentType == nil { headers.contentType = .json }
            body = ByteBuffer(string: raw)
        }
        if let token { headers.bearerAuthorization = .init(token: token) }
        headers.replaceOrAdd(name: .contentLength, value: String(body?.readableBytes ?? 0))
        let request = Request(
            application: app, method: method, url: URI(string: path), headers: headers, collectedBody: body,
            remoteAddress: try address.map { try SocketAddress(ipAddress: $0, port: 40000) },
            logger: app.logger, on: app.eventLoopGroup.next())
        let response = try await app.responder.respond(to: request).get()
        let collected = try await response.body.collect(on: request.eventLoop).get()
        return Answer(status: response.status, headers: response.headers, body: collected.map { String(buffer: $0) } ?? "")
    }

    /// Row counts of every table an attack could write to, the accounts' secrets and the sessions' ends:
    /// equal snapshots mean nothing changed.
    func snapshot() async throws -> [String] {
        var lines: [String] = []
        for table in ["accounts", "registrations", "login_challenges", "password_resets", "auth_sessions", "otp_challenges", "outbox_messages"] {
            let row = try await app.db.sql.raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: table)").first()
            lines.append("\(table)=\(try row?.decode(column: "n", as: Int.self) ?? -1)")
        }
        for row in try await app.db.sql.raw("SELECT id_number, password_hash, failed_logins, status FROM accounts ORDER BY id_number").all() {
            lines.append("account \(try row.decode(column: "id_number", as: String.self)) \(try row.decode(column: "password_hash", as: String.self)) "
                + "\(try row.decode(column: "failed_logins", as: Int.self)) \(try row.decode(column: "status", as: String.self))")
        }
        let ended = try await app.db.sql.raw("SELECT COUNT(*) AS n FROM auth_sessions WHERE ended_at IS NOT NULL").first()
        lines.append("ended_sessions=\(try ended?.decode(column: "n", as: Int.self) ?? -1)")
        return lines
    }
}

func formEncode(_ s: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
}

/// Percent-encodes a value for a query string or a path segment.
func urlEncode(_ s: String) -> String { formEncode(s) }

/// A browser: keeps cookies, and posts forms with the CSRF token that the last page it read carried.
final class WebClient {
    let ctx: TestContext
    var cookies: [String: String] = [:]
    var address: String?
    var userAgent = "Mozilla/5.0 (test)"
    private(set) var formToken: String? = nil

    init(_ ctx: TestContext, from address: String? = nil) {
        self.ctx = ctx
        self.address = address
    }

    var sessionCookie: String? { cookies["session"] }

    private var headers: HTTPHeaders {
        var h = HTTPHeaders()
        h.replaceOrAdd(name: .userAgent, value: userAgent)
        if !cookies.isEmpty {
            h.replaceOrAdd(name: .cookie, value: cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))
        }
        return h
    }

    private func keep(_ answer: Answer) -> Answer {
        for header in answer.headers[.setCookie] {
            let pair = header.split(separator: ";", maxSplits: 1)[0]
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2 else { continue }
            if parts[1].isEmpty || header.contains("Max-Age=0") { cookies[parts[0]] = nil } else { cookies[parts[0]] = parts[1] }
        }
        if let match = answer.body.firstMatch(of: /name="_csrf" value="([^"]+)"/) { formToken = String(match.1) }
        return answer
    }

    @discardableResult
    func get(_ path: String) async throws -> Answer {
        keep(try await ctx.send(.GET, path, headers: headers, from: address))
    }

    /// Posts a form; without `csrf` the token is left out, as a forging site would have to.
    @discardableResult
    func post(_ path: String, _ fields: [(String, String)], csrf: Bool = true) async throws -> Answer {
        if formToken == nil || cookies["csrf"] == nil {
            // Any page gives the cookie; the sign-in page (or, once signed in, the header's sign-out form) the token.
            try await get("/")
            if formToken == nil { try await get("/dang-nhap") }
        }
        var form = fields
        if csrf, let formToken { form.append(("_csrf", formToken)) }
        return keep(try await ctx.send(.POST, path, form: form, headers: headers, from: address))
    }

    /// Signs in through the pages: password, then the SMS code; answers the final redirect.
    @discardableResult
    func signIn(_ citizen: Citizen, next: String? = nil) async throws -> Answer {
        var fields = [("username", citizen.idNumber), ("password", citizen.password)]
        if let next { fields.append(("next", next)) }
        let started = try await post("/dang-nhap", fields)
        XCTAssertEqual(started.status, .seeOther, started.body)
        let challenge = try XCTUnwrap(started.location)
        try await get(challenge)
        let code = try await ctx.latestCode(to: citizen.phoneE164)
        return try await post(challenge, [("code", code)])
    }
}

extension Citizen {
    /// A second, unrelated citizen.
    static var other: Citizen {
        var b = Citizen()
        b.idNumber = "079195000002"
        b.fullName = "Lê Văn Tám"
        b.dateOfBirth = "1995-02-02"
        b.phone = "0987654321"
        b.phoneE164 = "+84987654321"
        b.password = "Biển Đông xanh thẳm 1995"
        return b
    }
}

/// True when a browser following this Location would stay on our site. Browsers drop tabs and line breaks
/// anywhere in a URL and treat "\" like "/", so both are removed before looking at the start.
func staysOnSite(_ location: String?) -> Bool {
    guard let location else { return true }
    let seen = location.unicodeScalars.filter { !["\t", "\n", "\r"].contains($0) }
        .map { $0 == "\\" ? "/" : String($0) }.joined()
        .trimmingCharacters(in: CharacterSet(charactersIn: " ").union(.controlCharacters))
    return seen.hasPrefix("/") && !seen.hasPrefix("//")
}
