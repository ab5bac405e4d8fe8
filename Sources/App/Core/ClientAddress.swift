// The client's address for rate limits and audit: X-Forwarded-For is believed only from trusted proxies.
import Foundation
import Vapor
#if canImport(Glibc)
import Glibc
#endif

/// An IPv4 or IPv6 address with a prefix length, e.g. `10.0.0.0/8`, `::1`.
struct IPRange: Sendable, Equatable {
    let bytes: [UInt8]
    let prefix: Int

    init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
        guard let address = IPRange.parseAddress(parts[0]) else { return nil }
        let maxPrefix = address.count * 8
        if parts.count == 2 {
            guard let p = Int(parts[1]), (0...maxPrefix).contains(p) else { return nil }
            prefix = p
        } else {
            prefix = maxPrefix
        }
        bytes = address
    }

    func contains(_ text: String) -> Bool {
        guard let other = IPRange.parseAddress(text), other.count == bytes.count else { return false }
        var remaining = prefix
        for i in 0..<bytes.count where remaining > 0 {
            let bits = min(8, remaining)
            let mask: UInt8 = bits == 8 ? 0xFF : ~(0xFF >> UInt8(bits))
            if bytes[i] & mask != other[i] & mask { return false }
            remaining -= bits
        }
        return true
    }

    static func parseAddress(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }
}

/// What a per-address limit counts: an IPv4 address as it is, an IPv6 address by its /64 (one customer's
/// network: a single host may take any address inside it, so counting whole addresses would give it 2^64 tries).
enum LimitedAddress {
    static func key(_ address: String) -> String {
        guard address.contains(":"), let bytes = IPRange.parseAddress(address), bytes.count == 16 else { return address }
        // An IPv4 address written in IPv6 form (::ffff:a.b.c.d) is that IPv4 address.
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
            return bytes[12..<16].map(String.init).joined(separator: ".")
        }
        let groups = stride(from: 0, to: 8, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
        return groups.joined(separator: ":") + "::/64"
    }
}

extension Request {
    /// The address that limits and audit records use. With trusted proxies configured, the right-most
    /// untrusted hop of X-Forwarded-For is taken, so a client cannot forge its own address.
    var clientAddress: String {
        let peer = remoteAddress?.ipAddress ?? "unknown"
        let proxies = application.portal.config.trustedProxies
        guard !proxies.isEmpty, proxies.contains(where: { $0.contains(peer) }) else { return peer }
        let hops = headers[.xForwardedFor]
            .flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
        for hop in hops.reversed() where !proxies.contains(where: { $0.contains(hop) }) {
            return IPRange.parseAddress(hop) != nil ? hop : peer
        }
        return hops.first ?? peer
    }
}
