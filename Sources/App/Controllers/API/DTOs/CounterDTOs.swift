// The JSON and multipart shapes of the counter API.
import Domain
import Foundation
import Vapor

struct LookupResponse: Content { let exists: Bool }

struct DraftMultipart: Content {
    var idNumber: String?
    var fullName: String?
    var dateOfBirth: String?
    var phone: String?
    var email: String?
    var unitId: String?
    var idScan: File?

    /// The parser walks a 5 MB body byte by byte: on the upload threads, like the scan's inspection, so that
    /// two uploads being read do not hold up every other request.
    static func decode(_ req: Request) async throws -> DraftMultipart {
        guard let body = req.body.data, let boundary = req.headers.contentType?.parameters["boundary"] else { throw AppError.invalidBody() }
        do {
            return try await req.portal.uploads.offload { try FormDataDecoder().decode(DraftMultipart.self, from: body, boundary: boundary) }
        } catch {
            throw AppError.invalidBody()
        }
    }
}

struct DraftPatch: Content {
    var idNumber: String?
    var fullName: String?
    var dateOfBirth: String?
    var phone: String?
    var email: String?
    var unitId: UUID?
}

struct DraftView: Content {
    let id: UUID
    let idNumber: String
    let fullName: String
    let dateOfBirth: String
    let phone: String
    let phoneMasked: String
    let email: String?
    let unitId: UUID
    let scanFileName: String
    let createdAt: String
    let updatedAt: String
    let expiresAt: String
}

struct MessageView: Content {
    let id: UUID
    let kind: String
    let status: String
    let attempts: Int
    let lastError: String?
    let createdAt: String
    let sentAt: String?

    init(_ m: OutboxMessage) {
        self.init(id: m.id!, kind: m.kind, status: m.status, attempts: m.attempts, lastError: m.lastError, createdAt: m.createdAt, sentAt: m.sentAt)
    }

    init(_ s: SMSState) {
        self.init(id: s.id, kind: s.kind, status: s.status, attempts: s.attempts, lastError: s.lastError, createdAt: s.createdAt, sentAt: s.sentAt)
    }

    private init(id: UUID, kind: OutboxMessage.Kind, status: OutboxMessage.Status, attempts: Int, lastError: String?, createdAt: Date, sentAt: Date?) {
        self.id = id
        self.kind = kind.rawValue
        self.status = status.rawValue
        self.attempts = attempts
        self.lastError = lastError
        self.createdAt = RFC3339.string(createdAt)
        self.sentAt = sentAt.map(RFC3339.string)
    }
}

struct CitizenAccountView: Content {
    let id: UUID
    let idNumber: String
    let fullName: String
    let phoneMasked: String
    let unitId: UUID?
    let createdAt: String
    let passwordChangeRequired: Bool
    let passwordSMS: MessageView?
}

extension DraftView {
    init(_ details: CounterService.DraftDetails) {
        let d = details.draft
        self.init(id: d.id!, idNumber: d.idNumber, fullName: d.fullName, dateOfBirth: d.dateOfBirth, phone: d.phone,
                  phoneMasked: (try? PhoneNumber(d.phone).masked) ?? "", email: d.email, unitId: d.unitID,
                  scanFileName: details.scanFileName, createdAt: RFC3339.string(d.createdAt), updatedAt: RFC3339.string(d.updatedAt),
                  expiresAt: RFC3339.string(d.expiresAt))
    }
}
