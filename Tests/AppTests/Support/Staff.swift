// Staff fixtures: an account locked as an operator would, a console signed in as a demo account, a citizen account
// made at the counter, the live roles of an account.
import Fluent
import Foundation
import XCTVapor
@testable import App

extension TestContext {
    /// Locks the account with this ID number, as an operator would in the database.
    func lock(_ idNumber: String) async throws {
        try await Account.query(on: app.db).filter(\.$idNumber == idNumber).set(\.$status, to: .locked).update()
    }

    /// A browser signed in to the console as the demo account with this ID number.
    func console(_ idNumber: String) async throws -> Browser {
        let browser = Browser(self)
        let signedIn = try await browser.signIn(try Citizen.demo(idNumber), next: SiteURL.console.path)
        XCTAssertEqual(signedIn.status, .seeOther, signedIn.body)
        return browser
    }

    /// The officer creates a citizen account (036190001234) at its unit through the counter API; answers the account's id.
    func createCitizen(as officer: SignedInOfficer) async throws -> String {
        let draft = try await uploadDraft(as: officer)
        XCTAssertEqual(draft.status, .created, draft.body.string)
        let draftID = try XCTUnwrap(draft.json?["id"] as? String)
        let sent = try await post("/api/v1/admin/citizen-accounts/drafts/\(draftID)/otp", [:], token: officer.token)
        XCTAssertEqual(sent.status, .accepted, sent.body.string)
        let code = try await latestCode(to: "+84987000111")
        let created = try await post("/api/v1/admin/citizen-accounts/drafts/\(draftID)/create", ["code": code], token: officer.token)
        XCTAssertEqual(created.status, .created, created.body.string)
        return try XCTUnwrap(created.json?["accountId"] as? String)
    }

    /// The live roles of the account with this ID number, at any unit, sorted.
    func liveRoles(_ idNumber: String) async throws -> [StaffRole.Role] {
        let account = try await Account.query(on: app.db).filter(\.$idNumber == idNumber).first()
        return try await StaffRole.query(on: app.db).filter(\.$accountID == XCTUnwrap(account?.id)).filter(\.$revokedAt == nil).all().map(\.role).sorted()
    }
}
