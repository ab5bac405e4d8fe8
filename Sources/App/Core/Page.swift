// What every page template receives: the language, its texts, the site's contacts and the CSRF token.
import Foundation
import Leaf
import LeafKit
import Vapor

struct SiteInfo: Encodable, Sendable {
    let portalName, centreName: String
    let centrePhones: [String]
    let supportPhone, supportEmail: String
    let devSMS: Bool
}

struct PageContext<Content: Encodable>: Encodable {
    let lang, otherLang: String
    let t: PageTexts
    let urls: SiteLinks
    let site: SiteInfo
    let csrf, path, title: String
    let user: UserView?
    let page: Content
}

/// The texts table of one language, as templates read it (`t.key`). Turned into Leaf's values once per language:
/// encoding its few hundred strings again for every page was a large part of what rendering a page cost.
struct PageTexts: Encodable, LeafDataRepresentable, Sendable {
    let language: Language
    let leafData: LeafData

    private init(_ language: Language) {
        self.language = language
        leafData = .dictionary(Strings.all(language).mapValues { .string($0) })
    }

    static let vietnamese = PageTexts(.vi)
    static let english = PageTexts(.en)
    static func of(_ language: Language) -> PageTexts { language == .en ? english : vietnamese }

    /// Leaf takes `leafData`; any other encoder gets the plain table.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Strings.all(language))
    }
}

/// The site's links that need no id (`urls.login`), from `SiteURL`; Leaf's values are made once.
struct SiteLinks: Encodable, LeafDataRepresentable, Sendable {
    static let shared = SiteLinks()
    var leafData: LeafData { SiteURL.links }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(SiteURL.links.dictionary?.mapValues { $0.string ?? "" } ?? [:])
    }
}

/// The signed-in person as the header shows them.
struct UserView: Encodable {
    let fullName: String
    let mustChangePassword: Bool
    /// Holds a staff role in force: the header links to the console.
    let isStaff: Bool
}

/// What a form page needs besides its own data: the values typed, the errors per field, a notice.
struct FormState: Encodable {
    var values: [String: String] = [:]
    var errors: [String: String] = [:]
    var alert: String? = nil
    var alertKind: String = "error"

    init() {}

    /// A form that says its action succeeded.
    init(notice: String) {
        alert = notice
        alertKind = "success"
    }

    /// Spreads an AppError over the form: field messages next to their fields, the rest as a notice.
    mutating func show(_ error: AppError, language: Language) {
        for (field, message) in error.fields { errors[field] = message.text(language) }
        alert = error.message.text(language)
        alertKind = "error"
    }
}

struct Empty: Encodable {}

extension Request {
    /// Renders a page with the shared context; `titleKey` names the page title in the texts table.
    func page<Content: Encodable>(_ template: String, titleKey: String, _ content: Content, status: HTTPStatus = .ok) async throws -> Response {
        let config = portal.config
        let site = SiteInfo(
            portalName: config.portalName, centreName: config.centreName, centrePhones: config.centrePhones,
            supportPhone: config.supportPhone, supportEmail: config.supportEmail, devSMS: portal.devInbox != nil)
        let context = PageContext(
            lang: language.rawValue, otherLang: language == .vi ? "en" : "vi", t: PageTexts.of(language), urls: .shared, site: site,
            csrf: csrfToken, path: path, title: t(titleKey),
            // The console link is a convenience: a page (an error page during an outage, say) renders without it.
            user: await signedIn.asyncMap { UserView(fullName: $0.account.fullName, mustChangePassword: $0.mustChangePassword,
                                                     isStaff: (try? await staff().isStaff) ?? false) },
            page: content)
        let view = try await self.view.render(template, context)
        let response = try await view.encodeResponse(for: self)
        response.status = status
        response.headers.contentType = .html
        return response
    }
}

enum ErrorPage {
    struct Content: Encodable {
        let status: UInt
        let message: String
        let fields: [String]
        let requestID: String
    }

    static func render(_ error: AppError, request: Request, headers: HTTPHeaders) async -> Response {
        let language = request.language
        let content = Content(status: error.status.code, message: error.message.text(language),
                              fields: error.fields.values.map { $0.text(language) }.sorted(), requestID: request.id)
        let response: Response
        if let page = try? await request.page("error", titleKey: "error_title", content, status: error.status) {
            response = page
        } else {
            // The template itself failed: a plain page still tells the person what happened.
            let text = content.message.replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            response = Response(status: error.status, body: .init(string: "<!doctype html><meta charset=utf-8><title>\(error.status.code)</title><p>\(text)</p>"))
            response.headers.contentType = .html
        }
        for (name, value) in headers { response.headers.replaceOrAdd(name: name, value: value) }
        return response
    }
}
