// The provider's JSON endpoints: discovery, keys, token, userinfo, introspection and revocation.
import Vapor

struct OIDCController {
    /// OpenID Connect Discovery 1.0, section 3.
    func discovery(req: Request) async throws -> Response {
        let issuer = req.portal.config.issuer
        let doc = Discovery(
            issuer: issuer,
            authorization_endpoint: issuer + SiteURL.ssoAuthorize.path,
            token_endpoint: issuer + SingleSignOn.Endpoint.token,
            userinfo_endpoint: issuer + SingleSignOn.Endpoint.userinfo,
            jwks_uri: issuer + SingleSignOn.Endpoint.jwks,
            end_session_endpoint: issuer + SiteURL.ssoLogout.path,
            revocation_endpoint: issuer + SingleSignOn.Endpoint.revoke,
            introspection_endpoint: issuer + SingleSignOn.Endpoint.introspect,
            scopes_supported: OIDCClients.supportedScopes,
            response_types_supported: ["code"],
            response_modes_supported: ["query"],
            grant_types_supported: ["authorization_code", "refresh_token"],
            subject_types_supported: ["pairwise"],
            id_token_signing_alg_values_supported: SigningAlgorithm.allCases.map(\.rawValue),
            userinfo_signing_alg_values_supported: [],
            token_endpoint_auth_methods_supported: OIDCClient.AuthMethod.allCases.map(\.rawValue),
            token_endpoint_auth_signing_alg_values_supported: ["RS256", "ES256"],
            revocation_endpoint_auth_methods_supported: OIDCClient.AuthMethod.allCases.map(\.rawValue),
            introspection_endpoint_auth_methods_supported: OIDCClient.AuthMethod.allCases.filter { $0 != .none }.map(\.rawValue),
            code_challenge_methods_supported: ["S256"],
            claims_supported: ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "azp", "sid",
                               "name", "birthdate", "phone_number", "phone_number_verified", "id_number"],
            acr_values_supported: [SingleSignOn.passwordSMS],
            prompt_values_supported: ["none", "login", "consent"],
            ui_locales_supported: ["vi", "en"],
            claims_parameter_supported: false,
            request_parameter_supported: false,
            request_uri_parameter_supported: false,
            authorization_response_iss_parameter_supported: true,
            backchannel_logout_supported: true,
            backchannel_logout_session_supported: true,
            frontchannel_logout_supported: false)
        return try Self.json(doc, cache: "public, max-age=300")
    }

    struct Discovery: Encodable {
        let issuer, authorization_endpoint, token_endpoint, userinfo_endpoint, jwks_uri, end_session_endpoint: String
        let revocation_endpoint, introspection_endpoint: String
        let scopes_supported, response_types_supported, response_modes_supported, grant_types_supported, subject_types_supported: [String]
        let id_token_signing_alg_values_supported, userinfo_signing_alg_values_supported, token_endpoint_auth_methods_supported: [String]
        let token_endpoint_auth_signing_alg_values_supported, revocation_endpoint_auth_methods_supported: [String]
        let introspection_endpoint_auth_methods_supported, code_challenge_methods_supported, claims_supported: [String]
        let acr_values_supported, prompt_values_supported, ui_locales_supported: [String]
        let claims_parameter_supported, request_parameter_supported, request_uri_parameter_supported: Bool
        let authorization_response_iss_parameter_supported, backchannel_logout_supported, backchannel_logout_session_supported: Bool
        let frontchannel_logout_supported: Bool
    }

    func jwks(req: Request) async throws -> Response {
        let body = try await req.singleSignOn.jwks()
        let response = Response(status: .ok, body: .init(string: body))
        response.headers.contentType = .json
        // Short, so that a rotated key is seen long before it signs.
        response.headers.replaceOrAdd(name: .cacheControl, value: "public, max-age=300")
        return response
    }

    private struct TokenForm {
        var grant_type, code, redirect_uri, code_verifier, refresh_token, scope: String?
        var client_id, client_secret, client_assertion_type, client_assertion: String?
        var token, token_type_hint: String?

        /// RFC 6749 §3.1–3.2: unknown parameters are ignored; a known one given twice is `invalid_request`.
        init(_ body: String) throws {
            let form = FormEncoding(body)
            func one(_ name: String) throws -> String? {
                let values = try form.values(of: name) { OAuthError.invalidRequest("The form could not be read.") }
                guard values.count <= 1 else { throw OAuthError.invalidRequest("\(name) is given more than once.") }
                return values.first
            }
            (grant_type, code, redirect_uri, code_verifier) = (try one("grant_type"), try one("code"), try one("redirect_uri"), try one("code_verifier"))
            (refresh_token, scope) = (try one("refresh_token"), try one("scope"))
            (client_id, client_secret) = (try one("client_id"), try one("client_secret"))
            (client_assertion_type, client_assertion) = (try one("client_assertion_type"), try one("client_assertion"))
            (token, token_type_hint) = (try one("token"), try one("token_type_hint"))
        }
    }

    /// The token endpoint (OpenID Connect Core 3.1.3): the code for tokens, or a refresh token for new ones.
    func token(req: Request) async throws -> Response {
        do {
            let form = try Self.form(req)
            let client = try await authenticate(req, form)
            let tokens: SingleSignOn.Tokens
            switch form.grant_type {
            case "authorization_code":
                tokens = try await req.singleSignOn.exchange(code: form.code, redirectURI: form.redirect_uri, verifier: form.code_verifier,
                                                             client: client, actor: Self.actor(req, client))
            case "refresh_token":
                tokens = try await req.singleSignOn.refresh(form.refresh_token, scope: form.scope, client: client, actor: Self.actor(req, client))
            case nil:
                throw OAuthError.invalidRequest("grant_type is required.")
            default:
                throw OAuthError(code: "unsupported_grant_type", description: "Only authorization_code and refresh_token are supported.")
            }
            return try Self.json(tokens, cache: "no-store")
        } catch let error as OAuthError {
            return Self.oauthError(error)
        }
    }

    /// Userinfo (OpenID Connect Core 5.3): the bearer access token in the header (or, for POST, the form).
    func userinfo(req: Request) async throws -> Response {
        do {
            var token = req.headers.bearerAuthorization?.token
            if token == nil, req.method == .POST { token = try? req.content.get(String.self, at: "access_token") }
            guard let token else { throw OAuthError.invalidToken("A bearer access token is required.") }
            return try Self.json(try await req.singleSignOn.userinfo(token), cache: "no-store")
        } catch let error as OAuthError {
            let response = Self.oauthError(error)
            response.headers.replaceOrAdd(name: .wwwAuthenticate, value: "Bearer error=\"\(error.code)\"")
            return response
        }
    }

    /// RFC 7662.
    func introspect(req: Request) async throws -> Response {
        do {
            let form = try Self.form(req)
            let client = try await authenticate(req, form)
            guard client.authMethod != .none else { throw OAuthError.invalidClient("Public clients cannot introspect.") }
            return try Self.json(try await req.singleSignOn.introspect(form.token, client: client), cache: "no-store")
        } catch let error as OAuthError {
            return Self.oauthError(error)
        }
    }

    /// RFC 7009.
    func revoke(req: Request) async throws -> Response {
        do {
            let form = try Self.form(req)
            let client = try await authenticate(req, form)
            try await req.singleSignOn.revoke(form.token, client: client, actor: Self.actor(req, client))
            let response = Response(status: .ok)
            response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
            return response
        } catch let error as OAuthError {
            return Self.oauthError(error)
        }
    }

    private static func form(_ req: Request) throws -> TokenForm {
        guard req.headers.contentType == .urlEncodedForm else {
            throw OAuthError.invalidRequest("The body must be application/x-www-form-urlencoded.")
        }
        guard let data = req.body.data, let body = data.getString(at: data.readerIndex, length: data.readableBytes) else {
            throw OAuthError.invalidRequest("The form could not be read.")
        }
        return try TokenForm(body)
    }

    private func authenticate(_ req: Request, _ form: TokenForm) async throws -> OIDCClient {
        var credentials = OIDCClients.Credentials(formID: form.client_id, formSecret: form.client_secret,
                                                  assertionType: form.client_assertion_type, assertion: form.client_assertion)
        if let basic = req.headers.basicAuthorization {
            // RFC 6749 2.3.1: the id and secret are form-encoded before they go into the header.
            credentials.basic = (basic.username.removingPercentEncoding ?? basic.username, basic.password.removingPercentEncoding ?? basic.password)
        }
        return try await req.oidcClients.authenticate(credentials, tokenEndpoint: req.portal.config.issuer + SingleSignOn.Endpoint.token,
                                                      remoteKeys: req.portal.remoteKeys)
    }

    private static func actor(_ req: Request, _ client: OIDCClient) -> AuditLog.Actor {
        AuditLog.Actor(id: nil, name: "client:\(client.clientID)", address: req.clientAddress)
    }

    private static func json(_ value: some Encodable, cache: String) throws -> Response {
        let response = Response(status: .ok)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        response.body = .init(data: try encoder.encode(value))
        response.headers.contentType = .json
        response.headers.replaceOrAdd(name: .cacheControl, value: cache)
        if cache == "no-store" { response.headers.replaceOrAdd(name: .pragma, value: "no-cache") }
        return response
    }

    private static func oauthError(_ error: OAuthError) -> Response {
        struct Body: Encodable { let error: String; let error_description: String }
        let response = (try? json(Body(error: error.code, error_description: error.description), cache: "no-store")) ?? Response(status: .badRequest)
        response.status = HTTPResponseStatus(statusCode: error.status)
        if error.status == 401 && error.code == "invalid_client" {
            response.headers.replaceOrAdd(name: .wwwAuthenticate, value: "Basic realm=\"portal\"")
        }
        return response
    }
}
