// Liveness, readiness (the database answers) and Prometheus metrics for the operator.
import Vapor

struct HealthController {
    struct Status: Content { let status: String }

    func live(req: Request) async throws -> Status { Status(status: "ok") }

    func ready(req: Request) async throws -> Response {
        // Stopping: the load balancer takes this instance out while requests it already sent are finished.
        if req.portal.shutdown.isDraining {
            let response = try await Status(status: "draining").encodeResponse(for: req)
            response.status = .serviceUnavailable
            return response
        }
        if let problem = await req.monitoring.databaseProblem() {
            req.logger.warning("Readiness check failed: \(problem)")
            let response = try await Status(status: "database_unavailable").encodeResponse(for: req)
            response.status = .serviceUnavailable
            return response
        }
        return try await Status(status: "ok").encodeResponse(for: req)
    }

    func metrics(req: Request) async throws -> Response {
        // With METRICS_TOKEN set, only the scraper that holds it reads the figures.
        if let token = req.portal.config.metricsToken {
            guard let given = req.headers.bearerAuthorization?.token,
                  ConstantTime.equal(Array(given.utf8), Array(token.utf8)) else { throw AppError.unauthorized }
        }
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "text", subType: "plain", parameters: ["version": "0.0.4", "charset": "utf-8"])
        return Response(status: .ok, headers: headers, body: .init(data: Data(await req.monitoring.metricsText())))
    }

    func openAPI(req: Request) async throws -> Response {
        let path = req.application.directory.resourcesDirectory + "openapi.yaml"
        let response = try await req.fileio.asyncStreamFile(at: path)
        response.headers.contentType = HTTPMediaType(type: "application", subType: "yaml", parameters: ["charset": "utf-8"])
        return response
    }
}
