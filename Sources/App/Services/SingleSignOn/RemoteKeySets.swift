// Other parties' published keys (a client's JWKS for private_key_jwt, the e-ID provider's), fetched with a
// short timeout and kept for the lifetime the server gives them, within bounds.
import AsyncHTTPClient
import Foundation
import JWTKit
import NIOCore
import NIOHTTP1

actor RemoteKeySets {
    static let minLifetime: TimeInterval = 60
    static let maxLifetime: TimeInterval = 24 * 3600
    static let defaultLifetime: TimeInterval = 300

    private let client: HTTPClient
    private let timeout: TimeAmount
    private var cache: [String: (keys: JWTKeyCollection, until: Date)] = [:]

    init(client: HTTPClient, timeout: TimeAmount = .seconds(5)) {
        self.client = client
        self.timeout = timeout
    }

    /// The key set at `uri`, from the cache while it is fresh.
    func keys(_ uri: String, forceRefresh: Bool = false) async throws -> JWTKeyCollection {
        if !forceRefresh, let hit = cache[uri], hit.until > Date() { return hit.keys }
        let (body, lifetime) = try await Self.fetch(uri, client: client, timeout: timeout)
        let keys = JWTKeyCollection()
        try await keys.add(jwksJSON: body)
        cache[uri] = (keys, Date().addingTimeInterval(lifetime))
        return keys
    }

    /// A JSON document and how long it may be kept (`Cache-Control: max-age`, bounded).
    static func fetch(_ uri: String, client: HTTPClient, timeout: TimeAmount) async throws -> (String, TimeInterval) {
        var request = HTTPClientRequest(url: uri)
        request.headers.add(name: "Accept", value: "application/json")
        let response = try await client.execute(request, timeout: timeout)
        guard response.status == .ok else { throw RemoteError.status(Int(response.status.code)) }
        let body = try await response.body.collect(upTo: 512 * 1024)
        var lifetime = defaultLifetime
        if let cc = response.headers.first(name: "Cache-Control"),
           let part = cc.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }).first(where: { $0.hasPrefix("max-age=") }),
           let seconds = TimeInterval(part.dropFirst("max-age=".count)) {
            lifetime = min(maxLifetime, max(minLifetime, seconds))
        }
        return (String(buffer: body), lifetime)
    }

    enum RemoteError: Error { case status(Int) }
}
