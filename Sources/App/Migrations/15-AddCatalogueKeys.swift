// Migration 15: AddCatalogueKeys. Its name is recorded by Fluent: never rename it, never edit it once shipped.
// The catalogue is searched without diacritics too ("ket hon") and listed in Vietnamese alphabetical order.
import Domain
import Fluent
import Foundation
import SQLKit

struct AddCatalogueKeys: AsyncMigration {
    func prepare(on database: any Database) async throws {
        // The order key is ASCII made to sort by bytes: PostgreSQL compares it with the "C" collation, whatever
        // the database's own (a linguistic collation would skip its separators).
        let orderType: DatabaseSchema.DataType = database.isSQLite ? .string : .sql(raw: "TEXT COLLATE \"C\"")
        // One column per statement: SQLite adds one at a time.
        try await database.schema("public_services").field("plain_key", .string).update()
        try await database.schema("public_services").field("order_key", orderType).update()
        try await ServiceCatalogue(db: database).rekeyAll()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("public_services").deleteField("order_key").update()
        try await database.schema("public_services").deleteField("plain_key").update()
    }
}
