// What the audit trail holds and who sees it: every staff event carries a unit, reads of a citizen's full data,
// staff sign-ins through the API, and refused staff calls are recorded.
import Fluent
import XCTVapor
@testable import App

final class AuditCoverageTests: XCTestCase {
    private func events(_ ctx: TestContext, _ action: String) async throws -> [AuditEvent] {
        try await AuditEvent.query(on: ctx.app.db).filter(\.$action == action).sort(\.$at).all()
    }

    /// The actions in `GET /api/v1/admin/audit` as `token` sees it.
    private func visible(_ ctx: TestContext, token: String, action: String) async throws -> Int {
        let res = try await ctx.get("/api/v1/admin/audit?action=\(action)", token: token)
        XCTAssertEqual(res.status, .ok, res.body.string)
        return (res.json?["items"] as? [Any])?.count ?? -1
    }

    func test_reissues_and_staff_sign_ins_are_recorded_at_a_unit_their_administrators_see() async throws {
        try await withEachDatabase { ctx in
            let officer = try await ctx.signedInOfficer()   // an API sign-in of a staff account
            let accountID = try await ctx.createCitizen(as: officer)
            let sent = try await ctx.post("/api/v1/admin/citizen-accounts/\(accountID)/password-reissue/otp", [:], token: officer.token)
            XCTAssertEqual(sent.status, .accepted, sent.body.string)
            let code = try await ctx.latestCode(to: "+84987000111")
            let done = try await ctx.post("/api/v1/admin/citizen-accounts/\(accountID)/password-reissue", ["code": code], token: officer.token)
            XCTAssertEqual(done.status, .ok, done.body.string)

            let desk = try await Unit.query(on: ctx.app.db).filter(\.$code == DemoProvince.desk).first()
            for action in ["citizen.reissue_otp_send", "citizen.password_reissue"] {
                let rows = try await self.events(ctx, action)
                XCTAssertEqual(rows.count, 1, action)
                XCTAssertEqual(rows.first?.unitPath, desk?.path, action)
            }
            let signIns = try await self.events(ctx, "console.sign_in")
            XCTAssertEqual(signIns.count, 1, "the officer's API sign-in, and no citizen's")
            XCTAssertEqual(signIns.first?.unitPath, desk?.path)
            XCTAssertTrue(signIns.first?.details.contains("\"via\":\"api\"") ?? false)

            // The district's admin (the desk is in its subtree) sees all three; so does the super admin.
            let district = try await ctx.signInDemo(DemoProvince.districtAdmin)
            let superAdmin = try await ctx.signInDemo(DemoProvince.superAdmin)
            for token in [district, superAdmin] {
                let reissues = try await self.visible(ctx, token: token, action: "citizen.password_reissue")
                let signedIn = try await self.visible(ctx, token: token, action: "console.sign_in")
                XCTAssertEqual(reissues, 1)
                XCTAssertGreaterThanOrEqual(signedIn, 1)
            }
            // An event of no unit (a client registered from the command line) is the super admin's to see.
            try await AuditLog(db: ctx.app.db, portal: ctx.app.portal).record(Bootstrap.actor, action: "oidc.client.create", target: "client:x", unit: nil)
            let seenBySuper = try await self.visible(ctx, token: superAdmin, action: "oidc.client.create")
            let seenByDistrict = try await self.visible(ctx, token: district, action: "oidc.client.create")
            XCTAssertEqual(seenBySuper, 1)
            XCTAssertEqual(seenByDistrict, 0)
        }
    }

    func test_reading_a_citizens_full_data_is_recorded() async throws {
        try await withEachDatabase { ctx in
            let officer = try await ctx.signedInOfficer()
            let drafted = try await ctx.uploadDraft(as: officer)
            let draft = try XCTUnwrap(drafted.json?["id"] as? String)
            let read = try await ctx.get("/api/v1/admin/citizen-accounts/drafts/\(draft)", token: officer.token)
            XCTAssertEqual(read.status, .ok)
            let pdf = try await ctx.get("/api/v1/admin/citizen-accounts/drafts/\(draft)/request-form.pdf", token: officer.token)
            XCTAssertEqual(pdf.status, .ok)
            let browser = try await ctx.console(DemoProvince.deskOfficer)
            let page = try await browser.get(SiteURL.counter(.draft(.value(UUID(uuidString: draft)!))).path)
            XCTAssertEqual(page.status, .ok)
            let printable = try await browser.get(SiteURL.counter(.requestFormPage(.value(UUID(uuidString: draft)!))).path)
            XCTAssertEqual(printable.status, .ok)

            let reads = try await self.events(ctx, "draft.read")
            let forms = try await self.events(ctx, "request_form.read")
            XCTAssertEqual(reads.count, 2, "the API read and the page")
            XCTAssertEqual(forms.map(\.details).map { $0.contains("\"format\":\"pdf\"") }, [true, false])
            for row in reads + forms {
                XCTAssertEqual(row.target, "draft:\(draft.lowercased())")
                XCTAssertNotNil(row.unitPath)
                XCTAssertFalse(row.details.contains("036190001234"), "the ID number is masked: \(row.details)")
            }
        }
    }

    func test_refused_staff_calls_are_recorded_without_the_query() async throws {
        try await withEachDatabase { ctx in
            try await ctx.loadDemo()
            let citizen = try await ctx.signInDemo(DemoProvince.citizen)
            let units = try await ctx.get("/api/v1/admin/units", token: citizen)
            XCTAssertEqual(units.status, .forbidden)
            let lookup = try await ctx.get("/api/v1/admin/citizen-accounts/lookup?idNumber=036190001234", token: citizen)
            XCTAssertEqual(lookup.status, .forbidden)
            let officer = try await ctx.signedInOfficer()
            let foreign = try await ctx.get("/api/v1/admin/citizen-accounts/drafts/\(UUID().uuidString)", token: officer.token)
            XCTAssertEqual(foreign.status, .notFound)
            let browser = try await ctx.console(DemoProvince.citizen)
            let page = try await browser.get(SiteURL.audit.path)
            XCTAssertEqual(page.status, .forbidden)
            // Allowed calls are not "refused".
            let allowed = try await ctx.get("/api/v1/admin/citizen-accounts/lookup?idNumber=036190001234", token: officer.token)
            XCTAssertEqual(allowed.status, .ok)

            let refused = try await self.events(ctx, "staff.refused")
            XCTAssertEqual(refused.map(\.outcome), ["403", "403", "404", "403"])
            guard refused.count == 4 else { return }
            XCTAssertEqual(refused[0].target, "GET /api/v1/admin/units")
            XCTAssertEqual(refused[1].target, "GET /api/v1/admin/citizen-accounts/lookup", "no query: it may carry an ID number")
            XCTAssertEqual(refused[3].target, "GET \(SiteURL.audit.path)")
            XCTAssertNotNil(refused[2].unitPath, "the officer's unit")
            XCTAssertFalse(refused.contains { $0.target.contains("036190001234") })
        }
    }
}
