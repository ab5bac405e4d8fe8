// The citizen JSON API (Part III): human check, registration, sign-in, password reset, services.
import Domain
import Fluent
import Vapor

struct APICitizenController {
    func humanCheck(req: Request) async throws -> HumanCheckChallenge {
        HumanCheck(key: req.portal.keys.humanCheck).makeChallenge(now: req.now)
    }

    // MARK: Registration (R13–R17)

    func register(req: Request) async throws -> Response {
        let body = try req.json(RegistrationRequest.self)
        var fields: [String: Msg] = [:]
        if (body.accountType ?? "citizen") != "citizen" {
            fields["accountType"] = Msg("Chỉ hỗ trợ đăng ký tài khoản công dân.", "Only citizen accounts can be registered here.")
        }
        if (body.verificationMethod ?? "mobile") != "mobile" {
            fields["verificationMethod"] = Msg("Chỉ hỗ trợ xác thực qua thuê bao di động.", "Only mobile-subscriber verification is offered.")
        }
        if !fields.isEmpty { throw AppError.validation(fields) }
        let input = PersonInput(idNumber: body.idNumber, fullName: body.fullName, dateOfBirth: body.dateOfBirth, phone: body.phone, email: body.email)
        let started = try await RegistrationService(db: req.db, portal: req.portal)
            .start(input, humanCheck: body.humanCheck, clientAddress: req.clientAddress)
        return try await .json(RegistrationCreated(id: started.registration.id!, phoneMasked: started.phone.masked,
                                                   otpExpiresAt: RFC3339.string(started.otp.expiresAt),
                                                   nextSendAt: RFC3339.string(started.otp.nextSendAt)), status: .created, for: req)
    }

    func resendRegistration(req: Request) async throws -> Response {
        let sent = try await RegistrationService(db: req.db, portal: req.portal).resend(try req.uuid(), clientAddress: req.clientAddress)
        return try await .json(OTPSentResponse(sent), status: .accepted, for: req)
    }

    func verifyRegistration(req: Request) async throws -> CompletionTokenResponse {
        let body = try req.json(CodeRequest.self)
        let token = try await RegistrationService(db: req.db, portal: req.portal).verify(try req.uuid(), code: body.code ?? "")
        return CompletionTokenResponse(completionToken: token)
    }

    func completeRegistration(req: Request) async throws -> Response {
        let body = try req.json(CompleteRegistrationRequest.self)
        let account = try await RegistrationService(db: req.db, portal: req.portal)
            .complete(try req.uuid(), completionToken: body.completionToken ?? "", password: body.password ?? "", hasher: req.portal.hasher)
        return try await .json(AccountCreated(accountId: account.id!), status: .created, for: req)
    }

    // MARK: Sign-in (R18)

    private func login(_ req: Request) -> LoginService {
        LoginService(db: req.db, portal: req.portal, hasher: req.portal.hasher)
    }

    func startLogin(req: Request) async throws -> LoginChallengeResponse {
        let body = try req.json(LoginRequest.self)
        let started = try await login(req).start(username: body.username, password: body.password, kind: .api, clientAddress: req.clientAddress)
        return LoginChallengeResponse(challengeId: started.challenge.id!, phoneMasked: started.phone.masked,
                                      otpExpiresAt: RFC3339.string(started.otp.expiresAt), nextSendAt: RFC3339.string(started.otp.nextSendAt))
    }

    func resendLogin(req: Request) async throws -> Response {
        let sent = try await login(req).resend(try req.uuid(), clientAddress: req.clientAddress)
        return try await .json(OTPSentResponse(sent), status: .accepted, for: req)
    }

    func verifyLogin(req: Request) async throws -> TokenResponse {
        let body = try req.json(CodeRequest.self)
        let done = try await login(req).verify(try req.uuid(), code: body.code ?? "", kind: .api,
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
        try await PasswordService(db: req.db, portal: req.portal, hasher: req.portal.hasher)
            .change(try req.requireSignedIn(), current: body.currentPassword, new: body.newPassword)
        return .noContent
    }

    func sessions(req: Request) async throws -> Page<SessionItem> {
        let signedIn = try req.requireSignedIn()
        let sessions = try await Sessions(db: req.db, portal: req.portal).active(account: signedIn.account.id)
        let items = sessions.map {
            SessionItem(id: $0.id!, kind: $0.kind.rawValue, current: $0.id == signedIn.session.id, clientAddress: $0.clientAddress,
                        userAgent: $0.userAgent, createdAt: RFC3339.string($0.createdAt), lastSeenAt: RFC3339.string($0.lastSeenAt))
        }
        let (page, per) = req.paging
        return Page(items: Array(items.dropFirst((page - 1) * per).prefix(per)), page: page, per: per, total: items.count)
    }

    func endSession(req: Request) async throws -> HTTPStatus {
        let signedIn = try req.requireSignedIn()
        let id = try req.uuid()
        // Another account's session is simply not found.
        guard let session = try await AuthSession.find(id, on: req.db), session.accountID == signedIn.account.id, session.endedAt == nil else {
            throw AppError.notFound
        }
        try await Sessions(db: req.db, portal: req.portal).end(id)
        return .noContent
    }

    func logout(req: Request) async throws -> HTTPStatus {
        let signedIn = try req.requireSignedIn()
        try await Sessions(db: req.db, portal: req.portal).end(signedIn.session.id)
        return .noContent
    }

    // MARK: Password reset (R12)

    private func passwords(_ req: Request) -> PasswordService {
        PasswordService(db: req.db, portal: req.portal, hasher: req.portal.hasher)
    }

    func startReset(req: Request) async throws -> Response {
        let body = try req.json(PasswordResetRequest.self)
        let id = try await passwords(req).startReset(username: body.username, humanCheck: body.humanCheck, clientAddress: req.clientAddress)
        return try await .json(PasswordResetStarted(id: id), status: .accepted, for: req)
    }

    func resendReset(req: Request) async throws -> Response {
        try await passwords(req).resendReset(try req.uuid(), clientAddress: req.clientAddress)
        return try await .json(OKResponse(status: "accepted"), status: .accepted, for: req)
    }

    func completeReset(req: Request) async throws -> OKResponse {
        let body = try req.json(CompleteResetRequest.self)
        try await passwords(req).completeReset(try req.uuid(), code: body.code, newPassword: body.newPassword)
        return OKResponse(status: "ok")
    }

    // MARK: Services (R18)

    func services(req: Request) async throws -> Page<ServiceItem> {
        let (page, per) = req.paging
        let q = (try? req.query.get(String.self, at: "q")) ?? ""
        let found = try await ServiceCatalogue(db: req.db).search(q, page: page, per: per)
        return Page(items: found.items.map(ServiceItem.init), page: page, per: per, total: found.total)
    }
}

struct ServiceCatalogue: Sendable {
    let db: any Database

    /// Folds the query the same way as the stored key: case and tone placement, never diacritics.
    func search(_ raw: String, page: Int, per: Int) async throws -> (items: [PublicService], total: Int) {
        let key = Text.searchKey(Text.clean(String(raw.prefix(100))))
        var query = PublicService.query(on: db)
        if !key.isEmpty {
            // Wildcards typed by the person are dropped rather than escaped: SQLite and PostgreSQL escape differently.
            let literal = key.filter { $0 != "%" && $0 != "_" && $0 != "\\" }
            query = query.filter(\.$searchKey, .custom("LIKE"), "%\(literal)%")
        }
        let total = try await query.count()
        let items = try await query.sort(\.$name).range(((page - 1) * per)..<(page * per)).all()
        return (items, total)
    }
}
