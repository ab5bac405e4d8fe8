// The scope matrix of the administration API: each role against each call, on SQLite and PostgreSQL.
import Fluent
import XCTVapor
@testable import App

final class AdminScopeTests: XCTestCase {
    /// The demo province with one account per role signed in, and every unit's id by its code.
    struct SignedInProvince {
        var tokens: [String: String] = [:]
        var units: [String: String] = [:]
    }

    private func province(_ ctx: TestContext) async throws -> SignedInProvince {
        try await ctx.loadDemo()
        var province = SignedInProvince()
        let who = ["super": DemoProvince.superAdmin, "justiceAdmin": DemoProvince.justiceAdmin, "districtAdmin": DemoProvince.districtAdmin,
                   "officer": DemoProvince.deskOfficer, "citizen": DemoProvince.citizen]
        for (key, id) in who { province.tokens[key] = try await ctx.signInDemo(id) }
        for unit in try await Unit.query(on: ctx.app.db).all() { province.units[unit.code ?? unit.name] = unit.id!.uuidString.lowercased() }
        return province
    }

    /// Asks to give the demo citizen `roles` at `unit`; answers the status.
    private func grant(_ ctx: TestContext, _ roles: [String], at unit: String, as token: String?) async throws -> HTTPStatus {
        try await ctx.request(.POST, "/api/v1/admin/units/\(unit)/staff", json: ["idNumber": DemoProvince.citizen, "roles": roles], token: token).status
    }

    func test_each_role_against_each_admin_call() async throws {
        try await withEachDatabase { ctx in
            let demo = try await self.province(ctx)
            let desk = demo.units["DEMO-HY-VL-LD-BPMC"]!
            let citizenID = try await Account.query(on: ctx.app.db).filter(\.$idNumber == DemoProvince.citizen).first()!.id!.uuidString.lowercased()
            typealias Row = (method: HTTPMethod, path: String, body: [String: Any]?, expected: [String: HTTPStatus])
            let all = { (s: HTTPStatus) in ["super": s, "districtAdmin": s, "justiceAdmin": s, "officer": s, "citizen": s, "anonymous": HTTPStatus.unauthorized] }
            let scoped = { (ok: HTTPStatus) -> [String: HTTPStatus] in
                ["super": ok, "districtAdmin": ok, "justiceAdmin": .notFound, "officer": .forbidden, "citizen": .forbidden, "anonymous": .unauthorized]
            }
            let rows: [Row] = [
                (.GET, "/api/v1/admin/me", nil, all(.ok)),
                (.GET, "/api/v1/admin/units", nil, ["super": .ok, "districtAdmin": .ok, "justiceAdmin": .ok, "officer": .forbidden, "citizen": .forbidden, "anonymous": .unauthorized]),
                (.POST, "/api/v1/admin/units", ["name": "Tổ tiếp nhận thử", "parentId": desk], scoped(.created)),
                (.PATCH, "/api/v1/admin/units/\(desk)", ["code": "DEMO-HY-VL-LD-BPMC"], scoped(.ok)),
                (.GET, "/api/v1/admin/units/\(desk)/staff", nil, scoped(.ok)),
                (.POST, "/api/v1/admin/units/\(desk)/staff", ["idNumber": "033060000011", "roles": ["officer"]], scoped(.created)),
                (.DELETE, "/api/v1/admin/units/\(desk)/staff/\(citizenID)?role=officer", nil,
                 ["super": .notFound, "districtAdmin": .noContent, "justiceAdmin": .notFound, "officer": .forbidden, "citizen": .forbidden, "anonymous": .unauthorized]),
                (.GET, "/api/v1/admin/rights-requests", nil, ["super": .ok, "districtAdmin": .ok, "justiceAdmin": .ok, "officer": .forbidden, "citizen": .forbidden, "anonymous": .unauthorized]),
                (.GET, "/api/v1/admin/audit", nil, ["super": .ok, "districtAdmin": .ok, "justiceAdmin": .ok, "officer": .forbidden, "citizen": .forbidden, "anonymous": .unauthorized]),
                (.GET, "/api/v1/admin/audit.csv", nil, ["super": .ok, "districtAdmin": .ok, "justiceAdmin": .ok, "officer": .forbidden, "citizen": .forbidden, "anonymous": .unauthorized]),
            ]
            // Order matters for the DELETE row: callers go in the order below, so the district admin (the first
            // in scope) revokes the grant and the super admin, after it, finds nothing left to revoke.
            for row in rows {
                for who in ["anonymous", "citizen", "officer", "justiceAdmin", "districtAdmin", "super"] {
                    let got = try await ctx.request(row.method, row.path, json: row.body, token: demo.tokens[who]).status
                    XCTAssertEqual(got, row.expected[who], "\(who) \(row.method) \(row.path) on \(ctx.databaseName)")
                }
            }
        }
    }

    func test_unit_admins_cannot_grant_above_officer_and_nobody_grants_outside_the_subtree() async throws {
        try await withEachDatabase { ctx in
            let demo = try await self.province(ctx)
            let desk = demo.units["DEMO-HY-VL-LD-BPMC"]!
            let justice = demo.units["DEMO-HY-STP"]!
            let asAdmin = try await self.grant(ctx, ["unit_admin"], at: desk, as: demo.tokens["districtAdmin"])
            XCTAssertEqual(asAdmin, .forbidden)
            let outside = try await self.grant(ctx, ["officer"], at: justice, as: demo.tokens["districtAdmin"])
            XCTAssertEqual(outside, .notFound)
            let superGrantsAdmin = try await self.grant(ctx, ["unit_admin"], at: desk, as: demo.tokens["super"])
            XCTAssertEqual(superGrantsAdmin, .created)
            let superOnlyAtProvince = try await self.grant(ctx, ["super_admin"], at: desk, as: demo.tokens["super"])
            XCTAssertEqual(superOnlyAtProvince, .forbidden)
        }
    }

    func test_a_unit_never_moves_under_its_own_subtree() async throws {
        try await withEachDatabase { ctx in
            let demo = try await self.province(ctx)
            let district = demo.units["DEMO-HY-VL"]!
            let commune = demo.units["DEMO-HY-VL-LD"]!
            let underItself = try await ctx.patch("/api/v1/admin/units/\(district)", ["parentId": commune], token: demo.tokens["super"])
            XCTAssertEqual(underItself.status, .unprocessableEntity)
            let justice = demo.units["DEMO-HY-STP"]!
            let moved = try await ctx.patch("/api/v1/admin/units/\(commune)", ["parentId": justice], token: demo.tokens["super"])
            XCTAssertEqual(moved.status, .ok)
            let desk = try await Unit.query(on: ctx.app.db).filter(\.$code == "DEMO-HY-VL-LD-BPMC").first()!
            let justiceUnit = try await Unit.query(on: ctx.app.db).filter(\.$code == "DEMO-HY-STP").first()!
            XCTAssertTrue(justiceUnit.contains(desk), "the subtree moved with its root")
        }
    }

    func test_why_cant_i_names_each_cause_and_whom_to_ask() async throws {
        try await withEachDatabase { ctx in
            try await ctx.loadDemo()
            let expected = ["033193000006": "no_unit", "033094000007": "unit_not_one_stop", "033195000008": "right_not_granted",
                            "033096000009": "right_revoked", "033197000010": "account_locked"]
            for (id, code) in expected {
                ctx.time.advance(61)
                let token = try await ctx.signInDemo(id)
                let me = try await ctx.get("/api/v1/admin/me", token: token)
                XCTAssertEqual(me.json?["canCreateCitizenAccounts"] as? Bool, false, id)
                let reasons = me.json?["reasons"] as? [[String: Any]] ?? []
                XCTAssertEqual(reasons.first?["code"] as? String, code, id)
                if code == "unit_not_one_stop" {
                    let message = reasons.first?["message"] as? String ?? ""
                    XCTAssertTrue(message.contains("Bộ phận 1 cửa xã Tân Quang"), message)
                    XCTAssertTrue(message.contains("một cửa"), message)
                    XCTAssertTrue((reasons.first?["askWhom"] as? [String])?.contains("Đỗ Văn Hùng") ?? false, "the district's admin")
                }
            }
            let officer = try await ctx.signInDemo(DemoProvince.deskOfficer)
            let me = try await ctx.get("/api/v1/admin/me", token: officer)
            XCTAssertEqual(me.json?["canCreateCitizenAccounts"] as? Bool, true)
            XCTAssertNil(me.json?["reasons"])
        }
    }

    func test_renaming_a_unit_changes_its_one_stop_status_at_once() async throws {
        try await withEachDatabase { ctx in
            let demo = try await self.province(ctx)
            let bad = demo.units["DEMO-HY-VL-TQ-BP1C"]!
            let renamed = try await ctx.patch("/api/v1/admin/units/\(bad)", ["name": "Bộ phận Một cửa xã Tân Quang"], token: demo.tokens["super"])
            XCTAssertEqual(renamed.status, .ok)
            XCTAssertEqual(renamed.json?["oneStop"] as? Bool, true)
            ctx.time.advance(61)
            let token = try await ctx.signInDemo("033094000007")
            let me = try await ctx.get("/api/v1/admin/me", token: token)
            XCTAssertEqual(me.json?["canCreateCitizenAccounts"] as? Bool, true)
        }
    }

    func test_rights_request_approved_by_the_units_admin_grants_officer_and_is_audited() async throws {
        try await withEachDatabase { ctx in
            let demo = try await self.province(ctx)
            let desk = demo.units["DEMO-HY-VL-LD-BPMC"]!
            let asked = try await ctx.post("/api/v1/rights-requests", ["unitId": desk, "position": "Chuyên viên một cửa"], token: demo.tokens["citizen"])
            XCTAssertEqual(asked.status, .created, asked.body.string)
            let id = try XCTUnwrap(asked.json?["id"] as? String)
            let other = try await ctx.post("/api/v1/admin/rights-requests/\(id)/approve", [:], token: demo.tokens["justiceAdmin"])
            XCTAssertEqual(other.status, .notFound, "an admin of another branch cannot see it")
            let list = try await ctx.get("/api/v1/admin/rights-requests?status=pending", token: demo.tokens["districtAdmin"])
            XCTAssertEqual(list.json?["total"] as? Int, 1)
            let approved = try await ctx.post("/api/v1/admin/rights-requests/\(id)/approve", [:], token: demo.tokens["districtAdmin"])
            XCTAssertEqual(approved.status, .ok)
            XCTAssertEqual(approved.json?["status"] as? String, "approved")
            let me = try await ctx.get("/api/v1/admin/me", token: demo.tokens["citizen"])
            XCTAssertEqual(me.json?["canCreateCitizenAccounts"] as? Bool, true)
            let audit = try await ctx.get("/api/v1/admin/audit?action=rights_request.approve", token: demo.tokens["super"])
            XCTAssertEqual(audit.json?["total"] as? Int, 1)
            let twice = try await ctx.post("/api/v1/admin/rights-requests/\(id)/refuse", [:], token: demo.tokens["districtAdmin"])
            XCTAssertEqual(twice.status, .conflict)
        }
    }

    func test_audit_csv_defuses_formulas() async throws {
        XCTAssertEqual(CSV.field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"")
        XCTAssertEqual(CSV.field("Nguyễn Văn An"), "\"Nguyễn Văn An\"")
    }
}
