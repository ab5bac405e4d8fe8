// The portal's shared services, built once in configure and reached through `app.portal`.
import Foundation
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

    init(config: AppConfig, keys: Keys, time: any TimeSource, sms: any SMSSender, metrics: PortalMetrics, devInbox: DevSMSInbox?) {
        self.config = config
        self.keys = keys
        self.time = time
        self.sms = sms
        self.metrics = metrics
        self.outboxSignal = OutboxSignal()
        self.hasher = PasswordHasher(parameters: config.scrypt)
        self.uploads = UploadGate(timeLimit: .seconds(config.uploadTimeLimitSeconds))
        self.devInbox = devInbox
    }
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
