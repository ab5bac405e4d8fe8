// The JSON shapes of the administration API.
import Foundation
import Domain
import Vapor

struct UnitView: Content {
    let id: UUID
    let name: String
    let code: String?
    let parentId: UUID?
    let kind: String
    let depth: Int
    let active: Bool
    /// Derived from the name by the one-stop rule; never stored.
    let oneStop: Bool
    let oneStopHint: String?

    init(_ unit: Unit, language: Language) {
        id = unit.id!
        name = unit.name
        code = unit.code
        parentId = unit.parentID
        kind = unit.kind.rawValue
        depth = unit.path.split(separator: "/").count - 1
        active = unit.active
        oneStop = unit.isOneStop
        oneStopHint = UnitNameRuleHint.text(for: unit.name, language: language)
    }
}

enum UnitNameRuleHint {
    static func text(for name: String, language: Language) -> String? {
        guard let hint = Domain.UnitNameRule.hint(for: name) else { return nil }
        return Msg(hint).text(language)
    }
}

struct CreateUnitRequest: Content {
    var name: String?
    var parentId: UUID?
    var code, kind: String?
}

/// PATCH: a field left out is unchanged; `code: null` clears the code.
struct UpdateUnitRequest: Decodable {
    var name: String?
    var parentId: UUID?
    var code: String??
    var kind: String?
    var active: Bool?

    enum CodingKeys: String, CodingKey { case name, parentId, code, kind, active }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        parentId = try c.decodeIfPresent(UUID.self, forKey: .parentId)
        if c.contains(.code) { code = .some(try c.decodeIfPresent(String.self, forKey: .code)) } else { code = .none }
        kind = try c.decodeIfPresent(String.self, forKey: .kind)
        active = try c.decodeIfPresent(Bool.self, forKey: .active)
    }
}

struct RoleView: Content {
    let unitId: UUID
    let unitName, role: String
}

struct ReasonView: Content {
    let code, message: String
    let askWhom: [String]
}

struct AdminMeResponse: Content {
    let accountId: UUID
    let fullName: String
    let units: [UnitView]
    let roles: [RoleView]
    let canCreateCitizenAccounts: Bool
    let oneStopUnits: [UnitView]
    let reasons: [ReasonView]?
}

struct StaffView: Content {
    let accountId: UUID
    let fullName, idNumberMasked: String
    let roles, revokedRoles: [String]

    init(_ member: StaffMember) {
        accountId = member.accountID
        fullName = member.fullName
        idNumberMasked = member.idNumberMasked
        roles = member.roles.map(\.rawValue)
        revokedRoles = member.revokedRoles.map(\.rawValue)
    }
}

struct GrantRequest: Content {
    var idNumber: String?
    var roles: [String]?
}

struct RightsRequestBody: Content {
    var unitId: UUID?
    var position: String?
}

struct RightsRequestView: Content {
    let id, accountId: UUID
    let fullName, idNumberMasked: String
    let unitId: UUID
    let unitName, position, status, createdAt: String
    let decidedAt: String?
}

extension RightsRequestView {
    init(_ row: RightsRequestRow) {
        let r = row.request
        self.init(id: r.id!, accountId: r.accountID, fullName: row.fullName, idNumberMasked: row.idNumberMasked, unitId: r.unitID,
                  unitName: row.unitName, position: r.position, status: r.status.rawValue, createdAt: RFC3339.string(r.createdAt),
                  decidedAt: r.decidedAt.map(RFC3339.string))
    }
}

struct DecisionBody: Content { var reason: String? }

struct AuditView: Content {
    let id: UUID
    let at: String
    let actorId: UUID?
    let actorName, clientAddress, action, target, outcome: String
    let details: [String: String]

    init(_ e: AuditEvent) {
        id = e.id!
        at = RFC3339.string(e.at)
        actorId = e.actorID
        actorName = e.actorName
        clientAddress = e.clientAddress
        action = e.action
        target = e.target
        outcome = e.outcome
        details = (try? JSONDecoder().decode([String: String].self, from: Data(e.details.utf8))) ?? [:]
    }
}
