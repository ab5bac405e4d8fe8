// Sessions and SMS are kept for their retention period after they end, then the periodic clean-up removes them.
import Fluent
import SQLKit
import XCTVapor
@testable import App

final class RetentionTests: XCTestCase {
    func test_sessions_and_finished_sms_go_a_month_after_they_end_and_nothing_live_is_touched() async throws {
        try await withEachDatabase { ctx in
            let citizen = Citizen()
            let registered = try await ctx.registeredAccount(citizen)
            let accountID = try XCTUnwrap(registered.id)
            let sessions = Sessions(db: ctx.app.db, portal: ctx.app.portal)
            let old = try await sessions.create(account: accountID, kind: .api, clientAddress: "203.0.113.7", userAgent: "test")
            try await ctx.app.db.writeTransaction { tx in
                _ = try await Outbox(db: tx, portal: ctx.app.portal).enqueue(to: try .init(citizen.phone), text: "Thong bao", kind: .notice, flowID: nil, expiresAt: nil)
            }
            let worker = OutboxWorker(db: ctx.app.db, portal: ctx.app.portal, logger: ctx.app.logger)
            while try await worker.runOnce() > 0 {}
            let sentBefore = try await OutboxMessage.query(on: ctx.app.db).filter(\.$status == .sent).count()
            XCTAssertGreaterThan(sentBefore, 0)

            // 29 days after the old session's end: still kept.
            ctx.time.advance(Sessions.absoluteTimeout + 29 * 86_400)
            let recent = try await sessions.create(account: accountID, kind: .api, clientAddress: "203.0.113.8", userAgent: "test")
            try await ctx.app.db.writeTransaction { tx in
                _ = try await Outbox(db: tx, portal: ctx.app.portal).enqueue(to: try .init(citizen.phone), text: "Cho gui", kind: .notice, flowID: nil, expiresAt: nil)
            }
            try await Maintenance.runOnce(db: ctx.app.db, now: ctx.time.now())
            let keptOld = try await AuthSession.find(old.session.id, on: ctx.app.db)
            XCTAssertNotNil(keptOld)
            let sentKept = try await OutboxMessage.query(on: ctx.app.db).filter(\.$status == .sent).count()
            XCTAssertEqual(sentKept, sentBefore)

            // Past 30 days: the old session and the sent SMS go; the new session and the queued SMS stay.
            ctx.time.advance(2 * 86_400)
            try await Maintenance.runOnce(db: ctx.app.db, now: ctx.time.now())
            let goneOld = try await AuthSession.find(old.session.id, on: ctx.app.db)
            XCTAssertNil(goneOld)
            let keptRecent = try await AuthSession.find(recent.session.id, on: ctx.app.db)
            XCTAssertNotNil(keptRecent)
            let sentLeft = try await OutboxMessage.query(on: ctx.app.db).filter(\.$status == .sent).count()
            XCTAssertEqual(sentLeft, 0)
            let queued = try await OutboxMessage.query(on: ctx.app.db).filter(\.$status == .queued).count()
            XCTAssertEqual(queued, 1, "a message not yet sent is never removed")
        }
    }

    func test_a_backlog_larger_than_one_batch_is_removed_in_full() async throws {
        try await withEachDatabase { ctx in
            let registered = try await ctx.registeredAccount()
            let accountID = try XCTUnwrap(registered.id)
            let now = ctx.time.now()
            let count = Maintenance.batch + 7
            var offset = 0
            while offset < count {
                let rows = (offset..<min(count, offset + 500)).map { i -> SQLQueryString in
                    "(\(bind: UUID()), \(bind: accountID), \(bind: "hash-\(i)"), 'api', '203.0.113.9', 'test', \(bind: now), \(bind: now), \(bind: now), NULL)"
                }
                try await ctx.app.db.sql.raw("""
                    INSERT INTO auth_sessions (id, account_id, token_hash, kind, client_address, user_agent, created_at, last_seen_at, expires_at, ended_at)
                    VALUES \(rows.joined(separator: ", "))
                    """).run()
                offset += 500
            }
            ctx.time.advance(31 * 86_400)
            try await Maintenance.runOnce(db: ctx.app.db, now: ctx.time.now())
            let left = try await AuthSession.query(on: ctx.app.db).count()
            XCTAssertEqual(left, 0)
        }
    }
}
