// Counter rights are those of the present: an officer acts only on the citizens of a unit where they hold
// the right at the time of the request; on SQLite and PostgreSQL.
import Fluent
import Foundation
import XCTVapor
@testable import App

final class RightsPresentTests: XCTestCase {
    func test_an_officer_who_moved_units_no_longer_acts_on_the_old_units_citizens() async throws {
        try await withEachDatabase { ctx in
            let officer = try await ctx.signedInOfficer()
            let accountID = try await ctx.createCitizen(as: officer)
            let admin = try await ctx.signInDemo(DemoProvince.districtAdmin)
            let officerID = try await ctx.app.portalAccountID(idNumber: DemoProvince.deskOfficer)
            let districtDesk = try await ctx.unitID("DEMO-HY-VL-BPMC")

            // The officer moves from the commune's desk to the district's.
            let revoked = try await ctx.delete("/api/v1/admin/units/\(officer.unit)/staff/\(officerID!)?role=officer", token: admin)
            XCTAssertEqual(revoked.status, .noContent, revoked.body.string)
            let granted = try await ctx.post("/api/v1/admin/units/\(districtDesk)/staff", ["idNumber": DemoProvince.deskOfficer, "roles": ["officer"]], token: admin)
            XCTAssertEqual(granted.status, .created, granted.body.string)
            let me = try await ctx.get("/api/v1/admin/me", token: officer.token)
            XCTAssertEqual(me.json?["canCreateCitizenAccounts"] as? Bool, true, "an officer still, at another unit")

            let list = try await ctx.get("/api/v1/admin/citizen-accounts", token: officer.token)
            XCTAssertEqual(list.status, .ok)
            XCTAssertEqual(list.items.count, 0, "the old unit's citizens are no longer listed")
            let code = try await ctx.post("/api/v1/admin/citizen-accounts/\(accountID)/password-reissue/otp", [:], token: officer.token)
            assertError(code, .notFound, "account_not_found")
            let reissue = try await ctx.post("/api/v1/admin/citizen-accounts/\(accountID)/password-reissue", ["code": "123456"], token: officer.token)
            assertError(reissue, .notFound, "account_not_found")

            let browser = try await ctx.console(DemoProvince.deskOfficer)
            let id = UUID(uuidString: accountID)!
            let listPage = try await browser.get(SiteURL.counter(.list).path)
            XCTAssertEqual(listPage.status, .ok)
            XCTAssertFalse(listPage.body.contains("036190001234"), "nor on the page")
            for path in [SiteURL.counter(.reissue(.value(id))).path, SiteURL.counter(.created(.value(id))).path] {
                let page = try await browser.get(path)
                XCTAssertEqual(page.status, .notFound, path)
            }

            // Back at the commune's desk, the officer may act on its citizens again.
            let back = try await ctx.post("/api/v1/admin/units/\(officer.unit)/staff", ["idNumber": DemoProvince.deskOfficer, "roles": ["officer"]], token: admin)
            XCTAssertEqual(back.status, .created, back.body.string)
            ctx.time.advance(61)
            let again = try await ctx.post("/api/v1/admin/citizen-accounts/\(accountID)/password-reissue/otp", [:], token: officer.token)
            XCTAssertEqual(again.status, .accepted, again.body.string)
        }
    }
}
