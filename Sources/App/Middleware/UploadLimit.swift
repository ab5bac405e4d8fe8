// The ID-card upload's guard: a declared length over the limit is refused unread; otherwise the body waits
// for an upload slot and must arrive within the gate's time limit.
import Domain
import Vapor

/// Refuses an upload whose declared length is already over the limit, without reading the rest of it; then
/// refuses a caller who is not an officer now; then waits for one of the upload slots before the body is collected, so only a few bodies are in memory at once,
/// and gives the body the gate's time limit to arrive.
struct UploadLimit: AsyncMiddleware {
    /// The file may be exactly 5 MB; the body may carry the form fields beside it.
    static let scanBodyLimit = ScanInspector.maxBytes + 64 * 1024

    let limit: Int
    /// What a caller told "busy" is asked to wait before sending again.
    static let retryAfter: TimeInterval = 5

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if let length = request.headers.first(name: .contentLength).flatMap(Int.init), length > limit {
            throw AppError(.payloadTooLarge, "too_large",
                           Msg("Tệp đính kèm vượt quá 5 MB.", "The attachment is larger than 5 MB."),
                           fields: ["idScan": Msg("Tệp đính kèm vượt quá 5 MB.", "The attachment is larger than 5 MB.")])
        }
        // Only an officer who may create accounts now takes a slot, and one at a time: anyone else signed in
        // is refused before their body is read, so they cannot keep the officers' uploads waiting.
        let staff = try await request.staff()
        _ = try await request.counter.requireOfficer(staff, language: .vi)
        let gate = request.portal.uploads
        return try await gate.withSlot(for: staff.account.id, retryAt: request.now.addingTimeInterval(Self.retryAfter)) {
            // The body is read here, within the time limit; the route then finds it collected.
            _ = try await gate.withinTimeLimit(request.body.collect(max: limit))
            return try await next.respond(to: request)
        }
    }
}
