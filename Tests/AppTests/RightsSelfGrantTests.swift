// Nobody approves or grants their own rights: such a request or grant is left to an administrator above
// (an admin of an ancestor unit, or the province's super admin); on the API and the pages, on SQLite and PostgreSQL.
import Fluent
import Foundation
import XCTVapor
@testable import App

final class RightsSelfGrantTests: XCTestCase {
    func test_an_admin_cannot_decide_their_own_rights_request_and_the_admin_above_can() async throws {
        try await withEachDatabase { ctx in
            try await ctx.loadDemo()
            let admin = try await ctx.signInDemo(DemoProvince.districtAdmin)
            let superAdmin = try await ctx.signInDemo(DemoProvince.superAdmin)
            let desk = try await ctx.unitID(DemoProvince.desk)
            // The district's admin asks for officer rights at a one-stop desk of their own district.
            let asked = try await ctx.post("/api/v1/rights-requests", ["unitId": desk, "position": "Chủ tịch UBND huyện"], token: admin)
            XCTAssertEqual(asked.status, .created, asked.body.string)
            let requestID = try XCTUnwrap(asked.json?["id"] as? String)

            let own = try await ctx.get("/api/v1/admin/rights-requests?status=pending", token: admin)
            XCTAssertEqual(own.json?["total"] as? Int, 0, "one's own request is not among those one may decide")
            let approved = try await ctx.post("/api/v1/admin/rights-requests/\(requestID)/approve", [:], token: admin)
            assertError(approved, .forbidden, "own_rights_request")
            XCTAssertTrue((approved.error?["message"] as? String ?? "").contains("chính mình"), approved.body.string)
            let refused = try await ctx.post("/api/v1/admin/rights-requests/\(requestID)/refuse", [:], token: admin)
            assertError(refused, .forbidden, "own_rights_request")

            let browser = try await ctx.console(DemoProvince.districtAdmin)
            let page = try await browser.post(SiteURL.approveRequest(.value(UUID(uuidString: requestID)!)).path, [])
            XCTAssertEqual(page.status, .forbidden, page.body)
            XCTAssertTrue(page.body.contains("Bạn không thể tự xử lý yêu cầu cấp quyền của chính mình"), page.body)

            let stillPending = try await RightsRequest.find(UUID(uuidString: requestID)!, on: ctx.app.db)
            XCTAssertEqual(stillPending?.status, .pending)
            let me = try await ctx.get("/api/v1/admin/me", token: admin)
            XCTAssertEqual(me.json?["canCreateCitizenAccounts"] as? Bool, false)

            // The super admin, above the district, sees the request and decides it.
            let above = try await ctx.get("/api/v1/admin/rights-requests?status=pending", token: superAdmin)
            XCTAssertEqual(above.json?["total"] as? Int, 1)
            let decided = try await ctx.post("/api/v1/admin/rights-requests/\(requestID)/approve", [:], token: superAdmin)
            XCTAssertEqual(decided.status, .ok, decided.body.string)
            let after = try await ctx.get("/api/v1/admin/me", token: admin)
            XCTAssertEqual(after.json?["canCreateCitizenAccounts"] as? Bool, true)
        }
    }

    func test_no_admin_grants_roles_to_themselves_on_the_api_or_the_page() async throws {
        try await withEachDatabase { ctx in
            try await ctx.loadDemo()
            let admin = try await ctx.signInDemo(DemoProvince.districtAdmin)
            let superAdmin = try await ctx.signInDemo(DemoProvince.superAdmin)
            let desk = try await ctx.unitID(DemoProvince.desk)
            let province = try await ctx.unitID("DEMO-HY")

            let selfOfficer = try await ctx.post("/api/v1/admin/units/\(desk)/staff", ["idNumber": DemoProvince.districtAdmin, "roles": ["officer"]], token: admin)
            assertError(selfOfficer, .forbidden, "own_rights")
            let selfMember = try await ctx.post("/api/v1/admin/units/\(desk)/staff", ["idNumber": DemoProvince.districtAdmin, "roles": ["member"]], token: admin)
            assertError(selfMember, .forbidden, "own_rights")
            // A super admin grants themselves nothing either, not even where nobody is above them.
            let superSelf = try await ctx.post("/api/v1/admin/units/\(desk)/staff", ["idNumber": DemoProvince.superAdmin, "roles": ["officer"]], token: superAdmin)
            assertError(superSelf, .forbidden, "own_rights")
            let superAgain = try await ctx.post("/api/v1/admin/units/\(province)/staff", ["idNumber": DemoProvince.superAdmin, "roles": ["super_admin"]], token: superAdmin)
            assertError(superAgain, .forbidden, "own_rights")

            let browser = try await ctx.console(DemoProvince.districtAdmin)
            let page = try await browser.post(SiteURL.unitStaff(.value(UUID(uuidString: desk)!)).path,
                                              [("idNumber", DemoProvince.districtAdmin), ("roles[]", "officer")])
            XCTAssertEqual(page.status, .forbidden, page.body)
            XCTAssertTrue(page.body.contains("Bạn không thể tự cấp quyền cho chính mình"), page.body)

            let adminRoles = try await ctx.liveRoles(DemoProvince.districtAdmin)
            XCTAssertEqual(adminRoles, [.member, .unit_admin], "nothing new was granted")
            let superRoles = try await ctx.liveRoles(DemoProvince.superAdmin)
            XCTAssertEqual(superRoles, [.member, .super_admin])

            // The admin above grants it.
            let granted = try await ctx.post("/api/v1/admin/units/\(desk)/staff", ["idNumber": DemoProvince.districtAdmin, "roles": ["officer"]], token: superAdmin)
            XCTAssertEqual(granted.status, .created, granted.body.string)
            // Giving up a right of one's own stays possible, within the usual rules: it only takes power away.
            let adminID = try await ctx.app.portalAccountID(idNumber: DemoProvince.districtAdmin)
            let gaveUp = try await ctx.delete("/api/v1/admin/units/\(desk)/staff/\(adminID!)?role=officer", token: admin)
            XCTAssertEqual(gaveUp.status, .noContent, gaveUp.body.string)
            let afterGivingUp = try await ctx.liveRoles(DemoProvince.districtAdmin)
            XCTAssertEqual(afterGivingUp, [.member, .member, .unit_admin])
        }
    }
}
