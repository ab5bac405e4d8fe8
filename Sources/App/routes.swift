// Every route and the guard in front of it, in one place.
import Vapor

func routes(_ app: Application) throws {
    let site = SiteController()
    let health = HealthController()
    let citizen = APICitizenController()

    // Public pages
    app.get(use: site.home)
    app.get("ngon-ngu", ":code", use: site.switchLanguage)

    // Operator
    app.get("health", "live", use: health.live)
    app.get("health", "ready", use: health.ready)
    app.get("metrics", use: health.metrics)
    app.get("api", "openapi.yaml", use: health.openAPI)

    // Citizen API: anonymous
    let api = app.grouped("api", "v1").grouped(BearerAuthenticator())
    api.get("human-check", use: citizen.humanCheck)
    api.post("registrations", use: citizen.register)
    api.post("registrations", ":id", "otp", use: citizen.resendRegistration)
    api.post("registrations", ":id", "verify", use: citizen.verifyRegistration)
    api.post("registrations", ":id", "complete", use: citizen.completeRegistration)
    api.post("login", use: citizen.startLogin)
    api.post("login", ":id", "otp", use: citizen.resendLogin)
    api.post("login", ":id", "verify", use: citizen.verifyLogin)
    api.post("password-resets", use: citizen.startReset)
    api.post("password-resets", ":id", "otp", use: citizen.resendReset)
    api.post("password-resets", ":id", "complete", use: citizen.completeReset)
    api.get("services", use: citizen.services)

    // Citizen API: signed in; a temporary password allows only these three until it is changed
    let pendingChange = api.grouped(RequireSignedIn(allowPasswordChangePending: true))
    pendingChange.get("me", use: citizen.me)
    pendingChange.post("me", "password", use: citizen.changePassword)
    pendingChange.post("logout", use: citizen.logout)
    let signedIn = api.grouped(RequireSignedIn())
    signedIn.get("me", "sessions", use: citizen.sessions)
    signedIn.delete("me", "sessions", ":id", use: citizen.endSession)

    // Development only: the SMS that would have gone to the gateway
    if !app.environment.isRelease {
        app.get("dev", "sms", use: site.devSMS)
    }
}
