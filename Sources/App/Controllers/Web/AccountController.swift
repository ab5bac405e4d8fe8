// The signed-in citizen's pages: the service catalogue, the profile, the password change, the sessions.
import Domain
import Vapor

struct AccountController {
    typealias P = CitizenPages

    struct CataloguePage: Encodable {
        struct Item: Encodable {
            let code, name, field, level, agency: String
            let chooseURL: String
        }
        let greeting, chosen: String?
        let action, q: String
        let items: [Item]
    }

    func account(req: Request) async throws -> Response {
        let signedIn = try req.requireSignedIn()
        return try await catalogue(req, greeting: signedIn.account.fullName, action: .account)
    }

    func publicCatalogue(req: Request) async throws -> Response {
        try await catalogue(req, greeting: nil, action: .services)
    }

    private func catalogue(_ req: Request, greeting: String?, action: SiteURL) async throws -> Response {
        let q = req.query[String.self, at: "q"] ?? ""
        let found = try await req.catalogue.search(q, page: 1, per: 100)
        var chosen: String? = nil
        if greeting != nil, let code = req.query[String.self, at: "chon"], let found = try await req.catalogue.destination(code: code) {
            // A service whose system is connected: the citizen goes there, and it signs them in through the portal.
            if let start = found.startURL { return req.redirect(to: start, redirectType: .normal) }
            chosen = found.service.name
        }
        let items = found.items.map {
            CataloguePage.Item(code: $0.code, name: $0.name, field: $0.field, level: $0.level, agency: $0.agency,
                               chooseURL: SiteURL.account.path(query: [("chon", $0.code)]))
        }
        return try await req.page("account", titleKey: greeting == nil ? "services_title" : "account_title",
                                  CataloguePage(greeting: greeting, chosen: chosen, action: action.path, q: q, items: items))
    }

    struct ProfilePage: Encodable {
        let fullName, idNumber, dateOfBirth, phone, email: String
    }

    func profile(req: Request) async throws -> Response {
        let a = try req.requireSignedIn().account
        let dob = (try? DateOfBirth(iso: a.dateOfBirth).display) ?? a.dateOfBirth
        return try await req.page("profile", titleKey: "profile_title",
                                  ProfilePage(fullName: a.fullName, idNumber: a.idNumber, dateOfBirth: dob,
                                              phone: (try? PhoneNumber(a.phone).national) ?? a.phone, email: a.email ?? "—"))
    }

    private func changePasswordPage(_ req: Request, form: FormState = FormState()) async throws -> Response {
        let signedIn = try req.requireSignedIn()
        var page = P.PasswordPage(heading: req.t("change_pw_title"), action: SiteURL.changePassword.path(query: [("next", continuation(req) ?? "")]),
                                  withCurrent: signedIn.account.passwordHash != Account.noPassword,
                                  submitLabel: req.t("change_pw_title"))
        page.lead = signedIn.mustChangePassword ? req.t("change_pw_required") : nil
        page.forbidden = P.forbidden(idNumber: signedIn.account.idNumber, phone: signedIn.account.phone, dateOfBirth: signedIn.account.dateOfBirth)
        page.form = form
        return try await req.page("password-set", titleKey: "change_pw_title", page, status: form.alert == nil ? .ok : .unprocessableEntity)
    }

    func changePasswordForm(req: Request) async throws -> Response {
        try await changePasswordPage(req)
    }

    func changePassword(req: Request) async throws -> Response {
        let signedIn = try req.requireSignedIn()
        let f = try P.form(req)
        let outcome = try await req.formOutcome {
            try await req.passwords.change(signedIn, current: f.currentPassword, new: f.password, confirmation: f.passwordConfirm ?? "")
        }
        guard outcome.status == .ok else { return try await changePasswordPage(req, form: outcome.state) }
        // Sent here by a sign-in for another system: the link goes back to it.
        let next = continuation(req)
        return try await req.page("message", titleKey: "change_pw_title",
                                  P.MessagePage(heading: req.t("change_pw_title"), text: req.t("change_pw_done"),
                                                linkHref: next ?? SiteURL.account.path, linkText: req.t(next == nil ? "account_title" : "continue")))
    }

    /// Where a password change that interrupted something goes on to: a local path given as `?next=`.
    private func continuation(_ req: Request) -> String? {
        let next = SafeRedirect.localPath(req.query[String.self, at: "next"])
        return next == "/" ? nil : next
    }

    struct SessionsPage: Encodable {
        struct Row: Encodable { let id: String; let current: Bool; let createdAt, lastSeenAt, clientAddress, place, device, userAgent, endURL: String }
        let items: [Row]
        var form = FormState()
    }

    func sessions(req: Request) async throws -> Response {
        let signedIn = try req.requireSignedIn()
        let rows = try await req.authSessions.active(account: signedIn.account.id).map {
            SessionsPage.Row(id: $0.id!.uuidString.lowercased(), current: $0.id == signedIn.session.id, createdAt: VietnamTime.dateTime($0.createdAt),
                             lastSeenAt: VietnamTime.dateTime($0.lastSeenAt), clientAddress: $0.clientAddress,
                             place: req.t(SessionPlace.key(for: $0.clientAddress)),
                             device: DeviceName(userAgent: $0.userAgent).text(on: req.t("sessions_device_on"), unknown: req.t("sessions_device_unknown")),
                             userAgent: $0.userAgent, endURL: SiteURL.endSession(.value($0.id!)).path)
        }.sorted { $0.current && !$1.current }   // this session first
        return try await req.page("sessions", titleKey: "sessions_title", SessionsPage(items: rows))
    }

    func endSession(req: Request) async throws -> Response {
        let signedIn = try req.requireSignedIn()
        try await req.authSessions.end(try req.uuid(), of: signedIn.account.id)
        return req.redirect(to: SiteURL.sessions.path, redirectType: .normal)
    }

    // MARK: Connected applications (single sign-on)

    struct ConnectedPage: Encodable {
        struct Row: Encodable { let name, logoText, shares, lastSignIn: String; let trusted: Bool; let withdrawURL: String? }
        let items: [Row]
        var form = FormState()
    }

    func connectedServices(req: Request) async throws -> Response {
        try await connectedPage(req)
    }

    private func connectedPage(_ req: Request, form: FormState = FormState()) async throws -> Response {
        let signedIn = try req.requireSignedIn()
        let rows = try await req.singleSignOn.connections(account: signedIn.account.id).map { c in
            ConnectedPage.Row(name: c.name, logoText: c.logoText,
                              shares: c.scopes.map { req.t("sso_scope_\($0)") }.joined(separator: "; "),
                              lastSignIn: c.lastSignIn.map(VietnamTime.dateTime) ?? "—", trusted: c.trusted,
                              withdrawURL: c.consentedAt == nil && c.trusted ? nil : SiteURL.withdrawConsent(.value(c.client)).path)
        }
        return try await req.page("connected", titleKey: "connected_title", ConnectedPage(items: rows, form: form))
    }

    func withdrawConsent(req: Request) async throws -> Response {
        let signedIn = try req.requireSignedIn()
        try await req.singleSignOn.withdraw(account: signedIn.account.id, client: try req.uuid(), actor: req.auditActor)
        return try await connectedPage(req, form: FormState(notice: req.t("connected_withdrawn")))
    }
}

/// The approximate place of a session's address, as far as the address alone tells it: this machine, a private
/// network (the province's offices, behind their own router) or the internet. The portal keeps no location
/// database; the address itself is shown beside.
enum SessionPlace {
    static let privateRanges = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16", "fc00::/7", "fe80::/10"]
        .compactMap(IPRange.init)
    static let loopback = ["127.0.0.0/8", "::1/128"].compactMap(IPRange.init)

    static func key(for address: String) -> String {
        if loopback.contains(where: { $0.contains(address) }) { return "sessions_place_local" }
        if privateRanges.contains(where: { $0.contains(address) }) { return "sessions_place_private" }
        return "sessions_place_internet"
    }
}
