// Migration 14: CreateElectronicID. Its name is recorded by Fluent: never rename it, never edit it once shipped.
// Signing in with the national electronic identity: the links between an account and a provider's subject, the
// sign-ins under way at the provider, links waiting for the account's own password and SMS code, and new
// accounts waiting for their phone.
import Fluent
import Foundation
import SQLKit

struct CreateElectronicID: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("eid_links")
            .id()
            .field("account_id", .uuid, .required, .references("accounts", "id", onDelete: .cascade))
            .field("issuer", .string, .required)
            .field("subject", .string, .required)
            .field("acr", .string)
            .field("created_at", .datetime, .required)
            .field("last_used_at", .datetime, .required)
            .unique(on: "issuer", "subject", name: "eid_links_subject_key")
            .unique(on: "account_id", "issuer", name: "eid_links_account_key")
            .create()
        try await database.schema("eid_attempts")
            .id()
            .field("state_hash", .string, .required)
            .field("browser_hash", .string, .required)
            .field("nonce", .string, .required)
            .field("code_verifier", .string, .required)
            .field("next", .string, .required)
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .unique(on: "state_hash", name: "eid_attempts_state_key")
            .create()
        try await database.schema("eid_pending_links")
            .id()
            .field("account_id", .uuid, .required, .references("accounts", "id", onDelete: .cascade))
            .field("issuer", .string, .required)
            .field("subject", .string, .required)
            .field("acr", .string)
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .create()
        // A new person whose provider gave no phone: the verified claims wait while the phone is given and proved.
        try await database.schema("eid_signups")
            .id()
            .field("browser_hash", .string, .required)
            .field("issuer", .string, .required)
            .field("subject", .string, .required)
            .field("acr", .string)
            .field("id_number", .string, .required)
            .field("full_name", .string, .required)
            .field("date_of_birth", .string, .required)
            .field("phone", .string)
            .field("next", .string, .required)
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .create()
        try await database.sql.raw("CREATE INDEX eid_attempts_expiry ON eid_attempts (expires_at)").run()
    }

    func revert(on database: any Database) async throws {
        for table in ["eid_signups", "eid_pending_links", "eid_attempts", "eid_links"] { try await database.schema(table).delete() }
    }
}
