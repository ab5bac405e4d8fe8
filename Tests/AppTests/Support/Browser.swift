// A browser for the page tests, on top of the request stack in Requests.swift.
import Foundation
import XCTVapor
@testable import App

/// A browser: keeps cookies, sends its user agent, and posts forms with the CSRF token that the last page it
/// read carried.
final class Browser {
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

    /// What this browser sends with every request: its user agent and its cookies.
    var headers: HTTPHeaders {
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
        keep(try await ctx.send(TestRequest(.GET, path, headers: headers), from: address))
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
        return keep(try await ctx.send(TestRequest(.POST, path, .form(form), headers: headers), from: address))
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

/// The name the first page tests used.
typealias WebClient = Browser
