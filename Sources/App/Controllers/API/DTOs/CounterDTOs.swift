// The JSON and multipart shapes of the counter API.
import Domain
import Foundation
import Vapor

/// `eidOnly`: the account was made through the e-ID and has no password; the citizen signs in with the e-ID.
struct LookupResponse: Content { let exists: Bool; let eidOnly: Bool }

/// The upload's own fields, beside the person's details (`WithPerson`).
struct DraftUpload: Codable, Sendable {
    var unitId: String?
    var idScan: File?

    /// The parser walks a 5 MB body byte by byte: on the upload threads, like the scan's inspection, so that
    /// two uploads being read do not hold up every other request.
    static func decode(_ req: Request) async throws -> WithPerson<DraftUpload> {
        guard let body = req.body.data, let boundary = req.headers.contentType?.parameters["boundary"] else { throw AppError.invalidBody() }
        do {
            return try await req.portal.uploads.offload { try FormDataDecoder().decode(WithPerson<DraftUpload>.self, from: body, boundary: boundary) }
        } catch {
            throw AppError.invalidBody()
        }
    }

    /// The draft as the counter service takes it; `keepEmptyScan` false drops a file part with no bytes (a
    /// browser sends one when no file was chosen).
    static func input(_ form: WithPerson<DraftUpload>, keepEmptyScan: Bool) -> (DraftInput, ScanUpload?) {
        let scan = form.rest.idScan.flatMap { file in
            keepEmptyScan || file.data.readableBytes > 0 ? ScanUpload(bytes: Array(buffer: file.data), fileName: file.filename) : nil
        }
        return (DraftInput(person: form.person, unitID: form.rest.unitId.flatMap(UUID.init(uuidString:))), scan)
    }
}

/// A correction's unit, beside the person's details (`WithPerson`).
struct DraftUnit: Codable, Sendable {
    var unitId: UUID?
}

struct DraftView: Content {
    let id: UUID
    let idNumber, fullName, dateOfBirth, phone, phoneMasked: String
    let email: String?
    let unitId: UUID
    let scanFileName, createdAt, updatedAt, expiresAt: String
}

struct MessageView: Content {
    let id: UUID
    let kind, status: String
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
    let idNumber, fullName, phoneMasked: String
    let unitId: UUID?
    let createdAt: String
    let passwordChangeRequired: Bool
    let passwordSMS: MessageView?
}

extension DraftView {
    init(_ d: CitizenDraft, scanFileName: String) {
        self.init(id: d.id!, idNumber: d.idNumber, fullName: d.fullName, dateOfBirth: d.dateOfBirth, phone: d.phone,
                  phoneMasked: (try? PhoneNumber(d.phone).masked) ?? "", email: d.email, unitId: d.unitID,
                  scanFileName: scanFileName, createdAt: RFC3339.string(d.createdAt), updatedAt: RFC3339.string(d.updatedAt),
                  expiresAt: RFC3339.string(d.expiresAt))
    }
}
