// The province's unit tree: province → departments / districts → communes, of any depth.
import Domain
import Fluent
import Foundation
import NIOConcurrencyHelpers

final class Unit: Model, @unchecked Sendable {
    static let schema = "units"

    enum Kind: String, Codable, Sendable, CaseIterable { case province, department, district, commune, other }

    @ID(key: .id) var id: UUID?
    @Field(key: "name") var name: String
    @Field(key: "name_key") var nameKey: String
    @OptionalField(key: "code") var code: String?
    @OptionalField(key: "parent_id") var parentID: UUID?
    @Field(key: "kind") var kind: Kind
    /// Ids from the root down to this unit, "/a/b/c/": a subtree is every path with this prefix.
    @Field(key: "path") var path: String
    @Field(key: "active") var active: Bool
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    init() {}

    /// A unit as read from its row by hand-written SQL: marked as stored, like one Fluent read.
    init(id: UUID, name: String, nameKey: String, code: String?, parentID: UUID?, kind: Kind, path: String, active: Bool,
         createdAt: Date, updatedAt: Date) {
        self.id = id
        self.name = name
        self.nameKey = nameKey
        self.code = code
        self.parentID = parentID
        self.kind = kind
        self.path = path
        self.active = active
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        $id.exists = true
    }

    /// Derived from the name, never stored: renaming changes eligibility at once. The answer for a name is
    /// remembered (the rule folds the name's Unicode, a visible share of every officer request's CPU in `bench/`);
    /// a new name is a new key.
    var isOneStop: Bool { Self.oneStop(name) }

    private static let oneStopByName = NIOLockedValueBox<[String: Bool]>([:])

    private static func oneStop(_ name: String) -> Bool {
        if let known = oneStopByName.withLockedValue({ $0[name] }) { return known }
        let answer = UnitNameRule.isOneStop(name)
        oneStopByName.withLockedValue { names in
            if names.count >= 10_000 { names.removeAll(keepingCapacity: true) }  // bounded: a province has thousands of units
            names[name] = answer
        }
        return answer
    }

    func contains(_ other: Unit) -> Bool { other.path.hasPrefix(path) }

    static func path(parent: Unit?, id: UUID) -> String {
        (parent?.path ?? "/") + id.uuidString.lowercased() + "/"
    }

    static func make(name: String, code: String?, kind: Kind, parent: Unit?, now: Date) -> Unit {
        let unit = Unit()
        let id = UUID()
        unit.id = id
        unit.name = name
        unit.nameKey = Text.searchKey(name)
        unit.code = code
        unit.parentID = parent?.id
        unit.kind = kind
        unit.path = path(parent: parent, id: id)
        unit.active = true
        unit.createdAt = now
        unit.updatedAt = now
        return unit
    }

    /// Re-parents this unit in memory and rewrites the stored paths of its whole subtree; returns the
    /// descendants it changed. The caller saves this unit, inside the same transaction.
    @discardableResult
    func move(under parent: Unit?, on db: any Database) async throws -> [Unit] {
        let oldPath = path
        let newPath = Unit.path(parent: parent, id: id!)
        let subtree = try await Unit.query(on: db).filter(\.$path, .custom("LIKE"), oldPath + "%").all()
        var moved: [Unit] = []
        for child in subtree where child.id != id {
            child.path = newPath + child.path.dropFirst(oldPath.count)
            try await child.update(on: db)
            moved.append(child)
        }
        parentID = parent?.id
        path = newPath
        return moved
    }
}
