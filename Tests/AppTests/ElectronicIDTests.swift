// The e-ID's effects inside the portal, on SQLite and PostgreSQL: the button only where a provider is configured,
// a return that was not started here refused with nothing made, an account made through the e-ID (no password)
// told apart at the counter, its first password set without a current one, and its last link kept.
// The round trip with a real provider runs in Tests/e2e/test_eid.py.
import Domain
import Fluent
import Foundation
import SQLKit
import XCTVapor
@testable import App

final class ElectronicIDTests: XCTestCase {
    private let eid = ["EID_ISSUER": "https://eid.example.vn", "EID_CLIENT_ID": "portal", "EID_CLIENT_SECRET": "s", "EID_NAME": "VNeID"]

    /// An account as the e-ID makes one: from claims, no password, linked.
    private func eidAccount(_ ctx: TestContext, idNumber: String = "001090054321", phone: String = "0966111222") async throws -> Account {
        let account = Account.make(id: try IDNumber(idNumber), name: try PersonName("Trần Thị Bích"), phone: try PhoneNumber(phone),
                                   dateOfBirth: try DateOfBirth(iso: "1990-05-17"), hash: Account.noPassword, temporary: false,
                                   now: ctx.time.now())
        try await account.create(on: ctx.app.db)
        try await ctx.app.db.sql.raw("""
            INSERT INTO eid_links (id, account_id, issuer, subject, acr, created_at, last_used_at)
            VALUES (\(bind: UUID()), \(bind: account.id!), 'https://eid.example.vn', 'subject-1', '2', \(bind: ctx.time.now()), \(bind: ctx.time.now()))
            """).run()
        return account
    }

    func test_the_button_is_offered_only_with_a_provider_and_a_foreign_return_makes_nothing() async throws {
        try await withEachDatabase { ctx in
            let page = try await Browser(ctx).get("/dang-nhap")
            XCTAssertFalse(page.body.contains("id=\"eid-login\""), "no provider configured")
            let start = try await Browser(ctx).get("/dang-nhap/dinh-danh-dien-tu")
            XCTAssertEqual(start.status, .notFound)
        }
        try await withEachDatabase(env: eid) { ctx in
            let page = try await Browser(ctx).get("/dang-nhap")
            XCTAssertTrue(page.body.contains("id=\"eid-login\""), page.body)
            XCTAssertTrue(page.body.contains("(VNeID)"))
            let registration = try await Browser(ctx).get("/dang-ky")
            XCTAssertTrue(registration.body.contains("id=\"eid-login\""))
            // A return with a state this browser never started: refused with a page that leads back to the password.
            let before = try await ctx.snapshot()
            let forged = try await Browser(ctx).get("/dang-nhap/dinh-danh-dien-tu/ve?state=made-up&code=abc")
            XCTAssertEqual(forged.status, .badRequest)
            XCTAssertTrue(forged.body.contains("id=\"eid-error\""), forged.body)
            XCTAssertTrue(forged.body.contains("id=\"eid-back-to-login\""))
            let after = try await ctx.snapshot()
            XCTAssertEqual(after, before)
            // The provider cannot be reached (nothing listens there): a clear page, quickly, nothing made.
        }
    }

    func test_an_unreachable_provider_is_a_clear_page_and_the_password_still_works() async throws {
        try await withEachDatabase(env: ["EID_ISSUER": "http://127.0.0.1:9", "EID_CLIENT_ID": "portal"]) { ctx in
            let started = Date()
            let answer = try await Browser(ctx).get("/dang-nhap/dinh-danh-dien-tu")
            XCTAssertEqual(answer.status, .badGateway)
            XCTAssertTrue(answer.body.contains("eid_unavailable"), answer.body)
            XCTAssertLessThan(Date().timeIntervalSince(started), 30)
            let citizen = try await ctx.registeredCitizen()
            let token = try await ctx.signIn(citizen)
            XCTAssertFalse(token.isEmpty)
        }
    }

    func test_the_counter_tells_an_account_made_through_the_eid_apart() async throws {
        try await withEachDatabase { ctx in
            let officer = try await ctx.signedInOfficer()
            _ = try await eidAccount(ctx)
            let look = try await ctx.get("/api/v1/admin/citizen-accounts/lookup?idNumber=001090054321", token: officer.token)
            XCTAssertEqual(look.json?["exists"] as? Bool, true)
            XCTAssertEqual(look.json?["eidOnly"] as? Bool, true)
            let plain = try await ctx.registeredCitizen()
            let other = try await ctx.get("/api/v1/admin/citizen-accounts/lookup?idNumber=\(plain.idNumber)", token: officer.token)
            XCTAssertEqual(other.json?["exists"] as? Bool, true)
            XCTAssertEqual(other.json?["eidOnly"] as? Bool, false)
            let audit = try await ctx.app.db.sql.raw("SELECT details FROM audit_events WHERE action = 'citizen.lookup' ORDER BY at").all()
            XCTAssertEqual(audit.count, 2, "each look-up is audited")
        }
    }

    func test_an_eid_account_sets_its_first_password_and_keeps_its_last_link() async throws {
        try await withEachDatabase(env: eid) { ctx in
            let account = try await eidAccount(ctx)
            // No password matches it: a sign-in with any password is the usual refusal.
            let refused = try await ctx.post("/api/v1/login", ["username": account.idNumber, "password": "anything at all 1A"])
            XCTAssertEqual(refused.status, .unauthorized)
            // A session as the e-ID would make it.
            let made = try await Sessions(db: ctx.app.db, portal: ctx.app.portal).create(
                account: account.id!, kind: .web, clientAddress: "127.0.0.1", userAgent: "test", acr: ElectronicID.acr("2"), amr: ElectronicID.amr)
            let browser = Browser(ctx)
            browser.cookies["session"] = made.token
            let links = try await browser.get("/tai-khoan/dinh-danh")
            XCTAssertEqual(links.status, .ok, links.body)
            XCTAssertTrue(links.body.contains("id=\"eid-no-password\""))
            let unlink = try XCTUnwrap(links.body.firstMatch(of: /action="(\/tai-khoan\/dinh-danh\/[^"]+\/go-bo)"/)).1
            let kept = try await browser.post(String(unlink), [])
            XCTAssertEqual(kept.status, .conflict, "the only way to sign in stays")
            let form = try await browser.get("/tai-khoan/doi-mat-khau")
            XCTAssertFalse(form.body.contains("name=\"currentPassword\""), "no current password to give")
            let set = try await browser.post("/tai-khoan/doi-mat-khau", [("password", "Xanh#Bien2031lan"), ("passwordConfirm", "Xanh#Bien2031lan")])
            XCTAssertEqual(set.status, .ok, set.body)
            let signIn = try await ctx.post("/api/v1/login", ["username": account.idNumber, "password": "Xanh#Bien2031lan"])
            XCTAssertEqual(signIn.status, .ok, signIn.body.string)
            // With a password, the link may go.
            let again = Browser(ctx)
            let second = try await Sessions(db: ctx.app.db, portal: ctx.app.portal).create(
                account: account.id!, kind: .web, clientAddress: "127.0.0.1", userAgent: "test", acr: ElectronicID.acr("2"), amr: ElectronicID.amr)
            again.cookies["session"] = second.token
            _ = try await again.get("/tai-khoan/dinh-danh")
            let gone = try await again.post(String(unlink), [])
            XCTAssertEqual(gone.status, .ok, gone.body)
            let count = try await ctx.app.db.sql.raw("SELECT COUNT(*) AS n FROM eid_links").first()?.decode(column: "n", as: Int.self)
            XCTAssertEqual(count, 0)
            let audited = try await ctx.app.db.sql.raw("SELECT id FROM audit_events WHERE action = 'eid.unlink'").all()
            XCTAssertEqual(audited.count, 1)
        }
    }

    private func service(_ ctx: TestContext, minACR: Set<String>? = nil) -> ElectronicID {
        ElectronicID(db: ctx.app.db, portal: ctx.app.portal,
                     config: EIDConfig(issuer: "https://eid.example.vn", clientID: "portal", clientSecret: "s", name: "VNeID",
                                       scopes: "openid profile", idNumberClaim: "id_number", minACR: minACR))
    }

    private func identity(_ subject: String, idNumber: String = "001090054321", acr: String? = "2", phone: String? = "0966111222",
                          birthdate: String = "1990-05-17") -> ElectronicID.Identity {
        ElectronicID.Identity(subject: subject, acr: acr, idNumber: idNumber, name: "Trần Thị Bích", birthdate: birthdate, phone: phone)
    }

    private func count(_ ctx: TestContext, _ table: String) async throws -> Int {
        try await ctx.app.db.sql.raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: table)").first()?.decode(column: "n", as: Int.self) ?? -1
    }

    func test_the_linking_rules() async throws {
        try await withEachDatabase { ctx in
            let eid = service(ctx, minACR: ["2"])
            // A new person, verified: an account from the claims, linked, signed in with the e-ID's acr.
            guard case let .signedIn(_, session, account) = try await eid.signIn(identity("s-1"), clientAddress: "127.0.0.1", userAgent: "t") else {
                return XCTFail("a verified new person gets an account")
            }
            let method = try await SingleSignOn(db: ctx.app.db, portal: ctx.app.portal).sessionMethod(session.id)
            XCTAssertEqual(method.acr, "urn:vn:portal:acr:eid:2")
            XCTAssertEqual(method.amr, ["eid"])
            // The same subject again: the same account.
            guard case let .signedIn(_, _, again) = try await eid.signIn(identity("s-1"), clientAddress: "127.0.0.1", userAgent: "t") else {
                return XCTFail("a linked subject signs in")
            }
            XCTAssertEqual(again, account)
            // Another subject naming the same ID number: the account has its link already.
            do {
                _ = try await eid.signIn(identity("s-2"), clientAddress: "127.0.0.1", userAgent: "t")
                XCTFail("one account, one subject")
            } catch let error as AppError { XCTAssertEqual(error.code, "eid_linked_elsewhere") }

            // An existing portal account, unverified acr: the link waits for the account's own sign-in.
            let citizen = try await ctx.registeredCitizen()
            guard case let .confirmLink(pending) = try await eid.signIn(identity("s-3", idNumber: citizen.idNumber, acr: "1"),
                                                                        clientAddress: "127.0.0.1", userAgent: "t") else {
                return XCTFail("an unverified identity does not link by itself")
            }
            let links = try await count(ctx, "eid_links")
            XCTAssertEqual(links, 1)
            let browser = Browser(ctx)
            let confirmed = try await browser.signIn(citizen, next: "/dang-nhap/dinh-danh-dien-tu/lien-ket/\(pending.uuidString.lowercased())")
            XCTAssertEqual(confirmed.status, .seeOther)
            XCTAssertEqual(confirmed.location, "/dang-nhap/dinh-danh-dien-tu/lien-ket/\(pending.uuidString.lowercased())")
            // (the confirm page needs a configured provider; the service is called as the page would)
            let signedIn = try await Sessions(db: ctx.app.db, portal: ctx.app.portal).authenticate(token: try XCTUnwrap(browser.sessionCookie))
            let (s, a) = try XCTUnwrap(signedIn)
            try await eid.confirmLink(pending, signedIn: SignedIn(session: s, account: a),
                                      method: (SingleSignOn.passwordSMS, SingleSignOn.passwordSMSMethods), actor: AuditLog.Actor(id: a.id, name: a.fullName, address: "t"))
            let linked = try await count(ctx, "eid_links")
            XCTAssertEqual(linked, 2)

            // A new person below the level: nothing made.
            do {
                _ = try await eid.signIn(identity("s-4", idNumber: "001190054322", acr: "1", birthdate: "1990-06-01"), clientAddress: "127.0.0.1", userAgent: "t")
                XCTFail("no account from an unverified identity")
            } catch let error as AppError { XCTAssertEqual(error.code, "eid_level") }
            // Claims that break the rules (a birth year the ID number contradicts): refused, nothing stored.
            let before = try await count(ctx, "accounts")
            do {
                _ = try await eid.signIn(identity("s-5", idNumber: "001090054329", birthdate: "1975-01-01"), clientAddress: "127.0.0.1", userAgent: "t")
                XCTFail("claims are checked")
            } catch let error as AppError { XCTAssertEqual(error.code, "eid_claims") }
            let after = try await count(ctx, "accounts")
            XCTAssertEqual(after, before)
        }
    }

    func test_a_new_person_without_a_phone_from_the_provider_proves_one_by_sms() async throws {
        try await withEachDatabase { ctx in
            let eid = service(ctx)
            guard case let .askPhone(id, browser) = try await eid.signIn(identity("s-9", phone: nil), clientAddress: "127.0.0.1", userAgent: "t") else {
                return XCTFail("no phone: asked for one")
            }
            let accounts = try await count(ctx, "accounts")
            XCTAssertEqual(accounts, 0, "nothing made before the phone is proved")
            do {
                _ = try await eid.sendSignupCode(id, phone: "0987123456", browserToken: "another-browser", clientAddress: "127.0.0.1")
                XCTFail("bound to the browser that started it")
            } catch let error as AppError { XCTAssertEqual(error.code, "eid_state") }
            _ = try await eid.sendSignupCode(id, phone: "0987123456", browserToken: browser, clientAddress: "127.0.0.1")
            let code = try await ctx.latestCode(to: "+84987123456")
            do {
                _ = try await eid.finishSignup(id, code: code == "000000" ? "111111" : "000000", browserToken: browser, clientAddress: "127.0.0.1", userAgent: "t")
                XCTFail("a wrong code")
            } catch let error as AppError { XCTAssertEqual(error.status, .unprocessableEntity) }
            let done = try await eid.finishSignup(id, code: code, browserToken: browser, clientAddress: "127.0.0.1", userAgent: "t")
            XCTAssertEqual(done.next, "/tai-khoan")
            let made = try await Account.query(on: ctx.app.db).filter(\.$idNumber == "001090054321").first()
            XCTAssertEqual(made?.phone, "+84987123456")
            XCTAssertEqual(made?.passwordHash, Account.noPassword)
            let links = try await count(ctx, "eid_links")
            XCTAssertEqual(links, 1)
        }
    }
}
