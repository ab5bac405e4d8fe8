// The authorization matrix, generated from the router: every administration and counter route, API and pages, asked by
// every caller who must not act on the provincial centre's resources. Each answer is a refusal (401, 403, 404, or the
// sign-in page for a page asked without a session), or, for a list, a page or body that shows none of the centre's
// data; and nothing changes. A route added to the router is asked too, without editing this test.
import Fluent
import XCTVapor
@testable import App

final class AuthorizationMatrixTests: XCTestCase {
    /// The centre's resources that the callers below must not reach, and what of them must not show.
    struct Victim {
        var unit = "", draft = "", account = "", officer = "", request = "", client = ""
        var markers: [String] = []
    }

    /// Every route of the console's pages and of the administration and counter API.
    private func routes(_ app: Application) -> [(method: HTTPMethod, template: [PathComponent])] {
        app.routes.all.filter { route in
            let first = route.path.first?.description
            let second = route.path.dropFirst().first?.description, third = route.path.dropFirst(2).first?.description
            return first == "quantri" || (first == "api" && second == "v1" && third == "admin")
        }.map { ($0.method, $0.path) }
    }

    /// An officer of any one-stop unit may look up any ID number and start a draft at their own unit: asked by
    /// the desk's officer, these answer for the desk (a look-up, a refusal of the centre's unit), never for the centre.
    private let anyOfficersOwn: Set<String> = ["POST /quantri/tai-khoan-cong-dan/tra-cuu", "POST /quantri/tai-khoan-cong-dan/ho-so",
                                               "GET /api/v1/admin/citizen-accounts/lookup", "POST /api/v1/admin/citizen-accounts/drafts"]

    /// Routes any signed-in account may use (the console's home, asking for rights, what one may do).
    private let openToEveryone: Set<String> = ["GET /quantri", "GET /quantri/de-nghi-cap-quyen", "POST /quantri/de-nghi-cap-quyen",
                                               "GET /api/v1/admin/me"]

    private func path(_ template: [PathComponent], _ v: Victim) -> String {
        var out: [String] = []
        for (i, component) in template.enumerated() {
            guard case let .parameter(name) = component else { out.append(component.description); continue }
            let before = i > 0 ? template[i - 1].description : ""
            switch (name, before) {
            case (_, "don-vi"), (_, "units"): out.append(v.unit)
            case (_, "ho-so"), (_, "drafts"): out.append(v.draft)
            case (_, "yeu-cau"), (_, "rights-requests"): out.append(v.request)
            case (_, "ung-dung"): out.append(v.client)
            case ("accountId", "can-bo"), ("accountId", "staff"): out.append(v.officer)
            case ("accountId", _): out.append(v.account)
            default: XCTFail("no value for :\(name) after \(before): add it to this test"); out.append(UUID().uuidString)
            }
        }
        return "/" + out.joined(separator: "/")
    }

    /// What a form or a JSON body would carry if the caller were allowed: enough to change something.
    private func fields(_ v: Victim) -> [String: String] {
        ["name": "Tổ tiếp nhận thử", "parentId": v.unit, "unitId": v.unit, "idNumber": "033060000011", "roles": "officer",
         "fullName": "Lê Thị Cúc", "dateOfBirth": "1990-02-03", "phone": "0987000999", "code": "000000", "reason": "x", "enabled": "false"]
    }

    /// What the matrix compares before and after: every table a refused call could have written to.
    private func state(_ ctx: TestContext) async throws -> [String] {
        var lines = try await ctx.snapshot()
        for table in ["units", "staff_roles", "citizen_drafts", "rights_requests", "oidc_clients", "id_scans"] {
            let row = try await ctx.app.db.sql.raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: table)").first()
            lines.append("\(table)=\(try row?.decode(column: "n", as: Int.self) ?? -1)")
        }
        for row in try await ctx.app.db.sql.raw("SELECT name, code, active FROM units ORDER BY name").all() {
            lines.append("unit \(try row.decode(column: "name", as: String.self)) \(try row.decode(column: "code", as: String?.self) ?? "") \(try row.decode(column: "active", as: Bool.self))")
        }
        for row in try await ctx.app.db.sql.raw("SELECT account_id, role, revoked_at FROM staff_roles ORDER BY account_id, role").all() {
            lines.append("role \(try row.decode(column: "account_id", as: UUID.self)) \(try row.decode(column: "role", as: String.self)) \(try row.decode(column: "revoked_at", as: Date?.self) != nil)")
        }
        for row in try await ctx.app.db.sql.raw("SELECT status FROM rights_requests ORDER BY created_at").all() {
            lines.append("request \(try row.decode(column: "status", as: String.self))")
        }
        for row in try await ctx.app.db.sql.raw("SELECT client_id, disabled, secret_hash FROM oidc_clients ORDER BY client_id").all() {
            lines.append("client \(try row.decode(column: "client_id", as: String.self)) \(try row.decode(column: "disabled", as: Bool.self)) \(try row.decode(column: "secret_hash", as: String?.self) ?? "")")
        }
        for row in try await ctx.app.db.sql.raw("SELECT full_name, phone FROM citizen_drafts ORDER BY created_at").all() {
            lines.append("draft \(try row.decode(column: "full_name", as: String.self)) \(try row.decode(column: "phone", as: String.self))")
        }
        return lines
    }

    func test_no_route_of_the_console_or_the_admin_api_acts_for_a_caller_without_the_right() async throws {
        try await withEachDatabase { ctx in
            // The centre's officer makes a draft and an account; a citizen asks for rights at the centre.
            try await ctx.loadDemo()
            let centreOfficer = try await ctx.demoOfficer(DemoProvince.centreOfficer, at: DemoProvince.centre)
            var v = Victim()
            v.unit = centreOfficer.unit
            v.account = try await ctx.createCitizen(as: centreOfficer)
            let drafted = try await ctx.uploadDraft(as: centreOfficer, idNumber: "036190005678", phone: "0987000333")
            v.draft = try XCTUnwrap(drafted.json?["id"] as? String, drafted.body.string)
            let officerAccount = try await Account.query(on: ctx.app.db).filter(\.$idNumber == DemoProvince.centreOfficer).first()
            v.officer = try XCTUnwrap(officerAccount?.id).uuidString.lowercased()
            let asker = Citizen.other
            let askerToken = try await ctx.registerAndSignIn(asker)
            let asked = try await ctx.post("/api/v1/rights-requests", ["unitId": v.unit, "position": "Chuyên viên tiếp nhận"], token: askerToken)
            XCTAssertEqual(asked.status, .created, asked.body.string)
            v.request = try XCTUnwrap(asked.json?["id"] as? String)
            try await DemoCommand.loadClient(ctx.app)
            let client = try await OIDCClient.query(on: ctx.app.db).first()
            v.client = try XCTUnwrap(client?.id, "the demo registers a client").uuidString.lowercased()
            v.markers = [v.unit, v.unit.uppercased(), v.draft.lowercased(), v.draft.uppercased(), v.account, v.account.uppercased(),
                         "036190001234", "036190005678", DemoProvince.centreOfficer, asker.idNumber]

            // The callers: none may act on the centre. The centre's own officer is locked after signing in.
            var tokens: [String: String?] = ["anonymous": nil]
            var browsers: [String: Browser] = ["anonymous": Browser(ctx)]
            for (who, id) in [("citizen", DemoProvince.citizen), ("otherOfficer", DemoProvince.deskOfficer),
                              ("otherAdmin", DemoProvince.justiceAdmin), ("locked", DemoProvince.centreOfficer)] {
                tokens[who] = try await ctx.signInDemo(id)
                browsers[who] = try await ctx.console(id)
            }
            try await ctx.lock(DemoProvince.centreOfficer)
            for (_, browser) in browsers { try await browser.get("/dang-nhap") }   // each holds a form token

            // Lists first: the audit trail must be read before the refusals below add the caller's own records of
            // them (which name the centre's ids in their paths).
            let routes = self.routes(ctx.app).sorted { a, b in
                let listA = a.method == .GET && !a.template.contains { if case .parameter = $0 { true } else { false } }
                let listB = b.method == .GET && !b.template.contains { if case .parameter = $0 { true } else { false } }
                return listA && !listB
            }
            XCTAssertGreaterThanOrEqual(routes.count, 50, "the console and the admin API have about sixty routes")
            let before = try await self.state(ctx)
            var calls = 0
            for route in routes {
                let key = "\(route.method.rawValue) /" + route.template.map(\.description).joined(separator: "/")
                if self.openToEveryone.contains(key) { continue }
                let path = self.path(route.template, v)
                let isPage = route.template.first?.description == "quantri"
                for who in ["anonymous", "citizen", "otherOfficer", "otherAdmin", "locked"] {
                    let status: HTTPStatus, body: String, location: String?
                    if isPage {
                        let browser = browsers[who]!
                        let answer = route.method == .GET ? try await browser.get(path)
                            : try await browser.post(path, self.fields(v).sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
                        (status, body, location) = (answer.status, answer.body, answer.location)
                    } else {
                        var json: [String: Any] = self.fields(v)
                        json["roles"] = ["officer"]
                        let answer = try await ctx.request(route.method, path, json: route.method == .GET || route.method == .DELETE ? nil : json,
                                                           token: tokens[who] ?? nil)
                        (status, body, location) = (answer.status, answer.body.string, answer.headers.first(name: .location))
                    }
                    calls += 1
                    let refused = [.unauthorized, .forbidden, .notFound].contains(status)
                        || (who == "anonymous" || who == "locked") && status == .seeOther && (location ?? "").hasPrefix("/dang-nhap")
                    let harmlessList = route.method == .GET && status == .ok && !self.markers(v, in: body)
                    if who == "otherOfficer", self.anyOfficersOwn.contains(key) {
                        // Its own right, used at its own unit or refused for the centre's: a validation answer or the look-up.
                        XCTAssertTrue([.ok, .badRequest, .unsupportedMediaType, .unprocessableEntity].contains(status) && !self.markers(v, in: body),
                                      "\(who) \(key) → \(status.code) \(body.prefix(160))")
                        continue
                    }
                    XCTAssertTrue(refused || harmlessList, "\(who) \(key) → \(status.code) \(location ?? "") \(body.prefix(160))")
                    if !refused && route.method != .GET { XCTFail("\(who) \(key) was not refused: \(status.code)") }
                }
            }
            XCTAssertGreaterThan(calls, 200)
            let after = try await self.state(ctx)
            XCTAssertEqual(after, before, "a refused call changed data")
        }
    }

    private func markers(_ v: Victim, in body: String) -> Bool {
        v.markers.contains { !$0.isEmpty && body.contains($0) }
    }
}
