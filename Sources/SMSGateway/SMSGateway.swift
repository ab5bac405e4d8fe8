// The SMS gateway's wire format and the HTTP client that speaks it.
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// One message as the gateway receives it: `{"to": "+84…", "text": "…", "reference": "…"}`.
public struct SMSMessage: Sendable, Codable, Equatable {
    public let to: String
    public let text: String
    public let reference: String

    public init(to: String, text: String, reference: String) {
        self.to = to
        self.text = text
        self.reference = reference
    }
}

/// What became of one attempt. `retry` covers no answer, 408, 429, 5xx and a redirect (never followed); any other 4xx is final.
public enum SendOutcome: Sendable, Equatable {
    case accepted
    case retry(String)
    case permanent(String)

    /// The contract's classification of a gateway's HTTP answer.
    public static func classify(status: Int, body: String) -> SendOutcome {
        switch status {
        case 200..<300: return .accepted
        case 408, 429, 500..<600: return .retry("HTTP \(status): \(body.prefix(200))")
        // A redirect is not followed (it would carry the message elsewhere); the message waits for the address
        // to be corrected rather than being lost.
        case 300..<400: return .retry("HTTP \(status): redirect not followed")
        default: return .permanent("HTTP \(status): \(body.prefix(200))")
        }
    }
}

/// Anything that can hand a message to an operator. The outbox worker calls it; tests swap in fakes.
public protocol SMSSender: Sendable {
    func send(_ message: SMSMessage) async -> SendOutcome
}

/// POSTs each message to `SMS_GATEWAY_URL` as JSON, with a bearer token when one is configured.
public struct HTTPSMSGateway: SMSSender {
    public let url: String
    public let token: String?
    public let timeout: TimeAmount
    private let client: HTTPClient

    public init(url: String, token: String?, client: HTTPClient, timeout: TimeAmount = .seconds(5)) {
        self.url = url
        self.token = token
        self.client = client
        self.timeout = timeout
    }

    public func send(_ message: SMSMessage) async -> SendOutcome {
        do {
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
            request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(message)))
            let response = try await client.execute(request, timeout: timeout)
            // Only the start of the answer is kept for the record; a huge or endless answer is drained, not stored.
            var kept = ByteBuffer()
            for try await var chunk in response.body where kept.readableBytes < 1024 {
                kept.writeBuffer(&chunk)
            }
            return SendOutcome.classify(status: Int(response.status.code), body: String(buffer: kept))
        } catch {
            // Timeouts, refused connections and cut answers are all worth another try.
            return .retry("no answer: \(String(describing: error).prefix(200))")
        }
    }
}
