// Every route and the guard in front of it, in one place.
import Vapor

func routes(_ app: Application) throws {
    let site = SiteController()
    let health = HealthController()

    // Public pages
    app.get(use: site.home)
    app.get("ngon-ngu", ":code", use: site.switchLanguage)

    // Operator
    app.get("health", "live", use: health.live)
    app.get("health", "ready", use: health.ready)
    app.get("metrics", use: health.metrics)
    app.get("api", "openapi.yaml", use: health.openAPI)

    // Development only: the SMS that would have gone to the gateway
    if !app.environment.isRelease {
        app.get("dev", "sms", use: site.devSMS)
    }
}
