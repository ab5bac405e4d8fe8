// The upload slots: a few uploads at once, the next ones wait their turn, and past the wait they are told "busy".
import Fluent
import Foundation
import NIOPosix
import XCTVapor
@testable import App

final class UploadGateTests: XCTestCase {
    // Ordered by the gate's own state (a slot held, an upload queued), never by sleeping.
    func test_a_waiting_upload_gets_the_slot_when_it_frees() async throws {
        let gate = UploadGate(slots: 1, wait: .seconds(60))
        let release = try await hold(gate)
        let second = Task { try await gate.withSlot(retryAt: Date()) { 2 } }
        while gate.queued == 0 { await Task.yield() }
        XCTAssertEqual(gate.inUse, 1, "the second upload waits while the first holds the only slot")
        release()
        let value = try await second.value
        XCTAssertEqual(value, 2)
        XCTAssertEqual(gate.inUse, 0)
        XCTAssertEqual(gate.queued, 0)
        await gate.shutdown()
    }

    func test_an_upload_that_waits_too_long_is_told_busy_with_a_retry_time() async throws {
        let gate = UploadGate(slots: 1, wait: .milliseconds(100))
        let release = try await hold(gate)
        defer { release() }
        let retryAt = Date().addingTimeInterval(5)
        do {
            _ = try await gate.withSlot(retryAt: retryAt) { XCTFail("ran without a slot") }
            XCTFail("no busy answer")
        } catch let error as AppError {
            XCTAssertEqual(error.status, .serviceUnavailable)
            XCTAssertEqual(error.code, "busy")
            XCTAssertEqual(error.retryAt, retryAt)
        }
        XCTAssertEqual(gate.inUse, 1, "a refused upload takes nothing")
        XCTAssertEqual(gate.queued, 0, "and leaves the queue")
        await gate.shutdown()
    }

    func test_a_failing_upload_gives_its_slot_back() async throws {
        let gate = UploadGate(slots: 2, wait: .milliseconds(100))
        struct Boom: Error {}
        for _ in 0..<5 {
            _ = try? await gate.withSlot(retryAt: Date()) { throw Boom() }
        }
        XCTAssertEqual(gate.inUse, 0)
        let value = try await gate.withSlot(retryAt: Date()) { 7 }
        XCTAssertEqual(value, 7)
        let offloaded = try await gate.offload { 6 * 7 }
        XCTAssertEqual(offloaded, 42)
        await gate.shutdown()
    }

    func test_a_body_that_arrives_too_slowly_is_told_too_slow_and_overdue_readings_close_the_gate() async throws {
        let gate = UploadGate(slots: 1, wait: .milliseconds(100), timeLimit: .milliseconds(100))
        let loop = MultiThreadedEventLoopGroup.singleton.any()
        let fast = loop.makePromise(of: Int.self)
        loop.scheduleTask(in: .milliseconds(10)) { fast.succeed(1) }
        let value = try await gate.withinTimeLimit(fast.futureResult)
        XCTAssertEqual(value, 1, "a body that arrives in time is handed on")
        XCTAssertEqual(gate.overdue, 0)

        let slow = [loop.makePromise(of: Int.self), loop.makePromise(of: Int.self)]
        for promise in slow {
            do {
                _ = try await gate.withSlot(retryAt: Date()) { try await gate.withinTimeLimit(promise.futureResult) }
                XCTFail("a body that never came was accepted")
            } catch let error as AppError {
                XCTAssertEqual(error.status, .requestTimeout)
                XCTAssertEqual(error.code, "too_slow")
            }
        }
        XCTAssertEqual(gate.inUse, 0, "the slot is free again at the time limit")
        XCTAssertEqual(gate.overdue, 2, "both bodies are still being read")
        do {
            _ = try await gate.withSlot(retryAt: Date()) { XCTFail("ran while too many overdue bodies were open") }
            XCTFail("no busy answer")
        } catch let error as AppError {
            XCTAssertEqual(error.code, "busy")
        }
        struct Gone: Error {}
        slow[0].fail(Gone())
        slow[1].succeed(2)
        let deadline = Date().addingTimeInterval(10)
        while gate.overdue > 0 && Date() < deadline { await Task.yield() }
        XCTAssertEqual(gate.overdue, 0, "a reading that ends, however it ends, is no longer counted")
        let again = try await gate.withSlot(retryAt: Date()) { 3 }
        XCTAssertEqual(again, 3)
        await gate.shutdown()
    }

    /// Holds one slot of `gate` (for `account`) until the returned closure is called; returns once it holds it.
    private func hold(_ gate: UploadGate, for account: UUID? = nil) async throws -> @Sendable () -> Void {
        let (stream, continuation) = AsyncStream<Void>.makeStream()
        let before = gate.inUse
        Task { try await gate.withSlot(for: account, retryAt: Date()) { for await _ in stream {} } }
        while gate.inUse == before { await Task.yield() }
        return { continuation.finish() }
    }

    func test_only_a_current_officer_takes_an_upload_slot_and_each_takes_one_at_a_time() async throws {
        try await withEachDatabase { ctx in
            let officer = try await ctx.signedInOfficer()
            _ = try await ctx.registeredCitizen()
            let citizenToken = try await ctx.signIn(Citizen().idNumber, Citizen().password, phone: Citizen().phoneE164)
            let gate = ctx.app.portal.uploads
            // Every slot taken by uploads in progress: a citizen's upload is refused for what it is, at once,
            // instead of waiting for a slot (and then for its body) like an officer's.
            let first = try await self.hold(gate), second = try await self.hold(gate)
            let citizen = try await ctx.uploadDraft(as: SignedInOfficer(token: citizenToken, unit: officer.unit))
            assertError(citizen, .forbidden, "not_officer")
            XCTAssertEqual(gate.inUse, 2)
            first(); second()
            while gate.inUse > 0 { await Task.yield() }

            // The officer already has an upload in progress: a second one at the same time is told busy.
            let account = try await Account.query(on: ctx.app.db).filter(\.$idNumber == DemoProvince.deskOfficer).first()
            let own = try await self.hold(gate, for: try XCTUnwrap(account?.id))
            let again = try await ctx.uploadDraft(as: officer)
            assertError(again, .serviceUnavailable, "busy")
            own()
            while gate.inUse > 0 { await Task.yield() }
            let later = try await ctx.uploadDraft(as: officer)
            XCTAssertEqual(later.status, .created, later.body.string)
        }
    }
}
