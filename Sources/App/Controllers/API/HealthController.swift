// Liveness, readiness (the database answers) and Prometheus metrics for the operator.
import Fluent
import SQLKit
import Vapor

struct HealthController {
    struct Status: Content { let status: String }

    func live(req: Request) async throws -> Status { Status(status: "ok") }

    func ready(req: Request) async throws -> Response {
        do {
            _ = try await req.db.sql.raw("SELECT 1 AS ok").first()
            return try await Status(status: "ok").encodeResponse(for: req)
        } catch {
            req.logger.warning("Readiness check failed: \(String(reflecting: error))")
            let response = try await Status(status: "database_unavailable").encodeResponse(for: req)
            response.status = .serviceUnavailable
            return response
        }
    }

    func metrics(req: Request) async throws -> Response {
        if let depth = try? await OutboxWorker.queueDepth(on: req.db) { req.portal.metrics.outboxDepth(depth) }
        var buffer: [UInt8] = []
        req.portal.metrics.registry.emit(into: &buffer)
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "text", subType: "plain", parameters: ["version": "0.0.4", "charset": "utf-8"])
        return Response(status: .ok, headers: headers, body: .init(data: Data(buffer)))
    }

    func openAPI(req: Request) async throws -> Response {
        let path = req.application.directory.resourcesDirectory + "openapi.yaml"
        let response = try await req.fileio.asyncStreamFile(at: path)
        response.headers.contentType = HTTPMediaType(type: "application", subType: "yaml", parameters: ["charset": "utf-8"])
        return response
    }
}
