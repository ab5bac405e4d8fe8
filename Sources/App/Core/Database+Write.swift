// Write transactions that behave the same on SQLite and PostgreSQL under concurrent writers.
import Fluent
import SQLKit

extension Database {
    var sql: any SQLDatabase { self as! any SQLDatabase }
    var isSQLite: Bool { sql.dialect.name == "sqlite" }

    /// SQLite's default deferred transaction fails at once with "database is locked" when two writers
    /// race after reading; `BEGIN IMMEDIATE` takes the write lock up front so the second one waits in
    /// the busy handler instead. PostgreSQL uses Fluent's ordinary transaction.
    /// Bodies must not open a nested transaction.
    func writeTransaction<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        guard isSQLite else { return try await transaction(body) }
        return try await withConnection { conn in
            try await conn.sql.raw("BEGIN IMMEDIATE").run()
            do {
                let result = try await body(conn)
                try await conn.sql.raw("COMMIT").run()
                return result
            } catch {
                try? await conn.sql.raw("ROLLBACK").run()
                throw error
            }
        }
    }
}

extension Error {
    /// A unique-constraint violation on either database, so that a race maps to a clean 409.
    var isUniqueViolation: Bool {
        if let dbError = self as? any DatabaseError, dbError.isConstraintFailure { return true }
        let text = String(reflecting: self)
        return text.contains("UNIQUE constraint failed") || text.contains("23505") || text.contains("unique_violation")
    }
}
