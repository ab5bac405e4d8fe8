// CSRF protection for the HTML forms: a signed double-submit token bound to a per-browser cookie.
import Crypto
import Foundation
import Vapor

enum CSRF {
    static let field = "_csrf"

    static func cookieName(secure: Bool) -> String { secure ? "__Host-csrf" : "csrf" }

    /// The form token is an HMAC of the browser's cookie, so a page on another site can neither read nor forge it.
    static func token(for cookieValue: String, key: SymmetricKey) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(cookieValue.utf8), using: key)
        return Data(mac).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func valid(token: String?, cookieValue: String?, key: SymmetricKey) -> Bool {
        guard let token, let cookieValue, !cookieValue.isEmpty else { return false }
        let expected = CSRF.token(for: cookieValue, key: key)
        return ConstantTime.equal(Array(token.utf8), Array(expected.utf8))
    }
}

/// Gives every browser a CSRF cookie and checks the token on every state-changing form post.
/// The JSON API is exempt: it authenticates by bearer token only, never by cookie.
struct CSRFMiddleware: Middleware {
    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        // The API, the health checks and the metrics have no forms and never read a cookie: no token to make,
        // no cookie to hand out (each would cost a random value, an HMAC and a Set-Cookie per call).
        if Self.formless(request.path) { return next.respond(to: request) }
        // Other sites post authorization and logout requests to the provider; those carry no token of ours, and
        // what they may do is checked by the provider (a consent or logout form of ours carries one).
        if request.method == .POST, Self.crossSitePosts.contains(request.path) { return next.respond(to: request) }
        let portal = request.portal
        let name = CSRF.cookieName(secure: portal.config.secureCookies)
        let existing: String? = request.cookies[name].map(\.string).flatMap { $0.count >= 32 ? $0 : nil }
        let cookieValue = existing ?? Random.token()
        request.storage[CSRFKey.self] = CSRF.token(for: cookieValue, key: portal.keys.csrf)

        if !request.path.hasPrefix("/api/"), ![.GET, .HEAD, .OPTIONS].contains(request.method) {
            // Upload forms carry the token in their action URL: their streamed body is read only after this check.
            if let sent = request.headers.first(name: "X-CSRF-Token") ?? request.query[String.self, at: CSRF.field] {
                guard existing != nil, CSRF.valid(token: sent, cookieValue: existing, key: portal.keys.csrf) else {
                    return request.eventLoop.makeFailedFuture(AppError.csrf)
                }
            } else {
                // Other forms carry it in the body, which may still be arriving in pieces: collect it first (it is
                // collected for the handler anyway), then read the token.
                return request.body.collect(max: BodyLimits.form).flatMap { _ in
                    let sent = try? request.content.get(String.self, at: CSRF.field)
                    guard existing != nil, CSRF.valid(token: sent, cookieValue: existing, key: portal.keys.csrf) else {
                        return request.eventLoop.makeFailedFuture(AppError.csrf)
                    }
                    return self.proceed(request, next, existing: existing, cookieValue: cookieValue)
                }
            }
        }
        return proceed(request, next, existing: existing, cookieValue: cookieValue)
    }

    private func proceed(_ request: Request, _ next: any Responder, existing: String?, cookieValue: String) -> EventLoopFuture<Response> {
        let portal = request.portal
        let name = CSRF.cookieName(secure: portal.config.secureCookies)
        let secure = portal.config.secureCookies
        return next.respond(to: request).map { response in
            if existing == nil {
                response.cookies[name] = HTTPCookies.Value(
                    string: cookieValue, expires: nil, maxAge: nil, domain: nil, path: "/",
                    isSecure: secure, isHTTPOnly: true, sameSite: .lax)
            }
            return response
        }
    }
}

extension CSRFMiddleware {
    static let crossSitePosts: Set<String> = [SiteURL.ssoAuthorize.path, SiteURL.ssoLogout.path]

    static func formless(_ path: String) -> Bool {
        path.hasPrefix("/api/") || path.hasPrefix("/health/") || path == "/metrics" || path.hasPrefix("/.well-known/")
            // The provider's server-to-server endpoints, and the requests other sites may post to it.
            || path == SingleSignOn.Endpoint.token || path == SingleSignOn.Endpoint.userinfo || path == SingleSignOn.Endpoint.jwks
            || path == SingleSignOn.Endpoint.introspect || path == SingleSignOn.Endpoint.revoke
    }
}

private struct CSRFKey: StorageKey { typealias Value = String }

extension Request {
    /// The token that this request's forms must carry.
    var csrfToken: String { storage[CSRFKey.self] ?? "" }
}
