// A new person whose provider gave no phone: the verified claims wait while the person gives a phone of their
// own and proves it with an SMS code; then the account is made as from the claims.
import Domain
import Fluent
import Foundation
import SQLKit

extension ElectronicID {
    struct Signup: SQLRecord {
        let id: UUID
        let browserHash, issuer, subject: String
        let acr: String?
        let idNumber, fullName, dateOfBirth: String
        let phone: String?
        let next: String
        let expiresAt: Date
        enum CodingKeys: CodingKey, CaseIterable {
            case id, browserHash, issuer, subject, acr, idNumber, fullName, dateOfBirth, phone, next, expiresAt
        }
    }

    /// The waiting sign-up, only for the browser that started it.
    func signup(_ id: UUID, browserToken: String?) async throws -> Signup {
        guard let row = try await db.sql.raw("SELECT \(Signup.columns()) FROM eid_signups WHERE id = \(bind: id)").firstRecord(Signup.self),
              row.expiresAt > now, let browserToken,
              ConstantTime.equal(Array(hash(browserToken).utf8), Array(row.browserHash.utf8)) else { throw Self.expired }
        return row
    }

    /// Keeps the phone and sends it a code; the same limits as every code to a phone.
    func sendSignupCode(_ id: UUID, phone raw: String?, browserToken: String?, clientAddress: String) async throws -> OTPSent {
        let row = try await signup(id, browserToken: browserToken)
        let phone: PhoneNumber
        do { phone = try PhoneNumber(raw ?? row.phone ?? "") } catch { throw AppError.validation(["phone": Msg(error)]) }
        try await AccountLimits(db: db, portal: portal).checkPhone(phone.e164)
        let portal = self.portal
        return try await db.writeTransaction { tx in
            try await tx.sql.raw("UPDATE eid_signups SET phone = \(bind: phone.e164) WHERE id = \(bind: id)").run()
            return try await OTPService(db: tx, portal: portal).send(purpose: .eidSignup, flowID: id, phone: phone, clientAddress: clientAddress)
        }
    }

    /// The code proves the phone: the account is made, linked and signed in, all at once.
    func finishSignup(_ id: UUID, code: String, browserToken: String?, clientAddress: String, userAgent: String)
        async throws -> (token: String, next: String) {
        let row = try await signup(id, browserToken: browserToken)
        guard let rawPhone = row.phone else { throw Self.expired }
        let portal = self.portal
        let outcome: Result<String, AppError> = try await db.writeTransaction { tx in
            let result = try await OTPService(db: tx, portal: portal).check(flowID: id, purpose: .eidSignup, code: code)
            guard result == .ok else { return .failure(OTPService.error(for: result) ?? Self.expired) }
            let now = portal.time.now()
            let account = Account.make(id: try IDNumber(row.idNumber), name: try PersonName(row.fullName), phone: try PhoneNumber(rawPhone),
                                       dateOfBirth: try DateOfBirth(iso: row.dateOfBirth, today: now), hash: Account.noPassword,
                                       temporary: false, now: now)
            let limits = AccountLimits(db: tx, portal: portal)
            try await limits.checkIDFree(account.idNumber)
            try await limits.checkPhone(account.phone)
            try await account.create(on: tx)
            try await Self.insertLink(tx, portal: portal, account: account.id!, issuer: row.issuer, subject: row.subject, acr: row.acr)
            try await tx.sql.raw("DELETE FROM eid_signups WHERE id = \(bind: id)").run()
            let made = try await Sessions(db: tx, portal: portal).create(account: account.id!, kind: .web, clientAddress: clientAddress,
                                                                         userAgent: userAgent, acr: Self.acr(row.acr), amr: Self.amr)
            try await AuditLog(db: tx, portal: portal).record(AuditLog.Actor(id: account.id, name: account.fullName, address: clientAddress),
                                                              action: "eid.account_create", target: "account:\(account.id!.uuidString.lowercased())",
                                                              unit: nil, details: ["acr": row.acr ?? "", "phone": "proved by SMS"])
            return .success(made.token)
        }
        switch outcome {
        case let .success(token): return (token, SafeRedirect.localPath(row.next))
        case let .failure(error): throw error
        }
    }

    /// The code page's state: the phone (masked) and its code.
    func signupCodeState(_ id: UUID, browserToken: String?) async throws -> (phone: PhoneNumber?, code: OTPState?) {
        let row = try await signup(id, browserToken: browserToken)
        return (try row.phone.map { try PhoneNumber($0) }, try await OTPService(db: db, portal: portal).state(of: id))
    }
}
