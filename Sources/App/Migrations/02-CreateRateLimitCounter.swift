// A counter of hits per key and time window, shared by every instance through the database.
import Fluent
import Foundation

struct CreateRateLimitCounter: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("rate_limit_counters")
            .field("key", .string, .required)
            .field("window_start", .int64, .required)
            .field("hits", .int, .required)
            .field("expires_at", .int64, .required)
            .compositeIdentifier(over: "key", "window_start")
            .create()
        try await database.sql.raw("CREATE INDEX rate_limit_expiry ON rate_limit_counters (expires_at)").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("rate_limit_counters").delete()
    }
}
