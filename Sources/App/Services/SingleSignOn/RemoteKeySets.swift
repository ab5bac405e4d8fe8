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
    private var cache: [String: (keys: JWTKeyCollection, kids: Set<String>, until: Date)] = [:]
    private var lastForced: [String: Date] = [:]
    /// An unknown `kid` fetches the set again at most this often, so forged tokens cannot make the portal hammer
    /// the other party.
    static let minRefetchInterval: TimeInterval = 30

    init(client: HTTPClient, timeout: TimeAmount = .seconds(5)) {
        self.client = client
        self.timeout = timeout
    }

    /// The key set at `uri`, from the cache while it is fresh. A token naming a key the cached set does not have
    /// (`kid`) fetches the set again, once: the party has rotated its keys. (jwt-kit would otherwise try its first
    /// key for an unknown `kid`, and the new key would not be seen until the cache ran out.)
    func keys(_ uri: String, kid: String? = nil) async throws -> JWTKeyCollection {
        if let hit = cache[uri], hit.until > Date() {
            let known = kid.map(hit.kids.contains) ?? true
            if known || Date().timeIntervalSince(lastForced[uri] ?? .distantPast) < Self.minRefetchInterval { return hit.keys }
            lastForced[uri] = Date()
        }
        let (body, lifetime) = try await Self.fetch(uri, client: client, timeout: timeout)
        let keys = JWTKeyCollection()
        try await keys.add(jwksJSON: body)
        struct Set_: Decodable { struct Key: Decodable { let kid: String? }; let keys: [Key] }
        let kids = Set(((try? JSONDecoder().decode(Set_.self, from: Data(body.utf8)))?.keys ?? []).compactMap(\.kid))
        cache[uri] = (keys, kids, Date().addingTimeInterval(lifetime))
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
