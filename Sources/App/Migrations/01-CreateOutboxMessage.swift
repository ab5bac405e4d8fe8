// Migration 01: CreateOutboxMessage. Its name is recorded by Fluent: never rename it, never edit it once shipped.
import Fluent
import Foundation

struct CreateOutboxMessage: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(OutboxMessage.schema)
            .id()
            .field("reference", .string, .required)
            .field("recipient", .string, .required)
            .field("text_sealed", .data)
            .field("kind", .string, .required)
            .field("flow_id", .uuid)
            .field("status", .string, .required)
            .field("attempts", .int, .required)
            .field("next_attempt_at", .datetime, .required)
            .field("lease_until", .datetime)
            .field("expires_at", .datetime)
            .field("give_up_at", .datetime, .required)
            .field("last_error", .string)
            .field("sent_at", .datetime)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "reference")
            .create()
        try await database.sql.raw("CREATE INDEX outbox_due ON outbox_messages (status, next_attempt_at)").run()
        try await database.sql.raw("CREATE INDEX outbox_flow ON outbox_messages (flow_id)").run()
        try await database.sql.raw("CREATE INDEX outbox_recipient ON outbox_messages (recipient, created_at)").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(OutboxMessage.schema).delete()
    }
}
