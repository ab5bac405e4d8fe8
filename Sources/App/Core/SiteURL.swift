// Every path of the site's pages, in one enum: routes.swift registers them, handlers redirect to them, and the
// templates get them as values. A page's address is written here once.
import Foundation
import LeafKit
import Vapor

/// A path parameter: `.key` where a route is registered, `.value` where a link is made.
enum Parameter<T: Sendable>: Sendable {
    case key
    case value(T)
}

enum SiteURL: Sendable {
    case home
    case language(Parameter<String>)
    case services

    case register
    case registerDetails
    case registerCode(Parameter<UUID>)
    case registerResend(Parameter<UUID>)
    case registerPassword(Parameter<UUID>)

    case login
    case loginCode(Parameter<UUID>)
    case loginResend(Parameter<UUID>)
    case logout

    case reset
    case resetCode(Parameter<UUID>)
    case resetResend(Parameter<UUID>)

    case account
    case profile
    case sessions
    case endSession(Parameter<UUID>)
    case changePassword

    case console
    case counter(Counter)
    case units
    case unit(Parameter<UUID>)
    case unitStaff(Parameter<UUID>)
    case unitRevoke(Parameter<UUID>, account: Parameter<UUID>)
    case staffUnits
    case requests
    case approveRequest(Parameter<UUID>)
    case refuseRequest(Parameter<UUID>)
    case askRights
    case audit
    case auditCSV

    case devSMS

    // Single sign-on: the pages of the provider, the citizen's connected services, the console's clients
    case ssoAuthorize
    case ssoContinue(Parameter<UUID>)
    case ssoLogout
    case ssoLogoutConfirm
    case connectedServices
    case withdrawConsent(Parameter<UUID>)
    case clients
    case client(Parameter<UUID>)
    case clientStatus(Parameter<UUID>)
    case clientSecret(Parameter<UUID>)

    // Signing in with the national electronic identity
    case eidStart
    case eidReturn
    case eidConfirm(Parameter<UUID>)
    case eidLinks
    case eidUnlink(Parameter<UUID>)
    case eidPhone(Parameter<UUID>)
    case eidPhoneCode(Parameter<UUID>)
    case eidPhoneResend(Parameter<UUID>)

    /// The counter's pages, under the console.
    enum Counter: Sendable {
        case list
        case new
        case lookup
        case drafts
        case draft(Parameter<UUID>)
        case updateDraft(Parameter<UUID>)
        case sendCode(Parameter<UUID>)
        case create(Parameter<UUID>)
        case requestFormPDF(Parameter<UUID>)
        case requestFormPage(Parameter<UUID>)
        case scan(Parameter<UUID>)
        case created(Parameter<UUID>)
        case reissue(Parameter<UUID>)
        case reissueCode(Parameter<UUID>)
    }

    fileprivate enum Segment {
        case constant(String)
        case parameter(String, String?)
    }

    fileprivate static func id(_ name: String, _ p: Parameter<UUID>) -> Segment {
        switch p {
        case .key: return .parameter(name, nil)
        case let .value(id): return .parameter(name, id.uuidString.lowercased())
        }
    }

    private var segments: [Segment] {
        switch self {
        case .home: return []
        case let .language(code):
            switch code {
            case .key: return [.constant("ngon-ngu"), .parameter("code", nil)]
            case let .value(code): return [.constant("ngon-ngu"), .parameter("code", code)]
            }
        case .services: return [.constant("dich-vu")]
        case .register: return [.constant("dang-ky")]
        case .registerDetails: return [.constant("dang-ky"), .constant("thong-tin")]
        case let .registerCode(id): return [.constant("dang-ky"), Self.id("id", id), .constant("xac-thuc")]
        case let .registerResend(id): return [.constant("dang-ky"), Self.id("id", id), .constant("gui-lai")]
        case let .registerPassword(id): return [.constant("dang-ky"), Self.id("id", id), .constant("mat-khau")]
        case .login: return [.constant("dang-nhap")]
        case let .loginCode(id): return [.constant("dang-nhap"), Self.id("id", id)]
        case let .loginResend(id): return [.constant("dang-nhap"), Self.id("id", id), .constant("gui-lai")]
        case .logout: return [.constant("dang-xuat")]
        case .reset: return [.constant("quen-mat-khau")]
        case let .resetCode(id): return [.constant("quen-mat-khau"), Self.id("id", id)]
        case let .resetResend(id): return [.constant("quen-mat-khau"), Self.id("id", id), .constant("gui-lai")]
        case .account: return [.constant("tai-khoan")]
        case .profile: return [.constant("tai-khoan"), .constant("ho-so")]
        case .sessions: return [.constant("tai-khoan"), .constant("phien")]
        case let .endSession(id): return [.constant("tai-khoan"), .constant("phien"), Self.id("id", id), .constant("ket-thuc")]
        case .changePassword: return [.constant("tai-khoan"), .constant("doi-mat-khau")]
        case .console: return [.constant("quantri")]
        case let .counter(page): return [.constant("quantri"), .constant("tai-khoan-cong-dan")] + page.segments
        case .units: return [.constant("quantri"), .constant("don-vi")]
        case let .unit(id): return [.constant("quantri"), .constant("don-vi"), Self.id("id", id)]
        case let .unitStaff(id): return [.constant("quantri"), .constant("don-vi"), Self.id("id", id), .constant("can-bo")]
        case let .unitRevoke(id, account):
            return [.constant("quantri"), .constant("don-vi"), Self.id("id", id), .constant("can-bo"), Self.id("accountId", account), .constant("thu-hoi")]
        case .staffUnits: return [.constant("quantri"), .constant("can-bo")]
        case .requests: return [.constant("quantri"), .constant("yeu-cau")]
        case let .approveRequest(id): return [.constant("quantri"), .constant("yeu-cau"), Self.id("id", id), .constant("duyet")]
        case let .refuseRequest(id): return [.constant("quantri"), .constant("yeu-cau"), Self.id("id", id), .constant("tu-choi")]
        case .askRights: return [.constant("quantri"), .constant("de-nghi-cap-quyen")]
        case .audit: return [.constant("quantri"), .constant("nhat-ky")]
        case .auditCSV: return [.constant("quantri"), .constant("nhat-ky.csv")]
        case .devSMS: return [.constant("dev"), .constant("sms")]
        case .ssoAuthorize: return [.constant("oidc"), .constant("authorize")]
        case let .ssoContinue(id): return [.constant("oidc"), .constant("authorize"), Self.id("id", id)]
        case .ssoLogout: return [.constant("oidc"), .constant("logout")]
        case .ssoLogoutConfirm: return [.constant("oidc"), .constant("logout"), .constant("xac-nhan")]
        case .connectedServices: return [.constant("tai-khoan"), .constant("ung-dung")]
        case let .withdrawConsent(id): return [.constant("tai-khoan"), .constant("ung-dung"), Self.id("id", id), .constant("rut-lai")]
        case .clients: return [.constant("quantri"), .constant("ung-dung")]
        case let .client(id): return [.constant("quantri"), .constant("ung-dung"), Self.id("id", id)]
        case let .clientStatus(id): return [.constant("quantri"), .constant("ung-dung"), Self.id("id", id), .constant("trang-thai")]
        case let .clientSecret(id): return [.constant("quantri"), .constant("ung-dung"), Self.id("id", id), .constant("mat-khau")]
        case .eidStart: return [.constant("dang-nhap"), .constant("dinh-danh-dien-tu")]
        case .eidReturn: return [.constant("dang-nhap"), .constant("dinh-danh-dien-tu"), .constant("ve")]
        case let .eidConfirm(id): return [.constant("dang-nhap"), .constant("dinh-danh-dien-tu"), .constant("lien-ket"), Self.id("id", id)]
        case .eidLinks: return [.constant("tai-khoan"), .constant("dinh-danh")]
        case let .eidUnlink(id): return [.constant("tai-khoan"), .constant("dinh-danh"), Self.id("id", id), .constant("go-bo")]
        case let .eidPhone(id): return [.constant("dang-nhap"), .constant("dinh-danh-dien-tu"), .constant("so-dien-thoai"), Self.id("id", id)]
        case let .eidPhoneCode(id):
            return [.constant("dang-nhap"), .constant("dinh-danh-dien-tu"), .constant("so-dien-thoai"), Self.id("id", id), .constant("xac-thuc")]
        case let .eidPhoneResend(id):
            return [.constant("dang-nhap"), .constant("dinh-danh-dien-tu"), .constant("so-dien-thoai"), Self.id("id", id), .constant("gui-lai")]
        }
    }

    /// The path of a link: `/dang-ky/<id>/xac-thuc`.
    var path: String {
        "/" + segments.map { segment -> String in
            switch segment {
            case let .constant(text): return text
            case let .parameter(name, value): return value ?? ":" + name
            }
        }.joined(separator: "/")
    }

    /// The path with a query string, for links that carry one.
    func path(query: [(String, String)]) -> String {
        let pairs = query.filter { !$0.1.isEmpty }
        guard !pairs.isEmpty else { return path }
        return path + "?" + pairs.map { $0.0 + "=" + ($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "") }.joined(separator: "&")
    }

    /// The components a route is registered with.
    var pathComponents: [PathComponent] {
        segments.map { segment in
            switch segment {
            case let .constant(text): return .constant(text)
            case let .parameter(name, _): return .parameter(name)
            }
        }
    }

    /// The links that need no id, as every template reads them (`urls.login`); turned into Leaf's values once.
    static let links: LeafData = .dictionary([
        "home": SiteURL.home, "services": .services, "register": .register, "registerDetails": .registerDetails,
        "login": .login, "logout": .logout, "reset": .reset, "account": .account, "profile": .profile,
        "sessions": .sessions, "changePassword": .changePassword, "console": .console, "counter": .counter(.list),
        "counterNew": .counter(.new), "counterLookup": .counter(.lookup), "units": .units, "staffUnits": .staffUnits,
        "requests": .requests, "askRights": .askRights, "audit": .audit, "auditCSV": .auditCSV, "devSMS": .devSMS,
        "connectedServices": .connectedServices, "clients": .clients, "eidLinks": .eidLinks,
        "languageVi": .language(.value("vi")), "languageEn": .language(.value("en")),
    ].mapValues { .string($0.path) })
}

extension SiteURL.Counter {
    fileprivate var segments: [SiteURL.Segment] {
        typealias S = SiteURL
        switch self {
        case .list: return []
        case .new: return [.constant("them-moi")]
        case .lookup: return [.constant("tra-cuu")]
        case .drafts: return [.constant("ho-so")]
        case let .draft(id): return [.constant("ho-so"), S.id("id", id)]
        case let .updateDraft(id): return [.constant("ho-so"), S.id("id", id), .constant("sua")]
        case let .sendCode(id): return [.constant("ho-so"), S.id("id", id), .constant("gui-ma")]
        case let .create(id): return [.constant("ho-so"), S.id("id", id), .constant("tao")]
        case let .requestFormPDF(id): return [.constant("ho-so"), S.id("id", id), .constant("giay-de-nghi.pdf")]
        case let .requestFormPage(id): return [.constant("ho-so"), S.id("id", id), .constant("giay-de-nghi")]
        case let .scan(id): return [.constant("ho-so"), S.id("id", id), .constant("ban-quet")]
        case let .created(id): return [S.id("accountId", id), .constant("da-tao")]
        case let .reissue(id): return [S.id("accountId", id), .constant("cap-lai")]
        case let .reissueCode(id): return [S.id("accountId", id), .constant("cap-lai"), .constant("gui-ma")]
        }
    }
}
