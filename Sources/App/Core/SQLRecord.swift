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

    /// How a row becomes this record: each key read from `prefix + snake_case(key)`. The names are worked out
    /// once per type (signed-in requests decode a record each), then looked up.
    static func decoder(prefix: String = "") -> SQLRowDecoder {
        var decoder = SQLNames.decoder(for: Self.self)
        decoder.prefix = prefix.isEmpty ? nil : prefix
        return decoder
    }
}

extension SQLRow {
    func record<R: SQLRecord>(_ type: R.Type, prefix: String = "") throws -> R {
        try decode(model: R.self, with: R.decoder(prefix: prefix))
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
    private static let decoders = NIOLockedValueBox<[ObjectIdentifier: SQLRowDecoder]>([:])
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

    static func decoder<R: SQLRecord>(for type: R.Type) -> SQLRowDecoder {
        if let known = decoders.withLockedValue({ $0[ObjectIdentifier(type)] }) { return known }
        let names = Dictionary(uniqueKeysWithValues: R.CodingKeys.allCases.map { ($0.stringValue, column($0.stringValue)) })
        let decoder = SQLRowDecoder(keyDecodingStrategy: .custom { path in
            let key = path.last?.stringValue ?? ""
            return Key(names[key] ?? column(key))
        })
        decoders.withLockedValue { $0[ObjectIdentifier(type)] = decoder }
        return decoder
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

    struct Key: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
