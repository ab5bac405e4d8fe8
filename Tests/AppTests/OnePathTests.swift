// The pages and the API run the same service functions: each test drives one rule through both and expects
// the same outcome, on SQLite and PostgreSQL.
import Domain
import Fluent
import Foundation
import XCTVapor
@testable import App

final class OnePathTests: XCTestCase {
    /// The time the code page's resend button waits for.
    private func pageNextSendAt(_ page: Answer) throws -> String {
        let match = try XCTUnwrap(page.body.firstMatch(of: /id="otp-resend" data-available-at="([^"]+)"/), page.body)
        return String(match.1)
    }

    func test_the_code_page_promises_the_next_code_when_the_api_does() async throws {
        // One code an hour for this phone: after the first, the per-phone limit, not the 60-second cooldown,
        // decides when the next may go.
        try await withEachDatabase(env: ["OTP_MAX_PER_HOUR": "1"]) { ctx in
            let started = try await ctx.post("/api/v1/registrations", Citizen().registration)
            XCTAssertEqual(started.status, .created, started.body.string)
            let id = try XCTUnwrap(started.json?["id"] as? String)
            let apiNext = try XCTUnwrap(started.json?["nextSendAt"] as? String)
            let next = try XCTUnwrap(ISO8601DateFormatter().date(from: apiNext))
            XCTAssertGreaterThan(next.timeIntervalSince(ctx.time.now()), 3000, "the hourly limit decides: \(apiNext)")

            let page = try await Browser(ctx).get("/dang-ky/\(id)/xac-thuc")
            XCTAssertEqual(page.status, .ok, page.body)
            XCTAssertEqual(try self.pageNextSendAt(page), apiNext)

            // Past the cooldown, the page still waits, and the service indeed refuses a resend for the phone.
            ctx.time.advance(120)
            let later = try await Browser(ctx).get("/dang-ky/\(id)/xac-thuc")
            XCTAssertEqual(try self.pageNextSendAt(later), apiNext)
            let resent = try await ctx.post("/api/v1/registrations/\(id)/otp", [:])
            XCTAssertEqual(resent.status, .tooManyRequests, resent.body.string)
            XCTAssertEqual(resent.errorCode, "otp_phone_limit")
        }
    }

    func test_an_ended_or_foreign_session_is_not_found_on_the_page_and_the_api() async throws {
        try await withEachDatabase { ctx in
            let citizen = try await ctx.registeredCitizen()
            let keep = try await ctx.signIn(citizen)
            let other = try await ctx.signIn(citizen)
            let browser = try await ctx.signedInBrowser(citizen)
            // The session of `other`: listed for every session of the account; end it through the API.
            let before = Set(try await ctx.sessionIDs(token: keep))
            let mine = try await ctx.get("/api/v1/me", token: other)
            XCTAssertEqual(mine.status, .ok)
            let logout = try await ctx.post("/api/v1/logout", [:], token: other)
            XCTAssertEqual(logout.status, .noContent)
            let after = try await ctx.sessionIDs(token: keep)
            let ended = try XCTUnwrap(before.subtracting(after).first, "logging out ended one listed session")

            let api = try await ctx.delete("/api/v1/me/sessions/\(ended)", token: keep)
            XCTAssertEqual(api.status, .notFound, api.body.string)
            let page = try await browser.post("/tai-khoan/phien/\(ended)/ket-thuc", [])
            XCTAssertEqual(page.status, .notFound, page.body)

            // Another account's live session: the same answer on both.
            let neighbour = try await ctx.registeredCitizen(.other)
            let neighbourToken = try await ctx.signIn(neighbour)
            let theirList = try await ctx.sessionIDs(token: neighbourToken)
            let theirs = try XCTUnwrap(theirList.first)
            let apiForeign = try await ctx.delete("/api/v1/me/sessions/\(theirs)", token: keep)
            XCTAssertEqual(apiForeign.status, .notFound)
            let pageForeign = try await browser.post("/tai-khoan/phien/\(theirs)/ket-thuc", [])
            XCTAssertEqual(pageForeign.status, .notFound)
            let still = try await ctx.sessionIDs(token: neighbourToken)
            XCTAssertTrue(still.contains(theirs), "the neighbour's session is untouched")
        }
    }

    /// The roles of `idNumber`'s row in the unit's staff list, live and revoked.
    private func staffRoles(_ ctx: TestContext, unit: String, idNumberMasked: String, token: String) async throws -> (live: [String], revoked: [String]) {
        let list = try await ctx.get("/api/v1/admin/units/\(unit)/staff?per=100", token: token)
        XCTAssertEqual(list.status, .ok, list.body.string)
        let row = try XCTUnwrap(list.items.first { $0["idNumberMasked"] as? String == idNumberMasked }, list.body.string)
        return ((row["roles"] as? [String] ?? []).sorted(), (row["revokedRoles"] as? [String] ?? []).sorted())
    }

    func test_granting_and_revoking_staff_is_the_same_rule_on_the_page_and_the_api() async throws {
        try await withEachDatabase { ctx in
            try await ctx.loadDemo()
            let token = try await ctx.signInDemo(DemoProvince.superAdmin)
            let browser = Browser(ctx)
            let signedIn = try await browser.signIn(try Citizen.demo(DemoProvince.superAdmin), next: "/quantri")
            XCTAssertEqual(signedIn.status, .seeOther, signedIn.body)
            let desk = try await ctx.unitID(DemoProvince.desk)
            let byPage = try await ctx.registeredCitizen()
            let byAPI = try await ctx.registeredCitizen(.other)
            let maskedPage = IDNumber.maskedDigits(byPage.idNumber), maskedAPI = IDNumber.maskedDigits(byAPI.idNumber)

            // Granting officer rights makes the person a member of the unit, whichever way it is done.
            let granted = try await browser.post("/quantri/don-vi/\(desk)/can-bo", [("idNumber", byPage.idNumber), ("roles[]", "officer")])
            XCTAssertEqual(granted.status, .ok, granted.body)
            let apiGrant = try await ctx.post("/api/v1/admin/units/\(desk)/staff", ["idNumber": byAPI.idNumber, "roles": ["officer"]], token: token)
            XCTAssertEqual(apiGrant.status, .created, apiGrant.body.string)
            XCTAssertEqual((apiGrant.json?["roles"] as? [String])?.sorted(), ["member", "officer"])
            let pageRoles = try await self.staffRoles(ctx, unit: desk, idNumberMasked: maskedPage, token: token)
            let apiRoles = try await self.staffRoles(ctx, unit: desk, idNumberMasked: maskedAPI, token: token)
            XCTAssertEqual(pageRoles.live, ["member", "officer"])
            XCTAssertEqual(apiRoles.live, pageRoles.live)

            // Revoking without naming a role takes every right and leaves the membership, on both.
            let pageAccountID = try await ctx.app.portalAccountID(idNumber: byPage.idNumber)
            let apiAccountID = try await ctx.app.portalAccountID(idNumber: byAPI.idNumber)
            let pageAccount = try XCTUnwrap(pageAccountID), apiAccount = try XCTUnwrap(apiAccountID)
            let revoked = try await browser.post("/quantri/don-vi/\(desk)/can-bo/\(pageAccount)/thu-hoi", [])
            XCTAssertEqual(revoked.status, .ok, revoked.body)
            let apiRevoke = try await ctx.delete("/api/v1/admin/units/\(desk)/staff/\(apiAccount)", token: token)
            XCTAssertEqual(apiRevoke.status, .noContent, apiRevoke.body.string)
            let afterPage = try await self.staffRoles(ctx, unit: desk, idNumberMasked: maskedPage, token: token)
            let afterAPI = try await self.staffRoles(ctx, unit: desk, idNumberMasked: maskedAPI, token: token)
            XCTAssertEqual(afterPage.live, ["member"])
            XCTAssertEqual(afterPage.revoked, ["officer"])
            XCTAssertEqual(afterAPI.live, afterPage.live)
            XCTAssertEqual(afterAPI.revoked, afterPage.revoked)

            // With nothing left but the membership, a second revoke finds nothing to revoke on either.
            let secondRevoke = try await ctx.delete("/api/v1/admin/units/\(desk)/staff/\(pageAccount)", token: token)
            XCTAssertEqual(secondRevoke.status, .notFound)
            let again = try await browser.post("/quantri/don-vi/\(desk)/can-bo/\(apiAccount)/thu-hoi", [])
            XCTAssertEqual(again.status, .ok, again.body)
            XCTAssertTrue(again.body.contains("alert-error"), "the page says nothing was revoked")
        }
    }

    func test_an_officer_whose_right_was_revoked_is_refused_the_list_on_the_page_and_the_api() async throws {
        try await withEachDatabase { ctx in
            let officer = try await ctx.signedInOfficer()
            // The officer creates one citizen account at the counter.
            let draft = try await ctx.uploadDraft(as: officer)
            XCTAssertEqual(draft.status, .created, draft.body.string)
            let draftID = try XCTUnwrap(draft.json?["id"] as? String)
            let sent = try await ctx.post("/api/v1/admin/citizen-accounts/drafts/\(draftID)/otp", [:], token: officer.token)
            XCTAssertEqual(sent.status, .accepted, sent.body.string)
            let code = try await ctx.latestCode(to: "+84987000111")
            let created = try await ctx.post("/api/v1/admin/citizen-accounts/drafts/\(draftID)/create",
                                             ["code": code], token: officer.token)
            XCTAssertEqual(created.status, .created, created.body.string)

            let browser = Browser(ctx)
            let signedIn = try await browser.signIn(try Citizen.demo(DemoProvince.deskOfficer), next: "/quantri")
            XCTAssertEqual(signedIn.status, .seeOther, signedIn.body)
            let listed = try await browser.get("/quantri/tai-khoan-cong-dan")
            XCTAssertTrue(listed.body.contains("036190001234"), "the officer's own list shows the account")
            let before = try await ctx.get("/api/v1/admin/citizen-accounts", token: officer.token)
            XCTAssertEqual(before.items.count, 1)

            // The district admin revokes the officer's right.
            let admin = try await ctx.signInDemo(DemoProvince.districtAdmin)
            let officerAccountID = try await ctx.app.portalAccountID(idNumber: DemoProvince.deskOfficer)
            let officerID = try XCTUnwrap(officerAccountID)
            let revoke = try await ctx.delete("/api/v1/admin/units/\(officer.unit)/staff/\(officerID)?role=officer", token: admin)
            XCTAssertEqual(revoke.status, .noContent, revoke.body.string)

            let api = try await ctx.get("/api/v1/admin/citizen-accounts", token: officer.token)
            XCTAssertEqual(api.status, .forbidden, api.body.string)
            let me = try await ctx.get("/api/v1/admin/me", token: officer.token)
            XCTAssertEqual(me.json?["canCreateCitizenAccounts"] as? Bool, false)
            let page = try await browser.get("/quantri/tai-khoan-cong-dan")
            XCTAssertEqual(page.status, .forbidden, "refused on the page as on the API")
            XCTAssertFalse(page.body.contains("036190001234"), "a revoked officer no longer sees the accounts")
            XCTAssertTrue(page.body.contains("data-code=\"right_revoked\""), "the page says why, as the API does")
            let reasons = (me.json?["reasons"] as? [[String: Any]])?.compactMap { $0["code"] as? String }
            XCTAssertEqual(reasons, ["right_revoked"])
        }
    }
}

extension Application {
    /// The account id of an ID number, as the API writes ids.
    func portalAccountID(idNumber: String) async throws -> String? {
        try await Account.query(on: db).filter(\.$idNumber == idNumber).first()?.id?.uuidString.lowercased()
    }
}
