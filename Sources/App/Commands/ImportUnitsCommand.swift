// `portal import-units FILE.csv`: loads a province's units (code, name, parent code, kind); checks every row
// before writing any, and updates on a re-run instead of duplicating.
import Domain
import Fluent
import Foundation
import Vapor

struct ImportUnitsCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "file", help: "CSV with the columns: code, name, parent code, kind") var file: String
    }

    var help: String { "Imports or updates units from a CSV file (code, name, parent code, kind)." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        guard let data = FileManager.default.contents(atPath: signature.file), let text = String(data: data, encoding: .utf8) else {
            throw CommandError.invalid("Cannot read \(signature.file) as UTF-8 text.")
        }
        try await app.autoMigrate()
        let summary = try await UnitImport(db: app.db, portal: app.portal).run(csv: text)
        context.console.print("Units created: \(summary.created), updated: \(summary.updated), unchanged: \(summary.unchanged).")
    }
}

struct UnitImport: Sendable {
    let db: any Database
    let portal: Portal

    struct Row: Sendable { let line: Int; let code: String; let name: String; let parentCode: String?; let kind: Unit.Kind }
    struct Summary: Sendable, Equatable { var created = 0, updated = 0, unchanged = 0 }

    struct Problems: Error, CustomStringConvertible {
        let lines: [String]
        var description: String { "Nothing was imported:\n" + lines.joined(separator: "\n") }
    }

    func parse(_ csv: String) throws -> [Row] {
        var rows: [Row] = []
        var problems: [String] = []
        var seen: [String: Int] = [:]
        for (index, fields) in CSVReader.rows(csv).enumerated() {
            let line = index + 1
            if fields.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { continue }
            if line == 1, fields.first?.lowercased().trimmingCharacters(in: .whitespaces) == "code" { continue }
            guard fields.count >= 2 else { problems.append("line \(line): expected code, name, parent code, kind"); continue }
            let value = { (i: Int) -> String in i < fields.count ? fields[i].trimmingCharacters(in: .whitespaces) : "" }
            do {
                guard let code = try UnitService.validCode(value(0)) else { problems.append("line \(line): the code is empty"); continue }
                let name = try UnitService.validName(value(1))
                let kind = try UnitService.validKind(value(3).isEmpty ? nil : value(3))
                if let earlier = seen[code] { problems.append("line \(line): code \(code) already on line \(earlier)"); continue }
                seen[code] = line
                rows.append(Row(line: line, code: code, name: name, parentCode: value(2).isEmpty ? nil : value(2), kind: kind))
            } catch let error as AppError {
                problems.append("line \(line): " + error.fields.values.map(\.en).joined(separator: "; "))
            }
        }
        if !problems.isEmpty { throw Problems(lines: problems) }
        return rows
    }

    func run(csv: String) async throws -> Summary {
        let rows = try parse(csv)
        let portal = self.portal
        return try await db.writeTransaction(deadline: .none) { tx in
            let existing = try await Unit.query(on: tx).all()
            var byCode: [String: Unit] = [:]
            for unit in existing { if let code = unit.code { byCode[code] = unit } }
            let fileCodes = Set(rows.map(\.code))
            var problems: [String] = []
            for row in rows {
                if let parent = row.parentCode, !fileCodes.contains(parent), byCode[parent] == nil {
                    problems.append("line \(row.line): parent code \(parent) is neither in the file nor in the database")
                }
                if row.parentCode == nil, byCode[row.code]?.parentID != nil {
                    problems.append("line \(row.line): \(row.code) has a parent in the database; give its parent code")
                }
            }
            // Cycles: follow parents within the file.
            let parentOf = Dictionary(uniqueKeysWithValues: rows.map { ($0.code, $0.parentCode) })
            for row in rows {
                var seen: Set<String> = [row.code]
                var current = row.parentCode
                while let c = current, fileCodes.contains(c) {
                    if !seen.insert(c).inserted { problems.append("line \(row.line): \(row.code) is inside a cycle of parents"); break }
                    current = parentOf[c] ?? nil
                }
            }
            if !problems.isEmpty { throw Problems(lines: problems) }

            var summary = Summary()
            // Parents before children, so that every parent exists when its child is written.
            var pending = rows
            var placed = Set(byCode.keys).subtracting(fileCodes)
            while !pending.isEmpty {
                let ready = pending.filter { $0.parentCode == nil || placed.contains($0.parentCode!) }
                pending.removeAll { r in ready.contains { $0.code == r.code } }
                for row in ready {
                    let parent = row.parentCode.flatMap { byCode[$0] }
                    let now = portal.time.now()
                    if let unit = byCode[row.code] {
                        let moved = unit.parentID != parent?.id
                        if unit.name == row.name && unit.kind == row.kind && !moved { summary.unchanged += 1; placed.insert(row.code); continue }
                        unit.name = row.name
                        unit.nameKey = Text.searchKey(row.name)
                        unit.kind = row.kind
                        if moved {
                            for child in try await unit.move(under: parent, on: tx) { if let code = child.code { byCode[code] = child } }
                        }
                        unit.updatedAt = now
                        try await unit.update(on: tx)
                        summary.updated += 1
                    } else {
                        let unit = Unit.make(name: row.name, code: row.code, kind: row.kind, parent: parent, now: now)
                        try await unit.create(on: tx)
                        byCode[row.code] = unit
                        summary.created += 1
                    }
                    placed.insert(row.code)
                }
            }
            try await AuditLog(db: tx, portal: portal).record(Bootstrap.actor, action: "unit.import", target: "units", unit: nil,
                                                              details: ["created": String(summary.created), "updated": String(summary.updated)])
            return summary
        }
    }
}

enum CSVReader {
    /// RFC 4180: quoted fields may hold commas, quotes ("") and line breaks. A UTF-8 BOM is skipped.
    static func rows(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var chars = Array(text.precomposedStringWithCanonicalMapping)
        if chars.first == "\u{FEFF}" { chars.removeFirst() }
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if quoted {
                if c == "\"" {
                    if i + 1 < chars.count, chars[i + 1] == "\"" { field.append("\""); i += 1 } else { quoted = false }
                } else { field.append(c) }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                row.append(field); field = ""
            } else if c == "\n" || c == "\r\n" || c == "\r" {
                row.append(field); rows.append(row); row = []; field = ""
            } else {
                field.append(c)
            }
            i += 1
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }
}
