// Request bodies are taken as sent. No client of the portal compresses what it sends (browsers do not, and the
// API documents none), so the server's decompressor is off: it cost every request a pipeline stage, and spent CPU
// inflating bodies (up to twenty-five-fold) before any route had looked at them. A compressed body is refused
// plainly.
import Vapor

struct ContentEncodingGuard: Middleware {
    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        if let encoding = request.headers.first(name: .contentEncoding),
           encoding.trimmingCharacters(in: .whitespaces).lowercased() != "identity" {
            return request.eventLoop.makeFailedFuture(AppError(
                .unsupportedMediaType, "unsupported_content_encoding",
                Msg("Máy chủ không nhận nội dung đã nén (Content-Encoding). Hãy gửi lại không nén.",
                    "The server does not accept compressed bodies (Content-Encoding). Send the body uncompressed.")))
        }
        return next.respond(to: request)
    }
}
