// `portal demo`: a demo province with every kind of unit and an account for every reason why someone cannot create citizen accounts. Safe to run again.
import Domain
import Fluent
import Vapor

struct DemoCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Flag(name: "on-existing-data", help: "Run even though the database holds accounts the demo did not create (a test installation).")
        var onExistingData: Bool
    }

    var help: String { "Loads a demo province and prints one line per demo account (refused in production)." }

    /// The one password of every demo account; demo accounts need not change it.
    static let password = "PhoNoi@Hy2025"

    struct Person {
        let role: String
        let id: String
        let name: String
        let dob: String
        let phone: String
    }

    static let people: [Person] = [
        Person(role: "super_admin", id: "033080000001", name: "Nguyễn Văn Quản", dob: "1980-03-12", phone: "0912000001"),
        Person(role: "unit_admin (Sở Tư pháp)", id: "033182000002", name: "Trần Thị Lan", dob: "1982-07-21", phone: "0912000002"),
        Person(role: "officer (Trung tâm Phục vụ hành chính công)", id: "033190000003", name: "Lê Thị Hoa", dob: "1990-01-05", phone: "0912000003"),
        Person(role: "officer (Bộ phận một cửa xã Lạc Đạo)", id: "033092000004", name: "Phạm Văn Minh", dob: "1992-11-30", phone: "0912000004"),
        Person(role: "unit_admin (UBND huyện Văn Lâm)", id: "033085000005", name: "Đỗ Văn Hùng", dob: "1985-09-09", phone: "0912000005"),
        Person(role: "cannot create: no_unit", id: "033193000006", name: "Vũ Thị Mai", dob: "1993-04-14", phone: "0912000006"),
        Person(role: "cannot create: unit_not_one_stop (Bộ phận 1 cửa xã Tân Quang)", id: "033094000007", name: "Hoàng Văn Nam", dob: "1994-02-02", phone: "0912000007"),
        Person(role: "cannot create: right_not_granted", id: "033195000008", name: "Bùi Thị Thu", dob: "1995-06-18", phone: "0912000008"),
        Person(role: "cannot create: right_revoked", id: "033096000009", name: "Ngô Văn Tài", dob: "1996-08-08", phone: "0912000009"),
        Person(role: "cannot create: account_locked", id: "033197000010", name: "Đặng Thị Hạnh", dob: "1997-12-24", phone: "0912000010"),
        Person(role: "citizen", id: "033060000011", name: "Nguyễn Văn An", dob: "1960-10-10", phone: "0912000011"),
    ]

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        if app.environment == .production { throw CommandError.refused("portal demo is refused in production.") }
        try await app.autoMigrate()
        try await SeedGuard(db: app.db).check(.demo, command: "portal demo", overridden: signature.onExistingData)
        try await Self.load(app)
        try await Self.loadClient(app)
        context.console.print("Demo province loaded. Accounts (password for all: \(Self.password)):")
        for p in Self.people { context.console.print("\(p.role)\t\(p.id)\t\(Self.password)") }
        context.console.print("Demo single sign-on client \(Self.demoClientID): «\(Self.demoServiceCode)» in the catalogue leads to \(Self.demoStart);")
        context.console.print("run python3 scripts/demo_rp.py --portal \(app.portal.config.issuer) to walk the path in a browser.")
    }

    /// A public (PKCE) client for `scripts/demo_rp.py`, trusted as a province system, handling one service.
    static let demoClientID = "demo-mot-cua"
    static let demoServiceCode = "1.001193"
    static let demoStart = "http://127.0.0.1:8091/"

    static func loadClient(_ app: Application) async throws {
        let clients = OIDCClients(db: app.db, portal: app.portal)
        let client: OIDCClient
        if let found = try await clients.find(clientID: demoClientID) {
            client = found
        } else {
            let (made, _) = try await clients.register(
                ClientInput(name: "Hệ thống thông tin giải quyết thủ tục hành chính (demo)", logoText: "MC",
                            redirectURIs: [demoStart + "callback"], postLogoutRedirectURIs: [demoStart],
                            backchannelLogoutURI: demoStart + "backchannel", scopes: ["openid", "profile", "phone"],
                            authMethod: OIDCClient.AuthMethod.none.rawValue, trusted: true),
                actor: Bootstrap.actor)
            made.clientID = demoClientID
            try await made.update(on: app.db)
            client = made
        }
        try await ServiceCatalogue(db: app.db).link(codes: [demoServiceCode], to: client.id!, startURL: demoStart)
    }

    static func load(_ app: Application) async throws {
        let portal = app.portal
        let hash = try await portal.hasher.hash(password)
        try await app.db.writeTransaction { tx in
            func unit(_ name: String, _ code: String, _ kind: Unit.Kind, _ parent: Unit?) async throws -> Unit {
                try await Bootstrap.unit(named: name, code: code, kind: kind, parent: parent, on: tx, portal: portal)
            }
            let province = try await unit("Tỉnh Hưng Yên (demo)", "DEMO-HY", .province, nil)
            let centre = try await unit("Trung tâm Phục vụ hành chính công và Kiểm soát thủ tục hành chính", "DEMO-HY-TTPVHCC", .other, province)
            let justice = try await unit("Sở Tư pháp", "DEMO-HY-STP", .department, province)
            let district = try await unit("UBND huyện Văn Lâm", "DEMO-HY-VL", .district, province)
            let districtDesk = try await unit("Bộ phận một cửa huyện Văn Lâm", "DEMO-HY-VL-BPMC", .other, district)
            let commune = try await unit("UBND xã Lạc Đạo", "DEMO-HY-VL-LD", .commune, district)
            let communeDesk = try await unit("Bộ phận một cửa xã Lạc Đạo", "DEMO-HY-VL-LD-BPMC", .other, commune)
            let badCommune = try await unit("UBND xã Tân Quang", "DEMO-HY-VL-TQ", .commune, district)
            let badDesk = try await unit("Bộ phận 1 cửa xã Tân Quang", "DEMO-HY-VL-TQ-BP1C", .other, badCommune)
            _ = districtDesk

            var accounts: [String: Account] = [:]
            for p in people {
                if let found = try await Account.query(on: tx).filter(\.$idNumber == p.id).first() {
                    accounts[p.id] = found
                    continue
                }
                let account = Account.make(id: try IDNumber(p.id), name: try PersonName(p.name), phone: try PhoneNumber(p.phone),
                                                   dateOfBirth: try DateOfBirth(iso: p.dob), hash: hash, temporary: false, now: portal.time.now())
                try await account.create(on: tx)
                accounts[p.id] = account
            }
            func grant(_ id: String, _ roles: [StaffRole.Role], _ unit: Unit) async throws {
                try await StaffService.apply(roles, to: accounts[id]!, at: unit, actor: Bootstrap.actor, on: tx, portal: portal)
            }
            try await grant("033080000001", [.member, .super_admin], province)
            try await grant("033182000002", [.member, .unit_admin], justice)
            try await grant("033190000003", [.member, .officer], centre)
            try await grant("033092000004", [.member, .officer], communeDesk)
            try await grant("033085000005", [.member, .unit_admin], district)
            try await grant("033094000007", [.member, .officer], badDesk)
            try await grant("033195000008", [.member], communeDesk)
            // Revoked: granted once, then taken back (only the first run does both).
            let revokedID = accounts["033096000009"]!.id!
            let history = try await StaffRole.query(on: tx).filter(\.$accountID == revokedID).filter(\.$role == .officer).count()
            if history == 0 {
                try await grant("033096000009", [.member, .officer], communeDesk)
                try await StaffRole.query(on: tx).filter(\.$accountID == revokedID).filter(\.$role == .officer)
                    .set(\.$revokedAt, to: portal.time.now()).update()
            }
            try await grant("033197000010", [.member, .officer], centre)
            let locked = accounts["033197000010"]!
            locked.status = .locked
            try await locked.update(on: tx)
        }
    }
}
