// The API is as strict as its OpenAPI document: query values outside the document are a 400 naming the
// parameter (never clamped or ignored), an undeclared method on a known path is a 405 with `Allow`, required
// body fields are required, and lengths are those the document states. On SQLite and PostgreSQL.
import Fluent
import Foundation
import XCTVapor
@testable import App

final class APIStrictnessTests: XCTestCase {
    func test_a_known_path_asked_with_another_method_is_405_with_allow_and_an_unknown_path_stays_404() async throws {
        try await withEachDatabase { ctx in
            let me = try await ctx.send(.PUT, "/api/v1/me", json: [:])
            XCTAssertEqual(me.status, .methodNotAllowed)
            XCTAssertEqual(me.headers.first(name: .allow), "GET, HEAD")
            XCTAssertEqual(me.errorCode, "method_not_allowed")
            let login = try await ctx.send(.DELETE, "/api/v1/login")
            XCTAssertEqual(login.status, .methodNotAllowed)
            XCTAssertEqual(login.headers.first(name: .allow), "POST")
            // A path with a parameter: the methods of every route that has its shape.
            let draft = try await ctx.send(.PUT, "/api/v1/admin/citizen-accounts/drafts/\(UUID())")
            XCTAssertEqual(draft.status, .methodNotAllowed)
            XCTAssertEqual(Set((draft.headers.first(name: .allow) ?? "").components(separatedBy: ", ")), ["GET", "HEAD", "PATCH"])
            let trace = try await ctx.send(.TRACE, "/.well-known/openid-configuration")
            XCTAssertEqual(trace.status, .methodNotAllowed)
            // Pages too, with the portal's own error page (a page's unsafe methods meet the CSRF check first).
            let page = try await ctx.send(.GET, SiteURL.registerResend(.value(UUID())).path)
            XCTAssertEqual(page.status, .methodNotAllowed)
            XCTAssertTrue(page.body.contains("<html"), page.body)
            for unknown in ["/api/v1/nothing-here", "/api/v1/me/sessions/\(UUID())/more"] {
                let none = try await ctx.send(.GET, unknown)
                XCTAssertEqual(none.status, .notFound, unknown)
            }
        }
    }

    func test_query_values_outside_the_document_are_400_naming_the_parameter() async throws {
        try await withEachDatabase { ctx in
            try await ctx.loadDemo()
            let admin = try await ctx.signInDemo(DemoProvince.superAdmin)
            let officer = try await ctx.signInDemo(DemoProvince.deskOfficer)
            let desk = try await ctx.unitID(DemoProvince.desk)
            let refused: [(String, String, String?)] = [
                ("/api/v1/admin/audit?to=", "to", admin),
                ("/api/v1/admin/audit?from=yesterday", "from", admin),
                ("/api/v1/admin/audit?actor=someone", "actor", admin),
                ("/api/v1/admin/audit.csv?to=2025-13-01T00:00:00Z", "to", admin),
                ("/api/v1/admin/units?per=0", "per", admin),
                ("/api/v1/admin/units?page=abc", "page", admin),
                ("/api/v1/admin/units?per=101", "per", admin),
                ("/api/v1/admin/units?per=5&per=6", "per", admin),
                ("/api/v1/admin/rights-requests?status=all", "status", admin),
                ("/api/v1/admin/units/\(desk)/staff?page=-1", "page", admin),
                ("/api/v1/services?q=\(String(repeating: "a", count: 101))", "q", nil),
                ("/api/v1/admin/citizen-accounts?q=\(String(repeating: "1", count: 101))", "q", officer),
            ]
            for (path, field, token) in refused {
                let res = try await ctx.get(path, token: token)
                XCTAssertEqual(res.status, .badRequest, path)
                XCTAssertEqual(res.errorCode, "invalid_query", path)
                XCTAssertNotNil(res.errorFields?[field], "\(path): \(res.body.string)")
            }
            let revoke = try await ctx.delete("/api/v1/admin/units/\(desk)/staff/\(UUID())?role=boss", token: admin)
            XCTAssertEqual(revoke.status, .badRequest)
            XCTAssertNotNil(revoke.errorFields?["role"])
            // What the document allows is answered: RFC 3339 with or without fractions, an offset, the edges.
            for path in ["/api/v1/admin/audit?from=2025-03-01T07:00:00%2B07:00&to=2099-01-01T00:00:00.5Z&action=",
                         "/api/v1/admin/units?page=1000000&per=100", "/api/v1/admin/rights-requests?status=pending&page=1&per=1"] {
                let res = try await ctx.get(path, token: admin)
                XCTAssertEqual(res.status, .ok, "\(path): \(res.body.string)")
            }
            // The caller's rights come first: a citizen asking with a bad value is still refused as a citizen.
            let citizen = try await ctx.registerAndSignIn(Citizen())
            let asCitizen = try await ctx.get("/api/v1/admin/audit?to=", token: citizen)
            XCTAssertEqual(asCitizen.status, .forbidden)
        }
    }

    /// A NUL or another control character in a search term is dropped (PostgreSQL refuses NUL in text: the
    /// search answered 500 there); line breaks and tabs read as spaces. Pages and API, both searches.
    func test_control_characters_in_a_search_are_dropped_not_sent_to_the_database() async throws {
        try await withEachDatabase { ctx in
            try await ctx.loadDemo()
            let officer = try await ctx.signInDemo(DemoProvince.deskOfficer)
            let plain = try await ctx.get("/api/v1/services?q=khai")
            let plainTotal = try XCTUnwrap(plain.json?["total"] as? Int)
            XCTAssertGreaterThan(plainTotal, 0)
            let withNUL = try await ctx.get("/api/v1/services?q=kh%00ai%01")
            XCTAssertEqual(withNUL.status, .ok, withNUL.body.string)
            XCTAssertEqual(withNUL.json?["total"] as? Int, plainTotal)
            let list = try await ctx.get("/api/v1/admin/citizen-accounts?q=%00%1B1", token: officer)
            XCTAssertEqual(list.status, .ok, list.body.string)
            let page = try await ctx.send(.GET, "/dich-vu?q=kh%00ai")
            XCTAssertEqual(page.status, .ok)
            let browser = Browser(ctx)
            try await browser.signIn(try Citizen.demo(DemoProvince.deskOfficer), next: "/quantri")
            let counter = try await browser.get("/quantri/tai-khoan-cong-dan?q=%00abc")
            XCTAssertEqual(counter.status, .ok)
        }
    }

    func test_required_fields_and_lengths_are_those_of_the_document() async throws {
        try await withEachDatabase { ctx in
            for field in ["accountType", "verificationMethod"] {
                var body = Citizen().registration
                body[field] = nil
                let res = try await ctx.post("/api/v1/registrations", body)
                XCTAssertEqual(res.status, .unprocessableEntity, field)
                XCTAssertNotNil(res.errorFields?[field], res.body.string)
            }
            // An ID number of 12 digits with enough spaces around them to pass 20 characters.
            var spaced = Citizen().registration
            spaced["idNumber"] = "  001 090 012 345   "
            XCTAssertEqual((spaced["idNumber"] as! String).count, 20)
            let fits = try await ctx.post("/api/v1/registrations", spaced)
            XCTAssertEqual(fits.status, .created, fits.body.string)
            spaced["idNumber"] = "   001 090 012 345   "
            let long = try await ctx.post("/api/v1/registrations", spaced)
            XCTAssertEqual(long.status, .unprocessableEntity)
            XCTAssertNotNil(long.errorFields?["idNumber"])
            for path in ["/api/v1/login", "/api/v1/password-resets"] {
                let res = try await ctx.post(path, ["username": "0912 345 678" + String(repeating: " ", count: 13), "password": "x"])
                XCTAssertEqual(res.status, .unprocessableEntity, path)
                XCTAssertNotNil(res.errorFields?["username"], "\(path): \(res.body.string)")
            }
        }
    }

    func test_a_decision_reason_is_kept_whole_or_refused_and_a_body_of_the_wrong_shape_is_400_and_control_characters_422() async throws {
        try await withEachDatabase { ctx in
            try await ctx.loadDemo()
            let admin = try await ctx.signInDemo(DemoProvince.districtAdmin)
            let superAdmin = try await ctx.signInDemo(DemoProvince.superAdmin)
            let desk = try await ctx.unitID(DemoProvince.desk)
            let asked = try await ctx.post("/api/v1/rights-requests", ["unitId": desk, "position": "Chuyên viên"], token: admin)
            let id = try XCTUnwrap(asked.json?["id"] as? String)
            let wrongType = try await ctx.post("/api/v1/admin/rights-requests/\(id)/refuse", ["reason": 5], token: superAdmin)
            XCTAssertEqual(wrongType.status, .badRequest)
            let long = try await ctx.post("/api/v1/admin/rights-requests/\(id)/refuse", ["reason": String(repeating: "ạ", count: 501)], token: superAdmin)
            XCTAssertEqual(long.status, .unprocessableEntity)
            XCTAssertNotNil(long.errorFields?["reason"])
            let pending = try await ctx.get("/api/v1/admin/rights-requests?status=pending", token: superAdmin)
            XCTAssertEqual((pending.json?["items"] as? [[String: Any]])?.first?["id"] as? String, id, "a refused reason decides nothing")
            // A NUL or another control character is refused with the field named, on both databases (PostgreSQL cannot
            // store a NUL in text: the request answered 500 there); a line break is only a space.
            for bad in ["\u{0}Chuyên viên", "Chuyên\u{7}viên"] {
                let position = try await ctx.post("/api/v1/rights-requests", ["unitId": desk, "position": bad], token: superAdmin)
                XCTAssertEqual(position.status, .unprocessableEntity, position.body.string)
                XCTAssertNotNil(position.errorFields?["position"], position.body.string)
                let refusal = try await ctx.post("/api/v1/admin/rights-requests/\(id)/refuse", ["reason": "Sai\u{0} đơn vị"], token: superAdmin)
                XCTAssertEqual(refusal.status, .unprocessableEntity, refusal.body.string)
                XCTAssertNotNil(refusal.errorFields?["reason"], refusal.body.string)
            }
            let reason = String(repeating: "ạ", count: 500)
            let refused = try await ctx.post("/api/v1/admin/rights-requests/\(id)/refuse", ["reason": reason], token: superAdmin)
            XCTAssertEqual(refused.status, .ok, refused.body.string)
            let kept = try await RightsRequest.find(UUID(uuidString: id)!, on: ctx.app.db)
            XCTAssertEqual(kept?.reason, reason)
        }
    }
}
