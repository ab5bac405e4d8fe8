// The one way tests build and send requests: JSON calls, page forms, raw bodies and multipart uploads all get
// their content type, token and body here, then go through XCTVapor or straight to the responder.
import Foundation
import NIOCore
import XCTVapor
@testable import App

/// A request as a test means it: method, path, headers and the encoded body.
struct TestRequest {
    enum Body {
        /// Any JSON value (fragments allowed), as `application/json`.
        case json(Any)
        /// Fields in order, URL-encoded.
        case form([(String, String)])
        /// Text sent as it is; JSON unless the headers name another type.
        case raw(String)
        case multipart(Multipart)
    }

    let method: HTTPMethod
    let path: String
    private(set) var headers: HTTPHeaders
    private(set) var body: ByteBuffer?

    init(_ method: HTTPMethod, _ path: String, _ body: Body? = nil, token: String? = nil, headers: HTTPHeaders = [:]) throws {
        self.method = method
        self.path = path
        self.headers = headers
        switch body {
        case nil:
            break
        case let .json(value)?:
            self.headers.contentType = .json
            self.body = ByteBuffer(data: try JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed]))
        case let .form(fields)?:
            self.headers.contentType = .urlEncodedForm
            self.body = ByteBuffer(string: fields.map { "\(formEncode($0))=\(formEncode($1))" }.joined(separator: "&"))
        case let .raw(text)?:
            if self.headers.contentType == nil { self.headers.contentType = .json }
            self.body = ByteBuffer(string: text)
        case let .multipart(form)?:
            self.headers.replaceOrAdd(name: .contentType, value: "multipart/form-data; boundary=\(form.boundary)")
            self.body = form.finished
        }
        if let token { self.headers.bearerAuthorization = .init(token: token) }
    }
}

/// A multipart/form-data body, written field by field.
struct Multipart {
    let boundary = "----portal-test-\(UUID().uuidString)"
    private var body = ByteBuffer()

    mutating func field(_ name: String, _ value: String) {
        body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n")
    }

    mutating func file(_ name: String, filename: String, type: String, bytes: [UInt8]) {
        body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(filename)\"\r\nContent-Type: \(type)\r\n\r\n")
        body.writeBytes(bytes)
        body.writeString("\r\n")
    }

    /// The body with its closing boundary.
    var finished: ByteBuffer {
        var done = body
        done.writeString("--\(boundary)--\r\n")
        return done
    }
}

/// How a request reaches the application.
enum Transport {
    /// Handed to the responder in memory.
    case inMemory
    /// Through a real server on a free port, so body limits apply while the body streams in.
    case running
}

extension TestContext {
    /// Sends a request through XCTVapor and answers its response.
    func perform(_ request: TestRequest, over transport: Transport = .inMemory) async throws -> XCTHTTPResponse {
        let tester = transport == .running ? try app.testable(method: .running(port: 0)) : try app.testable()
        return try await tester.sendRequest(request.method, request.path, headers: request.headers, body: request.body)
    }

    /// Any JSON call; `json` is the body, if any.
    func request(_ method: HTTPMethod, _ path: String, json: Any? = nil, token: String? = nil, headers: HTTPHeaders = [:],
                 over transport: Transport = .inMemory) async throws -> XCTHTTPResponse {
        try await perform(TestRequest(method, path, json.map { .json($0) }, token: token, headers: headers), over: transport)
    }

    func post(_ path: String, _ body: [String: Any], token: String? = nil, headers: HTTPHeaders = [:]) async throws -> XCTHTTPResponse {
        try await request(.POST, path, json: body, token: token, headers: headers)
    }

    func patch(_ path: String, _ body: [String: Any], token: String? = nil) async throws -> XCTHTTPResponse {
        try await request(.PATCH, path, json: body, token: token)
    }

    func get(_ path: String, token: String? = nil, headers: HTTPHeaders = [:]) async throws -> XCTHTTPResponse {
        try await request(.GET, path, token: token, headers: headers)
    }

    func delete(_ path: String, token: String? = nil) async throws -> XCTHTTPResponse {
        try await request(.DELETE, path, token: token)
    }

    /// Sends a request straight to the responder, through the whole middleware chain. `from` sets the client's
    /// address, which XCTVapor leaves empty, so per-address limits can be tested with several attackers.
    func send(_ request: TestRequest, from address: String? = nil) async throws -> Answer {
        try await app.asyncBoot()
        var headers = request.headers
        headers.replaceOrAdd(name: .contentLength, value: String(request.body?.readableBytes ?? 0))
        let incoming = Request(
            application: app, method: request.method, url: URI(path: request.path), headers: headers, collectedBody: request.body,
            remoteAddress: try address.map { try SocketAddress(ipAddress: $0, port: 40000) },
            logger: app.logger, on: app.eventLoopGroup.next())
        let response = try await app.responder.respond(to: incoming).get()
        let collected = try await response.body.collect(on: incoming.eventLoop).get()
        return Answer(status: response.status, headers: response.headers, body: collected.map { String(buffer: $0) } ?? "")
    }

    /// `send` with the body given as JSON, form fields or raw text.
    func send(_ method: HTTPMethod, _ path: String, json: Any? = nil, form: [(String, String)]? = nil, raw: String? = nil,
              headers: HTTPHeaders = [:], token: String? = nil, from address: String? = nil) async throws -> Answer {
        let body: TestRequest.Body? = if let json { .json(json) } else if let form { .form(form) } else if let raw { .raw(raw) } else { nil }
        return try await send(TestRequest(method, path, body, token: token, headers: headers), from: address)
    }
}

/// An answer from `send`, with its body read as text.
struct Answer {
    let status: HTTPStatus
    let headers: HTTPHeaders
    let body: String
}

/// What tests read from any answer: the body as JSON, the contract's error, list items, the redirect.
protocol ReadableAnswer {
    var status: HTTPStatus { get }
    var headers: HTTPHeaders { get }
    var bodyData: Data { get }
}

/// Asserts an answer's status and its `error.code`.
func assertError(_ answer: some ReadableAnswer, _ status: HTTPStatus, _ code: String,
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(answer.status, status, file: file, line: line)
    XCTAssertEqual(answer.errorCode, code, file: file, line: line)
}

extension ReadableAnswer {
    var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: bodyData)) as? [String: Any] }

    /// The `error` object of the contract's JSON error shape.
    var error: [String: Any]? { json?["error"] as? [String: Any] }
    /// `error.code`.
    var errorCode: String? { error?["code"] as? String }
    /// `error.fields`: a message per field.
    var errorFields: [String: String]? { error?["fields"] as? [String: String] }

    /// The `items` of a list answer.
    var items: [[String: Any]] { json?["items"] as? [[String: Any]] ?? [] }

    var location: String? { headers.first(name: .location) }
}

extension XCTHTTPResponse: ReadableAnswer {
    var bodyData: Data { Data(buffer: body) }
}

extension Answer: ReadableAnswer {
    var bodyData: Data { Data(body.utf8) }
}

/// Percent-encodes a form field's name or value.
func formEncode(_ s: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
}

/// Percent-encodes a value for a query string or a path segment.
func urlEncode(_ s: String) -> String { formEncode(s) }
