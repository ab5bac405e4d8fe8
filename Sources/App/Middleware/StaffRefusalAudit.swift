// Refused staff calls in the audit trail: who asked for what, from where, and what they were told.
import Vapor

/// On the console's pages and the administration and counter API: a signed-in caller answered 403, or 404 (what
/// lies outside their scope is "not found"), is recorded as `staff.refused` with the method and path (never the
/// query, which may carry an ID number), at the unit of the caller's highest grant so that its administrators see
/// it (a caller with no grant at all: province-wide, seen by the super admins).
struct StaffRefusalAudit: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let response: Response
        do {
            response = try await next.respond(to: request)
        } catch {
            let status = PortalErrorMiddleware.map(error, request: request).status
            if status == .forbidden || status == .notFound { await Self.record(request, status: status) }
            throw error
        }
        if response.status == .forbidden || response.status == .notFound { await Self.record(request, status: response.status) }
        return response
    }

    private static func record(_ request: Request, status: HTTPStatus) async {
        guard request.signedIn != nil else { return }
        do {
            let staff = try await request.staff()
            let unit = staff.held.min { $0.unit.path.count < $1.unit.path.count }?.unit
            try await AuditLog(db: request.database, portal: request.portal).record(
                request.auditActor, action: "staff.refused", target: "\(request.method.rawValue) \(request.path)", unit: unit,
                outcome: String(status.code))
        } catch {
            request.logger.error("Refused staff call not recorded: \(ErrorKind.of(error))")
        }
    }
}
