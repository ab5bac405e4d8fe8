// How every form page runs its action: the notice on success, the refusal spread over the form, and anything
// else left to the error page.
import Vapor

struct FormOutcome {
    var state: FormState
    var status: HTTPStatus
}

extension Request {
    /// Runs a form's action. Done: `done` (a text key) as a success notice. Refused for a reason that concerns the
    /// input (an AppError below 500, except the statuses in `propagating`): its messages over the form, with its
    /// status. Anything else is a real error and goes to the error page.
    func formOutcome(done: String? = nil, propagating: Set<HTTPStatus> = [], _ action: () async throws -> Void) async throws -> FormOutcome {
        do {
            try await action()
            return FormOutcome(state: done.map { FormState(notice: t($0)) } ?? FormState(), status: .ok)
        } catch {
            return try refusal(error, propagating: propagating)
        }
    }

    /// A refusal as the form shows it: field messages at their fields (`newPassword` at the password), the rest
    /// as the notice, and its status; rethrows what is not a refusal of the input.
    func refusal(_ error: any Error, propagating: Set<HTTPStatus> = []) throws -> FormOutcome {
        guard let appError = error as? AppError, appError.status.code < 500, !propagating.contains(appError.status) else { throw error }
        var state = FormState()
        state.show(appError, language: language)
        if let message = appError.fields["newPassword"] { state.errors["password"] = message.text(language) }
        return FormOutcome(state: state, status: appError.status)
    }
}
