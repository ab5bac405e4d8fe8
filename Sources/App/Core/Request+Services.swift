// The services a request handler calls, each on the request's database and the portal's shared parts. Handlers
// reach data only through these: no handler queries the database itself.
import Vapor

extension Request {
    var registrations: RegistrationService { RegistrationService(db: db, portal: portal) }
    var logins: LoginService { LoginService(db: db, portal: portal, hasher: portal.hasher) }
    var passwords: PasswordService { PasswordService(db: db, portal: portal, hasher: portal.hasher) }
    var authSessions: Sessions { Sessions(db: db, portal: portal) }
    var otpCodes: OTPService { OTPService(db: db, portal: portal) }
    var catalogue: ServiceCatalogue { ServiceCatalogue(db: db) }
    var staffDirectory: StaffDirectory { StaffDirectory(db: db) }
    var staffService: StaffService { StaffService(db: db, portal: portal) }
    var unitService: UnitService { UnitService(db: db, portal: portal) }
    var counter: CounterService { CounterService(db: db, portal: portal) }
    var auditTrail: AuditTrail { AuditTrail(db: db, portal: portal) }
    var monitoring: Monitoring { Monitoring(db: db, portal: portal) }
    var singleSignOn: SingleSignOn { SingleSignOn(db: db, portal: portal) }
    var oidcClients: OIDCClients { OIDCClients(db: db, portal: portal) }
    var eidLinks: ElectronicIDLinks { ElectronicIDLinks(db: db, portal: portal) }
    /// The e-ID sign-in, when a provider is configured.
    var electronicID: ElectronicID? { portal.config.eid.map { ElectronicID(db: db, portal: portal, config: $0) } }

    /// The request's path, worked out once: `url.path` parses the URL again at every call, and the middlewares,
    /// the page and the error handler each ask for it (a visible share of a page's CPU, `bench/`).
    var path: String {
        if let known = storage[PathKey.self] { return known }
        let path = url.path
        storage[PathKey.self] = path
        return path
    }

    private struct PathKey: StorageKey { typealias Value = String }

    /// Who acts on this request, for the audit trail.
    var auditActor: AuditLog.Actor {
        AuditLog.Actor(id: signedIn?.account.id, name: signedIn?.account.fullName ?? "(anonymous)", address: clientAddress)
    }

    /// The signed-in person's staff rights, read for this request: rights are checked against the present.
    /// Read once per request: the page's header asks it too.
    func staff() async throws -> StaffContext {
        if let known = storage[StaffContextKey.self] { return known }
        let staff = try await staffDirectory.context(for: try requireSignedIn().account)
        storage[StaffContextKey.self] = staff
        return staff
    }

    /// The same, for routes only administrators reach: others get 403 (they are signed in, so not 401).
    func admin() async throws -> StaffContext {
        let staff = try await staff()
        guard staff.isAdmin else { throw AppError.forbidden }
        return staff
    }
}

private struct StaffContextKey: StorageKey {
    typealias Value = StaffContext
}
