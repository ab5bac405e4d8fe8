// Reading the audit trail's filters from a request, and the CSV download: the console and the API answer alike.
import Foundation
import Vapor

extension Request {
    /// `action` (an empty one is no filter: the console's form sends it so), `actor` (an account id), `from` and
    /// `to` (RFC 3339); a value that does not read is a 400 `invalid_query`, never ignored.
    func auditFilter() throws -> AuditFilter {
        let action = try apiQuery.text("action", maxLength: 100)
        return AuditFilter(action: action?.isEmpty == false ? action : nil, actor: try apiQuery.uuid("actor"),
                           from: try apiQuery.dateTime("from"), to: try apiQuery.dateTime("to"))
    }

    func auditExport() async throws -> Response {
        let staff = try await admin()
        let csv = try await auditTrail.export(staff, try auditFilter(), actor: auditActor)
        return .attachment(Data(csv.utf8), type: "text/csv; charset=utf-8", fileName: "audit.csv")
    }
}
