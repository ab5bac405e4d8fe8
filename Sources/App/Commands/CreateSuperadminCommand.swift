// `portal create-superadmin`: bootstraps a real installation with a province and its super administrator.
import Domain
import Fluent
import Vapor

struct CreateSuperadminCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "id-number", help: "The administrator's ID number (CCCD)") var idNumber: String?
        @Option(name: "full-name", help: "Full name, with diacritics") var fullName: String?
        @Option(name: "phone", help: "Mobile phone") var phone: String?
        @Option(name: "province", help: "The province's name, e.g. \"Tỉnh Hưng Yên\"") var province: String?
        @Option(name: "date-of-birth", help: "YYYY-MM-DD (defaults to 1 January of the year the ID number encodes)") var dateOfBirth: String?
    }

    var help: String { "Creates (or promotes) an account and makes it super administrator of a province, creating the province if needed." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        guard let rawID = signature.idNumber, let rawName = signature.fullName, let rawPhone = signature.phone, let rawProvince = signature.province else {
            throw CommandError.missing("--id-number, --full-name, --phone and --province are required")
        }
        let now = app.portal.time.now()
        let id: IDNumber, name: PersonName, phone: PhoneNumber
        do {
            id = try IDNumber(rawID, now: now)
            name = try PersonName(rawName)
            phone = try PhoneNumber(rawPhone)
        } catch {
            throw CommandError.invalid(error.en)
        }
        let dob: DateOfBirth
        do {
            if let raw = signature.dateOfBirth {
                dob = try DateOfBirth(iso: raw, today: now)
            } else if let year = id.birthYear {
                dob = try DateOfBirth(year: year, month: 1, day: 1, today: now)
            } else {
                throw CommandError.missing("--date-of-birth is required for a 9-digit CMND")
            }
            try id.check(dateOfBirth: dob)
        } catch let error as DomainError {
            throw CommandError.invalid(error.en)
        }
        let provinceName = try UnitService.validName(rawProvince)
        try await app.autoMigrate()
        let result = try await Bootstrap(db: app.db, portal: app.portal)
            .superadmin(id: id, name: name, phone: phone, dateOfBirth: dob, province: provinceName)
        context.console.print("Super administrator of \(provinceName): \(name.value) (\(id.digits))")
        if let password = result.temporaryPassword {
            context.console.print("Initial password: \(password)")
            context.console.print("It must be changed at the first sign-in and expires in 72 hours.")
        } else {
            context.console.print("The existing account was promoted; its password is unchanged.")
        }
    }
}

enum CommandError: Error, CustomStringConvertible {
    case missing(String)
    case invalid(String)
    case refused(String)

    var description: String {
        switch self {
        case let .missing(text), let .invalid(text), let .refused(text): return text
        }
    }
}

/// What the bootstrap commands share: finding or creating accounts, units and grants idempotently.
struct Bootstrap: Sendable {
    let db: any Database
    let portal: Portal

    static let actor = AuditLog.Actor(id: nil, name: "(command line)", address: "local")

    func superadmin(id: IDNumber, name: PersonName, phone: PhoneNumber, dateOfBirth: DateOfBirth, province: String) async throws -> (account: Account, temporaryPassword: String?) {
        let existing = try await Account.query(on: db).filter(\.$idNumber == id.digits).first()
        var temporary: String? = nil
        var hash: String? = nil
        if existing == nil {
            let password = TemporaryPassword.generate()
            temporary = password
            hash = try await portal.hasher.hash(password)
        }
        let portal = self.portal
        let newHash = hash
        let account = try await db.writeTransaction { tx -> Account in
            let unit = try await Self.unit(named: province, code: nil, kind: .province, parent: nil, on: tx, portal: portal)
            let account: Account
            if let existing {
                account = existing
            } else {
                account = Account.make(id: id, name: name, phone: phone, dateOfBirth: dateOfBirth, hash: newHash!, temporary: true, now: portal.time.now())
                try await account.create(on: tx)
            }
            try await StaffService.apply([.member, .super_admin], to: account, at: unit, actor: Self.actor, on: tx, portal: portal)
            return account
        }
        return (account, temporary)
    }

    /// The unit with this code (or, without a code, this name under this parent), created when missing.
    static func unit(named name: String, code: String?, kind: Unit.Kind, parent: Unit?, on db: any Database, portal: Portal) async throws -> Unit {
        var query = Unit.query(on: db)
        if let code { query = query.filter(\.$code == code) } else {
            query = query.filter(\.$name == name)
            query = parent == nil ? query.filter(\.$parentID == nil) : query.filter(\.$parentID == parent!.id!)
        }
        if let found = try await query.first() { return found }
        let unit = Unit.make(name: name, code: code, kind: kind, parent: parent, now: portal.time.now())
        try await unit.create(on: db)
        try await AuditLog(db: db, portal: portal).record(actor, action: "unit.create", target: "unit:\(unit.id!.uuidString.lowercased())", unit: unit,
                                                          details: ["name": name])
        return unit
    }
}
