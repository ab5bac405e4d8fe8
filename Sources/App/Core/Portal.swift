// The portal's shared services, built once in configure and reached through `app.portal`.
import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import SMSGateway
import Vapor

final class Portal: Sendable {
    let config: AppConfig
    let keys: Keys
    let time: any TimeSource
    let sms: any SMSSender
    let metrics: PortalMetrics
    let outboxSignal: OutboxSignal
    let hasher: PasswordHasher
    /// At most a few ID-card uploads in memory at once.
    let uploads: UploadGate
    /// Recent messages for `/dev/sms`; only when no gateway is configured outside production.
    let devInbox: DevSMSInbox?
    /// The single sign-on signing keys as this instance holds them.
    let keyRing = KeyRing()
    /// Other parties' key sets: clients' JWKS for private_key_jwt, the e-ID provider's.
    let remoteKeys: RemoteKeySets
    /// Calls to other systems (back-channel logout, key sets, the e-ID): short timeouts, its own connections.
    let outbound: HTTPClient
    /// The e-ID provider's discovery document, cached.
    let eidDiscovery = EIDDiscoveryCache()
    /// Set on SIGTERM: readiness answers 503, then the background work stops taking new work.
    let shutdown = ShutdownState()

    init(config: AppConfig, keys: Keys, time: any TimeSource, sms: any SMSSender, metrics: PortalMetrics, devInbox: DevSMSInbox?,
         outbound: HTTPClient) {
        self.config = config
        self.keys = keys
        self.time = time
        self.sms = sms
        self.metrics = metrics
        self.outboxSignal = OutboxSignal()
        self.hasher = PasswordHasher(parameters: config.scrypt)
        self.uploads = UploadGate(timeLimit: .seconds(config.uploadTimeLimitSeconds))
        self.devInbox = devInbox
        self.outbound = outbound
        self.remoteKeys = RemoteKeySets(client: outbound)
    }
}

/// The two steps of a graceful stop, read by the readiness check and the background workers.
final class ShutdownState: Sendable {
    private let state = NIOLockedValueBox((draining: false, stopping: false))

    /// The load balancer is being told to send nothing new (readiness 503); requests are still served.
    var isDraining: Bool { state.withLockedValue { $0.draining } }
    /// The background workers finish what they hold and take nothing new.
    var isStopping: Bool { state.withLockedValue { $0.stopping } }

    func drain() { state.withLockedValue { $0.draining = true } }
    func stop() { state.withLockedValue { $0 = (true, true) } }
}

extension Application {
    private struct PortalKey: StorageKey { typealias Value = Portal }

    var portal: Portal {
        get {
            guard let portal = storage[PortalKey.self] else { fatalError("configure(_:) has not set up the portal") }
            return portal
        }
        set { storage[PortalKey.self] = newValue }
    }
}

extension Request {
    var portal: Portal { application.portal }
    var now: Date { application.portal.time.now() }
}
