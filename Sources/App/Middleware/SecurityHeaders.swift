// Security headers on every answer: a self-only CSP, no framing, no sniffing, HSTS in production.
import Vapor

struct SecurityHeadersMiddleware: Middleware {
    let hsts: Bool

    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        next.respond(to: request).map { response in add(to: response, for: request) }
    }

    private func add(to response: Response, for request: Request) -> Response {
        let h = response.headers
        response.headers.replaceOrAdd(name: "Content-Security-Policy", value:
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
            "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
        response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        response.headers.replaceOrAdd(name: "X-Frame-Options", value: "DENY")
        response.headers.replaceOrAdd(name: "Referrer-Policy", value: "same-origin")
        response.headers.replaceOrAdd(name: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=(), payment=()")
        response.headers.replaceOrAdd(name: "Cross-Origin-Opener-Policy", value: "same-origin")
        if hsts {
            response.headers.replaceOrAdd(name: "Strict-Transport-Security", value: "max-age=31536000; includeSubDomains")
        }
        // Pages carry personal data and CSRF tokens: never cached, except the static assets.
        if !h.contains(name: .cacheControl) {
            response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        }
        response.headers.replaceOrAdd(name: "X-Request-Id", value: request.id)
        return response
    }
}
