// The scope matrix of the administration API: each role against each call, on SQLite and PostgreSQL.
import Fluent
import XCTVapor
@testable import App

final class AdminScopeTests: XCTestCase {
    struct Demo {
        var tokens: [String: String] = [:]
        var units: [String: String] = [:]
    }

    /// Loads the demo province and signs in one account per role.
    private func demo(_ ctx: TestContext) async throws -> Demo {
        try await DemoCommand.load(ctx.app)
        var demo = Demo()
        let who = ["super": "033080000001", "justiceAdmin": "033182000002", "districtAdmin": "033085000005",
                   "officer": "033092000004", "citizen": "033060000011"]
        for (key, id) in who {
            let person = DemoCommand.people.first { $0.id == id }!
            demo.tokens[key] = try await ctx.signIn(id, DemoCommand.password, phone: "+84" + person.phone.dropFirst())
        }
        for unit in try await Unit.query(on: ctx.app.db).all() { demo.units[unit.code ?? unit.name] = unit.id!.uuidString.lowercased() }
        return demo
    }

    private func status(_ ctx: TestContext, _ method: HTTPMethod, _ path: String, token: String?, body: [String: Any]? = nil) async throws -> HTTPStatus {
        var headers = HTTPHeaders()
        if let token { headers.bearerAuthorization = .init(token: token) }
        var buffer: ByteBuffer? = nil
        if let body { headers.contentType = .json; buffer = ByteBuffer(data: try JSONSerialization.data(withJSONObject: body)) }
        var result: HTTPStatus = .internalServerError
        try await ctx.app.test(method, path, headers: headers, body: buffer) { res async in result = res.status }
        return result
    }

    func test_each_role_against_each_admin_call() async throws {
        try await withEachDatabase { ctx in
            let demo = try await self.demo(ctx)
            let desk = demo.units["DEMO-HY-VL-LD-BPMC"]!
            let citizenID = try await Account.query(on: ctx.app.db).filter(\.$idNumber == "033060000011").first()!.id!.uuidString.lowercased()
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
                    let got = try await self.status(ctx, row.method, row.path, token: demo.tokens[who], body: row.body)
                    XCTAssertEqual(got, row.expected[who], "\(who) \(row.method) \(row.path) on \(ctx.databaseName)")
                }
            }
        }
    }

    func test_unit_admins_cannot_grant_above_officer_and_nobody_grants_outside_the_subtree() async throws {
        try await withEachDatabase { ctx in
            let demo = try await self.demo(ctx)
            let desk = demo.units["DEMO-HY-VL-LD-BPMC"]!
            let justice = demo.units["DEMO-HY-STP"]!
            let asAdmin = try await self.status(ctx, .POST, "/api/v1/admin/units/\(desk)/staff", token: demo.tokens["districtAdmin"],
                                                body: ["idNumber": "033060000011", "roles": ["unit_admin"]])
            XCTAssertEqual(asAdmin, .forbidden)
            let outside = try await self.status(ctx, .POST, "/api/v1/admin/units/\(justice)/staff", token: demo.tokens["districtAdmin"],
                                                body: ["idNumber": "033060000011", "roles": ["officer"]])
            XCTAssertEqual(outside, .notFound)
            let superGrantsAdmin = try await self.status(ctx, .POST, "/api/v1/admin/units/\(desk)/staff", token: demo.tokens["super"],
                                                         body: ["idNumber": "033060000011", "roles": ["unit_admin"]])
            XCTAssertEqual(superGrantsAdmin, .created)
            let superOnlyAtProvince = try await self.status(ctx, .POST, "/api/v1/admin/units/\(desk)/staff", token: demo.tokens["super"],
                                                            body: ["idNumber": "033060000011", "roles": ["super_admin"]])
            XCTAssertEqual(superOnlyAtProvince, .forbidden)
        }
    }

    func test_a_unit_never_moves_under_its_own_subtree() async throws {
        try await withEachDatabase { ctx in
            let demo = try await self.demo(ctx)
            let district = demo.units["DEMO-HY-VL"]!
            let commune = demo.units["DEMO-HY-VL-LD"]!
            let res = try await ctx.post("/api/v1/admin/units", [:], token: nil)
            _ = res
            var headers = HTTPHeaders()
            headers.bearerAuthorization = .init(token: demo.tokens["super"]!)
            headers.contentType = .json
            try await ctx.app.test(.PATCH, "/api/v1/admin/units/\(district)", headers: headers,
                                   body: ByteBuffer(string: "{\"parentId\": \"\(commune)\"}")) { res async in
                XCTAssertEqual(res.status, .unprocessableEntity)
            }
            let justice = demo.units["DEMO-HY-STP"]!
            try await ctx.app.test(.PATCH, "/api/v1/admin/units/\(commune)", headers: headers,
                                   body: ByteBuffer(string: "{\"parentId\": \"\(justice)\"}")) { res async in
                XCTAssertEqual(res.status, .ok)
            }
            let desk = try await Unit.query(on: ctx.app.db).filter(\.$code == "DEMO-HY-VL-LD-BPMC").first()!
            let justiceUnit = try await Unit.query(on: ctx.app.db).filter(\.$code == "DEMO-HY-STP").first()!
            XCTAssertTrue(justiceUnit.contains(desk), "the subtree moved with its root")
        }
    }

    func test_why_cant_i_names_each_cause_and_whom_to_ask() async throws {
        try await withEachDatabase { ctx in
            try await DemoCommand.load(ctx.app)
            let expected = ["033193000006": "no_unit", "033094000007": "unit_not_one_stop", "033195000008": "right_not_granted",
                            "033096000009": "right_revoked", "033197000010": "account_locked"]
            for (id, code) in expected {
                let person = DemoCommand.people.first { $0.id == id }!
                ctx.time.advance(61)
                let token = try await ctx.signIn(id, DemoCommand.password, phone: "+84" + person.phone.dropFirst())
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
            let officer = try await ctx.signIn("033092000004", DemoCommand.password, phone: "+84912000004")
            let me = try await ctx.get("/api/v1/admin/me", token: officer)
            XCTAssertEqual(me.json?["canCreateCitizenAccounts"] as? Bool, true)
            XCTAssertNil(me.json?["reasons"])
        }
    }

    func test_renaming_a_unit_changes_its_one_stop_status_at_once() async throws {
        try await withEachDatabase { ctx in
            let demo = try await self.demo(ctx)
            let bad = demo.units["DEMO-HY-VL-TQ-BP1C"]!
            var headers = HTTPHeaders()
            headers.bearerAuthorization = .init(token: demo.tokens["super"]!)
            headers.contentType = .json
            try await ctx.app.test(.PATCH, "/api/v1/admin/units/\(bad)", headers: headers,
                                   body: ByteBuffer(string: "{\"name\": \"Bộ phận Một cửa xã Tân Quang\"}")) { res async in
                XCTAssertEqual(res.status, .ok)
                XCTAssertEqual(res.json?["oneStop"] as? Bool, true)
            }
            ctx.time.advance(61)
            let token = try await ctx.signIn("033094000007", DemoCommand.password, phone: "+84912000007")
            let me = try await ctx.get("/api/v1/admin/me", token: token)
            XCTAssertEqual(me.json?["canCreateCitizenAccounts"] as? Bool, true)
        }
    }

    func test_rights_request_approved_by_the_units_admin_grants_officer_and_is_audited() async throws {
        try await withEachDatabase { ctx in
            let demo = try await self.demo(ctx)
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
