// A portal account: a citizen's, and every staff member's too (staff are first ordinary accounts).
import Domain
import Fluent
import Foundation

final class Account: Model, @unchecked Sendable {
    static let schema = "accounts"

    enum Status: String, Codable, Sendable { case active, locked }

    @ID(key: .id) var id: UUID?
    /// 12-digit CCCD or 9-digit CMND, digits only; unique in the database.
    @Field(key: "id_number") var idNumber: String
    @Field(key: "full_name") var fullName: String
    /// Case- and tone-placement-folded name for search (never for uniqueness).
    @Field(key: "name_key") var nameKey: String
    @Field(key: "date_of_birth") var dateOfBirth: String
    /// E.164.
    @Field(key: "phone") var phone: String
    @OptionalField(key: "email") var email: String?
    /// `scrypt$N$r$p$salt$hash`, parameters kept with the hash so they can be raised later.
    @Field(key: "password_hash") var passwordHash: String
    /// Issued by an officer or at bootstrap: must be changed at first sign-in, expires unused.
    @Field(key: "password_temporary") var passwordTemporary: Bool
    @OptionalField(key: "password_expires_at") var passwordExpiresAt: Date?
    @Field(key: "status") var status: Status
    /// No longer read: sign-in attempts are counted in LoginAttempts (atomically, and for unknown usernames
    /// too). Kept because migrations are append-only; reset with the password.
    @Field(key: "failed_logins") var failedLogins: Int
    @OptionalField(key: "last_failed_login_at") var lastFailedLoginAt: Date?
    /// The officer who created it at a counter, and at which unit (the officer's list of accounts they created).
    @OptionalField(key: "created_by") var createdBy: UUID?
    @OptionalField(key: "created_at_unit") var createdAtUnit: UUID?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    init() {}

    /// A new active account. `temporary` marks a password that must change at first sign-in and expires unused.
    /// The hash of an account made through the e-ID before its owner sets a password: no password matches it.
    static let noPassword = ""

    static func make(id: IDNumber, name: PersonName, phone: PhoneNumber, dateOfBirth: DateOfBirth, email: String? = nil,
                     hash: String, temporary: Bool, now: Date) -> Account {
        let account = Account()
        account.id = UUID()
        account.idNumber = id.digits
        account.fullName = name.value
        account.nameKey = Text.searchKey(name.value)
        account.dateOfBirth = dateOfBirth.iso
        account.phone = phone.e164
        account.email = email
        account.passwordHash = hash
        account.passwordTemporary = temporary
        account.passwordExpiresAt = temporary ? now.addingTimeInterval(CounterService.temporaryPasswordLifetime) : nil
        account.status = .active
        account.failedLogins = 0
        account.createdAt = now
        account.updatedAt = now
        return account
    }
}
