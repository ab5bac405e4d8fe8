// Turns every error into the contract's JSON shape for /api and a Vietnamese HTML page for the web.
import Foundation
import Vapor

/// The global middlewares are written with futures, not `async`: the framework runs every `AsyncMiddleware` as a
/// task of its own, and five of them were a measurable share of what a small request cost.
struct PortalErrorMiddleware: Middleware {
    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        next.respond(to: request).flatMapError { error in
            let appError = Self.map(error, request: request)
            if appError.status.code >= 500 {
                request.logger.error("Unhandled error: \(ErrorKind.of(error))")
            } else {
                request.logger.debug("Request refused: \(appError.code)")
            }
            return request.eventLoop.makeFutureWithTask { await Self.render(appError, for: request) }
        }
    }

    /// Vapor's and Swift's own errors become AppErrors; nothing internal (SQL, stack) reaches the client.
    static func map(_ error: any Error, request: Request) -> AppError {
        if let e = error as? AppError { return e }
        if error is RouteNotFound {
            let allowed = request.application.routeMethods.allowed(request.path)
            return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed)
        }
        if let e = error as? DecodingError { return decodingError(e) }
        if let abort = error as? any AbortError {
            switch abort.status {
            case .badRequest:
                return .invalidBody()
            case .notFound: return .notFound
            case .payloadTooLarge:
                // Upload routes carry the ID-card scan; everything else is a small form or JSON body.
                let path = request.path
                return .tooLarge(limit: path.hasSuffix("/drafts") || path == SiteURL.counter(.drafts).path ? UploadLimit.scanBodyLimit : BodyLimits.json)
            case .unsupportedMediaType:
                return AppError(.unsupportedMediaType, "unsupported_media_type",
                                Msg("Kiểu nội dung không được hỗ trợ.", "This content type is not supported."))
            case .methodNotAllowed:
                return AppError(.methodNotAllowed, "method_not_allowed",
                                Msg("Phương thức không được hỗ trợ.", "This method is not allowed here."))
            case .unauthorized: return .unauthorized
            case .forbidden: return .forbidden
            case .unprocessableEntity: return .invalidBody()
            default:
                if abort.status.code < 500 {
                    return AppError(abort.status, "request_refused", Msg("Yêu cầu không được chấp nhận.", "The request was refused."))
                }
            }
        }
        if let kind = DatabaseOutage.kind(of: error) {
            request.application.portal.metrics.databaseError(kind)
            return DatabaseOutage.error(now: request.application.portal.time.now())
        }
        return AppError(.internalServerError, "internal",
                        Msg("Hệ thống đang gặp sự cố. Vui lòng thử lại sau ít phút.",
                            "The system has a problem. Please try again in a few minutes."))
    }

    /// A body of the wrong shape is a 400 that still says which field was wrong.
    static func decodingError(_ error: DecodingError) -> AppError {
        func path(_ ctx: DecodingError.Context, extra: (any CodingKey)? = nil) -> String {
            let keys = ctx.codingPath + (extra.map { [$0] } ?? [])
            return keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case let .keyNotFound(key, ctx):
            return .invalidBody(fields: [path(ctx, extra: key): Msg("Trường này là bắt buộc.", "This field is required.")])
        case let .typeMismatch(type, ctx), let .valueNotFound(type, ctx):
            return .invalidBody(fields: [path(ctx): Msg("Sai kiểu dữ liệu (cần \(typeName(type))).", "Wrong type (expected \(typeName(type))).")])
        case let .dataCorrupted(ctx):
            if ctx.codingPath.isEmpty {
                return .invalidBody(Msg("Nội dung không phải JSON hợp lệ.", "The body is not valid JSON."))
            }
            return .invalidBody(fields: [path(ctx): Msg("Giá trị không hợp lệ.", "Invalid value.")])
        @unknown default:
            return .invalidBody()
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        let name = String(describing: type)
        if name.contains("String") { return "string" }
        if name.contains("Int") || name.contains("Double") { return "number" }
        if name.contains("Bool") { return "boolean" }
        if name.contains("Array") { return "array" }
        return "object"
    }

    static func render(_ error: AppError, for request: Request) async -> Response {
        let language = request.language
        var headers = error.headers
        if let retryAt = error.retryAt {
            let seconds = max(1, Int(ceil(retryAt.timeIntervalSince(request.application.portal.time.now()))))
            headers.replaceOrAdd(name: .retryAfter, value: String(seconds))
        }
        if request.wantsJSON {
            var body: [String: ErrorBody.Inner] = [:]
            body["error"] = ErrorBody.Inner(
                code: error.code,
                message: error.message.text(language),
                fields: error.fields.isEmpty ? nil : error.fields.mapValues { $0.text(language) },
                retryAt: error.retryAt.map(RFC3339.string)
            )
            headers.contentType = .json
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let data = (try? encoder.encode(body)) ?? Data("{\"error\":{\"code\":\"internal\",\"message\":\"\"}}".utf8)
            return Response(status: error.status, headers: headers, body: .init(data: data))
        }
        return await ErrorPage.render(error, request: request, headers: headers)
    }
}

enum ErrorBody {
    struct Inner: Encodable {
        let code: String
        let message: String
        let fields: [String: String]?
        let retryAt: String?
    }
}

extension Request {
    /// API paths always speak JSON; so do callers that ask only for JSON.
    var wantsJSON: Bool {
        path.hasPrefix("/api/") || path.hasPrefix("/health") ||
            (headers.accept.first?.mediaType == .json && !headers.accept.contains { $0.mediaType == .html })
    }
}

/// Body size limits per kind of route; uploads set their own.
enum BodyLimits {
    static let json = 64 * 1024
    static let form = 64 * 1024
    /// Seconds a connection may stay silent before it is closed.
    static let idleConnectionSeconds: Int64 = 75
}
