// Granting and revoking roles by ID number, and in-app requests for officer rights (R1).
import Domain
import Fluent
import Foundation

struct StaffService: Sendable {
    let db: any Database
    let portal: Portal

    static let noSuchAccount = AppError(.unprocessableEntity, "account_not_found",
        Msg("Không có tài khoản với số định danh này. Cán bộ cần đăng ký tài khoản trên Cổng trước.", "No account has this ID number. The officer must first register a portal account."),
        fields: ["idNumber": Msg("Không có tài khoản với số định danh này.", "No account has this ID number.")])

    static func parseRoles(_ raw: [String]?) throws -> [StaffRole.Role] {
        let roles = try (raw ?? ["member"]).map { name -> StaffRole.Role in
            guard let role = StaffRole.Role(rawValue: name) else {
                throw AppError.validation(["roles": Msg("Vai trò không hợp lệ: \(name).", "Unknown role: \(name).")])
            }
            return role
        }
        return roles.isEmpty ? [.member] : roles
    }

    /// Grants roles at a unit to the existing account with this ID number. Already-held roles are kept.
    func grant(idNumber raw: String?, roles: [StaffRole.Role], at unit: Unit, by staff: StaffContext, actor: AuditLog.Actor) async throws -> Account {
        for role in roles where !staff.mayManage(role, at: unit) {
            throw AppError(.forbidden, "forbidden",
                           Msg("Bạn không thể cấp vai trò \(role.rawValue) tại đơn vị này.", "You cannot grant the \(role.rawValue) role at this unit."))
        }
        let id: IDNumber
        do { id = try IDNumber(raw ?? "") } catch { throw AppError.validation(["idNumber": Msg(error)]) }
        guard let account = try await Account.query(on: db).filter(\.$idNumber == id.digits).first() else { throw Self.noSuchAccount }
        let portal = self.portal
        try await db.writeTransaction { tx in
            try await Self.apply(roles, to: account, at: unit, actor: actor, on: tx, portal: portal)
        }
        return account
    }

    /// Inside the caller's transaction: one live row per role, each grant audited.
    static func apply(_ roles: [StaffRole.Role], to account: Account, at unit: Unit, actor: AuditLog.Actor, on tx: any Database, portal: Portal) async throws {
        for role in roles {
            let live = try await StaffRole.query(on: tx).filter(\.$accountID == account.id!).filter(\.$unitID == unit.id!)
                .filter(\.$role == role).filter(\.$revokedAt == nil).count()
            if live > 0 { continue }
            let grant = StaffRole()
            grant.accountID = account.id!
            grant.unitID = unit.id!
            grant.role = role
            grant.grantedBy = actor.id
            grant.grantedAt = portal.time.now()
            try await grant.create(on: tx)
            try await AuditLog(db: tx, portal: portal).record(actor, action: "staff.grant", target: "account:\(account.id!.uuidString.lowercased())",
                                                              unit: unit, details: ["role": role.rawValue, "unit": unit.name, "staff": account.fullName,
                                                                                    "idNumber": IDNumber.maskedDigits(account.idNumber)])
        }
    }

    /// Revokes roles (all of them when `only` is nil) that the caller may manage; the rows stay as history.
    func revoke(accountID: UUID, at unit: Unit, only: StaffRole.Role?, by staff: StaffContext, actor: AuditLog.Actor) async throws {
        let live = try await StaffRole.query(on: db).filter(\.$accountID == accountID).filter(\.$unitID == unit.id!)
            .filter(\.$revokedAt == nil).all().filter { only == nil || $0.role == only }
        guard !live.isEmpty else { throw AppError.notFound }
        for grant in live where !staff.mayManage(grant.role, at: unit) {
            throw AppError(.forbidden, "forbidden", Msg("Bạn không thể thu hồi vai trò \(grant.role.rawValue) tại đơn vị này.", "You cannot revoke the \(grant.role.rawValue) role at this unit."))
        }
        let portal = self.portal
        try await db.writeTransaction { tx in
            for grant in live {
                grant.revokedAt = portal.time.now()
                grant.revokedBy = actor.id
                try await grant.update(on: tx)
                try await AuditLog(db: tx, portal: portal).record(actor, action: "staff.revoke", target: "account:\(accountID.uuidString.lowercased())",
                                                                  unit: unit, details: ["role": grant.role.rawValue, "unit": unit.name])
            }
        }
    }

    // MARK: Requests for officer rights

    func request(by account: AccountRecord, unitID: UUID?, position: String?, actor: AuditLog.Actor) async throws -> RightsRequest {
        guard let unitID, let unit = try await Unit.find(unitID, on: db), unit.active else {
            throw AppError.validation(["unitId": Msg("Cần chọn đơn vị công tác.", "Choose your unit.")])
        }
        let position = Text.clean(position ?? "")
        guard position.count >= 2, position.count <= 100 else {
            throw AppError.validation(["position": Msg("Cần ghi chức vụ, vị trí công tác (2–100 ký tự).", "Give your position (2–100 characters).")])
        }
        let pending = try await RightsRequest.query(on: db).filter(\.$accountID == account.id).filter(\.$unitID == unitID)
            .filter(\.$status == .pending).count()
        if pending > 0 {
            throw AppError(.conflict, "request_pending", Msg("Bạn đã có một yêu cầu đang chờ duyệt tại đơn vị này.", "You already have a pending request at this unit."))
        }
        let portal = self.portal
        return try await db.writeTransaction { tx in
            let request = RightsRequest()
            request.accountID = account.id
            request.unitID = unitID
            request.position = position
            request.status = .pending
            request.createdAt = portal.time.now()
            try await request.create(on: tx)
            try await AuditLog(db: tx, portal: portal).record(actor, action: "rights_request.create", target: "rights_request:\(request.id!.uuidString.lowercased())",
                                                              unit: unit, details: ["unit": unit.name, "position": position])
            return request
        }
    }

    /// Approving grants `officer` at the requested unit (membership comes with it).
    func decide(_ id: UUID, approve: Bool, reason: String?, by staff: StaffContext, actor: AuditLog.Actor) async throws -> RightsRequest {
        guard let request = try await RightsRequest.find(id, on: db), let unit = try await Unit.find(request.unitID, on: db),
              staff.mayManage(.officer, at: unit) else { throw AppError.notFound }
        guard request.status == .pending else {
            throw AppError(.conflict, "request_decided", Msg("Yêu cầu này đã được xử lý.", "This request was already decided."))
        }
        guard let account = try await Account.find(request.accountID, on: db) else { throw AppError.notFound }
        let portal = self.portal
        return try await db.writeTransaction { tx in
            if approve { try await Self.apply([.member, .officer], to: account, at: unit, actor: actor, on: tx, portal: portal) }
            request.status = approve ? .approved : .refused
            request.decidedBy = actor.id
            request.decidedAt = portal.time.now()
            request.reason = reason.map(Text.clean).flatMap { $0.isEmpty ? nil : String($0.prefix(500)) }
            try await request.update(on: tx)
            try await AuditLog(db: tx, portal: portal).record(actor, action: approve ? "rights_request.approve" : "rights_request.refuse",
                                                              target: "rights_request:\(id.uuidString.lowercased())", unit: unit,
                                                              details: ["staff": account.fullName, "unit": unit.name])
            return request
        }
    }
}

extension IDNumber {
    /// For records that name a person without needing the whole number: first 4 and last 2 digits.
    static func maskedDigits(_ digits: String) -> String {
        (try? IDNumber(digits).masked) ?? String(repeating: "*", count: digits.count)
    }
}
