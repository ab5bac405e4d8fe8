// The public pages that belong to no flow: home, language switch, and the development SMS page.
import Vapor

struct SiteController {
    func home(req: Request) async throws -> Response {
        try await req.page("home", titleKey: "home_title", Empty())
    }

    /// Remembers the chosen language in a cookie and goes back to the page the person was on.
    func switchLanguage(req: Request) async throws -> Response {
        guard let code = req.parameters.get("code"), let language = Language(rawValue: code) else { throw AppError.notFound }
        let next = SafeRedirect.localPath(req.query[String.self, at: "next"])
        let response = req.redirect(to: next)
        response.cookies["lang"] = HTTPCookies.Value(
            string: language.rawValue, expires: nil, maxAge: 365 * 24 * 3600, domain: nil, path: "/",
            isSecure: req.portal.config.secureCookies, isHTTPOnly: true, sameSite: .lax)
        return response
    }

    struct DevSMSContent: Encodable { let messages: [DevSMSInbox.Entry] }

    func devSMS(req: Request) async throws -> Response {
        guard let inbox = req.portal.devInbox else { throw AppError.notFound }
        return try await req.page("dev-sms", titleKey: "dev_sms_title", DevSMSContent(messages: inbox.recent))
    }
}

enum SafeRedirect {
    /// Only paths on this site: "/x" but never "//evil" or "/\evil", which browsers treat as other hosts.
    /// Browsers also drop tabs and line breaks anywhere in a URL ("/\t/evil" becomes "//evil"), so no control
    /// character is accepted at all.
    static func localPath(_ candidate: String?) -> String {
        guard let candidate, candidate.hasPrefix("/"), !candidate.hasPrefix("//"), !candidate.hasPrefix("/\\"),
              !candidate.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }),
              candidate.count <= 512 else { return "/" }
        return candidate
    }
}
