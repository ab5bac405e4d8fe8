// The session cookie of the pages: host-only and Secure behind https, HttpOnly, SameSite=Lax.
import Foundation
import Vapor

enum SessionCookie {
    static func name(_ config: AppConfig) -> String { config.secureCookies ? "__Host-session" : "session" }

    static func set(_ token: String, on response: Response, config: AppConfig) {
        response.cookies[name(config)] = HTTPCookies.Value(
            string: token, expires: nil, maxAge: Int(Sessions.absoluteTimeout), domain: nil, path: "/",
            isSecure: config.secureCookies, isHTTPOnly: true, sameSite: .lax)
    }

    static func clear(on response: Response, config: AppConfig) {
        response.cookies[name(config)] = HTTPCookies.Value(
            string: "", expires: Date(timeIntervalSince1970: 0), maxAge: 0, domain: nil, path: "/",
            isSecure: config.secureCookies, isHTTPOnly: true, sameSite: .lax)
    }
}
