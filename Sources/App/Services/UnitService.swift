// Creating, renaming, moving and deactivating units within the caller's scope.
import Domain
import Fluent
import Foundation

struct UnitInput: Sendable {
    var name: String?
    var parentID: UUID??
    var code: String??
    var kind: String?
    var active: Bool?
}

struct UnitService: Sendable {
    let db: any Database
    let portal: Portal

    static func validName(_ raw: String?) throws -> String {
        let name = Text.clean(raw ?? "")
        guard name.count >= 2, name.count <= 200 else {
            throw AppError.validation(["name": Msg("Tên đơn vị cần từ 2 đến 200 ký tự.", "A unit name needs 2 to 200 characters.")])
        }
        guard !Text.hasControlCharacter(name) else {
            throw AppError.validation(["name": Msg("Tên đơn vị có ký tự điều khiển không hợp lệ.", "The unit name contains a control character.")])
        }
        return name
    }

    static func validCode(_ raw: String?) throws -> String? {
        guard let raw, !raw.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        let code = raw.trimmingCharacters(in: .whitespaces)
        guard code.count <= 50, code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_") }) else {
            throw AppError.validation(["code": Msg("Mã đơn vị chỉ gồm chữ không dấu, số, dấu chấm, gạch ngang (tối đa 50 ký tự).",
                                                  "A unit code has only ASCII letters, digits, dots and dashes (at most 50).")])
        }
        return code
    }

    static func validKind(_ raw: String?) throws -> Unit.Kind {
        guard let raw else { return .other }
        guard let kind = Unit.Kind(rawValue: raw) else {
            throw AppError.validation(["kind": Msg("Loại đơn vị không hợp lệ (province, department, district, commune, other).",
                                                  "Unknown unit kind (province, department, district, commune, other).")])
        }
        return kind
    }

    static let codeTaken = AppError(.conflict, "unit_code_taken", Msg("Mã đơn vị đã được dùng.", "This unit code is already used."),
                                    fields: ["code": Msg("Mã đơn vị đã được dùng.", "This unit code is already used.")])

    /// A unit the caller may administer, or a 404 (never a 403 that would confirm it exists).
    func administered(_ id: UUID, by staff: StaffContext) async throws -> Unit {
        guard let unit = try await Unit.find(id, on: db), staff.adminRole(over: unit) != nil else { throw AppError.notFound }
        return unit
    }

    func create(_ input: UnitInput, by staff: StaffContext, actor: AuditLog.Actor) async throws -> Unit {
        guard let parentID = input.parentID ?? nil else {
            throw AppError.validation(["parentId": Msg("Cần chọn đơn vị cấp trên.", "Choose the parent unit.")])
        }
        let parent = try await administered(parentID, by: staff)
        let name = try Self.validName(input.name)
        let code = try Self.validCode(input.code ?? nil)
        let kind = try Self.validKind(input.kind)
        let portal = self.portal
        return try await db.writeTransaction { tx in
            let unit = Unit.make(name: name, code: code, kind: kind, parent: parent, now: portal.time.now())
            let id = unit.id!
            do { try await unit.create(on: tx) } catch where error.isUniqueViolation { throw Self.codeTaken }
            try await AuditLog(db: tx, portal: portal).record(actor, action: "unit.create", target: "unit:\(id.uuidString.lowercased())", unit: unit,
                                                              details: ["name": name, "parent": parent.name, "oneStop": String(unit.isOneStop)])
            return unit
        }
    }

    /// Rename, re-code, move (never under its own subtree, never out of the caller's scope) or deactivate.
    /// The root of a unit admin's own scope can only be changed from above.
    func update(_ id: UUID, _ input: UnitInput, by staff: StaffContext, actor: AuditLog.Actor) async throws -> Unit {
        let unit = try await administered(id, by: staff)
        let ownRoot = staff.adminGrants.contains { $0.unit.id == unit.id } && staff.adminRole(over: unit) != .super_admin
        if ownRoot { throw AppError(.forbidden, "forbidden", Msg("Chỉ quản trị viên cấp trên mới sửa được đơn vị gốc của bạn.", "Only an administrator above you can change your own root unit.")) }
        var changes: [String: String] = [:]
        var newParent: Unit? = nil
        if let parentChange = input.parentID, let parentID = parentChange, parentID != unit.parentID {
            let parent = try await administered(parentID, by: staff)
            if unit.contains(parent) {
                throw AppError.validation(["parentId": Msg("Không thể chuyển đơn vị vào chính nó hoặc đơn vị cấp dưới của nó.", "A unit cannot move under itself or its own sub-units.")])
            }
            if unit.parentID == nil {
                throw AppError.validation(["parentId": Msg("Không thể chuyển đơn vị cấp tỉnh.", "A province cannot be moved.")])
            }
            newParent = parent
            changes["parent"] = parent.name
        }
        if let name = input.name { unit.name = try Self.validName(name); unit.nameKey = Text.searchKey(unit.name); changes["name"] = unit.name }
        if let code = input.code { unit.code = try Self.validCode(code); changes["code"] = unit.code ?? "" }
        if let kind = input.kind { unit.kind = try Self.validKind(kind); changes["kind"] = kind }
        if let active = input.active { unit.active = active; changes["active"] = String(active) }
        changes["oneStop"] = String(unit.isOneStop)
        let portal = self.portal
        let moveTo = newParent
        let details = changes
        return try await db.writeTransaction { tx in
            unit.updatedAt = portal.time.now()
            if let moveTo { try await unit.move(under: moveTo, on: tx) }
            do { try await unit.update(on: tx) } catch where error.isUniqueViolation { throw Self.codeTaken }
            try await AuditLog(db: tx, portal: portal).record(actor, action: "unit.update", target: "unit:\(unit.id!.uuidString.lowercased())", unit: unit, details: details)
            return unit
        }
    }
}
