// Reading the audit trail's filters from a request, and the CSV download: the console and the API answer alike.
import Foundation
import Vapor

extension Request {
    /// `action`, `actor` (an account id), `from` and `to` (RFC 3339); what does not parse is ignored.
    var auditFilter: AuditFilter {
        let iso = ISO8601DateFormatter()
        let text = { (name: String) in self.query[String.self, at: name].flatMap { $0.isEmpty ? nil : $0 } }
        return AuditFilter(action: text("action"), actor: text("actor").flatMap(UUID.init(uuidString:)),
                           from: text("from").flatMap { iso.date(from: $0) }, to: text("to").flatMap { iso.date(from: $0) })
    }

    func auditExport() async throws -> Response {
        let csv = try await auditTrail.export(try await admin(), auditFilter, actor: auditActor)
        return .attachment(Data(csv.utf8), type: "text/csv; charset=utf-8", fileName: "audit.csv")
    }
}
