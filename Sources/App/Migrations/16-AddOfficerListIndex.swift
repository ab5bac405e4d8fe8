// Migration 16: AddOfficerListIndex. Its name is recorded by Fluent: never rename it, never edit it once shipped.
// An officer's list reads the accounts they created at their units, newest first, a page at a time, and counts
// them. With the unit in the index beside the creator and the time, the count reads the index alone and the page
// reads the table for its own rows only (before: a row of the table for every account the officer ever made).
import Fluent
import SQLKit

struct AddOfficerListIndex: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.sql.raw("CREATE INDEX accounts_created_by_unit ON accounts (created_by, created_at, created_at_unit)").run()
        try await database.sql.raw("DROP INDEX accounts_created_by").run()
    }

    func revert(on database: any Database) async throws {
        try await database.sql.raw("CREATE INDEX accounts_created_by ON accounts (created_by, created_at)").run()
        try await database.sql.raw("DROP INDEX accounts_created_by_unit").run()
    }
}
