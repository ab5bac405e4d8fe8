// Sign-in, sessions, password change and reset through the API, on SQLite and PostgreSQL.
import Fluent
import Domain
import XCTVapor
@testable import App

final class LoginAPITests: XCTestCase {
    /// Citizen(), registered, whose password is a temporary one that expires in 72 hours.
    private func citizenWithTemporaryPassword(_ ctx: TestContext) async throws -> Citizen {
        let citizen = Citizen()
        let account = try await ctx.registeredAccount(citizen)
        account.passwordTemporary = true
        account.passwordExpiresAt = ctx.time.now().addingTimeInterval(72 * 3600)
        try await account.update(on: ctx.app.db)
        return citizen
    }

    func test_sign_in_by_id_number_or_by_phone_in_any_form() async throws {
        try await withEachDatabase { ctx in
            let citizen = try await ctx.registeredCitizen()
            for username in ["001090012345", "0912 345 678", "+84912345678"] {
                ctx.time.advance(61)
                let token = try await ctx.signIn(username, citizen.password, phone: citizen.phoneE164)
                let me = try await ctx.get("/api/v1/me", token: token)
                XCTAssertEqual(me.status, .ok)
                XCTAssertEqual(me.json?["fullName"] as? String, "Nguyễn Thị Hồng Đào")
                XCTAssertEqual(me.json?["passwordChangeRequired"] as? Bool, false)
            }
        }
    }

    func test_unknown_account_and_wrong_password_get_the_same_answer_and_the_same_work() async throws {
        try await withEachDatabase { ctx in
            let citizen = try await ctx.registeredCitizen()
            try await ctx.assertUnknownAccountLooksLikeAWrongPassword(known: citizen.idNumber, unknown: "001090099999")
        }
    }

    func test_failures_slow_the_account_down_and_the_pause_ends_by_itself() async throws {
        try await withEachDatabase { ctx in
            let citizen = try await ctx.registeredCitizen()
            for _ in 0..<5 {
                let res = try await ctx.post("/api/v1/login", ["username": citizen.idNumber, "password": "wrong password 1"])
                XCTAssertEqual(res.status, .unauthorized)
            }
            let paused = try await ctx.post("/api/v1/login", ["username": citizen.idNumber, "password": citizen.password])
            XCTAssertEqual(paused.status, .tooManyRequests, "even the right password waits")
            XCTAssertEqual(paused.headers.first(name: .retryAfter), "60")
            ctx.time.advance(61)
            let ok = try await ctx.post("/api/v1/login", ["username": citizen.idNumber, "password": citizen.password])
            XCTAssertEqual(ok.status, .ok)
        }
    }

    func test_the_wait_doubles_with_each_further_failure_up_to_an_hour() {
        let t = Date(timeIntervalSince1970: 0)
        XCTAssertNil(LoginService.notBefore(failures: 4, lastFailure: t))
        XCTAssertEqual(LoginService.notBefore(failures: 5, lastFailure: t), t.addingTimeInterval(60))
        XCTAssertEqual(LoginService.notBefore(failures: 6, lastFailure: t), t.addingTimeInterval(120))
        XCTAssertEqual(LoginService.notBefore(failures: 30, lastFailure: t), t.addingTimeInterval(3600))
    }

    func test_one_address_failing_on_many_accounts_is_paused() async throws {
        try await withEachDatabase { ctx in
            for i in 0..<20 {
                let res = try await ctx.post("/api/v1/login", ["username": String(format: "0010900%05d", i), "password": "guess guess"])
                XCTAssertEqual(res.status, .unauthorized)
            }
            let res = try await ctx.post("/api/v1/login", ["username": "001090000099", "password": "guess guess"])
            XCTAssertEqual(res.status, .tooManyRequests)
            XCTAssertNotNil(res.headers.first(name: .retryAfter))
        }
    }

    func test_a_temporary_password_allows_only_me_password_change_and_logout() async throws {
        try await withEachDatabase { ctx in
            let citizen = try await self.citizenWithTemporaryPassword(ctx)
            let challenge = try await ctx.startSignIn(citizen.idNumber, citizen.password)
            let code = try await ctx.latestCode(to: citizen.phoneE164)
            let verified = try await ctx.post("/api/v1/login/\(challenge)/verify", ["code": code])
            XCTAssertEqual(verified.json?["passwordChangeRequired"] as? Bool, true)
            let token = try XCTUnwrap(verified.json?["token"] as? String)

            let me = try await ctx.get("/api/v1/me", token: token)
            XCTAssertEqual(me.status, .ok)
            let blocked = try await ctx.get("/api/v1/me/sessions", token: token)
            assertError(blocked, .forbidden, "password_change_required")
            let changed = try await ctx.post("/api/v1/me/password", ["currentPassword": citizen.password, "newPassword": "Mùa thu Hà Nội 1945"], token: token)
            XCTAssertEqual(changed.status, .noContent, changed.body.string)
            let now = try await ctx.get("/api/v1/me/sessions", token: token)
            XCTAssertEqual(now.status, .ok)
        }
    }

    func test_an_expired_temporary_password_is_refused_with_what_to_do() async throws {
        try await withEachDatabase { ctx in
            let citizen = try await self.citizenWithTemporaryPassword(ctx)
            ctx.time.advance(72 * 3600 + 1)
            let res = try await ctx.post("/api/v1/login", ["username": citizen.idNumber, "password": citizen.password])
            assertError(res, .forbidden, "temporary_password_expired")
        }
    }

    func test_sessions_end_when_idle_for_30_minutes_and_at_logout() async throws {
        try await withEachDatabase { ctx in
            let citizen = Citizen()
            let token = try await ctx.registerAndSignIn(citizen)
            ctx.time.advance(29 * 60)
            let stillIn = try await ctx.get("/api/v1/me", token: token)
            XCTAssertEqual(stillIn.status, .ok, "use keeps it alive")
            ctx.time.advance(29 * 60)
            let touched = try await ctx.get("/api/v1/me", token: token)
            XCTAssertEqual(touched.status, .ok)
            ctx.time.advance(31 * 60)
            let idle = try await ctx.get("/api/v1/me", token: token)
            XCTAssertEqual(idle.status, .unauthorized)

            ctx.time.advance(61)
            let second = try await ctx.signIn(citizen)
            let out = try await ctx.post("/api/v1/logout", [:], token: second)
            XCTAssertEqual(out.status, .noContent)
            let after = try await ctx.get("/api/v1/me", token: second)
            XCTAssertEqual(after.status, .unauthorized)
        }
    }

    func test_sessions_end_after_12_hours_however_busy() async throws {
        try await withEachDatabase { ctx in
            let token = try await ctx.registerAndSignIn()
            for _ in 0..<25 {
                ctx.time.advance(29 * 60)
                _ = try await ctx.get("/api/v1/me", token: token)
            }
            let res = try await ctx.get("/api/v1/me", token: token)
            XCTAssertEqual(res.status, .unauthorized)
        }
    }

    func test_changing_the_password_ends_the_other_sessions_and_sends_a_notice() async throws {
        try await withEachDatabase { ctx in
            let citizen = Citizen()
            let first = try await ctx.registerAndSignIn(citizen)
            ctx.time.advance(61)
            let second = try await ctx.signIn(citizen)
            let list = try await ctx.get("/api/v1/me/sessions", token: second)
            XCTAssertEqual(list.json?["total"] as? Int, 2)
            let changed = try await ctx.post("/api/v1/me/password", ["currentPassword": citizen.password, "newPassword": "Mùa thu Hà Nội 1945"], token: second)
            XCTAssertEqual(changed.status, .noContent)
            let firstNow = try await ctx.get("/api/v1/me", token: first)
            let secondNow = try await ctx.get("/api/v1/me", token: second)
            XCTAssertEqual(firstNow.status, .unauthorized)
            XCTAssertEqual(secondNow.status, .ok)
            try await ctx.deliverSMS()
            XCTAssertTrue(ctx.sms.sent.last?.text.contains("mat khau") ?? false)
        }
    }

    func test_a_wrong_current_password_changes_nothing() async throws {
        try await withEachDatabase { ctx in
            let citizen = Citizen()
            let token = try await ctx.registerAndSignIn(citizen)
            let res = try await ctx.post("/api/v1/me/password", ["currentPassword": "nope nope", "newPassword": "Mùa thu Hà Nội 1945"], token: token)
            XCTAssertEqual(res.status, .unprocessableEntity)
            ctx.time.advance(61)
            _ = try await ctx.signIn(citizen)
        }
    }

    func test_another_accounts_session_cannot_be_ended() async throws {
        try await withEachDatabase { ctx in
            let n = try await ctx.neighbours()
            let tokenA = try await ctx.signIn(n.a)
            let res = try await ctx.delete("/api/v1/me/sessions/\(n.sessionB)", token: tokenA)
            XCTAssertEqual(res.status, .notFound)
            let stillB = try await ctx.get("/api/v1/me", token: n.tokenB)
            XCTAssertEqual(stillB.status, .ok)
            let own = try await ctx.delete("/api/v1/me/sessions/\(n.sessionB)", token: n.tokenB)
            XCTAssertEqual(own.status, .noContent)
        }
    }

    func test_a_phone_backing_several_accounts_cannot_be_used_to_sign_in() async throws {
        try await withEachDatabase(env: ["PHONE_ACCOUNT_LIMIT": "2"]) { ctx in
            let a = Citizen(), b = a.with(idNumber: "079195000002", dateOfBirth: "1995-02-02")
            try await ctx.register(a)
            ctx.time.advance(61)
            try await ctx.register(b)
            let res = try await ctx.post("/api/v1/login", ["username": a.phone, "password": a.password])
            assertError(res, .conflict, "phone_ambiguous")
        }
    }
}

final class PasswordResetAPITests: XCTestCase {
    func test_reset_with_the_sms_code_sets_a_new_password_and_ends_sessions() async throws {
        try await withEachDatabase { ctx in
            let citizen = Citizen()
            let old = try await ctx.registerAndSignIn(citizen)
            ctx.time.advance(61)
            let started = try await ctx.post("/api/v1/password-resets", ["username": citizen.phone])
            XCTAssertEqual(started.status, .accepted)
            let id = try XCTUnwrap(started.json?["id"] as? String)
            let code = try await ctx.latestCode(to: citizen.phoneE164)
            let weak = try await ctx.post("/api/v1/password-resets/\(id)/complete", ["code": code, "newPassword": "password"])
            XCTAssertEqual(weak.status, .unprocessableEntity, "the rules apply and the code is not used up")
            let done = try await ctx.post("/api/v1/password-resets/\(id)/complete", ["code": code, "newPassword": "Mùa thu Hà Nội 1945"])
            XCTAssertEqual(done.status, .ok, done.body.string)
            let oldNow = try await ctx.get("/api/v1/me", token: old)
            XCTAssertEqual(oldNow.status, .unauthorized)
            ctx.time.advance(61)
            let token = try await ctx.signIn(citizen.idNumber, "Mùa thu Hà Nội 1945", phone: citizen.phoneE164)
            let me = try await ctx.get("/api/v1/me", token: token)
            XCTAssertEqual(me.json?["passwordChangeRequired"] as? Bool, false, "a chosen password does not force a change")
            let again = try await ctx.post("/api/v1/password-resets/\(id)/complete", ["code": code, "newPassword": "Another good one 77"])
            XCTAssertEqual(again.status, .notFound, "a reset works once")
        }
    }

    func test_reset_answers_the_same_for_an_unknown_account_and_sends_nothing() async throws {
        try await withEachDatabase { ctx in
            try await ctx.register(Citizen())
            try await ctx.deliverSMS()
            let sentBefore = ctx.sms.sent.count
            let unknown = try await ctx.post("/api/v1/password-resets", ["username": "001090099999"])
            XCTAssertEqual(unknown.status, .accepted)
            XCTAssertEqual(unknown.json?.keys.sorted(), ["id"])
            try await ctx.deliverSMS()
            XCTAssertEqual(ctx.sms.sent.count, sentBefore)
            let id = try XCTUnwrap(unknown.json?["id"] as? String)
            let res = try await ctx.post("/api/v1/password-resets/\(id)/complete", ["code": "123456", "newPassword": "Mùa thu Hà Nội 1945"])
            assertError(res, .unprocessableEntity, "otp_invalid")
        }
    }

    func test_reset_send_limits_are_not_told_either() async throws {
        try await withEachDatabase { ctx in
            let citizen = try await ctx.registeredCitizen()
            let first = try await ctx.post("/api/v1/password-resets", ["username": citizen.idNumber])
            let second = try await ctx.post("/api/v1/password-resets", ["username": citizen.idNumber])
            XCTAssertEqual(first.status, .accepted)
            XCTAssertEqual(second.status, .accepted, "a second request inside the cooldown looks the same")
        }
    }
}

final class HumanCheckTests: XCTestCase {
    /// Solves a challenge the way the browser script does.
    private func solve(_ ctx: TestContext) async throws -> String {
        let res = try await ctx.get("/api/v1/human-check")
        let json = try XCTUnwrap(res.json)
        let salt = json["salt"] as! String, challenge = json["challenge"] as! String, max = json["maxnumber"] as! Int
        XCTAssertEqual(json["algorithm"] as? String, "SHA-256")
        XCTAssertEqual(max, 100_000)
        let number = try XCTUnwrap((0...max).first { HumanCheck.sha256Hex(salt + String($0)) == challenge })
        let payload = "{\"algorithm\":\"SHA-256\",\"challenge\":\"\(challenge)\",\"number\":\(number),\"salt\":\"\(salt)\",\"signature\":\"\(json["signature"] as! String)\"}"
        return Data(payload.utf8).base64EncodedString()
    }

    func test_registration_needs_a_solved_challenge_that_works_once() async throws {
        try await withEachDatabase(env: ["HUMAN_CHECK": "pow"]) { ctx in
            var body = Citizen().registration
            let missing = try await ctx.post("/api/v1/registrations", body)
            assertError(missing, .unprocessableEntity, "human_check_failed")
            body["humanCheck"] = try await self.solve(ctx)
            let ok = try await ctx.post("/api/v1/registrations", body)
            XCTAssertEqual(ok.status, .created)
            let reused = try await ctx.post("/api/v1/registrations", body)
            XCTAssertEqual(reused.errorCode, "human_check_failed")
        }
    }

    func test_a_forged_or_expired_solution_is_refused() async throws {
        try await withApp(env: ["HUMAN_CHECK": "pow"]) { ctx in
            let solved = try await self.solve(ctx)
            var json = try JSONSerialization.jsonObject(with: Data(base64Encoded: solved)!) as! [String: Any]
            json["number"] = (json["number"] as! Int) + 1
            let forged = try JSONSerialization.data(withJSONObject: json).base64EncodedString()
            let res = try await ctx.post("/api/v1/password-resets", ["username": "001090012345", "humanCheck": forged])
            XCTAssertEqual(res.errorCode, "human_check_failed")
            ctx.time.advance(601)
            let late = try await ctx.post("/api/v1/password-resets", ["username": "001090012345", "humanCheck": solved])
            XCTAssertEqual(late.errorCode, "human_check_failed")
            XCTAssertTrue(late.body.string.contains("hết hạn"))
        }
    }
}

final class ServiceCatalogueTests: XCTestCase {
    func test_search_folds_case_and_tone_placement_but_keeps_diacritics() async throws {
        try await withEachDatabase { ctx in
            let all = try await ctx.get("/api/v1/services?per=5")
            XCTAssertEqual(all.json?["per"] as? Int, 5)
            XCTAssertEqual(all.items.count, 5)
            XCTAssertGreaterThanOrEqual(all.json?["total"] as? Int ?? 0, 30)
            let birth = try await ctx.get("/api/v1/services?q=" + "ĐĂNG KÝ KHAI SINH".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
            let names = birth.items.compactMap { $0["name"] as? String }
            XCTAssertEqual(names, ["Đăng ký khai sinh"])
            let tone = try await ctx.get("/api/v1/services?q=" + "hòa".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
            let toneOther = try await ctx.get("/api/v1/services?q=" + "hoà".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
            XCTAssertEqual(tone.json?["total"] as? Int, toneOther.json?["total"] as? Int)
            // Typed with diacritics, a query means them: "khai sinh" typed as "khái" finds nothing.
            let wrongTone = try await ctx.get("/api/v1/services?q=" + "khái".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
            XCTAssertEqual(wrongTone.json?["total"] as? Int, 0)
        }
    }

    func test_search_without_diacritics_finds_the_names_with_them_and_the_list_is_in_vietnamese_order() async throws {
        try await withEachDatabase { ctx in
            let marriage = try await ctx.get("/api/v1/services?q=ket%20hon")
            XCTAssertEqual(marriage.items.compactMap { $0["name"] as? String }, ["Đăng ký kết hôn"])
            let register = try await ctx.get("/api/v1/services?q=DANG%20KY%20KHAI&per=100")
            XCTAssertEqual(Set(register.items.compactMap { $0["name"] as? String }), ["Đăng ký khai sinh", "Đăng ký khai tử"])
            let all = try await ctx.get("/api/v1/services?per=100")
            let names = all.items.compactMap { $0["name"] as? String }
            XCTAssertGreaterThanOrEqual(names.count, 30)
            XCTAssertEqual(names, names.sorted { VietnameseCollation.key($0) < VietnameseCollation.key($1) })
            func position(_ prefix: String) -> Int { names.firstIndex { $0.hasPrefix(prefix) } ?? -1 }
            // A code-point sort gave "Chuyển…, Chứng…, Cung…, Cấp…" with Đ last.
            XCTAssertLessThan(position("Cấp"), position("Chuyển"))
            XCTAssertLessThan(position("Chuyển"), position("Chứng"))
            XCTAssertLessThan(position("Chứng"), position("Cung"))
            XCTAssertLessThan(position("Đăng"), position("Giải"))
        }
    }
}
