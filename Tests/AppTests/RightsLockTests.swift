// A locked account holds no staff right: a lock suspends every right at once, on the API and the pages,
// for a super admin, a unit admin and an officer alike; on SQLite and PostgreSQL.
import Fluent
import Foundation
import XCTVapor
@testable import App

final class RightsLockTests: XCTestCase {
    /// Whom `/admin/me` tells this person to ask, over every reason.
    private func askWhom(_ ctx: TestContext, token: String) async throws -> [String] {
        let me = try await ctx.get("/api/v1/admin/me", token: token)
        return (me.json?["reasons"] as? [[String: Any]] ?? []).flatMap { $0["askWhom"] as? [String] ?? [] }
    }

    func test_a_locked_super_admin_loses_every_admin_right_on_the_api_and_the_pages() async throws {
        try await withEachDatabase { ctx in
            try await ctx.loadDemo()
            let token = try await ctx.signInDemo(DemoProvince.superAdmin)
            let browser = try await ctx.console(DemoProvince.superAdmin)
            let province = try await ctx.unitID("DEMO-HY")
            let before = try await ctx.get("/api/v1/admin/units", token: token)
            XCTAssertEqual(before.status, .ok, "an active super admin lists the units")

            try await ctx.lock(DemoProvince.superAdmin)

            let grantAPI = ["idNumber": DemoProvince.citizen, "roles": ["super_admin"]] as [String: Any]
            let calls: [(HTTPMethod, String, [String: Any]?)] = [
                (.GET, "/api/v1/admin/units", nil),
                (.POST, "/api/v1/admin/units", ["name": "Sở Thử nghiệm", "parentId": province]),
                (.GET, "/api/v1/admin/units/\(province)/staff", nil),
                (.POST, "/api/v1/admin/units/\(province)/staff", grantAPI),
                (.GET, "/api/v1/admin/rights-requests", nil),
                (.GET, "/api/v1/admin/audit", nil),
                (.GET, "/api/v1/admin/audit.csv", nil),
            ]
            for (method, path, body) in calls {
                let answer = try await ctx.request(method, path, json: body, token: token)
                XCTAssertEqual(answer.status, .forbidden, "\(method) \(path) on \(ctx.databaseName): \(answer.body.string)")
            }
            let me = try await ctx.get("/api/v1/admin/me", token: token)
            XCTAssertEqual(me.status, .ok)
            XCTAssertEqual((me.json?["roles"] as? [Any])?.count, 0, "a locked account shows no role in force")
            let reasons = (me.json?["reasons"] as? [[String: Any]])?.compactMap { $0["code"] as? String }
            XCTAssertEqual(reasons?.first, "account_locked")

            for path in [SiteURL.units.path, SiteURL.unit(.value(UUID(uuidString: province)!)).path, SiteURL.requests.path,
                         SiteURL.audit.path, SiteURL.auditCSV.path, SiteURL.clients.path] {
                let page = try await browser.get(path)
                XCTAssertEqual(page.status, .forbidden, "\(path) on \(ctx.databaseName)")
            }
            let grantPage = try await browser.post(SiteURL.unitStaff(.value(UUID(uuidString: province)!)).path,
                                                   [("idNumber", DemoProvince.citizen), ("roles[]", "super_admin")])
            XCTAssertEqual(grantPage.status, .forbidden)
            let citizenRoles = try await ctx.liveRoles(DemoProvince.citizen)
            XCTAssertEqual(citizenRoles, [], "nothing was granted")
        }
    }

    func test_a_locked_unit_admin_can_neither_grant_nor_decide_requests() async throws {
        try await withEachDatabase { ctx in
            try await ctx.loadDemo()
            let admin = try await ctx.signInDemo(DemoProvince.districtAdmin)
            let browser = try await ctx.console(DemoProvince.districtAdmin)
            let citizen = try await ctx.signInDemo(DemoProvince.citizen)
            let desk = try await ctx.unitID(DemoProvince.desk)
            let asked = try await ctx.post("/api/v1/rights-requests", ["unitId": desk, "position": "Chuyên viên một cửa"], token: citizen)
            XCTAssertEqual(asked.status, .created, asked.body.string)
            let requestID = try XCTUnwrap(asked.json?["id"] as? String)

            let officerID = try await ctx.app.portalAccountID(idNumber: DemoProvince.deskOfficer)

            // Someone of the commune's desk without the right is told to ask the district's admin, among others.
            let member = try await ctx.signInDemo("033195000008")
            let askBefore = try await self.askWhom(ctx, token: member)
            XCTAssertTrue(askBefore.contains("Đỗ Văn Hùng"), "\(askBefore)")

            try await ctx.lock(DemoProvince.districtAdmin)

            let askAfter = try await self.askWhom(ctx, token: member)
            XCTAssertFalse(askAfter.contains("Đỗ Văn Hùng"), "a locked admin is nobody to ask: \(askAfter)")
            XCTAssertTrue(askAfter.contains("Nguyễn Văn Quản"), "the super admin still is: \(askAfter)")

            let calls: [(HTTPMethod, String, [String: Any]?)] = [
                (.GET, "/api/v1/admin/units", nil),
                (.GET, "/api/v1/admin/units/\(desk)/staff", nil),
                (.POST, "/api/v1/admin/units/\(desk)/staff", ["idNumber": DemoProvince.citizen, "roles": ["officer"]]),
                (.DELETE, "/api/v1/admin/units/\(desk)/staff/\(officerID!)", nil),
                (.GET, "/api/v1/admin/rights-requests", nil),
                (.POST, "/api/v1/admin/rights-requests/\(requestID)/approve", [:]),
                (.GET, "/api/v1/admin/audit", nil),
            ]
            for (method, path, body) in calls {
                let answer = try await ctx.request(method, path, json: body, token: admin)
                XCTAssertEqual(answer.status, .forbidden, "\(method) \(path) on \(ctx.databaseName): \(answer.body.string)")
            }
            let id = UUID(uuidString: requestID)!
            let approvePage = try await browser.post(SiteURL.approveRequest(.value(id)).path, [])
            XCTAssertEqual(approvePage.status, .forbidden)
            let requestsPage = try await browser.get(SiteURL.requests.path)
            XCTAssertEqual(requestsPage.status, .forbidden)

            let request = try await RightsRequest.find(id, on: ctx.app.db)
            XCTAssertEqual(request?.status, .pending, "the request waits for an administrator who may decide it")
            let citizenRoles = try await ctx.liveRoles(DemoProvince.citizen)
            XCTAssertEqual(citizenRoles, [])
            let officerRoles = try await ctx.liveRoles(DemoProvince.deskOfficer)
            XCTAssertEqual(officerRoles, [.member, .officer], "nothing was revoked")
        }
    }

    func test_a_locked_officer_gets_403_at_the_counter_and_sees_none_of_its_citizens() async throws {
        try await withEachDatabase { ctx in
            let officer = try await ctx.signedInOfficer()
            let accountID = try await ctx.createCitizen(as: officer)
            let browser = try await ctx.console(DemoProvince.deskOfficer)

            try await ctx.lock(DemoProvince.deskOfficer)

            let list = try await ctx.get("/api/v1/admin/citizen-accounts", token: officer.token)
            XCTAssertEqual(list.status, .forbidden, list.body.string)
            let lookup = try await ctx.get("/api/v1/admin/citizen-accounts/lookup?idNumber=036190001234", token: officer.token)
            XCTAssertEqual(lookup.status, .forbidden)
            let reissue = try await ctx.post("/api/v1/admin/citizen-accounts/\(accountID)/password-reissue/otp", [:], token: officer.token)
            XCTAssertEqual(reissue.status, .forbidden, reissue.body.string)

            let page = try await browser.get(SiteURL.counter(.list).path)
            XCTAssertEqual(page.status, .forbidden, "the list page refuses, as the API does")
            XCTAssertFalse(page.body.contains("036190001234"), "a locked officer no longer sees the accounts")
            XCTAssertTrue(page.body.contains("data-code=\"account_locked\""), "the page says why")
            let reissuePage = try await browser.get(SiteURL.counter(.reissue(.value(UUID(uuidString: accountID)!))).path)
            XCTAssertEqual(reissuePage.status, .forbidden)
        }
    }
}
