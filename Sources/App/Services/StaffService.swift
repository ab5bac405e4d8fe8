// Granting and revoking roles by ID number, and in-app requests for officer rights.
import Domain
import Fluent
import Foundation

struct StaffService: Sendable {
    let db: any Database
    let portal: Portal

    static let noSuchAccount = AppError(.unprocessableEntity, "account_not_found",
        Msg("Không có tài khoản với số định danh này. Cán bộ cần đăng ký tài khoản trên Cổng trước.", "No account has this ID number. The officer must first register a portal account."),
        fields: ["idNumber": Msg("Không có tài khoản với số định danh này.", "No account has this ID number.")])

    /// Nobody grants rights to themselves, a super admin included: rights come from someone else, who answers for them.
    static let ownRights = AppError(.forbidden, "own_rights",
        Msg("Bạn không thể tự cấp quyền cho chính mình. Hãy đề nghị quản trị viên cấp trên (quản trị viên của đơn vị cấp trên hoặc quản trị cấp cao của tỉnh) cấp quyền.",
            "You cannot grant rights to yourself. Ask an administrator above you (an administrator of a parent unit, or the province's super administrator)."))

    /// Nor decides their own request for rights: it waits for an administrator above them.
    static let ownRequest = AppError(.forbidden, "own_rights_request",
        Msg("Bạn không thể tự xử lý yêu cầu cấp quyền của chính mình. Yêu cầu này do quản trị viên cấp trên (quản trị viên của đơn vị cấp trên hoặc quản trị cấp cao của tỉnh) xem xét.",
            "You cannot decide your own rights request. An administrator above you (an administrator of a parent unit, or the province's super administrator) decides it."))

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
    func grant(idNumber raw: String?, roles: [StaffRole.Role], at unit: Unit, by staff: StaffContext, actor: AuditLog.Actor) async throws -> StaffMember {
        for role in roles where !staff.mayManage(role, at: unit) {
            throw AppError(.forbidden, "forbidden",
                           Msg("Bạn không thể cấp vai trò \(role.rawValue) tại đơn vị này.", "You cannot grant the \(role.rawValue) role at this unit."))
        }
        let id: IDNumber
        do { id = try IDNumber(raw ?? "") } catch { throw AppError.validation(["idNumber": Msg(error)]) }
        guard let account = try await Account.query(on: db).filter(\.$idNumber == id.digits).first() else { throw Self.noSuchAccount }
        guard account.id != staff.account.id else { throw Self.ownRights }
        // Every right at a unit makes its holder staff of that unit: membership comes with the first grant.
        let withMembership = roles.contains(.member) ? roles : [.member] + roles
        let portal = self.portal
        try await db.writeTransaction { tx in
            try await Self.apply(withMembership, to: account, at: unit, actor: actor, on: tx, portal: portal)
        }
        return try await member(account, of: unit)
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

    /// Revokes `only` that role, or without one every right the person holds at the unit, while they stay its
    /// member (membership itself goes only when asked for by name). The rows stay as history. An admin may give up
    /// their own rights: that only ever takes power away, and it is audited like any revoke.
    func revoke(accountID: UUID, at unit: Unit, only: StaffRole.Role?, by staff: StaffContext, actor: AuditLog.Actor) async throws {
        let live = try await StaffRole.query(on: db).filter(\.$accountID == accountID).filter(\.$unitID == unit.id!)
            .filter(\.$revokedAt == nil).all().filter { grant in only.map { grant.role == $0 } ?? (grant.role != .member) }
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

    // MARK: The staff of a unit

    /// Everyone who holds or held a role at the unit, by name, with their live and revoked roles.
    func members(of unit: Unit) async throws -> [StaffMember] {
        let roles = try await StaffRole.query(on: db).filter(\.$unitID == unit.id!).all()
        let accounts = try await Account.query(on: db).filter(\.$id ~~ Array(Set(roles.map(\.accountID)))).sort(\.$fullName).all()
        return accounts.map { account in StaffMember(account, roles: roles.filter { $0.accountID == account.id }) }
    }

    func member(_ account: Account, of unit: Unit) async throws -> StaffMember {
        let roles = try await StaffRole.query(on: db).filter(\.$accountID == account.id!).filter(\.$unitID == unit.id!).all()
        return StaffMember(account, roles: roles)
    }

    // MARK: Requests for officer rights

    /// The requests the caller may decide: at the units where they may grant officer rights, and not their own;
    /// newest first.
    func rightsRequests(for staff: StaffContext, status: RightsRequest.Status?, page: Int, per: Int) async throws -> (items: [RightsRequestRow], total: Int) {
        let units = try await StaffDirectory(db: db).unitsInScope(staff).filter { staff.mayManage(.officer, at: $0) }
        var query = RightsRequest.query(on: db).filter(\.$unitID ~~ units.compactMap(\.id)).filter(\.$accountID != staff.account.id)
        if let status { query = query.filter(\.$status == status) }
        let total = try await query.count()
        let rows = try await query.sort(\.$createdAt, .descending).range(((page - 1) * per)..<(page * per)).all()
        return (try await described(rows), total)
    }

    /// Requests with the names of their person and unit.
    func described(_ requests: [RightsRequest]) async throws -> [RightsRequestRow] {
        let accounts = try await Account.query(on: db).filter(\.$id ~~ Array(Set(requests.map(\.accountID)))).all()
        let units = try await Unit.query(on: db).filter(\.$id ~~ Array(Set(requests.map(\.unitID)))).all()
        let byAccount = Dictionary(uniqueKeysWithValues: accounts.map { ($0.id!, $0) })
        let unitNames = Dictionary(uniqueKeysWithValues: units.map { ($0.id!, $0.name) })
        return requests.map { r in
            RightsRequestRow(request: r, fullName: byAccount[r.accountID]?.fullName ?? "",
                             idNumberMasked: IDNumber.maskedDigits(byAccount[r.accountID]?.idNumber ?? ""), unitName: unitNames[r.unitID] ?? "")
        }
    }

    func request(by account: AccountRecord, unitID: UUID?, position: String?, actor: AuditLog.Actor) async throws -> RightsRequestRow {
        guard let unitID, let unit = try await Unit.find(unitID, on: db), unit.active else {
            throw AppError.validation(["unitId": Msg("Cần chọn đơn vị công tác.", "Choose your unit.")])
        }
        let position = Text.clean(position ?? "")
        guard position.count >= 2, position.count <= 100 else {
            throw AppError.validation(["position": Msg("Cần ghi chức vụ, vị trí công tác (2–100 ký tự).", "Give your position (2–100 characters).")])
        }
        guard !Text.hasControlCharacter(position) else {
            throw AppError.validation(["position": Msg("Chức vụ có ký tự điều khiển không hợp lệ.", "The position contains a control character.")])
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
            return RightsRequestRow(request: request, fullName: account.fullName, idNumberMasked: IDNumber.maskedDigits(account.idNumber), unitName: unit.name)
        }
    }

    /// Approving grants `officer` at the requested unit (membership comes with it). One's own request is left to
    /// an administrator above: a unit admin of an ancestor unit, or the super admin.
    static let maxReason = 500

    func decide(_ id: UUID, approve: Bool, reason: String?, by staff: StaffContext, actor: AuditLog.Actor) async throws -> RightsRequestRow {
        guard let request = try await RightsRequest.find(id, on: db), let unit = try await Unit.find(request.unitID, on: db),
              staff.mayManage(.officer, at: unit) else { throw AppError.notFound }
        guard request.accountID != staff.account.id else { throw Self.ownRequest }
        guard request.status == .pending else {
            throw AppError(.conflict, "request_decided", Msg("Yêu cầu này đã được xử lý.", "This request was already decided."))
        }
        guard let account = try await Account.find(request.accountID, on: db) else { throw AppError.notFound }
        let reason = reason.map(Text.clean).flatMap { $0.isEmpty ? nil : $0 }
        if let reason, reason.count > Self.maxReason {
            throw AppError.validation(["reason": Msg("Lý do không được dài quá \(Self.maxReason) ký tự.", "The reason can have at most \(Self.maxReason) characters.")])
        }
        if let reason, Text.hasControlCharacter(reason) {
            throw AppError.validation(["reason": Msg("Lý do có ký tự điều khiển không hợp lệ.", "The reason contains a control character.")])
        }
        let portal = self.portal
        return try await db.writeTransaction { tx in
            if approve { try await Self.apply([.member, .officer], to: account, at: unit, actor: actor, on: tx, portal: portal) }
            request.status = approve ? .approved : .refused
            request.decidedBy = actor.id
            request.decidedAt = portal.time.now()
            request.reason = reason
            try await request.update(on: tx)
            try await AuditLog(db: tx, portal: portal).record(actor, action: approve ? "rights_request.approve" : "rights_request.refuse",
                                                              target: "rights_request:\(id.uuidString.lowercased())", unit: unit,
                                                              details: ["staff": account.fullName, "unit": unit.name])
            return RightsRequestRow(request: request, fullName: account.fullName, idNumberMasked: IDNumber.maskedDigits(account.idNumber), unitName: unit.name)
        }
    }
}

/// A person on a unit's staff list: who, and which roles they hold and held there.
struct StaffMember: Sendable {
    let accountID: UUID
    let fullName, idNumberMasked: String
    let roles, revokedRoles: [StaffRole.Role]

    init(_ account: Account, roles: [StaffRole]) {
        accountID = account.id!
        fullName = account.fullName
        idNumberMasked = IDNumber.maskedDigits(account.idNumber)
        self.roles = roles.filter { $0.revokedAt == nil }.map(\.role).sorted()
        revokedRoles = roles.filter { $0.revokedAt != nil }.map(\.role).sorted()
    }
}

/// A rights request with the names its lists show.
struct RightsRequestRow: Sendable {
    let request: RightsRequest
    let fullName, idNumberMasked, unitName: String
}

extension IDNumber {
    /// For records that name a person without needing the whole number: first 4 and last 2 digits.
    static func maskedDigits(_ digits: String) -> String {
        (try? IDNumber(digits).masked) ?? String(repeating: "*", count: digits.count)
    }
}
