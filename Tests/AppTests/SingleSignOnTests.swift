// The OpenID Connect provider's rules, driven through its endpoints on SQLite and PostgreSQL: the code's single
// use, PKCE, redirect URIs, prompt, pairwise subjects and claims by scope, keys and their rotation, and
// back-channel logout when a session ends.
import Crypto
import Fluent
import Foundation
import JWTKit
import SQLKit
import XCTVapor
@testable import App

final class SingleSignOnTests: XCTestCase {
    private let redirect = "https://system.example.vn/callback"

    /// A registered client: its id and, for secret clients, its secret.
    private func client(_ ctx: TestContext, scopes: [String] = ["openid", "profile"], auth: String = "client_secret_basic",
                        trusted: Bool = false, backchannel: String? = nil, alg: String = "RS256") async throws -> (id: String, secret: String?) {
        let (client, secret) = try await OIDCClients(db: ctx.app.db, portal: ctx.app.portal).register(
            ClientInput(name: "Hệ thống thử", redirectURIs: [redirect], postLogoutRedirectURIs: ["https://system.example.vn/"],
                        backchannelLogoutURI: backchannel, scopes: scopes, authMethod: auth, idTokenAlg: alg, trusted: trusted),
            actor: AuditLog.Actor(id: nil, name: "test", address: "local"))
        return (client.clientID, secret)
    }

    private static let verifier = String(repeating: "v", count: 50)
    private static var challenge: String { Data(SHA256.hash(data: Data(verifier.utf8))).base64URL }

    private func authorizePath(_ clientID: String, redirect: String? = nil, scope: String = "openid profile", pkce: Bool = true,
                               extra: [(String, String)] = []) -> String {
        var q = [("response_type", "code"), ("client_id", clientID), ("redirect_uri", redirect ?? self.redirect), ("scope", scope),
                 ("state", "s-1"), ("nonce", "n-1")]
        if pkce { q += [("code_challenge", Self.challenge), ("code_challenge_method", "S256")] }
        return "/oidc/authorize?" + (q + extra).map { "\($0.0)=\(formEncode($0.1))" }.joined(separator: "&")
    }

    /// Where an answer sends the browser back to the client: a 303's Location, or, after one of the portal's own
    /// forms, the continue page's link (which the page follows by itself).
    private func target(_ answer: Answer) -> String? {
        if let location = answer.location { return location }
        return answer.body.firstMatch(of: /href="([^"]+)" id="sso-continue"/).map { String($0.1).replacingOccurrences(of: "&amp;", with: "&") }
    }

    private func query(_ answer: Answer) throws -> [String: String] {
        try query(target(answer))
    }

    private func query(_ location: String?) throws -> [String: String] {
        let components = try XCTUnwrap(URLComponents(string: try XCTUnwrap(location)))
        return Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { a, _ in a })
    }

    /// Signs the citizen in through the portal's pages and returns the code the client receives.
    private func code(_ ctx: TestContext, _ browser: Browser, clientID: String, consent: Bool = true, extra: [(String, String)] = [],
                      scope: String = "openid profile") async throws -> String {
        var answer = try await browser.get(authorizePath(clientID, scope: scope, extra: extra))
        if answer.status == .seeOther, let location = answer.location, location.hasPrefix("/oidc/authorize/") {
            answer = try await browser.get(location)
        }
        if answer.body.contains("id=\"consent-form\"") {
            let action = try XCTUnwrap(answer.body.firstMatch(of: /action="(\/oidc\/authorize\/[^"]+)"/)).1
            answer = try await browser.post(String(action), [("decision", consent ? "allow" : "deny")])
        }
        let q = try query(answer)
        XCTAssertEqual(q["state"], "s-1")
        XCTAssertEqual(q["iss"], ctx.app.portal.config.issuer)
        return try XCTUnwrap(q["code"], "no code in \(target(answer) ?? answer.body)")
    }

    private func token(_ ctx: TestContext, _ form: [(String, String)], id: String, secret: String?) async throws -> Answer {
        var headers = HTTPHeaders()
        if let secret { headers.basicAuthorization = BasicAuthorization(username: id, password: secret) }
        let fields = secret == nil ? form + [("client_id", id)] : form
        return try await ctx.send(TestRequest(.POST, "/oidc/token", .form(fields), headers: headers))
    }

    private func exchange(_ ctx: TestContext, _ code: String, id: String, secret: String?, verifier: String = verifier) async throws -> Answer {
        try await token(ctx, [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirect), ("code_verifier", verifier)],
                        id: id, secret: secret)
    }

    private func introspect(_ ctx: TestContext, _ token: String, id: String, secret: String) async throws -> Bool? {
        var headers = HTTPHeaders()
        headers.basicAuthorization = BasicAuthorization(username: id, password: secret)
        let answer = try await ctx.send(TestRequest(.POST, "/oidc/introspect", .form([("token", token)]), headers: headers))
        XCTAssertEqual(answer.status, .ok, answer.body)
        return answer.json?["active"] as? Bool
    }

    private func signedIn(_ ctx: TestContext) async throws -> (Browser, Citizen) {
        let citizen = try await ctx.registeredCitizen()
        let browser = Browser(ctx)
        try await browser.signIn(citizen)
        return (browser, citizen)
    }

    func test_the_code_flow_gives_verified_tokens_once_and_a_reused_code_revokes_them() async throws {
        try await withEachDatabase { ctx in
            let c = try await client(ctx, scopes: ["openid", "profile", "phone"])
            let (browser, citizen) = try await signedIn(ctx)
            let code = try await code(ctx, browser, clientID: c.id, scope: "openid profile phone")
            let first = try await exchange(ctx, code, id: c.id, secret: c.secret)
            XCTAssertEqual(first.status, .ok, first.body)
            XCTAssertEqual(first.headers.first(name: .cacheControl), "no-store")
            let access = try XCTUnwrap(first.json?["access_token"] as? String)
            let idToken = try XCTUnwrap(first.json?["id_token"] as? String)

            // The ID token verifies against the published keys alone, and says who, how and for whom.
            let jwks = try await ctx.send(.GET, "/oidc/jwks")
            let keys = try await JWTKeyCollection().add(jwksJSON: jwks.body)
            let claims = try await keys.verify(idToken, as: IDToken.self)
            XCTAssertEqual(claims.aud.value, [c.id])
            XCTAssertEqual(claims.iss.value, ctx.app.portal.config.issuer)
            XCTAssertEqual(claims.nonce, "n-1")
            XCTAssertEqual(claims.acr, SingleSignOn.passwordSMS)
            XCTAssertEqual(claims.amr, ["pwd", "sms", "mfa"])
            XCTAssertGreaterThan(claims.exp.value, ctx.time.now())
            XCTAssertNotEqual(claims.sub.value, citizen.idNumber)

            let info = try await ctx.send(.GET, "/oidc/userinfo", headers: ["Authorization": "Bearer \(access)"])
            XCTAssertEqual(info.status, .ok, info.body)
            XCTAssertEqual(info.json?["sub"] as? String, claims.sub.value)
            XCTAssertEqual(info.json?["name"] as? String, citizen.fullName)
            XCTAssertEqual(info.json?["phone_number"] as? String, citizen.phoneE164)
            XCTAssertNil(info.json?["id_number"], "not asked for and not registered")
            let active = try await introspect(ctx, access, id: c.id, secret: c.secret!)
            XCTAssertEqual(active, true)

            // The same code again: refused, and what the first use gave stops working.
            let second = try await exchange(ctx, code, id: c.id, secret: c.secret)
            XCTAssertEqual(second.status, .badRequest)
            XCTAssertEqual(second.json?["error"] as? String, "invalid_grant")
            let afterReuse = try await introspect(ctx, access, id: c.id, secret: c.secret!)
            XCTAssertEqual(afterReuse, false)
            let refused = try await ctx.send(.GET, "/oidc/userinfo", headers: ["Authorization": "Bearer \(access)"])
            XCTAssertEqual(refused.status, .unauthorized)
            let refresh = try await token(ctx, [("grant_type", "refresh_token"), ("refresh_token", try XCTUnwrap(first.json?["refresh_token"] as? String))],
                                          id: c.id, secret: c.secret)
            XCTAssertEqual(refresh.json?["error"] as? String, "invalid_grant")
        }
    }

    /// RFC 6749 §3.1–3.2: parameters the endpoint does not know are ignored, whatever their names hold
    /// (brackets, controls); one it knows may be given once.
    func test_unknown_form_parameters_are_ignored_and_a_known_one_twice_is_invalid_request() async throws {
        try await withEachDatabase { ctx in
            let c = try await client(ctx, scopes: ["openid", "profile"])
            let (browser, _) = try await signedIn(ctx)
            let code = try await code(ctx, browser, clientID: c.id, scope: "openid profile")
            let tokens = try await exchange(ctx, code, id: c.id, secret: c.secret)
            let access = try XCTUnwrap(tokens.json?["access_token"] as? String)
            var headers = HTTPHeaders()
            headers.basicAuthorization = BasicAuthorization(username: c.id, password: c.secret!)
            let odd = try await ctx.send(TestRequest(.POST, "/oidc/introspect",
                                                     .form([("a[b]", "1"), ("\u{1A}[)è", "x"), ("token", access), ("if", "")]), headers: headers))
            XCTAssertEqual(odd.status, .ok, odd.body)
            XCTAssertEqual(odd.json?["active"] as? Bool, true)
            let twice = try await ctx.send(TestRequest(.POST, "/oidc/introspect", .form([("token", access), ("token", "other")]), headers: headers))
            XCTAssertEqual(twice.status, .badRequest)
            XCTAssertEqual(twice.json?["error"] as? String, "invalid_request")
        }
    }

    func test_a_refresh_token_works_once_and_its_reuse_revokes_the_grant() async throws {
        try await withEachDatabase { ctx in
            let c = try await client(ctx, trusted: true)
            let (browser, _) = try await signedIn(ctx)
            let tokens = try await exchange(ctx, try await code(ctx, browser, clientID: c.id), id: c.id, secret: c.secret)
            let r1 = try XCTUnwrap(tokens.json?["refresh_token"] as? String)
            let next = try await token(ctx, [("grant_type", "refresh_token"), ("refresh_token", r1)], id: c.id, secret: c.secret)
            XCTAssertEqual(next.status, .ok, next.body)
            let r2 = try XCTUnwrap(next.json?["refresh_token"] as? String)
            XCTAssertNotEqual(r1, r2)
            let again = try await token(ctx, [("grant_type", "refresh_token"), ("refresh_token", r1)], id: c.id, secret: c.secret)
            XCTAssertEqual(again.json?["error"] as? String, "invalid_grant")
            let afterTheft = try await token(ctx, [("grant_type", "refresh_token"), ("refresh_token", r2)], id: c.id, secret: c.secret)
            XCTAssertEqual(afterTheft.json?["error"] as? String, "invalid_grant", "the whole grant is revoked")
        }
    }

    func test_codes_are_bound_to_their_client_redirect_verifier_and_minute() async throws {
        try await withEachDatabase { ctx in
            let a = try await client(ctx, trusted: true)
            let b = try await client(ctx, trusted: true)
            let pub = try await client(ctx, auth: "none", trusted: true)
            let (browser, _) = try await signedIn(ctx)

            let forA = try await code(ctx, browser, clientID: a.id)
            let byB = try await exchange(ctx, forA, id: b.id, secret: b.secret)
            XCTAssertEqual(byB.json?["error"] as? String, "invalid_grant", "a code for another client")
            let wrongSecret = try await exchange(ctx, forA, id: a.id, secret: "not-the-secret")
            XCTAssertEqual(wrongSecret.status, .unauthorized)
            XCTAssertEqual(wrongSecret.json?["error"] as? String, "invalid_client")
            let wrongVerifier = try await exchange(ctx, forA, id: a.id, secret: a.secret, verifier: String(repeating: "w", count: 50))
            XCTAssertEqual(wrongVerifier.json?["error"] as? String, "invalid_grant")

            let late = try await code(ctx, browser, clientID: a.id)
            ctx.time.advance(61)
            let expired = try await exchange(ctx, late, id: a.id, secret: a.secret)
            XCTAssertEqual(expired.json?["error"] as? String, "invalid_grant", "a code lives one minute")

            // A public client must use PKCE; with it, it needs no secret.
            let noPKCE = try await browser.get(authorizePath(pub.id, pkce: false))
            XCTAssertEqual(try query(noPKCE.location)["error"], "invalid_request")
            let pubCode = try await code(ctx, browser, clientID: pub.id)
            let pubTokens = try await exchange(ctx, pubCode, id: pub.id, secret: nil)
            XCTAssertEqual(pubTokens.status, .ok, pubTokens.body)

            // An unregistered redirect URI or client: the portal's own page, never a redirect.
            let badRedirect = try await browser.get(authorizePath(a.id, redirect: "https://evil.example/callback"))
            XCTAssertEqual(badRedirect.status, .badRequest)
            XCTAssertNil(badRedirect.location)
            let unknown = try await browser.get(authorizePath("no-such-client"))
            XCTAssertEqual(unknown.status, .badRequest)
            XCTAssertNil(unknown.location)
            let noOpenID = try await browser.get(authorizePath(a.id, scope: "profile"))
            XCTAssertEqual(try query(noOpenID.location)["error"], "invalid_scope")
        }
    }

    func test_prompt_consent_and_the_locked_account_rule() async throws {
        try await withEachDatabase { ctx in
            let c = try await client(ctx)
            // prompt=none without a session: back to the client with login_required.
            let anonymous = try await Browser(ctx).get(authorizePath(c.id, extra: [("prompt", "none")]))
            XCTAssertEqual(try query(anonymous.location)["error"], "login_required")
            // Without a session: to the sign-in page, with the suggested ID number.
            let toLogin = try await Browser(ctx).get(authorizePath(c.id, extra: [("login_hint", "001090012345")]))
            XCTAssertTrue(toLogin.location?.hasPrefix("/dang-nhap?next=") ?? false, toLogin.location ?? "")
            XCTAssertTrue(toLogin.location?.contains("hint=001090012345") ?? false)

            let (browser, citizen) = try await signedIn(ctx)
            // Not consented yet: prompt=none cannot ask.
            let silent = try await browser.get(authorizePath(c.id, extra: [("prompt", "none")]))
            XCTAssertEqual(try query(silent.location)["error"], "consent_required")
            // Denied.
            let denied = try await browser.get(authorizePath(c.id))
            XCTAssertTrue(denied.body.contains("consent-form"), denied.body)
            let action = try XCTUnwrap(denied.body.firstMatch(of: /action="(\/oidc\/authorize\/[^"]+)"/)).1
            let no = try await browser.post(String(action), [("decision", "deny")])
            XCTAssertEqual(no.status, .ok, "after the portal's own form, a page leads back")
            XCTAssertEqual(try query(no)["error"], "access_denied")
            // Allowed once, remembered: prompt=none now gets a code.
            _ = try await code(ctx, browser, clientID: c.id)
            let remembered = try await browser.get(authorizePath(c.id, extra: [("prompt", "none")]))
            XCTAssertNotNil(try query(remembered.location)["code"], remembered.location ?? remembered.body)
            // Withdrawn from the account page: asked again.
            let connected = try await browser.get("/tai-khoan/ung-dung")
            let withdraw = try XCTUnwrap(connected.body.firstMatch(of: /action="(\/tai-khoan\/ung-dung\/[^"]+\/rut-lai)"/)).1
            let withdrawn = try await browser.post(String(withdraw), [])
            XCTAssertEqual(withdrawn.status, .ok, withdrawn.body)
            let askedAgain = try await browser.get(authorizePath(c.id, extra: [("prompt", "none")]))
            XCTAssertEqual(try query(askedAgain.location)["error"], "consent_required")
            // max_age=0 asks for the password again.
            ctx.time.advance(2)
            let fresh = try await browser.get(authorizePath(c.id, extra: [("max_age", "0")]))
            XCTAssertTrue(fresh.location?.hasPrefix("/dang-nhap?next=") ?? false, fresh.location ?? "")

            // A locked account signs in to no other system.
            try await Account.query(on: ctx.app.db).filter(\.$idNumber == citizen.idNumber).set(\.$status, to: .locked).update()
            let locked = try await browser.get(authorizePath(c.id))
            XCTAssertEqual(try query(locked.location)["error"], "access_denied")
        }
    }

    func test_subjects_are_pairwise_and_claims_follow_scope_and_registration() async throws {
        try await withEachDatabase { ctx in
            let withID = try await client(ctx, scopes: ["openid", "profile", "id_number"], trusted: true)
            let without = try await client(ctx, scopes: ["openid", "profile"], trusted: true)
            let (browser, citizen) = try await signedIn(ctx)
            func claims(_ c: (id: String, secret: String?)) async throws -> [String: Any] {
                let tokens = try await exchange(ctx, try await code(ctx, browser, clientID: c.id, scope: "openid profile id_number"),
                                                id: c.id, secret: c.secret)
                let access = try XCTUnwrap(tokens.json?["access_token"] as? String, tokens.body)
                let info = try await ctx.send(.GET, "/oidc/userinfo", headers: ["Authorization": "Bearer \(access)"])
                return try XCTUnwrap(info.json, info.body)
            }
            let tokens = try await exchange(ctx, try await code(ctx, browser, clientID: withID.id, scope: "openid profile id_number"),
                                            id: withID.id, secret: withID.secret)
            let access = try XCTUnwrap(tokens.json?["access_token"] as? String, tokens.body)
            let a = try await claims(withID), b = try await claims(without)
            XCTAssertEqual(a["id_number"] as? String, citizen.idNumber)
            XCTAssertNil(b["id_number"], "a client not registered for id_number never gets it")
            XCTAssertNotEqual(a["sub"] as? String, b["sub"] as? String)
            XCTAssertNotEqual(a["sub"] as? String, citizen.idNumber)
            // The scope taken away from the client's registration: its earlier grant no longer gives the claim.
            let clients = OIDCClients(db: ctx.app.db, portal: ctx.app.portal)
            let model = try await clients.find(clientID: withID.id)
            _ = try await clients.update(try XCTUnwrap(model?.id), ClientInput(name: "Hệ thống thử", redirectURIs: [redirect], scopes: ["openid", "profile"],
                                                                               trusted: true),
                                         actor: AuditLog.Actor(id: nil, name: "t", address: "l"))
            let after = try await ctx.send(.GET, "/oidc/userinfo", headers: ["Authorization": "Bearer \(access)"])
            XCTAssertEqual(after.status, .ok, after.body)
            XCTAssertNil(after.json?["id_number"], after.body)
            XCTAssertNotNil(after.json?["name"])
        }
    }

    func test_tokens_not_signed_by_the_current_keys_are_inactive() async throws {
        try await withEachDatabase { ctx in
            let c = try await client(ctx, trusted: true)
            let (browser, _) = try await signedIn(ctx)
            let tokens = try await exchange(ctx, try await code(ctx, browser, clientID: c.id), id: c.id, secret: c.secret)
            let access = try XCTUnwrap(tokens.json?["access_token"] as? String)
            let parts = access.split(separator: ".").map(String.init)
            // alg none, same claims.
            let none = Data(#"{"alg":"none","typ":"at+jwt"}"#.utf8).base64URL + "." + parts[1] + "."
            let inactiveNone = try await introspect(ctx, none, id: c.id, secret: c.secret!)
            XCTAssertEqual(inactiveNone, false)
            // Same claims signed by a key of someone else's.
            let payload = try JSONDecoder().decode(AccessToken.self, from: try XCTUnwrap(Data(base64URL: parts[1])))
            let foreign = try await JWTKeyCollection().add(ecdsa: ES256PrivateKey(), kid: JWKIdentifier(string: try XCTUnwrap(JWTHeaderKid.read(access))))
            let forged = try await foreign.sign(payload)
            let inactiveForged = try await introspect(ctx, forged, id: c.id, secret: c.secret!)
            XCTAssertEqual(inactiveForged, false)
            let userinfo = try await ctx.send(.GET, "/oidc/userinfo", headers: ["Authorization": "Bearer \(forged)"])
            XCTAssertEqual(userinfo.status, .unauthorized)
            // The genuine token is active until its client is suspended.
            let genuine = try await introspect(ctx, access, id: c.id, secret: c.secret!)
            XCTAssertEqual(genuine, true)
            let found = try await OIDCClients(db: ctx.app.db, portal: ctx.app.portal).find(clientID: c.id)
            let model = try XCTUnwrap(found)
            try await OIDCClients(db: ctx.app.db, portal: ctx.app.portal).setDisabled(model.id!, true, actor: AuditLog.Actor(id: nil, name: "t", address: "l"))
            let suspended = try await ctx.send(.GET, "/oidc/userinfo", headers: ["Authorization": "Bearer \(access)"])
            XCTAssertEqual(suspended.status, .unauthorized)
            let start = try await browser.get(authorizePath(c.id))
            XCTAssertEqual(start.status, .badRequest, "a suspended client starts no sign-in")
        }
    }

    func test_a_rotated_key_is_published_before_it_signs_and_kept_after() async throws {
        try await withEachDatabase { ctx in
            let portal = ctx.app.portal, db = ctx.app.db
            let keys = SigningKeys(db: db, portal: portal)
            try await keys.ensure()
            let (_, oldKid) = try await portal.keyRing.signer(.RS256, db: db, portal: portal)
            let made = try await keys.rotate(publishAhead: 3600)
            ctx.time.advance(61)
            let published = try await ctx.send(.GET, "/oidc/jwks").body
            for kid in made + [oldKid] { XCTAssertTrue(published.contains(kid), "\(kid) published") }
            let (_, stillOld) = try await portal.keyRing.signer(.RS256, db: db, portal: portal)
            XCTAssertEqual(stillOld, oldKid, "a new key does not sign before its time")
            ctx.time.advance(3600)
            let (_, now) = try await portal.keyRing.signer(.RS256, db: db, portal: portal)
            XCTAssertTrue(made.contains(now), "the new key signs once its time has come")
            let keptJWKS = try await ctx.send(.GET, "/oidc/jwks").body
            XCTAssertTrue(keptJWKS.contains(oldKid), "the old key stays for its tokens")
            ctx.time.advance(SigningKeys.keepAfterRetiring + 120)
            try await keys.removeExpired()
            let finalJWKS = try await ctx.send(.GET, "/oidc/jwks").body
            XCTAssertFalse(finalJWKS.contains(oldKid))
        }
    }

    func test_ending_a_session_or_changing_the_password_queues_back_channel_logout() async throws {
        try await withEachDatabase { ctx in
            let c = try await client(ctx, trusted: true, backchannel: "https://system.example.vn/backchannel")
            let (browser, citizen) = try await signedIn(ctx)
            let tokens = try await exchange(ctx, try await code(ctx, browser, clientID: c.id), id: c.id, secret: c.secret)
            let idToken = try XCTUnwrap(tokens.json?["id_token"] as? String)
            let jwks = try await JWTKeyCollection().add(jwksJSON: try await ctx.send(.GET, "/oidc/jwks").body)
            let sid = try await jwks.verify(idToken, as: IDToken.self).sid

            // A password change (here, in the same browser) tells the client, whose tokens then stop.
            let changed = try await browser.post("/tai-khoan/doi-mat-khau", [("currentPassword", citizen.password),
                                                                             ("password", "Xanh#Bien2031lan"), ("passwordConfirm", "Xanh#Bien2031lan")])
            XCTAssertEqual(changed.status, .ok, changed.body)
            let rows = try await ctx.app.db.sql.raw("SELECT id FROM oidc_logout_deliveries").all()
            XCTAssertEqual(rows.count, 1)
            let delivery = try await ctx.app.db.sql.raw("""
                SELECT d.id, d.subject, d.sid, d.attempts, d.give_up_at, c.client_id AS client_key, c.backchannel_logout_uri AS uri, c.id_token_alg
                FROM oidc_logout_deliveries d JOIN oidc_clients c ON c.id = d.client_id
                """).firstRecord(BackchannelLogout.Delivery.self)
            let row = try XCTUnwrap(delivery)
            XCTAssertEqual(row.sid, sid)
            let logout = try await jwks.verify(try await BackchannelLogout(db: ctx.app.db, portal: ctx.app.portal).logoutToken(row), as: LogoutToken.self)
            XCTAssertEqual(logout.sid, sid)
            XCTAssertEqual(logout.aud.value, [c.id])
            let active = try await introspect(ctx, try XCTUnwrap(tokens.json?["access_token"] as? String), id: c.id, secret: c.secret!)
            XCTAssertEqual(active, false)

            // Signing in again and signing out tells it again.
            let again = Browser(ctx)
            var renewed = citizen
            renewed.password = "Xanh#Bien2031lan"
            try await again.signIn(renewed)
            _ = try await exchange(ctx, try await code(ctx, again, clientID: c.id), id: c.id, secret: c.secret)
            _ = try await again.post("/dang-xuat", [])
            let after = try await ctx.app.db.sql.raw("SELECT id FROM oidc_logout_deliveries").all()
            XCTAssertEqual(after.count, 2)
        }
    }
}
