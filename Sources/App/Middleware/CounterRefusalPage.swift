// The counter's pages, opened by someone without the right: the console's explanation (each reason and whom to
// ask), not an error page.
import Vapor

struct CounterRefusalPage: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch let refusal as AppError where refusal.code == CounterService.notOfficerCode {
            let rights = try await request.staffDirectory.counterRights(try await request.staff())
            struct Refused: Encodable {
                let menu = "citizens"
                let isAdmin: Bool
                let rights: ConsoleController.RightsView
            }
            return try await request.page("counter-refused", titleKey: "counter_refused_title",
                                          Refused(isAdmin: try await request.staff().isAdmin,
                                                  rights: ConsoleController.RightsView(rights, language: request.language)),
                                          status: .forbidden)
        }
    }
}
