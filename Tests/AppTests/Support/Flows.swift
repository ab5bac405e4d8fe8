// Shortcuts for tests that need a citizen at some point of a flow: the codes come from the fake SMS sender.
import Foundation
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
    /// Sends what the outbox holds and returns the 6-digit code of the newest SMS to `phone` (E.164). No code
    /// means the flow is broken: the test fails and the error ends it.
    func latestCode(to phone: String, file: StaticString = #filePath, line: UInt = #line) async throws -> String {
        try await OutboxWorker(db: app.db, portal: app.portal, logger: app.logger).runOnce()
        // Notices may go out in the same round and in any order: take the newest code message.
        guard let message = sms.sent.last(where: { $0.to == phone && $0.text.hasPrefix("Ma xac thuc") }),
              let range = message.text.range(of: #"\b\d{6}\b"#, options: .regularExpression) else {
            let missing = MissingSMS(phone: phone, kind: "code", sentTo: sms.sent.map(\.to))
            XCTFail(missing.description, file: file, line: line)
            throw missing
        }
        return String(message.text[range])
    }

    func post(_ path: String, _ body: [String: Any], token: String? = nil, headers extra: HTTPHeaders = [:]) async throws -> XCTHTTPResponse {
        var headers = extra
        headers.contentType = .json
        if let token { headers.bearerAuthorization = .init(token: token) }
        let data = try JSONSerialization.data(withJSONObject: body)
        var result: XCTHTTPResponse!
        try await app.test(.POST, path, headers: headers, body: ByteBuffer(data: data)) { res async in result = res }
        return result
    }

    func get(_ path: String, token: String? = nil, headers extra: HTTPHeaders = [:]) async throws -> XCTHTTPResponse {
        var headers = extra
        if let token { headers.bearerAuthorization = .init(token: token) }
        var result: XCTHTTPResponse!
        try await app.test(.GET, path, headers: headers) { res async in result = res }
        return result
    }

    func delete(_ path: String, token: String? = nil) async throws -> XCTHTTPResponse {
        var headers = HTTPHeaders()
        if let token { headers.bearerAuthorization = .init(token: token) }
        var result: XCTHTTPResponse!
        try await app.test(.DELETE, path, headers: headers) { res async in result = res }
        return result
    }
}

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
}

extension TestContext {
    /// Registers through the API and returns the new account's id.
    @discardableResult
    func register(_ citizen: Citizen) async throws -> String {
        let started = try await post("/api/v1/registrations", citizen.registration)
        XCTAssertEqual(started.status, .created, started.body.string)
        let id = try XCTUnwrap(started.json?["id"] as? String)
        let code = try await latestCode(to: citizen.phoneE164)
        let verified = try await post("/api/v1/registrations/\(id)/verify", ["code": code])
        XCTAssertEqual(verified.status, .ok, verified.body.string)
        let token = try XCTUnwrap(verified.json?["completionToken"] as? String)
        let done = try await post("/api/v1/registrations/\(id)/complete", ["completionToken": token, "password": citizen.password])
        XCTAssertEqual(done.status, .created, done.body.string)
        return try XCTUnwrap(done.json?["accountId"] as? String)
    }

    /// Signs in through the API (password, then the SMS code) and returns the bearer token.
    func signIn(_ username: String, _ password: String, phone: String) async throws -> String {
        let started = try await post("/api/v1/login", ["username": username, "password": password])
        XCTAssertEqual(started.status, .ok, started.body.string)
        let challenge = try XCTUnwrap(started.json?["challengeId"] as? String)
        let code = try await latestCode(to: phone)
        let verified = try await post("/api/v1/login/\(challenge)/verify", ["code": code])
        XCTAssertEqual(verified.status, .ok, verified.body.string)
        return try XCTUnwrap(verified.json?["token"] as? String)
    }
}
