// The console's connected applications: a super admin registers, edits, suspends the systems that sign
// citizens in through the portal, and issues their secrets.
import Vapor

struct ClientsConsoleController {
    struct ClientForm: Content {
        var name, logoText, redirectUris, postLogoutRedirectUris, backchannelLogoutUri, authMethod, jwksUri, idTokenAlg: String?
        var scopes: [String]?
        var trusted: String?

        var input: ClientInput {
            func lines(_ s: String?) -> [String] { (s ?? "").split(whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == " " }).map(String.init) }
            return ClientInput(name: name ?? "", logoText: logoText, redirectURIs: lines(redirectUris),
                               postLogoutRedirectURIs: lines(postLogoutRedirectUris), backchannelLogoutURI: backchannelLogoutUri,
                               scopes: scopes ?? ["openid"], authMethod: authMethod ?? "", jwksURI: jwksUri,
                               idTokenAlg: idTokenAlg ?? SigningAlgorithm.RS256.rawValue, trusted: trusted == "on" || trusted == "true")
        }
    }

    struct Row: Encodable {
        let name, clientID, logoText, url: String
        let disabled, trusted: Bool
    }

    struct ClientView: Encodable {
        let name, clientID, logoText, redirectUris, postLogoutRedirectUris, backchannelLogoutUri, authMethod, jwksUri, idTokenAlg: String
        struct Scope: Encodable { let name: String; let checked: Bool }
        let scopes: [Scope]
        let trusted, disabled: Bool
        let action, statusAction, secretAction: String

        static let blank = ClientView(name: "", clientID: "", logoText: "", redirectUris: "", postLogoutRedirectUris: "", backchannelLogoutUri: "",
                                      authMethod: OIDCClient.AuthMethod.client_secret_basic.rawValue, jwksUri: "", idTokenAlg: "RS256",
                                      scopes: OIDCClients.supportedScopes.map { Scope(name: $0, checked: $0 == "openid" || $0 == "profile") }, trusted: false, disabled: false, action: "", statusAction: "", secretAction: "")

        /// What was typed, shown again beside the messages.
        static func typed(_ f: ClientForm) -> ClientView {
            ClientView(name: f.name ?? "", clientID: "", logoText: f.logoText ?? "", redirectUris: f.redirectUris ?? "",
                       postLogoutRedirectUris: f.postLogoutRedirectUris ?? "", backchannelLogoutUri: f.backchannelLogoutUri ?? "",
                       authMethod: f.authMethod ?? "", jwksUri: f.jwksUri ?? "", idTokenAlg: f.idTokenAlg ?? "RS256",
                       scopes: OIDCClients.supportedScopes.map { Scope(name: $0, checked: (f.scopes ?? []).contains($0)) }, trusted: f.trusted != nil,
                       disabled: false, action: "", statusAction: "", secretAction: "")
        }
    }

    struct ListPage: Encodable {
        let items: [Row]
        var client = ClientView.blank
        var form = FormState()
        let action: String
        let authMethods, algorithms, scopes: [String]
        let discovery: String
        let menu = "clients", isAdmin = true, isSuperAdmin = true
    }

    struct EditPage: Encodable {
        let client: ClientView
        let menu = "clients", isAdmin = true, isSuperAdmin = true
        var form = FormState()
        var secret: String? = nil
        let authMethods, algorithms, scopes: [String]
    }

    /// Only a super admin manages the province's connected applications.
    private func superAdmin(_ req: Request) async throws -> StaffContext {
        let staff = try await req.admin()
        guard staff.isSuperAdmin else { throw AppError.forbidden }
        return staff
    }

    func list(req: Request) async throws -> Response {
        _ = try await superAdmin(req)
        return try await listPage(req)
    }

    private func listPage(_ req: Request, form: FormState = FormState(), typed: ClientView = .blank, status: HTTPStatus = .ok) async throws -> Response {
        let rows = try await req.oidcClients.list().map {
            Row(name: $0.name, clientID: $0.clientID, logoText: $0.logoText, url: SiteURL.client(.value($0.id!)).path,
                disabled: $0.disabled, trusted: $0.trusted)
        }
        let page = ListPage(items: rows, client: typed, form: form, action: SiteURL.clients.path,
                            authMethods: OIDCClient.AuthMethod.allCases.map(\.rawValue), algorithms: SigningAlgorithm.allCases.map(\.rawValue),
                            scopes: OIDCClients.supportedScopes, discovery: req.portal.config.issuer + SingleSignOn.Endpoint.discovery)
        return try await req.page("console-clients", titleKey: "clients_title", page, status: status)
    }

    func create(req: Request) async throws -> Response {
        _ = try await superAdmin(req)
        let f = try req.content.decode(ClientForm.self)
        do {
            let (client, secret) = try await req.oidcClients.register(f.input, actor: req.auditActor)
            return try await editPage(req, client, form: FormState(notice: req.t("clients_saved")), secret: secret)
        } catch {
            let refused = try req.refusal(error)
            return try await listPage(req, form: refused.state, typed: .typed(f), status: refused.status)
        }
    }

    func show(req: Request) async throws -> Response {
        _ = try await superAdmin(req)
        return try await editPage(req, try await req.oidcClients.find(try req.uuid()))
    }

    func update(req: Request) async throws -> Response {
        _ = try await superAdmin(req)
        let id = try req.uuid()
        let f = try req.content.decode(ClientForm.self)
        do {
            let (client, secret) = try await req.oidcClients.update(id, f.input, actor: req.auditActor)
            return try await editPage(req, client, form: FormState(notice: req.t("clients_saved")), secret: secret)
        } catch {
            let refused = try req.refusal(error)
            return try await editPage(req, try await req.oidcClients.find(id), form: refused.state, status: refused.status)
        }
    }

    private struct StatusForm: Content { var disabled: String? }

    func setStatus(req: Request) async throws -> Response {
        _ = try await superAdmin(req)
        let id = try req.uuid()
        let f = try req.content.decode(StatusForm.self)
        try await req.oidcClients.setDisabled(id, f.disabled == "true", actor: req.auditActor)
        return try await editPage(req, try await req.oidcClients.find(id), form: FormState(notice: req.t("clients_saved")))
    }

    func newSecret(req: Request) async throws -> Response {
        _ = try await superAdmin(req)
        let id = try req.uuid()
        let secret = try await req.oidcClients.newSecret(id, actor: req.auditActor)
        return try await editPage(req, try await req.oidcClients.find(id), form: FormState(notice: req.t("clients_saved")), secret: secret)
    }

    private func editPage(_ req: Request, _ c: OIDCClient, form: FormState = FormState(), secret: String? = nil,
                          status: HTTPStatus = .ok) async throws -> Response {
        let granted = Set(c.scopeList)
        let view = ClientView(
            name: c.name, clientID: c.clientID, logoText: c.logoText, redirectUris: c.redirectURIs.joined(separator: "\n"),
            postLogoutRedirectUris: c.postLogoutRedirectURIs.joined(separator: "\n"), backchannelLogoutUri: c.backchannelLogoutURI ?? "",
            authMethod: c.authMethod.rawValue, jwksUri: c.jwksURI ?? "", idTokenAlg: c.idTokenAlg,
            scopes: OIDCClients.supportedScopes.map { ClientView.Scope(name: $0, checked: granted.contains($0)) },
            trusted: c.trusted, disabled: c.disabled, action: SiteURL.client(.value(c.id!)).path,
            statusAction: SiteURL.clientStatus(.value(c.id!)).path, secretAction: SiteURL.clientSecret(.value(c.id!)).path)
        return try await req.page("console-client", titleKey: "clients_title",
                                  EditPage(client: view, form: form, secret: secret, authMethods: OIDCClient.AuthMethod.allCases.map(\.rawValue),
                                           algorithms: SigningAlgorithm.allCases.map(\.rawValue), scopes: OIDCClients.supportedScopes),
                                  status: status)
    }
}
