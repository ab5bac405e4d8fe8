// `portal demo` and `portal seed-bench` write accounts with published passwords (a super admin among them): they
// run only on a database that holds nothing but what they made themselves, unless the operator says otherwise.
import Fluent
import SQLKit
import Vapor

struct SeedGuard {
    let db: any Database

    enum Owner { case demo, bench }

    /// The option both commands take to run on a database with other accounts anyway.
    static let overrideOption = "--on-existing-data"

    /// Refuses when an account exists that neither the demo nor (for `bench`) the bench seeding made.
    func check(_ owner: Owner, command: String, overridden: Bool) async throws {
        guard !overridden else { return }
        let demoIDs = DemoCommand.people.map(\.id)
        struct Row: SQLRecord {
            let idNumber, phone: String
            enum CodingKeys: CodingKey, CaseIterable { case idNumber, phone }
        }
        var after = ""
        while true {
            let page = try await db.sql.raw("""
                SELECT id_number, phone FROM accounts WHERE id_number > \(bind: after) AND id_number NOT IN (\(binds: demoIDs))
                ORDER BY id_number LIMIT 5000
                """).all().map { try $0.record(Row.self) }
            if page.contains(where: { owner == .demo || !BenchPeople.isBenchAccount(id: $0.idNumber, phone: $0.phone) }) {
                throw CommandError.refused("""
                    \(command) is refused: this database holds accounts it did not create (the demo's accounts have a \
                    published password). Use an empty database, or add \(Self.overrideOption) if this is a test installation.
                    """)
            }
            guard let last = page.last, page.count == 5000 else { return }
            after = last.idNumber
        }
    }
}

extension BenchPeople {
    /// Whether an account is one `seed-bench` made: its ID number and phone are those of the same bench index.
    static func isBenchAccount(id: String, phone: String) -> Bool {
        guard id.count == 12, let p = provinces.firstIndex(of: String(id.prefix(3))), let s = Int(id.suffix(6)) else { return false }
        let i = p * 1_000_000 + s
        return i < maxAccounts && idNumber(i) == id && self.phone(i) == phone
    }
}
