// What staff type is shown to other staff later: in the console's pages (escaped), in a download's file name
// (a file name cannot reach the Content-Disposition header raw), and in the audit CSV (quoted, formulas
// defused, the export itself audited). On SQLite and PostgreSQL.
import Fluent
import Foundation
import XCTVapor
@testable import App

final class StoredOutputTests: XCTestCase {
    static let markup = "<script>alert(1)</script>\"><img src=x onerror=alert(2)>"

    /// A unit name and a rights request's position with markup are stored as typed and shown escaped on every
    /// console page that lists them: units, the requests to decide, the audit trail.
    func test_markup_typed_into_console_fields_is_shown_escaped_to_other_staff() async throws {
        try await withEachDatabase { ctx in
            try await ctx.loadDemo()
            let admin = try await ctx.signInDemo(DemoProvince.superAdmin)
            let district = try await ctx.signInDemo(DemoProvince.districtAdmin)
            let desk = try await ctx.unitID(DemoProvince.desk)
            let parent = try await ctx.unitID(DemoProvince.centre)
            let unit = try await ctx.post("/api/v1/admin/units", ["name": "Đơn vị " + Self.markup, "parentId": parent], token: admin)
            XCTAssertEqual(unit.status, .created, unit.body.string)
            let asked = try await ctx.post("/api/v1/rights-requests", ["unitId": desk, "position": "Chuyên viên " + Self.markup], token: district)
            XCTAssertEqual(asked.status, .created, asked.body.string)

            let browser = Browser(ctx)
            try await browser.signIn(try Citizen.demo(DemoProvince.superAdmin), next: "/quantri")
            for path in ["/quantri/don-vi", "/quantri/yeu-cau", "/quantri/nhat-ky"] {
                let page = try await browser.get(path)
                XCTAssertEqual(page.status, .ok, path)
                XCTAssertFalse(page.body.contains("<script>alert"), "\(path): raw script")
                XCTAssertFalse(page.body.contains("<img src=x"), "\(path): raw img")
                XCTAssertTrue(page.body.contains("&lt;script&gt;alert(1)"), "\(path): the text is shown, escaped")
            }
        }
    }

    /// The ID-card scan downloads under a name made from the one uploaded: quotes, semicolons, slashes and
    /// letters outside ASCII never reach the header raw, so the name cannot add parameters or headers.
    func test_a_hostile_scan_file_name_cannot_shape_the_download_header() async throws {
        try await withEachDatabase { ctx in
            try await ctx.loadDemo()
            let officer = try await ctx.demoOfficer(DemoProvince.deskOfficer, at: DemoProvince.desk)
            // As a browser sends them (a quote in a file name goes as %22).
            let names = ["cccd%22; filename*=UTF-8''evil.exe; x=%22.pdf", "../../etc/Căn cước; mặt trước.pdf", "a\\b%0d%0aSet-Cookie: x=1.pdf"]
            for (n, name) in names.enumerated() {
                let made = try await ctx.uploadDraft(as: officer, idNumber: "03619000\(1234 + n)", phone: "098700011\(n)", filename: name)
                XCTAssertEqual(made.status, .created, "\(name): \(made.body.string)")
                let id = try XCTUnwrap(made.json?["id"] as? String)
                for path in ["/api/v1/admin/citizen-accounts/drafts/\(id)/id-scan", "/api/v1/admin/citizen-accounts/drafts/\(id)/request-form.pdf"] {
                    let download = try await ctx.get(path, token: officer.token)
                    XCTAssertEqual(download.status, .ok, path)
                    let dispositions = download.headers[.contentDisposition]
                    XCTAssertEqual(dispositions.count, 1, "\(name): \(dispositions)")
                    let value = try XCTUnwrap(dispositions.first)
                    let match = try XCTUnwrap(value.wholeMatch(of: /attachment; filename="([A-Za-z0-9._-]+)"/), "\(name): \(value)")
                    XCTAssertFalse(match.1.contains(".."), value)
                    XCTAssertNil(download.headers.first(name: "X-Evil"))
                    XCTAssertFalse(download.headers[.setCookie].contains { $0.hasPrefix("x=") })
                }
            }
        }
    }

    /// Every user-typed value reaches the audit trail inside its JSON details, so no cell of today's records
    /// begins with user text; the CSV field still defuses what a spreadsheet would run, should one ever do.
    func test_a_csv_field_is_quoted_and_never_starts_a_formula() {
        XCTAssertEqual(CSV.field("=HYPERLINK(\"http://evil\")"), "\"'=HYPERLINK(\"\"http://evil\"\")\"")
        for lead in ["=", "+", "-", "@", "\t", "\r"] {
            XCTAssertEqual(CSV.field(lead + "1"), "\"'" + lead + "1\"", lead)
        }
        XCTAssertEqual(CSV.field("Nguyễn \"Hoa\", 1"), "\"Nguyễn \"\"Hoa\"\", 1\"")
        XCTAssertEqual(Self.cells(CSV.field("a\"b") + "," + CSV.field("=c")), ["a\"b", "'=c"])
    }

    /// The cells of one CSV row where every field is quoted (RFC 4180, "" for a quote); nil if it is not so.
    static func cells(_ row: String) -> [String]? {
        var cells: [String] = [], cell = "", chars = Array(row), i = 0
        while i < chars.count {
            guard chars[i] == "\"" else { return nil }
            i += 1
            while true {
                guard i < chars.count else { return nil }
                if chars[i] == "\"" {
                    if i + 1 < chars.count, chars[i + 1] == "\"" { cell.append("\""); i += 2; continue }
                    i += 1
                    break
                }
                cell.append(chars[i]); i += 1
            }
            cells.append(cell); cell = ""
            if i < chars.count { guard chars[i] == "," else { return nil }; i += 1 }
        }
        return cells
    }

    /// The audit CSV: a byte-order mark and a header row, every field quoted with its quotes doubled, a cell
    /// that a spreadsheet would run as a formula turned into text, only the caller's scope, and the export
    /// itself recorded. The console's link gives the same file.
    func test_the_audit_csv_quotes_defuses_formulas_stays_in_scope_and_is_audited() async throws {
        try await withEachDatabase { ctx in
            try await ctx.loadDemo()
            let admin = try await ctx.signInDemo(DemoProvince.superAdmin)
            let district = try await ctx.signInDemo(DemoProvince.districtAdmin)
            let parent = try await ctx.unitID(DemoProvince.centre)
            let formula = "=HYPERLINK(\"http://evil.example\",\"x\")"
            let unit = try await ctx.post("/api/v1/admin/units", ["name": formula, "parentId": parent], token: admin)
            XCTAssertEqual(unit.status, .created, unit.body.string)

            let csv = try await ctx.get("/api/v1/admin/audit.csv?action=unit.create", token: admin)
            XCTAssertEqual(csv.status, .ok)
            XCTAssertEqual(csv.headers.contentType?.description.lowercased().hasPrefix("text/csv"), true)
            let text = csv.body.string
            XCTAssertTrue(text.hasPrefix("\u{FEFF}\"Thời gian (giờ Việt Nam)\",\"Người thực hiện\",\"Địa chỉ IP\",\"Sự kiện\",\"Mã sự kiện\",\"Đối tượng\",\"Kết quả\",\"Chi tiết\"\r\n"),
                          String(text.prefix(120)))
            let rows = text.split(separator: "\r\n").dropFirst()
            XCTAssertFalse(rows.isEmpty)
            for row in rows {
                let cells = try XCTUnwrap(Self.cells(String(row)), "not well-formed CSV: \(row)")
                XCTAssertEqual(cells.count, 8, String(row))
                for cell in cells {
                    XCTAssertFalse(cell.first.map { "=+-@".contains($0) } ?? false, "a cell a spreadsheet would run: \(cell)")
                }
            }
            XCTAssertTrue(rows.compactMap { Self.cells(String($0)) }.contains { $0.contains { $0.contains("HYPERLINK(") } }, "the unit's record is in the file: \(text)")

            // The district admin's export holds none of the province-level unit's record.
            let scoped = try await ctx.get("/api/v1/admin/audit.csv?action=unit.create", token: district)
            XCTAssertEqual(scoped.status, .ok)
            XCTAssertFalse(scoped.body.string.contains("HYPERLINK"), scoped.body.string)

            let exports = try await AuditEvent.query(on: ctx.app.db).filter(\.$action == "audit.export").count()
            XCTAssertEqual(exports, 2, "each export is in the trail")

            let browser = Browser(ctx)
            try await browser.signIn(try Citizen.demo(DemoProvince.superAdmin), next: "/quantri")
            let page = try await browser.get("/quantri/nhat-ky.csv?action=unit.create")
            XCTAssertEqual(page.status, .ok)
            XCTAssertEqual(page.body.split(separator: "\r\n").count, text.split(separator: "\r\n").count, "the console's file has the same rows")
        }
    }
}
