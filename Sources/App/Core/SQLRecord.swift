// The one way hand-written SQL reads rows. Fluent is the default; where a statement is written by hand (a
// measured hot path, or what Fluent cannot say), its rows decode into an `SQLRecord`: a Decodable with Swift
// names whose columns are the snake_case of its coding keys. The column list comes from the type, so no
// statement spells it and no name is written twice.
import Foundation
import NIOConcurrencyHelpers
import SQLKit

protocol SQLRecord: Decodable, Sendable {
    /// The record's coding keys; each names a column by its snake_case form (`idNumber` → `id_number`).
    associatedtype CodingKeys: CodingKey, CaseIterable
}

extension SQLRecord {
    /// The record's column names, in the order of its keys.
    static var columnNames: [String] { SQLNames.columnNames(for: Self.self) }

    /// The select list for this record: `table.column` for each key, renamed to `prefix + column` when a prefix is
    /// given (two records read from one joined row keep apart that way).
    /// Written once per type, table and prefix, quoted as both databases quote (`"a"."id_number" AS "a_id_number"`):
    /// serializing the list afresh for every statement was a visible share of a list's CPU (`bench/`).
    static func columns(from table: String? = nil, prefix: String = "") -> any SQLExpression {
        SQLNames.columnList(for: Self.self, table: table, prefix: prefix)
    }

}

extension SQLRow {
    /// The row as this record: each key read from the column `prefix + snake_case(key)`.
    func record<R: SQLRecord>(_ type: R.Type, prefix: String = "") throws -> R {
        try R(from: RecordDecoder(row: self, columns: SQLNames.columnsByKey(for: R.self, prefix: prefix)))
    }
}

extension SQLQueryFetcher {
    func firstRecord<R: SQLRecord>(_ type: R.Type, prefix: String = "") async throws -> R? {
        try await first()?.record(R.self, prefix: prefix)
    }

    func allRecords<R: SQLRecord>(_ type: R.Type, prefix: String = "") async throws -> [R] {
        try await all().map { try $0.record(R.self, prefix: prefix) }
    }
}

/// `COUNT(*) AS count`, read as a record.
struct SQLCount: SQLRecord {
    let count: Int
    enum CodingKeys: CodingKey, CaseIterable { case count }

    static var expression: any SQLExpression { SQLAlias(SQLFunction("COUNT", args: SQLLiteral.all), as: SQLIdentifier("count")) }
}

enum SQLNames {
    private static let names = NIOLockedValueBox<[ObjectIdentifier: [String]]>([:])

    /// A record's column names, worked out once per type: every statement that reads one spells its columns.
    static func columnNames<R: SQLRecord>(for type: R.Type) -> [String] {
        if let known = names.withLockedValue({ $0[ObjectIdentifier(type)] }) { return known }
        let computed = R.CodingKeys.allCases.map { column($0.stringValue) }
        names.withLockedValue { $0[ObjectIdentifier(type)] = computed }
        return computed
    }

    private struct ListKey: Hashable { let type: ObjectIdentifier; let table: String?; let prefix: String }
    private static let lists = NIOLockedValueBox<[ListKey: SQLRaw]>([:])

    static func columnList<R: SQLRecord>(for type: R.Type, table: String?, prefix: String) -> SQLRaw {
        let key = ListKey(type: ObjectIdentifier(type), table: table, prefix: prefix)
        if let known = lists.withLockedValue({ $0[key] }) { return known }
        func quoted(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        let list = SQLRaw(columnNames(for: type).map { name in
            let column = (table.map { quoted($0) + "." } ?? "") + quoted(name)
            return prefix.isEmpty ? column : column + " AS " + quoted(prefix + name)
        }.joined(separator: ", "))
        lists.withLockedValue { $0[key] = list }
        return list
    }

    private struct DecodingKey: Hashable { let type: ObjectIdentifier; let prefix: String }
    private static let byKey = NIOLockedValueBox<[DecodingKey: [String: String]]>([:])

    /// Each coding key's column, prefix included, worked out once per type and prefix: a list page decodes
    /// hundreds of values, and SQLKit's decoder converted every key's name afresh (`bench/`).
    static func columnsByKey<R: SQLRecord>(for type: R.Type, prefix: String) -> [String: String] {
        let key = DecodingKey(type: ObjectIdentifier(type), prefix: prefix)
        if let known = byKey.withLockedValue({ $0[key] }) { return known }
        let computed = Dictionary(uniqueKeysWithValues: zip(R.CodingKeys.allCases.map(\.stringValue),
                                                            columnNames(for: type).map { prefix + $0 }))
        byKey.withLockedValue { $0[key] = computed }
        return computed
    }

    /// `idNumber` → `id_number`, `flowID` → `flow_id`: a run of capitals is one word.
    static func column(_ key: String) -> String {
        var out = ""
        let chars = Array(key)
        for (i, c) in chars.enumerated() {
            if c.isUppercase {
                let previousIsLower = i > 0 && (chars[i - 1].isLowercase || chars[i - 1].isNumber)
                let nextIsLower = i + 1 < chars.count && chars[i + 1].isLowercase
                let previousIsUpper = i > 0 && chars[i - 1].isUppercase
                if i > 0 && (previousIsLower || (previousIsUpper && nextIsLower)) { out.append("_") }
                out.append(Character(c.lowercased()))
            } else {
                out.append(c)
            }
        }
        return out
    }

}

/// A record's fields straight from the row's columns: no key conversion, no coding path, one look-up per field.
/// A record is flat (its fields are columns), so nested containers are refused.
private struct RecordDecoder: Decoder {
    let row: any SQLRow
    let columns: [String: String]

    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(Fields(row: row, columns: columns))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer { throw Self.notFlat }
    func singleValueContainer() throws -> any SingleValueDecodingContainer { throw Self.notFlat }

    static let notFlat = DecodingError.typeMismatch(
        [String: Any].self, .init(codingPath: [], debugDescription: "An SQLRecord is read from a row's columns, one per key."))

    struct Fields<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let row: any SQLRow
        let columns: [String: String]

        var codingPath: [any CodingKey] { [] }
        var allKeys: [Key] { columns.compactMap { row.contains(column: $0.value) ? Key(stringValue: $0.key) : nil } }

        private func column(_ key: Key) -> String { columns[key.stringValue] ?? key.stringValue }

        func contains(_ key: Key) -> Bool { row.contains(column: column(key)) }
        func decodeNil(forKey key: Key) throws -> Bool { try row.decodeNil(column: column(key)) }

        /// A missing column is the driver's error (both drivers look the column up and throw): no second look-up here.
        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            try value(T.self, column(key))
        }

        func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
            let name = column(key)
            return try row.decodeNil(column: name) ? nil : try value(T.self, name)
        }

        /// A column's value. An enum stored as its raw string is read as a string and made from it: the drivers'
        /// generic path for it (through `Decodable`, with a coding path built per value) cost a list page more
        /// than all its other columns (`bench/`).
        private func value<T: Decodable>(_ type: T.Type, _ name: String) throws -> T {
            if let enumType = T.self as? any RawRepresentable.Type, let value = try stringEnum(enumType, name) {
                return value as! T
            }
            return try row.decode(column: name, as: T.self)
        }

        private func stringEnum<R: RawRepresentable>(_ type: R.Type, _ name: String) throws -> R? {
            guard R.RawValue.self == String.self else { return nil }
            let raw = try row.decode(column: name, as: String.self)
            guard let value = R(rawValue: raw as! R.RawValue) else {
                throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "\"\(raw)\" in \"\(name)\" is not a \(R.self)."))
            }
            return value
        }

        func nestedContainer<N: CodingKey>(keyedBy type: N.Type, forKey key: Key) throws -> KeyedDecodingContainer<N> {
            throw RecordDecoder.notFlat
        }
        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer { throw RecordDecoder.notFlat }
        func superDecoder() throws -> any Decoder { throw RecordDecoder.notFlat }
        func superDecoder(forKey key: Key) throws -> any Decoder { throw RecordDecoder.notFlat }
    }
}
