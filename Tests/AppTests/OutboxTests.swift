// The SMS outbox against a real local gateway: retries, the same reference, expiry, and restarts.
import AsyncHTTPClient
import Domain
import Fluent
import SMSGateway
import XCTVapor
@testable import App

final class OutboxTests: XCTestCase {
    private let phone = try! PhoneNumber("0912345678")

    private func enqueue(_ ctx: TestContext, text: String = "Ma xac thuc cua ban la 123456", kind: OutboxMessage.Kind = .notice,
                         flowID: UUID? = nil, expiresAt: Date? = nil) async throws -> OutboxMessage {
        let phone = self.phone
        return try await ctx.app.db.writeTransaction { db in
            try await Outbox(db: db, portal: ctx.app.portal).enqueue(to: phone, text: text, kind: kind, flowID: flowID, expiresAt: expiresAt)
        }
    }

    private func worker(_ ctx: TestContext, sms: (any SMSSender)? = nil) -> OutboxWorker {
        let portal: Portal
        if let sms {
            portal = Portal(config: ctx.app.portal.config, keys: ctx.app.portal.keys, time: ctx.time, sms: sms,
                            metrics: ctx.app.portal.metrics, devInbox: nil, outbound: ctx.app.http.client.shared)
        } else {
            portal = ctx.app.portal
        }
        return OutboxWorker(db: ctx.app.db, portal: portal, logger: ctx.app.logger)
    }

    private func reload(_ ctx: TestContext, _ message: OutboxMessage) async throws -> OutboxMessage {
        try await OutboxMessage.find(message.id, on: ctx.app.db)!
    }

    func test_gateway_down_then_up_delivers_once_with_the_same_reference() async throws {
        let gateway = try await LocalGateway()
        defer { Task { await gateway.stop() } }
        try await withEachDatabase { ctx in
            let before = gateway.received.count
            gateway.plan([.status(503), .status(500), .status(429), .garbage, .accept])
            let http = HTTPSMSGateway(url: gateway.url, token: "secret-token", client: .shared, timeout: .seconds(2))
            let worker = self.worker(ctx, sms: http)
            let message = try await self.enqueue(ctx)

            for _ in 0..<5 {
                let v1 = try await worker.runOnce()
                XCTAssertEqual(v1, 1)
                ctx.time.advance(400)   // past any back-off
            }
            let v2 = try await worker.runOnce()
            XCTAssertEqual(v2, 0, "nothing left once accepted")

            let received = Array(gateway.received.dropFirst(before))
            XCTAssertEqual(received.count, 5)
            XCTAssertEqual(Set(received.map(\.reference)), [message.reference])
            XCTAssertEqual(received.last?.to, "+84912345678")
            XCTAssertEqual(gateway.authorizations.last!, "Bearer secret-token")
            let stored = try await self.reload(ctx, message)
            XCTAssertEqual(stored.status, .sent)
            XCTAssertEqual(stored.attempts, 5)
            XCTAssertNil(stored.textSealed, "the text is erased once accepted")
            XCTAssertNotNil(stored.sentAt)
        }
    }

    func test_a_redirecting_gateway_is_not_followed_and_the_message_waits() async throws {
        let gateway = try await LocalGateway(), elsewhere = try await LocalGateway()
        defer { Task { await gateway.stop(); await elsewhere.stop() } }
        try await withEachDatabase { ctx in
            for status in [307, 308, 302] {
                gateway.plan([.redirect(status: status, to: elsewhere.url)])
                // The client the portal configured for itself, as the server uses it.
                let http = HTTPSMSGateway(url: gateway.url, token: "secret-token", client: ctx.app.http.client.shared, timeout: .seconds(2))
                let before = gateway.received.count
                let outcome = await http.send(SMSMessage(to: "+84912345678", text: "Ma xac thuc: 123456", reference: UUID().uuidString))
                XCTAssertEqual(outcome, .retry("HTTP \(status): redirect not followed"))
                XCTAssertEqual(gateway.received.count, before + 1)
            }
            XCTAssertEqual(elsewhere.received.count, 0, "the message, its code and the token went nowhere else")
            XCTAssertEqual(elsewhere.authorizations.count, 0)
        }
    }

    func test_a_stalled_gateway_counts_as_no_answer_and_is_retried() async throws {
        let gateway = try await LocalGateway()
        defer { Task { await gateway.stop() } }
        try await withEachDatabase { ctx in
            gateway.plan([.stall(seconds: 2), .accept])
            let http = HTTPSMSGateway(url: gateway.url, token: nil, client: .shared, timeout: .milliseconds(300))
            let worker = self.worker(ctx, sms: http)
            let message = try await self.enqueue(ctx)

            try await worker.runOnce()
            var stored = try await self.reload(ctx, message)
            XCTAssertEqual(stored.status, .queued)
            XCTAssertTrue(stored.lastError?.hasPrefix("no answer") ?? false, stored.lastError ?? "nil")
            XCTAssertGreaterThan(stored.nextAttemptAt, ctx.time.now(), "waits before the next attempt")

            let v3 = try await worker.runOnce()
            XCTAssertEqual(v3, 0, "not due yet")
            ctx.time.advance(2)
            try await worker.runOnce()
            stored = try await self.reload(ctx, message)
            XCTAssertEqual(stored.status, .sent)
        }
    }

    func test_a_permanent_refusal_is_recorded_with_the_gateways_answer() async throws {
        let gateway = try await LocalGateway()
        defer { Task { await gateway.stop() } }
        try await withEachDatabase { ctx in
            gateway.plan([.status(400)])
            let worker = self.worker(ctx, sms: HTTPSMSGateway(url: gateway.url, token: nil, client: .shared))
            let message = try await self.enqueue(ctx)
            try await worker.runOnce()
            ctx.time.advance(600)
            let v4 = try await worker.runOnce()
            XCTAssertEqual(v4, 0, "a 4xx is never retried")
            let stored = try await self.reload(ctx, message)
            XCTAssertEqual(stored.status, .failed)
            XCTAssertEqual(stored.lastError, "HTTP 400: gateway says 400")
            XCTAssertNil(stored.textSealed)
        }
    }

    func test_retries_stop_after_24_hours() async throws {
        try await withEachDatabase { ctx in
            ctx.sms.answer = { _ in .retry("HTTP 503") }
            let worker = self.worker(ctx)
            let message = try await self.enqueue(ctx)
            var rounds = 0
            while try await self.reload(ctx, message).status == .queued, rounds < 500 {
                try await worker.runOnce()
                ctx.time.advance(400)
                rounds += 1
            }
            let stored = try await self.reload(ctx, message)
            XCTAssertEqual(stored.status, .failed)
            XCTAssertTrue(stored.lastError?.contains("24 hours") ?? false)
            // Capped at 5 minutes with jitter: about 24 h / 5 min attempts, not thousands and not a handful.
            XCTAssertGreaterThan(stored.attempts, 200)
            XCTAssertLessThan(stored.attempts, 400)
        }
    }

    func test_backoff_doubles_and_is_capped_at_five_minutes_for_notices_and_one_for_codes() {
        for attempt in 1...20 {
            for (code, cap) in [(false, 300.0), (true, 60.0)] {
                let delay = OutboxWorker.backoff(attempt: attempt, code: code)
                let base = min(cap, pow(2, Double(attempt - 1)))
                XCTAssertGreaterThanOrEqual(delay, base * 0.8)
                XCTAssertLessThanOrEqual(delay, base * 1.2)
            }
        }
    }

    func test_a_gateway_answering_control_bytes_has_its_answer_recorded_and_the_message_retried() async throws {
        try await withEachDatabase { ctx in
            ctx.sms.answer = { _ in .retry("HTTP 500: \u{0}\u{1}garbage\u{7F}") }
            let worker = self.worker(ctx)
            let message = try await self.enqueue(ctx)
            try await worker.runOnce()
            let stored = try await self.reload(ctx, message)
            XCTAssertEqual(stored.status, .queued)
            XCTAssertNil(stored.leaseUntil, "the outcome was recorded, so the message does not wait for its lease")
            XCTAssertEqual(stored.lastError, "HTTP 500: ??garbage?")
            ctx.sms.answer = { _ in .permanent("HTTP 400: \u{0}") }
            ctx.time.advance(10)
            try await worker.runOnce()
            let refused = try await self.reload(ctx, message)
            XCTAssertEqual(refused.status, .failed)
            XCTAssertEqual(refused.lastError, "HTTP 400: ?")
        }
    }

    func test_a_probe_finds_the_gateway_back_and_every_waiting_message_goes_at_once() async throws {
        try await withEachDatabase { ctx in
            ctx.sms.answer = { _ in .retry("connection refused") }
            let worker = self.worker(ctx)
            var messages: [OutboxMessage] = []
            for i in 0..<3 { messages.append(try await self.enqueue(ctx, text: "Thong bao \(i)")) }
            for _ in 0..<6 {
                try await worker.runOnce()
                ctx.time.advance(70)
            }
            try await worker.runOnce()      // every one waits out a back-off of about a minute now
            let noneDue = try await worker.runOnce()
            XCTAssertEqual(noneDue, 0)
            let received = ctx.sms.sent.count
            ctx.sms.answer = { _ in .accepted }
            let probed = try await worker.probeOnce()
            XCTAssertTrue(probed)
            XCTAssertEqual(ctx.sms.sent.count, received + 1, "one message tries the gateway, not all of them")
            let rest = try await worker.runOnce()
            XCTAssertEqual(rest, 2, "the others are due as soon as the probe got through")
            for message in messages {
                let stored = try await self.reload(ctx, message)
                XCTAssertEqual(stored.status, .sent)
            }
            let nothing = try await worker.probeOnce()
            XCTAssertFalse(nothing, "no probe while nothing waits after a failure")
        }
    }

    func test_when_a_failed_message_gets_through_the_waiting_ones_go_at_once() async throws {
        try await withEachDatabase { ctx in
            ctx.sms.answer = { _ in .retry("connection refused") }
            let worker = self.worker(ctx)
            let first = try await self.enqueue(ctx)
            let second = try await self.enqueue(ctx, text: "Tai khoan cua ban da duoc tao")
            for _ in 0..<3 {
                try await worker.runOnce()
                ctx.time.advance(400)
            }
            // The second has drawn a long back-off; the first is due now and finds the gateway back.
            try await OutboxMessage.query(on: ctx.app.db).filter(\.$id == second.id!)
                .set(\.$nextAttemptAt, to: ctx.time.now().addingTimeInterval(250)).update()
            try await OutboxMessage.query(on: ctx.app.db).filter(\.$id == first.id!)
                .set(\.$nextAttemptAt, to: ctx.time.now()).update()
            ctx.sms.answer = { _ in .accepted }
            let sentFirst = try await worker.runOnce()
            XCTAssertEqual(sentFirst, 1)
            let firstStored = try await self.reload(ctx, first)
            XCTAssertEqual(firstStored.status, .sent)
            let sentSecond = try await worker.runOnce()
            XCTAssertEqual(sentSecond, 1, "the waiting message is due as soon as the gateway is back")
            let stored = try await self.reload(ctx, second)
            XCTAssertEqual(stored.status, .sent)
            XCTAssertEqual(stored.attempts, 4, "sent once more, not twice")
        }
    }

    func test_an_expired_code_is_not_sent() async throws {
        try await withEachDatabase { ctx in
            ctx.sms.answer = { _ in .retry("down") }
            let worker = self.worker(ctx)
            let message = try await self.enqueue(ctx, kind: .otp, flowID: UUID(), expiresAt: ctx.time.now().addingTimeInterval(300))
            try await worker.runOnce()
            ctx.sms.answer = { _ in .accepted }
            ctx.time.advance(301)
            try await worker.runOnce()
            let stored = try await self.reload(ctx, message)
            XCTAssertEqual(stored.status, .expired)
            XCTAssertTrue(ctx.sms.sent.isEmpty)
        }
    }

    func test_a_newer_code_for_the_same_flow_expires_the_queued_one() async throws {
        try await withEachDatabase { ctx in
            let flow = UUID()
            let first = try await self.enqueue(ctx, text: "Ma 111111", kind: .otp, flowID: flow, expiresAt: ctx.time.now().addingTimeInterval(300))
            let other = try await self.enqueue(ctx, text: "Ma 333333", kind: .otp, flowID: UUID(), expiresAt: ctx.time.now().addingTimeInterval(300))
            let second = try await self.enqueue(ctx, text: "Ma 222222", kind: .otp, flowID: flow, expiresAt: ctx.time.now().addingTimeInterval(300))
            try await self.worker(ctx).runOnce()
            let v5 = try await self.reload(ctx, first).status
            XCTAssertEqual(v5, .expired)
            let v6 = try await self.reload(ctx, second).status
            XCTAssertEqual(v6, .sent)
            let v7 = try await self.reload(ctx, other).status
            XCTAssertEqual(v7, .sent)
            XCTAssertEqual(Set(ctx.sms.sent.map(\.text)), ["Ma 222222", "Ma 333333"])
        }
    }

    func test_a_worker_that_died_mid_send_is_covered_by_the_lease() async throws {
        try await withEachDatabase { ctx in
            let message = try await self.enqueue(ctx)
            // A worker claims the row and dies before recording anything.
            let dead = self.worker(ctx)
            let v8 = try await dead.claim().count
            XCTAssertEqual(v8, 1)
            let live = self.worker(ctx)
            let v9 = try await live.runOnce()
            XCTAssertEqual(v9, 0, "the lease holds the row")
            ctx.time.advance(61)
            let v10 = try await live.runOnce()
            XCTAssertEqual(v10, 1)
            XCTAssertEqual(ctx.sms.sent.map(\.reference), [message.reference])
            let v11 = try await self.reload(ctx, message).status
            XCTAssertEqual(v11, .sent)
        }
    }

    func test_two_workers_never_claim_the_same_message() async throws {
        try await withEachDatabase { ctx in
            for i in 0..<40 { _ = try await self.enqueue(ctx, text: "Tin \(i)") }
            let a = self.worker(ctx), b = self.worker(ctx)
            async let first = a.claim()
            async let second = b.claim()
            let (x, y) = try await (first, second)
            XCTAssertEqual(x.count + y.count, 40)
            XCTAssertTrue(Set(x.map(\.id)).isDisjoint(with: Set(y.map(\.id))))
        }
    }

    func test_texts_are_stored_encrypted() async throws {
        try await withEachDatabase { ctx in
            let message = try await self.enqueue(ctx, text: "Tai khoan: 001090000001 Mat khau: Abc234xyzQ")
            let stored = try await self.reload(ctx, message)
            let sealed = try XCTUnwrap(stored.textSealed)
            XCTAssertNil(String(data: sealed, encoding: .utf8)?.range(of: "Abc234xyzQ"))
            XCTAssertFalse(sealed.range(of: Data("Abc234xyzQ".utf8)) != nil)
        }
    }
}

/// The server killed between commit and send: the message goes out after restart.
final class OutboxRestartTests: XCTestCase {
    func test_a_message_committed_before_a_crash_goes_out_after_restart() async throws {
        let path = NSTemporaryDirectory() + "portal-restart-\(UUID().uuidString).sqlite"
        defer { for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + s) } }
        let env = ["DATABASE_URL": "sqlite://" + path, "DATA_ENCRYPTION_KEY": testKey]

        // First life: queue the message and stop without sending it.
        let first = try await Application.make(.testing)
        try await configure(first, Overrides(environment: env, sms: FakeSMS(), startOutboxWorker: false))
        try await first.autoMigrate()
        let reference = try await first.db.writeTransaction { db in
            try await Outbox(db: db, portal: first.portal).enqueue(to: try PhoneNumber("0987654321"), text: "Xin chao", kind: .notice).reference
        }
        try await first.asyncShutdown()

        // Second life on the same file, with the same root key.
        let sms = FakeSMS()
        let second = try await Application.make(.testing)
        try await configure(second, Overrides(environment: env, sms: sms, startOutboxWorker: false))
        try await OutboxWorker(db: second.db, portal: second.portal, logger: second.logger).runOnce()
        XCTAssertEqual(sms.sent.map(\.reference), [reference])
        XCTAssertEqual(sms.sent.first?.text, "Xin chao")
        try await second.asyncShutdown()
    }
}
