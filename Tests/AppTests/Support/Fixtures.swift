// What tests start from: citizens, signed in or not, the demo province's officers, an ID-card scan at the
// counter, and a snapshot of the data an attack must not change.
import Domain
import Fluent
import Foundation
import ScanFixtures
import SQLKit
import XCTVapor
@testable import App

struct Citizen {
    var idNumber = "001090012345"
    var fullName = "Nguyễn Thị Hồng Đào"
    var dateOfBirth = "1990-05-17"
    var phone = "0912345678"
    var phoneE164 = "+84912345678"
    var password = "Sông Hồng chảy mãi 2024"

    var registration: [String: Any] {
        ["accountType": "citizen", "verificationMethod": "mobile", "idNumber": idNumber, "fullName": fullName,
         "dateOfBirth": dateOfBirth, "phone": phone]
    }

    /// A second, unrelated citizen.
    static var other: Citizen {
        var b = Citizen()
        b.idNumber = "079195000002"
        b.fullName = "Lê Văn Tám"
        b.dateOfBirth = "1995-02-02"
        b.phone = "0987654321"
        b.phoneE164 = "+84987654321"
        b.password = "Biển Đông xanh thẳm 1995"
        return b
    }

    /// A demo account (see DemoCommand) as the sign-in helpers and browsers take it.
    static func demo(_ idNumber: String) throws -> Citizen {
        let person = try XCTUnwrap(DemoCommand.people.first { $0.id == idNumber }, "\(idNumber) is not a demo account")
        return try Citizen(idNumber: person.id, fullName: person.name, dateOfBirth: person.dob, phone: person.phone,
                           phoneE164: PhoneNumber(person.phone).e164, password: DemoCommand.password)
    }

    /// The same details with another mobile number, in any form the portal reads.
    func with(phone: String) throws -> Citizen {
        var changed = self
        changed.phone = phone
        changed.phoneE164 = try PhoneNumber(phone).e164
        return changed
    }

    /// The same details with another ID number and, when it encodes another birth year, the date of birth.
    func with(idNumber: String, dateOfBirth: String? = nil) -> Citizen {
        var changed = self
        changed.idNumber = idNumber
        if let dateOfBirth { changed.dateOfBirth = dateOfBirth }
        return changed
    }
}

/// Citizen() and Citizen.other, both registered, and the other signed in through the API.
struct Neighbours {
    let a = Citizen()
    let b = Citizen.other
    let tokenB: String
    /// The session `tokenB` belongs to.
    let sessionB: String
}

extension TestContext {
    /// Registers `citizen` through the API and hands it back.
    @discardableResult
    func registeredCitizen(_ citizen: Citizen = Citizen()) async throws -> Citizen {
        try await register(citizen)
        return citizen
    }

    /// Registers `citizen` through the API and returns the account as stored.
    func registeredAccount(_ citizen: Citizen = Citizen()) async throws -> Account {
        let id = try await register(citizen)
        let account = try await Account.find(UUID(uuidString: id), on: app.db)
        return try XCTUnwrap(account)
    }

    /// Registers `citizen` and signs in through the API; returns the bearer token.
    func registerAndSignIn(_ citizen: Citizen = Citizen()) async throws -> String {
        try await register(citizen)
        return try await signIn(citizen)
    }

    /// A browser signed in as `citizen`, who must be registered, through the pages.
    func signedInBrowser(_ citizen: Citizen) async throws -> Browser {
        let browser = Browser(self)
        let done = try await browser.signIn(citizen)
        XCTAssertEqual(done.status, .seeOther, done.body)
        XCTAssertNotNil(browser.sessionCookie, "signed in")
        return browser
    }

    func neighbours() async throws -> Neighbours {
        try await register(Citizen())
        try await register(Citizen.other)
        let tokenB = try await signIn(Citizen.other)
        let sessionsB = try await sessionIDs(token: tokenB)
        let sessionB = try XCTUnwrap(sessionsB.first)
        return Neighbours(tokenB: tokenB, sessionB: sessionB)
    }
}

/// The demo province's accounts and units that tests use (see DemoCommand).
enum DemoProvince {
    static let superAdmin = "033080000001"
    static let justiceAdmin = "033182000002"      // unit admin of Sở Tư pháp
    static let centreOfficer = "033190000003"     // officer of the provincial centre
    static let deskOfficer = "033092000004"       // officer of Bộ phận một cửa xã Lạc Đạo
    static let districtAdmin = "033085000005"     // unit admin of UBND huyện Văn Lâm
    static let citizen = "033060000011"

    static let desk = "DEMO-HY-VL-LD-BPMC"        // Bộ phận một cửa xã Lạc Đạo
    static let centre = "DEMO-HY-TTPVHCC"         // the provincial centre
}

/// An officer signed in through the API, and the unit it works for.
struct SignedInOfficer {
    let token: String
    let unit: String
}

extension TestContext {
    /// Loads the demo province; safe to run again.
    func loadDemo() async throws {
        try await DemoCommand.load(app)
    }

    /// Signs a demo account in through the API: the demo password, then the code sent to its phone.
    func signInDemo(_ idNumber: String) async throws -> String {
        try await signIn(try Citizen.demo(idNumber))
    }

    /// The id of the unit with this code, as the API writes ids.
    func unitID(_ code: String) async throws -> String {
        let unit = try await Unit.query(on: app.db).filter(\.$code == code).first()
        return try XCTUnwrap(unit?.id, "no unit \(code)").uuidString.lowercased()
    }

    /// A demo officer signed in, with the unit it works for; the demo province must be loaded.
    func demoOfficer(_ idNumber: String, at unitCode: String) async throws -> SignedInOfficer {
        SignedInOfficer(token: try await signInDemo(idNumber), unit: try await unitID(unitCode))
    }

    /// The demo province loaded and the officer of the commune's one-stop desk signed in.
    func signedInOfficer() async throws -> SignedInOfficer {
        try await loadDemo()
        return try await demoOfficer(DemoProvince.deskOfficer, at: DemoProvince.desk)
    }

    /// An officer's upload at the counter: the citizen's details and the ID-card scan, as multipart, to
    /// POST /api/v1/admin/citizen-accounts/drafts. `unit` is the officer's own unless given.
    func uploadDraft(as officer: SignedInOfficer, unit: String? = nil, idNumber: String = "036190001234",
                     dateOfBirth: String = "1990-02-03", phone: String = "0987000111",
                     filename: String = "cccd.pdf", type: String = "application/pdf", scan: [UInt8] = ScanFiles.pdf(),
                     contentEncoding: String? = nil, over transport: Transport = .inMemory) async throws -> XCTHTTPResponse {
        var form = Multipart()
        form.field("idNumber", idNumber)
        form.field("fullName", "Lê Thị Cúc")
        form.field("dateOfBirth", dateOfBirth)
        form.field("phone", phone)
        form.field("email", "")
        form.field("unitId", unit ?? officer.unit)
        form.file("idScan", filename: filename, type: type, bytes: scan)
        var headers = HTTPHeaders()
        if let contentEncoding { headers.replaceOrAdd(name: .contentEncoding, value: contentEncoding) }
        let request = try TestRequest(.POST, "/api/v1/admin/citizen-accounts/drafts", .multipart(form), token: officer.token, headers: headers)
        return try await perform(request, over: transport)
    }

    /// Row counts of every table an attack could write to, the accounts' secrets and the sessions' ends:
    /// equal snapshots mean nothing changed.
    func snapshot() async throws -> [String] {
        var lines: [String] = []
        for table in ["accounts", "registrations", "login_challenges", "password_resets", "auth_sessions", "otp_challenges", "outbox_messages", "oidc_grants", "oidc_consents"] {
            let row = try await app.db.sql.raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: table)").first()
            lines.append("\(table)=\(try row?.decode(column: "n", as: Int.self) ?? -1)")
        }
        for row in try await app.db.sql.raw("SELECT id_number, password_hash, failed_logins, status FROM accounts ORDER BY id_number").all() {
            lines.append("account \(try row.decode(column: "id_number", as: String.self)) \(try row.decode(column: "password_hash", as: String.self)) "
                + "\(try row.decode(column: "failed_logins", as: Int.self)) \(try row.decode(column: "status", as: String.self))")
        }
        let ended = try await app.db.sql.raw("SELECT COUNT(*) AS n FROM auth_sessions WHERE ended_at IS NOT NULL").first()
        lines.append("ended_sessions=\(try ended?.decode(column: "n", as: Int.self) ?? -1)")
        return lines
    }
}
