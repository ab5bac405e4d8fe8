// A citizen's flows through the API, one step at a time or whole, with the codes and passwords read from
// the fake SMS sender. A message a flow needs and does not get fails the test.
import Foundation
import SMSGateway
import XCTVapor
@testable import App

/// A flow needed an SMS that never reached the phone.
struct MissingSMS: Error, CustomStringConvertible {
    let phone: String
    let kind: String
    let sentTo: [String]

    var description: String {
        "no \(kind) SMS was sent to \(phone); "
            + (sentTo.isEmpty ? "no SMS was sent at all" : "SMS went to \(sentTo.joined(separator: ", "))")
    }
}

extension TestContext {
    /// Hands what the outbox holds to the fake SMS sender; answers how many messages it handled.
    @discardableResult
    func deliverSMS() async throws -> Int {
        try await OutboxWorker(db: app.db, portal: app.portal, logger: app.logger).runOnce()
    }

    /// Delivers the outbox and returns the newest SMS to `phone` (E.164) whose text starts with `prefix`.
    func latestSMS(to phone: String, startingWith prefix: String, file: StaticString = #filePath, line: UInt = #line) async throws -> SMSMessage {
        try await deliverSMS()
        // Notices may go out in the same round and in any order: take the newest message of the kind asked for.
        guard let message = sms.sent.last(where: { $0.to == phone && $0.text.hasPrefix(prefix) }) else {
            let missing = MissingSMS(phone: phone, kind: "\"\(prefix)…\"", sentTo: sms.sent.map(\.to))
            XCTFail(missing.description, file: file, line: line)
            throw missing
        }
        return message
    }

    /// The 6-digit code of the newest code SMS to `phone` (E.164).
    func latestCode(to phone: String, file: StaticString = #filePath, line: UInt = #line) async throws -> String {
        let message = try await latestSMS(to: phone, startingWith: "Ma xac thuc", file: file, line: line)
        guard let range = message.text.range(of: #"\b\d{6}\b"#, options: .regularExpression) else {
            let missing = MissingSMS(phone: phone, kind: "six-digit code", sentTo: [message.to])
            XCTFail("\(missing.description): \(message.text)", file: file, line: line)
            throw missing
        }
        return String(message.text[range])
    }

    /// The password in the newest account SMS to `phone` (E.164), "Tai khoan …, mat khau tam …, het han …".
    func latestPassword(to phone: String, file: StaticString = #filePath, line: UInt = #line) async throws -> String {
        let message = try await latestSMS(to: phone, startingWith: "Tai khoan ", file: file, line: line)
        let words = message.text.split(separator: " ")
        let at = try XCTUnwrap(words.firstIndex(of: "tam"), message.text, file: file, line: line)
        return String(words[at + 1].dropLast())   // "AbCd…2345,"
    }

    /// Starts a registration through the API and returns its id.
    func startRegistration(_ citizen: Citizen) async throws -> String {
        let started = try await post("/api/v1/registrations", citizen.registration)
        XCTAssertEqual(started.status, .created, started.body.string)
        return try XCTUnwrap(started.json?["id"] as? String)
    }

    /// A registration started through the API, and the code sent for it.
    func pendingRegistration(_ citizen: Citizen = Citizen()) async throws -> (id: String, code: String) {
        let id = try await startRegistration(citizen)
        return (id, try await latestCode(to: citizen.phoneE164))
    }

    /// Enters a code for a registration; answers whatever the API answered.
    func enterRegistrationCode(_ id: String, _ code: String) async throws -> XCTHTTPResponse {
        try await post("/api/v1/registrations/\(id)/verify", ["code": code])
    }

    /// Proves the phone of a registration and returns the completion token.
    func verifyRegistration(_ id: String, code: String) async throws -> String {
        let verified = try await enterRegistrationCode(id, code)
        XCTAssertEqual(verified.status, .ok, verified.body.string)
        return try XCTUnwrap(verified.json?["completionToken"] as? String)
    }

    /// Registers through the API and returns the new account's id.
    @discardableResult
    func register(_ citizen: Citizen) async throws -> String {
        let (id, code) = try await pendingRegistration(citizen)
        let token = try await verifyRegistration(id, code: code)
        let done = try await post("/api/v1/registrations/\(id)/complete", ["completionToken": token, "password": citizen.password])
        XCTAssertEqual(done.status, .created, done.body.string)
        return try XCTUnwrap(done.json?["accountId"] as? String)
    }

    /// Sends the password through the API and returns the sign-in challenge's id.
    func startSignIn(_ username: String, _ password: String) async throws -> String {
        let started = try await post("/api/v1/login", ["username": username, "password": password])
        XCTAssertEqual(started.status, .ok, started.body.string)
        return try XCTUnwrap(started.json?["challengeId"] as? String)
    }

    /// Signs in through the API (password, then the SMS code) and returns the bearer token.
    func signIn(_ username: String, _ password: String, phone: String) async throws -> String {
        let challenge = try await startSignIn(username, password)
        let code = try await latestCode(to: phone)
        let verified = try await post("/api/v1/login/\(challenge)/verify", ["code": code])
        XCTAssertEqual(verified.status, .ok, verified.body.string)
        return try XCTUnwrap(verified.json?["token"] as? String)
    }

    /// Signs a registered citizen in through the API and returns the bearer token.
    func signIn(_ citizen: Citizen) async throws -> String {
        try await signIn(citizen.idNumber, citizen.password, phone: citizen.phoneE164)
    }

    /// The ids of the sessions of the account `token` belongs to.
    func sessionIDs(token: String) async throws -> [String] {
        let list = try await get("/api/v1/me/sessions", token: token)
        XCTAssertEqual(list.status, .ok, list.body.string)
        return list.items.compactMap { $0["id"] as? String }
    }

    /// How many passwords the portal has checked so far, real or dummy.
    var passwordChecks: Int { app.portal.hasher.verifications.withLockedValue { $0 } }

    /// Tries a wrong password for `known` and then for `unknown`, an account that does not exist: both must get
    /// the same 401 and cost one password check each, so neither the answer nor its time tells them apart.
    func assertUnknownAccountLooksLikeAWrongPassword(known: String, unknown: String,
                                                     file: StaticString = #filePath, line: UInt = #line) async throws {
        let before = passwordChecks
        let wrong = try await post("/api/v1/login", ["username": known, "password": "not the password"])
        let afterWrong = passwordChecks
        let stranger = try await post("/api/v1/login", ["username": unknown, "password": "not the password"])
        let afterStranger = passwordChecks
        XCTAssertEqual(wrong.status, .unauthorized, file: file, line: line)
        XCTAssertEqual(stranger.status, wrong.status, file: file, line: line)
        XCTAssertEqual(stranger.body.string, wrong.body.string, file: file, line: line)
        XCTAssertEqual(afterWrong - before, 1, "one check for a wrong password", file: file, line: line)
        XCTAssertEqual(afterStranger - afterWrong, 1, "one check for an unknown account too", file: file, line: line)
    }
}
