// Every route and the guard in front of it, in one place.
import Vapor

func routes(_ app: Application) throws {
    let site = SiteController()
    let health = HealthController()
    let citizen = APICitizenController()

    // Public pages (the session cookie is read so the header can show who is signed in)
    let web = app.grouped(CookieAuthenticator())
    let pages = CitizenWebController()
    web.get(use: site.home)
    web.get("ngon-ngu", ":code", use: site.switchLanguage)
    web.get("dich-vu", use: pages.publicCatalogue)

    // Registration, sign-in and recovery pages
    web.get("dang-ky", use: pages.registerStart)
    web.get("dang-ky", "thong-tin", use: pages.registerDetails)
    web.post("dang-ky", "thong-tin", use: pages.registerSubmit)
    web.get("dang-ky", ":id", "xac-thuc", use: pages.registerOTP)
    web.post("dang-ky", ":id", "xac-thuc", use: pages.registerVerify)
    web.post("dang-ky", ":id", "gui-lai", use: pages.registerResend)
    web.post("dang-ky", ":id", "mat-khau", use: pages.registerComplete)
    web.get("dang-nhap", use: pages.loginForm)
    web.post("dang-nhap", use: pages.loginSubmit)
    web.get("dang-nhap", ":id", use: pages.loginOTP)
    web.post("dang-nhap", ":id", use: pages.loginVerify)
    web.post("dang-nhap", ":id", "gui-lai", use: pages.loginResend)
    web.post("dang-xuat", use: pages.logout)
    web.get("quen-mat-khau", use: pages.resetForm)
    web.post("quen-mat-khau", use: pages.resetSubmit)
    web.get("quen-mat-khau", ":id", use: pages.resetCode)
    web.post("quen-mat-khau", ":id", use: pages.resetComplete)
    web.post("quen-mat-khau", ":id", "gui-lai", use: pages.resetResend)

    // The signed-in citizen's pages; a temporary password leads to the change-password page first
    let account = web.grouped(RequireSignedIn())
    account.get("tai-khoan", use: pages.account)
    account.get("tai-khoan", "ho-so", use: pages.profile)
    account.get("tai-khoan", "phien", use: pages.sessions)
    account.post("tai-khoan", "phien", ":id", "ket-thuc", use: pages.endSession)
    let passwordChange = web.grouped(RequireSignedIn(allowPasswordChangePending: true))
    passwordChange.get("tai-khoan", "doi-mat-khau", use: pages.changePasswordForm)
    passwordChange.post("tai-khoan", "doi-mat-khau", use: pages.changePassword)

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

    // The administration console (R2): every page needs a signed-in account; the admin pages check roles
    let console = ConsoleController()
    let quantri = web.grouped(RequireSignedIn()).grouped("quantri")
    quantri.get(use: console.home)
    quantri.get("tai-khoan-cong-dan", use: console.citizens)
    quantri.get("don-vi", use: console.units)
    quantri.post("don-vi", use: console.createUnit)
    quantri.get("don-vi", ":id", use: console.unit)
    quantri.post("don-vi", ":id", use: console.updateUnit)
    quantri.post("don-vi", ":id", "can-bo", use: console.grant)
    quantri.post("don-vi", ":id", "can-bo", ":accountId", "thu-hoi", use: console.revoke)
    quantri.get("can-bo", use: console.staffUnits)
    quantri.get("yeu-cau", use: console.requests)
    quantri.post("yeu-cau", ":id", "duyet", use: console.approve)
    quantri.post("yeu-cau", ":id", "tu-choi", use: console.refuse)
    quantri.get("de-nghi-cap-quyen", use: console.ask)
    quantri.post("de-nghi-cap-quyen", use: console.askSubmit)
    quantri.get("nhat-ky", use: console.audit)
    quantri.get("nhat-ky.csv", use: console.auditCSV)

    // Administration API: any signed-in account may ask what it can do and request rights; the rest
    // checks the caller's roles and scope in the services, answering 404 for what lies outside it
    let admin = APIAdminController()
    signedIn.get("admin", "me", use: admin.me)
    signedIn.post("rights-requests", use: admin.createRightsRequest)
    signedIn.get("admin", "units", use: admin.units)
    signedIn.post("admin", "units", use: admin.createUnit)
    signedIn.patch("admin", "units", ":id", use: admin.updateUnit)
    signedIn.get("admin", "units", ":id", "staff", use: admin.staffList)
    signedIn.post("admin", "units", ":id", "staff", use: admin.grant)
    signedIn.delete("admin", "units", ":id", "staff", ":accountId", use: admin.revoke)
    signedIn.get("admin", "rights-requests", use: admin.rightsRequests)
    signedIn.post("admin", "rights-requests", ":id", "approve", use: admin.approve)
    signedIn.post("admin", "rights-requests", ":id", "refuse", use: admin.refuse)
    signedIn.get("admin", "audit", use: admin.audit)
    signedIn.get("admin", "audit.csv", use: admin.auditCSV)

    // Development only: the SMS that would have gone to the gateway
    if !app.environment.isRelease {
        web.get("dev", "sms", use: site.devSMS)
    }
}
