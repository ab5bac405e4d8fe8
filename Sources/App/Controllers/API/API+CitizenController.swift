// The citizen JSON API: human check, registration, sign-in, password reset, services.
import Domain
import Vapor

struct APICitizenController {
    func humanCheck(req: Request) async throws -> HumanCheckChallenge {
        HumanCheck(key: req.portal.keys.humanCheck).makeChallenge(now: req.now)
    }

    // MARK: Registration

    func register(req: Request) async throws -> Response {
        let body = try req.person(WithPerson<RegistrationRequest>.self)
        let started = try await req.registrations
            .start(body.person, accountType: body.rest.accountType, verificationMethod: body.rest.verificationMethod, choicesRequired: true,
                   humanCheck: body.rest.humanCheck, clientAddress: req.clientAddress)
        return try await .json(RegistrationCreated(id: started.flow.id!, phoneMasked: started.phone.masked,
                                                   otpExpiresAt: RFC3339.string(started.otp.expiresAt),
                                                   nextSendAt: RFC3339.string(started.otp.nextSendAt)), status: .created, for: req)
    }

    func resendRegistration(req: Request) async throws -> Response {
        let sent = try await req.registrations.resend(try req.uuid(), clientAddress: req.clientAddress)
        return try await .json(OTPSentResponse(sent), status: .accepted, for: req)
    }

    func verifyRegistration(req: Request) async throws -> CompletionTokenResponse {
        let body = try req.json(CodeRequest.self)
        let verified = try await req.registrations.verify(try req.uuid(), code: body.code ?? "")
        return CompletionTokenResponse(completionToken: verified.token)
    }

    func completeRegistration(req: Request) async throws -> Response {
        let body = try req.json(CompleteRegistrationRequest.self)
        let account = try await req.registrations
            .complete(try req.uuid(), completionToken: body.completionToken ?? "", password: body.password ?? "", hasher: req.portal.hasher)
        return try await .json(AccountCreated(accountId: account.id!), status: .created, for: req)
    }

    // MARK: Sign-in

    func startLogin(req: Request) async throws -> LoginChallengeResponse {
        let body = try req.json(LoginRequest.self)
        let started = try await req.logins.start(username: body.username, password: body.password, kind: .api, clientAddress: req.clientAddress)
        return LoginChallengeResponse(challengeId: started.flow.id!, phoneMasked: started.phone.masked,
                                      otpExpiresAt: RFC3339.string(started.otp.expiresAt), nextSendAt: RFC3339.string(started.otp.nextSendAt))
    }

    func resendLogin(req: Request) async throws -> Response {
        let sent = try await req.logins.resend(try req.uuid(), clientAddress: req.clientAddress)
        return try await .json(OTPSentResponse(sent), status: .accepted, for: req)
    }

    func verifyLogin(req: Request) async throws -> TokenResponse {
        let body = try req.json(CodeRequest.self)
        let done = try await req.logins.verify(try req.uuid(), code: body.code ?? "", kind: .api,
                                               clientAddress: req.clientAddress, userAgent: req.userAgent)
        return TokenResponse(token: done.token, expiresAt: RFC3339.string(done.session.expiresAt),
                             passwordChangeRequired: done.account.passwordTemporary)
    }

    // MARK: Signed in

    func me(req: Request) async throws -> MeResponse {
        MeResponse(try req.requireSignedIn().account)
    }

    func changePassword(req: Request) async throws -> HTTPStatus {
        let body = try req.json(ChangePasswordRequest.self)
        try await req.passwords.change(try req.requireSignedIn(), current: body.currentPassword, new: body.newPassword)
        return .noContent
    }

    func sessions(req: Request) async throws -> Page<SessionItem> {
        let signedIn = try req.requireSignedIn()
        let sessions = try await req.authSessions.active(account: signedIn.account.id)
        let items = sessions.map {
            SessionItem(id: $0.id!, kind: $0.kind.rawValue, current: $0.id == signedIn.session.id, clientAddress: $0.clientAddress,
                        userAgent: $0.userAgent, createdAt: RFC3339.string($0.createdAt), lastSeenAt: RFC3339.string($0.lastSeenAt))
        }
        let (page, per) = try req.apiQuery.paging()
        return Page(items: Array(items.dropFirst((page - 1) * per).prefix(per)), page: page, per: per, total: items.count)
    }

    func endSession(req: Request) async throws -> HTTPStatus {
        let signedIn = try req.requireSignedIn()
        try await req.authSessions.end(try req.uuid(), of: signedIn.account.id)
        return .noContent
    }

    func logout(req: Request) async throws -> HTTPStatus {
        let signedIn = try req.requireSignedIn()
        try await req.authSessions.end(signedIn.session.id)
        return .noContent
    }

    // MARK: Password reset

    func startReset(req: Request) async throws -> Response {
        let body = try req.json(PasswordResetRequest.self)
        let id = try await req.passwords.startReset(username: body.username, humanCheck: body.humanCheck, clientAddress: req.clientAddress)
        return try await .json(PasswordResetStarted(id: id), status: .accepted, for: req)
    }

    func resendReset(req: Request) async throws -> Response {
        try await req.passwords.resendReset(try req.uuid(), clientAddress: req.clientAddress)
        return try await .json(OKResponse(status: "accepted"), status: .accepted, for: req)
    }

    func completeReset(req: Request) async throws -> OKResponse {
        let body = try req.json(CompleteResetRequest.self)
        try await req.passwords.completeReset(try req.uuid(), code: body.code, newPassword: body.newPassword)
        return OKResponse(status: "ok")
    }

    // MARK: The service catalogue

    func services(req: Request) async throws -> Page<ServiceItem> {
        let (page, per) = try req.apiQuery.paging()
        let q = try req.apiQuery.text("q", maxLength: 100) ?? ""
        let found = try await req.catalogue.search(q, page: page, per: per)
        return Page(items: found.items.map(ServiceItem.init), page: page, per: per, total: found.total)
    }
}
