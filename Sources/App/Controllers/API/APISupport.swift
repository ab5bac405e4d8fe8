// Small helpers every API controller uses: JSON bodies, ids in paths (paging is APIQuery's).
import Vapor

extension Request {
    /// Decodes a JSON body; other content types are a 415, malformed JSON a 400 with the field named.
    func json<T: Decodable>(_ type: T.Type) throws -> T {
        guard headers.contentType == .json || headers.contentType?.subType == "json" else {
            throw AppError(.unsupportedMediaType, "unsupported_media_type",
                           Msg("Nội dung phải là JSON (Content-Type: application/json).", "The body must be JSON (Content-Type: application/json)."))
        }
        return try content.decode(T.self)
    }

    /// A UUID from the path; anything else is simply not found.
    func uuid(_ name: String = "id") throws -> UUID {
        guard let id = parameters.get(name, as: UUID.self) else { throw AppError.notFound }
        return id
    }

    var userAgent: String { headers.first(name: .userAgent) ?? "" }
}

extension Response {
    /// A file to download, under `fileName`.
    static func attachment(_ data: Data, type: String, fileName: String) -> Response {
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: type)
        headers.contentDisposition = .init(.attachment, filename: fileName)
        return Response(status: .ok, headers: headers, body: .init(data: data))
    }

    static func json<T: Content>(_ value: T, status: HTTPStatus, for req: Request) async throws -> Response {
        let response = try await value.encodeResponse(for: req)
        response.status = status
        return response
    }
}

/// A body that carries a person's details beside its own fields, both read from its top level: the person's
/// fields are declared once, in `PersonInput`, for every form and JSON body that has them.
struct WithPerson<Rest: Decodable & Sendable>: Decodable, Sendable {
    let person: PersonInput
    let rest: Rest

    init(from decoder: any Decoder) throws {
        person = try PersonInput(from: decoder)
        rest = try Rest(from: decoder)
    }
}

extension Request {
    /// A JSON body with a person's details, its date of birth in the API's one form.
    func person<Rest>(_ type: WithPerson<Rest>.Type) throws -> WithPerson<Rest> {
        let body = try json(type)
        try APIDate.check(body.person)
        return body
    }
}

/// The API's dates are the contract's `YYYY-MM-DD` and nothing else: `01/02/1985` reads as January or February
/// depending on the reader. The pages keep accepting the Vietnamese `dd/mm/yyyy` they show.
enum APIDate {
    static let invalid = Msg("Ngày sinh phải viết theo dạng YYYY-MM-DD (ví dụ 1985-12-31).",
                             "The date of birth must be written YYYY-MM-DD (for example 1985-12-31).")

    static func check(_ person: PersonInput) throws {
        guard let raw = person.dateOfBirth?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return }
        guard raw.wholeMatch(of: /[0-9]{4}-[0-9]{2}-[0-9]{2}/) != nil else { throw AppError.validation(["dateOfBirth": invalid]) }
    }
}
