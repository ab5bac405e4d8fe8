// Self-registration through the API: the contract's flow and every rule around it, on SQLite and PostgreSQL.
import Fluent
import XCTVapor
@testable import App

final class RegistrationAPITests: XCTestCase {
    func test_registration_creates_the_account_after_the_code_and_the_password() async throws {
        try await withEachDatabase { ctx in
            let account = try await ctx.registeredAccount()
            XCTAssertEqual(account.idNumber, "001090012345")
            XCTAssertEqual(account.phone, "+84912345678")
            XCTAssertEqual(account.passwordTemporary, false)
            XCTAssertTrue(account.passwordHash.hasPrefix("scrypt$16$1$1$"), "parameters are stored with the hash")
            let leftovers = try await Registration.query(on: ctx.app.db).count()
            XCTAssertEqual(leftovers, 0)
            try await ctx.deliverSMS()
            XCTAssertTrue(ctx.sms.sent.last?.text.contains("da duoc tao") ?? false, "a notice SMS tells the owner")
        }
    }

    func test_the_start_answer_has_the_contract_fields() async throws {
        try await withEachDatabase { ctx in
            let res = try await ctx.post("/api/v1/registrations", Citizen().registration)
            XCTAssertEqual(res.status, .created)
            XCTAssertEqual(res.json?["phoneMasked"] as? String, "091****678")
            let expires = try XCTUnwrap(res.json?["otpExpiresAt"] as? String)
            let next = try XCTUnwrap(res.json?["nextSendAt"] as? String)
            XCTAssertEqual(expires, RFC3339.string(ctx.time.now().addingTimeInterval(300)))
            XCTAssertEqual(next, RFC3339.string(ctx.time.now().addingTimeInterval(60)))
            let code = try await ctx.latestCode(to: "+84912345678")
            XCTAssertEqual(code.count, 6)
            let text = try XCTUnwrap(ctx.sms.sent.last?.text)
            XCTAssertEqual(text.matches(of: /\d{6}/).count, 1, "exactly one run of six digits")
            XCTAssertTrue(text.allSatisfy { $0.isASCII }, "no diacritics: \(text)")
        }
    }

    func test_the_api_takes_dates_of_birth_only_as_the_contracts_yyyy_mm_dd() async throws {
        try await withEachDatabase { ctx in
            for written in ["17/05/1990", "17-05-1990", "1990/05/17", "19900517", "1990-5-17"] {
                var body = Citizen().registration
                body["dateOfBirth"] = written
                let res = try await ctx.post("/api/v1/registrations", body)
                assertError(res, .unprocessableEntity, "validation_failed")
                XCTAssertTrue(res.errorFields?["dateOfBirth"]?.contains("YYYY-MM-DD") ?? false, "\(written): \(res.body.string)")
            }
            let registrations = try await Registration.query(on: ctx.app.db).count()
            XCTAssertEqual(registrations, 0)
            // The counter's API too, on a change of a draft.
            let officer = try await ctx.signedInOfficer()
            let drafted = try await ctx.uploadDraft(as: officer, dateOfBirth: "03/02/1990")
            assertError(drafted, .unprocessableEntity, "validation_failed")
            let draft = try await ctx.uploadDraft(as: officer)
            let id = try XCTUnwrap(draft.json?["id"] as? String)
            let patched = try await ctx.patch("/api/v1/admin/citizen-accounts/drafts/\(id)", ["dateOfBirth": "03/02/1990"], token: officer.token)
            assertError(patched, .unprocessableEntity, "validation_failed")
            let iso = try await ctx.patch("/api/v1/admin/citizen-accounts/drafts/\(id)", ["dateOfBirth": "1990-02-03"], token: officer.token)
            XCTAssertEqual(iso.status, .ok, iso.body.string)
        }
    }

    func test_every_bad_field_gets_its_own_message_and_nothing_is_created() async throws {
        try await withEachDatabase { ctx in
            let body: [String: Any] = ["idNumber": "12ab", "fullName": "X", "dateOfBirth": "1990-02-30", "phone": "0221 3856789", "email": "no-at-sign",
                                       "verificationMethod": "mobile"]
            let res = try await ctx.post("/api/v1/registrations", body)
            assertError(res, .unprocessableEntity, "validation_failed")
            let fields = try XCTUnwrap(res.errorFields)
            XCTAssertEqual(Set(fields.keys), ["idNumber", "fullName", "dateOfBirth", "phone", "email", "accountType"])
            XCTAssertTrue(fields["phone"]?.contains("di động") ?? false, fields["phone"] ?? "")
            let english = try await ctx.post("/api/v1/registrations", body, headers: ["Accept-Language": "en"])
            let enFields = english.errorFields
            XCTAssertTrue(enFields?["phone"]?.lowercased().contains("mobile") ?? false, enFields?["phone"] ?? "")
            let registrations = try await Registration.query(on: ctx.app.db).count()
            XCTAssertEqual(registrations, 0)
            XCTAssertTrue(ctx.sms.sent.isEmpty)
        }
    }

    func test_missing_fields_are_named() async throws {
        try await withApp { ctx in
            let res = try await ctx.post("/api/v1/registrations", [:])
            XCTAssertEqual(res.status, .unprocessableEntity)
            XCTAssertEqual(res.errorFields?["idNumber"], "Trường này là bắt buộc.")
        }
    }

    func test_the_encoded_birth_year_must_match_the_date_of_birth() async throws {
        try await withApp { ctx in
            var citizen = Citizen()
            citizen.dateOfBirth = "1991-05-17"
            let res = try await ctx.post("/api/v1/registrations", citizen.registration)
            XCTAssertEqual(res.status, .unprocessableEntity)
            let fields = res.errorFields
            XCTAssertTrue(fields?["dateOfBirth"]?.contains("1990") ?? false, fields?["dateOfBirth"] ?? "")
        }
    }

    func test_malformed_bodies_are_400_415_or_413_never_500() async throws {
        try await withApp { ctx in
            /// Sends `body` as it is, as JSON unless another type is named.
            func send(_ body: String, type: String? = nil, over transport: Transport = .inMemory) async throws -> XCTHTTPResponse {
                let headers: HTTPHeaders = type.map { ["Content-Type": $0] } ?? [:]
                return try await ctx.perform(TestRequest(.POST, "/api/v1/registrations", .raw(body), headers: headers), over: transport)
            }
            assertError(try await send("{not json"), .badRequest, "invalid_body")
            let wrongType = try await send(#"{"idNumber": 123}"#)
            XCTAssertEqual(wrongType.status, .badRequest)
            XCTAssertNotNil(wrongType.errorFields?["idNumber"])
            let array = try await send("[1,2]")
            XCTAssertEqual(array.status, .badRequest)
            let text = try await send("x", type: "text/plain")
            XCTAssertEqual(text.status, .unsupportedMediaType)
            let huge = "{\"fullName\": \"" + String(repeating: "a", count: 200_000) + "\"}"
            // Through a real server: the limit is applied while the body streams in.
            assertError(try await send(huge, over: .running), .payloadTooLarge, "too_large")
        }
    }

    func test_an_id_with_an_account_is_told_only_after_the_phone_is_proven() async throws {
        try await withEachDatabase { ctx in
            let again = try await ctx.registeredCitizen().with(phone: "0987654321")
            let started = try await ctx.post("/api/v1/registrations", again.registration)
            XCTAssertEqual(started.status, .created, "the start does not reveal that the ID has an account")
            let id = try XCTUnwrap(started.json?["id"] as? String)
            let code = try await ctx.latestCode(to: again.phoneE164)
            let verified = try await ctx.enterRegistrationCode(id, code)
            assertError(verified, .conflict, "id_taken")
            XCTAssertTrue(verified.body.string.contains("Quên mật khẩu"))
        }
    }

    func test_a_phone_backs_only_one_account_by_default() async throws {
        try await withEachDatabase { ctx in
            let other = try await ctx.registeredCitizen().with(idNumber: "001195000001", dateOfBirth: "1995-01-01")
            let id = try await ctx.startRegistration(other)
            ctx.time.advance(61)
            let code = try await ctx.latestCode(to: other.phoneE164)
            assertError(try await ctx.enterRegistrationCode(id, code), .conflict, "phone_limit")
        }
    }

    func test_only_the_latest_code_works() async throws {
        try await withEachDatabase { ctx in
            let (id, first) = try await ctx.pendingRegistration()
            // Resent until the new code differs from the first (one chance in a million that it does not).
            var second = first
            while second == first {
                ctx.time.advance(61)
                let resent = try await ctx.post("/api/v1/registrations/\(id)/otp", [:])
                XCTAssertEqual(resent.status, .accepted)
                second = try await ctx.latestCode(to: "+84912345678")
            }
            assertError(try await ctx.enterRegistrationCode(id, first), .unprocessableEntity, "otp_invalid")
            let latest = try await ctx.enterRegistrationCode(id, second)
            XCTAssertEqual(latest.status, .ok)
        }
    }

    func test_a_resend_before_the_cooldown_is_refused_with_the_time_to_wait() async throws {
        try await withEachDatabase { ctx in
            let id = try await ctx.startRegistration(Citizen())
            ctx.time.advance(20)
            let early = try await ctx.post("/api/v1/registrations/\(id)/otp", [:])
            assertError(early, .tooManyRequests, "otp_resend_too_soon")
            XCTAssertEqual(early.headers.first(name: .retryAfter), "40")
            XCTAssertNotNil(early.error?["retryAt"])
        }
    }

    func test_five_wrong_entries_kill_the_code() async throws {
        try await withEachDatabase { ctx in
            let (id, code) = try await ctx.pendingRegistration()
            let wrong = code == "000000" ? "111111" : "000000"
            for attempt in 1...5 {
                let res = try await ctx.enterRegistrationCode(id, wrong)
                XCTAssertEqual(res.status, .unprocessableEntity, "attempt \(attempt)")
            }
            assertError(try await ctx.enterRegistrationCode(id, code), .unprocessableEntity, "otp_exhausted")
        }
    }

    func test_a_code_expires_after_five_minutes() async throws {
        try await withEachDatabase { ctx in
            let (id, code) = try await ctx.pendingRegistration()
            ctx.time.advance(301)
            let res = try await ctx.enterRegistrationCode(id, code)
            XCTAssertEqual(res.errorCode, "otp_expired")
        }
    }

    func test_open_flows_get_three_of_the_five_codes_an_hour_and_the_owner_keeps_the_rest() async throws {
        try await withEachDatabase { ctx in
            let owner = Citizen()
            try await ctx.register(owner)   // the owner's own registration: code 1 of the hour
            ctx.time.advance(61)
            // A stranger starts registrations with the owner's phone, as anyone can.
            let stranger = owner.with(idNumber: "079195000002", dateOfBirth: "1995-02-02")
            let started = try await ctx.post("/api/v1/registrations", stranger.registration)
            XCTAssertEqual(started.status, .created)   // code 2
            let id = try XCTUnwrap(started.json?["id"] as? String)
            ctx.time.advance(61)
            let third = try await ctx.post("/api/v1/registrations/\(id)/otp", [:])
            XCTAssertEqual(third.status, .accepted)   // code 3: the open flows' share is used up
            ctx.time.advance(61)
            let fourth = try await ctx.post("/api/v1/registrations/\(id)/otp", [:])
            assertError(fourth, .tooManyRequests, "otp_phone_limit")
            // The first code leaves the hour at t=3600: that is when an open flow may send again.
            let retryAt = fourth.error?["retryAt"] as? String
            XCTAssertEqual(retryAt, RFC3339.string(ctx.time.now().addingTimeInterval(3600 - 3 * 61)))
            // The owner still signs in, twice, within the same hour; then the full limit of five holds.
            for _ in 0..<2 {
                let res = try await ctx.post("/api/v1/login", ["username": owner.idNumber, "password": owner.password])
                XCTAssertEqual(res.status, .ok, res.body.string)
            }
            let sixth = try await ctx.post("/api/v1/login", ["username": owner.idNumber, "password": owner.password])
            XCTAssertEqual(sixth.errorCode, "otp_phone_limit")
        }
    }

    func test_the_open_share_of_a_limit() {
        XCTAssertEqual(OTPService.share(of: 5, for: .registration), 3)
        XCTAssertEqual(OTPService.share(of: 10, for: .reset), 6)
        XCTAssertEqual(OTPService.share(of: 1, for: .reset), 1)
        XCTAssertEqual(OTPService.share(of: 5, for: .login), 5)
        XCTAssertEqual(OTPService.share(of: 5, for: .draft), 5)
    }

    func test_a_registration_never_completed_expires_and_leaves_no_account() async throws {
        try await withEachDatabase { ctx in
            let id = try await ctx.startRegistration(Citizen())
            ctx.time.advance(31 * 60)
            let res = try await ctx.post("/api/v1/registrations/\(id)/otp", [:])
            XCTAssertEqual(res.status, .notFound)
            try await RegistrationService.purgeExpired(db: ctx.app.db, now: ctx.time.now())
            let registrations = try await Registration.query(on: ctx.app.db).count()
            let accounts = try await Account.query(on: ctx.app.db).count()
            XCTAssertEqual(registrations, 0)
            XCTAssertEqual(accounts, 0)
        }
    }

    func test_a_decomposed_name_is_stored_composed() async throws {
        try await withEachDatabase { ctx in
            var citizen = Citizen()
            citizen.fullName = "Nguyễn Thị Hồng Đào".decomposedStringWithCanonicalMapping
            let id = try await ctx.register(citizen)
            let account = try await Account.find(UUID(uuidString: id), on: ctx.app.db)
            XCTAssertEqual(account?.fullName.unicodeScalars.count, "Nguyễn Thị Hồng Đào".precomposedStringWithCanonicalMapping.unicodeScalars.count)
            XCTAssertEqual(account?.fullName, "Nguyễn Thị Hồng Đào")
        }
    }

    func test_a_weak_password_is_refused_with_the_rule_it_breaks() async throws {
        try await withEachDatabase { ctx in
            let citizen = Citizen()
            let (id, code) = try await ctx.pendingRegistration(citizen)
            let token = try await ctx.verifyRegistration(id, code: code)
            for (password, words) in [("12345678", "phổ biến"), ("x001090012345", "định danh"), ("ab17051990", "ngày sinh")] {
                let res = try await ctx.post("/api/v1/registrations/\(id)/complete", ["completionToken": token, "password": password])
                XCTAssertEqual(res.status, .unprocessableEntity, password)
                let message = res.errorFields?["password"] ?? ""
                XCTAssertTrue(message.lowercased().contains(words), "\(password): \(message)")
            }
            let forged = try await ctx.post("/api/v1/registrations/\(id)/complete", ["completionToken": "forged-token", "password": citizen.password])
            XCTAssertEqual(forged.status, .forbidden)
            let accounts = try await Account.query(on: ctx.app.db).count()
            XCTAssertEqual(accounts, 0)
        }
    }

    func test_two_registrations_of_one_id_racing_make_exactly_one_account() async throws {
        try await withEachDatabase(env: ["PHONE_ACCOUNT_LIMIT": "5"]) { ctx in
            var tokens: [(String, String)] = []
            for phone in ["0912345678", "0987654321"] {
                let citizen = try Citizen().with(phone: phone)
                let (id, code) = try await ctx.pendingRegistration(citizen)
                tokens.append((id, try await ctx.verifyRegistration(id, code: code)))
            }
            let service = RegistrationService(db: ctx.app.db, portal: ctx.app.portal)
            let hasher = ctx.app.portal.hasher
            let results = await withTaskGroup(of: String.self) { group -> [String] in
                for (id, token) in tokens {
                    group.addTask {
                        do {
                            _ = try await service.complete(UUID(uuidString: id)!, completionToken: token, password: "Sông Hồng chảy mãi 2024", hasher: hasher)
                            return "created"
                        } catch let error as AppError {
                            return error.code
                        } catch {
                            return "other: \(error)"
                        }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            XCTAssertEqual(results.sorted(), ["created", "id_taken"])
            let accounts = try await Account.query(on: ctx.app.db).count()
            XCTAssertEqual(accounts, 1)
        }
    }

    func test_only_citizen_accounts_by_mobile_are_offered() async throws {
        try await withApp { ctx in
            var body = Citizen().registration
            body["accountType"] = "enterprise"
            body["verificationMethod"] = "vneid"
            let res = try await ctx.post("/api/v1/registrations", body)
            XCTAssertEqual(res.status, .unprocessableEntity)
            XCTAssertNotNil(res.errorFields?["accountType"])
            XCTAssertNotNil(res.errorFields?["verificationMethod"])
        }
    }
}
