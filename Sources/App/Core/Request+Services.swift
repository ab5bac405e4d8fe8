// The services a request handler calls, each on the request's database and the portal's shared parts. Handlers
// reach data only through these: no handler queries the database itself.
import Fluent
import Vapor

extension Request {
    var registrations: RegistrationService { RegistrationService(db: database, portal: portal) }
    var logins: LoginService { LoginService(db: database, portal: portal, hasher: portal.hasher) }
    var passwords: PasswordService { PasswordService(db: database, portal: portal, hasher: portal.hasher) }
    var authSessions: Sessions { Sessions(db: database, portal: portal) }
    var otpCodes: OTPService { OTPService(db: database, portal: portal) }
    var catalogue: ServiceCatalogue { ServiceCatalogue(db: database) }
    var staffDirectory: StaffDirectory { StaffDirectory(db: database) }
    var staffService: StaffService { StaffService(db: database, portal: portal) }
    var unitService: UnitService { UnitService(db: database, portal: portal) }
    var counter: CounterService { CounterService(db: database, portal: portal) }
    var auditTrail: AuditTrail { AuditTrail(db: database, portal: portal) }
    var monitoring: Monitoring { Monitoring(db: database, portal: portal) }
    var singleSignOn: SingleSignOn { SingleSignOn(db: database, portal: portal) }
    var oidcClients: OIDCClients { OIDCClients(db: database, portal: portal) }
    var eidLinks: ElectronicIDLinks { ElectronicIDLinks(db: database, portal: portal) }
    /// The e-ID sign-in, when a provider is configured.
    var electronicID: ElectronicID? { portal.config.eid.map { ElectronicID(db: database, portal: portal, config: $0) } }

    /// The request's database handle, made once: Fluent's `req.db` builds a new one at every call (a lock and the
    /// history and page-size settings read each time), and a request reaches several services.
    var database: any Database {
        if let known = storage[DatabaseKey.self] { return known }
        let db = self.db
        storage[DatabaseKey.self] = db
        return db
    }

    private struct DatabaseKey: StorageKey { typealias Value = any Database }

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
        if let known = staffRead { return known }
        let staff = try await staffDirectory.context(for: try requireSignedIn().account)
        staffRead = staff
        return staff
    }

    /// The rights `staff()` answers with, once read: by it, or by the authenticator with the session.
    var staffRead: StaffContext? {
        get { storage[StaffContextKey.self] }
        set { storage[StaffContextKey.self] = newValue }
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
