// Reading the audit trail's filters from a request, and the CSV download: the console and the API answer alike.
import Foundation
import Vapor

extension Request {
    /// `action` (an empty one is no filter), `actor` (an account id), `unit` (a unit id: its events and those under
    /// it), `from` and `to` (RFC 3339); a value that does not read is a 400 `invalid_query`, never ignored.
    func auditFilter() throws -> AuditFilter {
        let action = try apiQuery.text("action", maxLength: 100)
        return AuditFilter(action: action?.isEmpty == false ? action : nil, actor: try apiQuery.uuid("actor"),
                           from: try apiQuery.dateTime("from"), to: try apiQuery.dateTime("to"), unit: try apiQuery.uuid("unit"))
    }

    /// The console's form: the same filters, where "all" is an empty value and the dates are days in Vietnam time
    /// (`from` from the start of its day, `to` to the end of its). A day that does not read is named in `errors`.
    func consoleAuditFilter() -> (filter: AuditFilter, values: [String: String], errors: [String: String]) {
        var values: [String: String] = [:], errors: [String: String] = [:]
        func value(_ name: String) -> String? {
            guard let raw = query[String.self, at: name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty, raw.count <= 100 else { return nil }
            values[name] = raw
            return raw
        }
        func day(_ name: String, end: Bool) -> Date? {
            guard let raw = value(name) else { return nil }
            guard let start = VietnamTime.startOfDay(iso: raw) else {
                errors[name] = t("audit_bad_date")
                return nil
            }
            return end ? start.addingTimeInterval(86_400 - 0.001) : start
        }
        let filter = AuditFilter(action: value("action").flatMap { AuditNames.isKnown($0) ? $0 : nil },
                                 actor: value("actor").flatMap(UUID.init(uuidString:)),
                                 from: day("from", end: false), to: day("to", end: true),
                                 unit: value("unit").flatMap(UUID.init(uuidString:)))
        return (filter, values, errors)
    }

    func auditExport() async throws -> Response {
        let staff = try await admin()
        let csv = try await auditTrail.export(staff, try auditFilter(), actor: auditActor, language: language)
        return .attachment(Data(csv.utf8), type: "text/csv; charset=utf-8", fileName: "audit.csv")
    }
}
