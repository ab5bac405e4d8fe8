// What an officer types at the counter before the citizen's account exists, and the ID-card scan.
import Fluent
import Foundation

final class CitizenDraft: Model, @unchecked Sendable {
    static let schema = "citizen_drafts"

    @ID(key: .id) var id: UUID?
    @Field(key: "officer_id") var officerID: UUID
    @Field(key: "unit_id") var unitID: UUID
    @Field(key: "id_number") var idNumber: String
    @Field(key: "full_name") var fullName: String
    @Field(key: "date_of_birth") var dateOfBirth: String
    @Field(key: "phone") var phone: String
    @OptionalField(key: "email") var email: String?
    @Field(key: "scan_id") var scanID: UUID
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date
    /// 24 hours after the last change; the scan goes with the draft.
    @Field(key: "expires_at") var expiresAt: Date

    init() {}
}

/// The scan, sealed with AES-GCM, in the database so that every instance sees it and no orphan file exists.
final class IDScan: Model, @unchecked Sendable {
    static let schema = "id_scans"

    @ID(key: .id) var id: UUID?
    @Field(key: "sealed") var sealed: Data
    @Field(key: "file_name") var fileName: String
    @Field(key: "kind") var kind: String
    @Field(key: "size") var size: Int
    @OptionalField(key: "account_id") var accountID: UUID?
    @Field(key: "created_at") var createdAt: Date
    /// Set when the account is made: SCAN_RETENTION_DAYS later the scan is deleted.
    @OptionalField(key: "delete_after") var deleteAfter: Date?

    init() {}
}
