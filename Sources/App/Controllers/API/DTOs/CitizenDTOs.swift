// The JSON shapes of the citizen API. Every input field is optional here so that a missing one is a
// 422 naming the field, while a wrong type is a 400 naming it.
import Foundation
import Vapor

/// Beside the person's details (`WithPerson`).
struct RegistrationRequest: Codable, Sendable {
    var accountType, verificationMethod, humanCheck: String?
}

struct RegistrationCreated: Content {
    let id: UUID
    let phoneMasked, otpExpiresAt, nextSendAt: String
}

struct OTPSentResponse: Content {
    let otpExpiresAt, nextSendAt: String

    init(_ sent: OTPSent) {
        otpExpiresAt = RFC3339.string(sent.expiresAt)
        nextSendAt = RFC3339.string(sent.nextSendAt)
    }
}

struct CodeRequest: Content { var code: String? }

struct CompletionTokenResponse: Content { let completionToken: String }

struct CompleteRegistrationRequest: Content {
    var completionToken, password: String?
}

struct AccountCreated: Content { let accountId: UUID }

struct LoginRequest: Content {
    var username, password: String?
}

struct LoginChallengeResponse: Content {
    let challengeId: UUID
    let phoneMasked, otpExpiresAt, nextSendAt: String
}

struct TokenResponse: Content {
    let token, expiresAt: String
    let passwordChangeRequired: Bool
}

struct MeResponse: Content {
    let id: UUID
    let idNumber, fullName, dateOfBirth, phone: String
    let email: String?
    let createdAt: String
    let passwordChangeRequired: Bool

    init(_ account: AccountRecord) {
        id = account.id
        idNumber = account.idNumber
        fullName = account.fullName
        dateOfBirth = account.dateOfBirth
        phone = account.phone
        email = account.email
        createdAt = RFC3339.string(account.createdAt)
        passwordChangeRequired = account.passwordTemporary
    }
}

struct ChangePasswordRequest: Content {
    var currentPassword, newPassword: String?
}

struct SessionItem: Content {
    let id: UUID
    let kind: String
    let current: Bool
    let clientAddress, userAgent, createdAt, lastSeenAt: String
}

struct Page<Item: Content>: Content {
    let items: [Item]
    let page, per, total: Int
}

struct PasswordResetRequest: Content {
    var username, humanCheck: String?
}

struct PasswordResetStarted: Content { let id: UUID }

struct CompleteResetRequest: Content {
    var code, newPassword: String?
}

struct ServiceItem: Content {
    let id: UUID
    let code, name, field, level, agency: String

    init(_ s: PublicService) {
        id = s.id!
        code = s.code
        name = s.name
        field = s.field
        level = s.level
        agency = s.agency
    }
}

struct OKResponse: Content { let status: String }

/// The human check's challenge, as `GET /human-check` answers it.
extension HumanCheckChallenge: Content {}
