// A real HTTP server on 127.0.0.1 playing the SMS gateway: it can fail, stall, or accept, as a script says.
import Foundation
import NIOConcurrencyHelpers
import SMSGateway
import Vapor

final class LocalGateway: @unchecked Sendable {
    enum Behaviour: Sendable { case accept, status(Int), stall(seconds: Double), garbage, redirect(status: Int, to: String) }

    private let lock = NIOLock()
    private var script: [Behaviour] = []
    private var _received: [SMSMessage] = []
    private var _authorizations: [String?] = []
    let app: Application
    private(set) var port = 0

    init() async throws {
        app = try await Application.make(.testing)
        app.http.server.configuration.hostname = "127.0.0.1"
        app.http.server.configuration.port = 0
        app.logger.logLevel = .error
        app.post("sms") { [unowned self] req async throws -> Response in
            let message = try req.content.decode(SMSMessage.self)
            let behaviour = self.lock.withLock { () -> Behaviour in
                self._received.append(message)
                self._authorizations.append(req.headers.first(name: .authorization))
                return self.script.isEmpty ? .accept : self.script.removeFirst()
            }
            switch behaviour {
            case .accept: return Response(status: .ok, body: .init(string: "{\"status\":\"accepted\"}"))
            case let .status(code): return Response(status: HTTPResponseStatus(statusCode: code), body: .init(string: "gateway says \(code)"))
            case let .stall(seconds):
                try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
                return Response(status: .ok)
            case .garbage: return Response(status: .init(statusCode: 502), body: .init(string: "\u{0}\u{1}<html>not json"))
            case let .redirect(status, location):
                return Response(status: .init(statusCode: status), headers: ["Location": location])
            }
        }
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        port = app.http.server.shared.localAddress?.port ?? 0
    }

    var url: String { "http://127.0.0.1:\(port)/sms" }

    func plan(_ behaviours: [Behaviour]) { lock.withLock { script = behaviours } }

    /// Every request the gateway saw, accepted or not.
    var received: [SMSMessage] { lock.withLock { _received } }
    var authorizations: [String?] { lock.withLock { _authorizations } }

    func stop() async {
        await app.server.shutdown()
        try? await app.asyncShutdown()
    }
}
