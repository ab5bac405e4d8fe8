// Hand-written SQL reads rows as SQLRecords: their column names come from their keys, and must be real columns.
import SQLKit
import XCTVapor
@testable import App

final class SQLRecordTests: XCTestCase {
    func test_keys_name_their_columns_in_snake_case() {
        XCTAssertEqual(SQLNames.column("idNumber"), "id_number")
        XCTAssertEqual(SQLNames.column("flowID"), "flow_id")
        XCTAssertEqual(SQLNames.column("codeMAC"), "code_mac")
        XCTAssertEqual(SQLNames.column("passwordTemporary"), "password_temporary")
        XCTAssertEqual(SQLNames.column("createdAtUnit"), "created_at_unit")
        XCTAssertEqual(SQLNames.column("id"), "id")
        XCTAssertEqual(AccountRecord.columnNames.first, "id")
        XCTAssertTrue(AccountRecord.columnNames.contains("password_hash"))
    }

    func test_every_shared_record_reads_real_columns_on_both_databases() async throws {
        try await withEachDatabase { ctx in
            let sql = ctx.app.db.sql
            try await sql.raw("SELECT \(AccountRecord.columns()) FROM accounts WHERE 1 = 0").run()
            try await sql.raw("SELECT \(AccountRecord.columns(from: "a", prefix: "a_")) FROM accounts a WHERE 1 = 0").run()
            try await sql.raw("SELECT \(CounterService.CreatedAccount.columns()) FROM accounts WHERE 1 = 0").run()
            try await sql.raw("SELECT \(SMSState.columns()) FROM outbox_messages WHERE 1 = 0").run()
            try await sql.raw("SELECT \(OutboxWorker.Claimed.columns()) FROM outbox_messages WHERE 1 = 0").run()
        }
    }

    func test_a_prefixed_record_decodes_beside_another_from_one_row() async throws {
        try await withEachDatabase { ctx in
            let citizen = try await ctx.registeredAccount()
            let row = try await ctx.app.db.sql.raw("""
                SELECT \(SQLCount.expression), \(AccountRecord.columns(from: "a", prefix: "a_")) FROM accounts a GROUP BY \(AccountRecord.columns(from: "a"))
                """).first()
            let account = try XCTUnwrap(row).record(AccountRecord.self, prefix: "a_")
            XCTAssertEqual(account.id, citizen.id)
            XCTAssertEqual(account.idNumber, citizen.idNumber)
            XCTAssertEqual(account.passwordTemporary, false)
            XCTAssertEqual(try XCTUnwrap(row).record(SQLCount.self).count, 1)
        }
    }

    /// An enum column is read as its text: a known value becomes the case, an optional's NULL becomes nil, and a
    /// value the enum does not know is an error naming the column, never a crash or a wrong case.
    func test_enum_columns_decode_from_their_text_and_unknown_text_is_an_error() async throws {
        struct Probe: SQLRecord {
            let kind: OutboxMessage.Kind
            let status: OutboxMessage.Status?
            let note: String?
            enum CodingKeys: CodingKey, CaseIterable { case kind, status, note }
        }
        try await withEachDatabase { ctx in
            let sql = ctx.app.db.sql
            let known = try await sql.raw("SELECT 'password' AS kind, NULL AS status, NULL AS note").first()
            let probe = try XCTUnwrap(known).record(Probe.self)
            XCTAssertEqual(probe.kind, .password)
            XCTAssertNil(probe.status)
            XCTAssertNil(probe.note)

            let prefixed = try await sql.raw("SELECT 'password' AS p_kind, 'sent' AS p_status, 'x' AS p_note").first()
            let read = try XCTUnwrap(prefixed).record(Probe.self, prefix: "p_")
            XCTAssertEqual(read.status, .sent)
            XCTAssertEqual(read.note, "x")

            let unknown = try await sql.raw("SELECT 'carrier-pigeon' AS kind, NULL AS status, NULL AS note").first()
            XCTAssertThrowsError(try XCTUnwrap(unknown).record(Probe.self)) { error in
                XCTAssertTrue("\(error)".contains("carrier-pigeon"), "\(error)")
            }
            let missing = try await sql.raw("SELECT NULL AS status").first()
            XCTAssertThrowsError(try XCTUnwrap(missing).record(Probe.self))
        }
    }
}
