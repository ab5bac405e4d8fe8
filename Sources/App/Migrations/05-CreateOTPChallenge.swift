// Migration 05: CreateOTPChallenge. Its name is recorded by Fluent: never rename it, never edit it once shipped.
import Fluent
import Foundation

struct CreateOTPChallenge: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(OTPChallenge.schema)
            .field("flow_id", .uuid, .identifier(auto: false))
            .field("purpose", .string, .required)
            .field("phone", .string, .required)
            .field("code_mac", .string, .required)
            .field("attempts", .int, .required)
            .field("sends", .int, .required)
            .field("last_sent_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(OTPChallenge.schema).delete()
    }
}
