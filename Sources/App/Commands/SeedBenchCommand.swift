// `portal seed-bench --accounts N`: fills the database with N realistic citizen accounts for load tests, fast:
// multi-row inserts in large transactions and one pre-computed password hash shared by every account.
// Refused in production. Safe to run again: existing bench accounts are skipped, never duplicated.
import Domain
import Fluent
import Foundation
import SQLKit
import Vapor

struct SeedBenchCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "accounts", help: "How many citizen accounts (default 10000).") var accounts: Int?
        @Option(name: "password", help: "The password of every bench account (default Citizen-Pass-2024!, the peer's).") var password: String?
        @Option(name: "batch", help: "Rows per INSERT statement (default 1000).") var batch: Int?
        @Option(name: "officer", help: "ID number of the officer shown as creator of --officer-accounts accounts (default the demo officer 033190000003, when present).") var officer: String?
        @Option(name: "officer-accounts", help: "How many bench accounts that officer created (default 500, whatever N is).") var officerAccounts: Int?
        @Option(name: "sample-out", help: "Writes up to --sample-size bench accounts spread over all N, one `idNumber phone` a line.") var sampleOut: String?
        @Option(name: "sample-size", help: "How many ID numbers --sample-out writes (default 20000).") var sampleSize: Int?
        @Option(name: "challenges", help: "Also opens this many API sign-in challenges (as step 1 leaves them) with known codes.") var challenges: Int?
        @Option(name: "challenges-out", help: "Where the challenges go, one `challengeId code` a line.") var challengesOut: String?
        @Option(name: "outbox", help: "Also queues this many SMS notices in one transaction and prints the commit time, for outbox throughput.") var outbox: Int?
        @Flag(name: "on-existing-data", help: "Run even though the database holds accounts neither the demo nor seed-bench created.")
        var onExistingData: Bool
    }

    var help: String { "Loads N realistic citizen accounts for benchmarks (refused in production)." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        if app.environment == .production { throw CommandError.refused("portal seed-bench is refused in production.") }
        let total = signature.accounts ?? 10_000
        guard total >= 0, total <= BenchPeople.maxAccounts else {
            throw CommandError.invalid("--accounts must be from 0 to \(BenchPeople.maxAccounts).")
        }
        let batch = max(1, min(signature.batch ?? 1000, 2000))
        try await app.autoMigrate()
        try await SeedGuard(db: app.db).check(.bench, command: "portal seed-bench", overridden: signature.onExistingData)
        if app.db.isSQLite { try await app.db.sql.raw("PRAGMA journal_mode=WAL").run() }

        let seeder = BenchSeeder(db: app.db, portal: app.portal)
        let clock = ContinuousClock()
        let seeded = try await seeder.isSeeded(total)
        if total > 0 && seeded {
            context.console.print("Accounts: the \(total) bench accounts are already there.")
        } else if total > 0 {
            let start = clock.now
            let password = signature.password ?? "Citizen-Pass-2024!"
            let hash = try await app.portal.hasher.hash(password)
            var officer: (id: UUID, unit: UUID?)? = nil
            if let found = try await Account.query(on: app.db).filter(\.$idNumber == (signature.officer ?? "033190000003")).first() {
                let unit = try await StaffRole.query(on: app.db).filter(\.$accountID == found.id!).filter(\.$role == .officer)
                    .filter(\.$revokedAt == nil).first()?.unitID
                officer = (found.id!, unit)
            }
            let inserted = try await seeder.accounts(total, hash: hash, batch: batch, officer: officer,
                                                     officerAccounts: signature.officerAccounts ?? 500) { done in
                context.console.print("  \(done) / \(total)")
            }
            if let officer { try await seeder.passwordSMS(createdBy: officer.id) }
            let seconds = Self.seconds(clock.now - start)
            let rate = String(format: "%.1f s (%.0f rows/s)", seconds, Double(total) / max(seconds, 0.001))
            context.console.print("Accounts: \(inserted) inserted, \(total - inserted) already there, in \(rate); password for all: \(password)")
        }
        if let path = signature.sampleOut {
            let size = min(signature.sampleSize ?? 20_000, total)
            let step = max(1, total / max(size, 1))
            let lines = stride(from: 0, to: total, by: step).prefix(size).map { "\(BenchPeople.idNumber($0)) \(BenchPeople.phone($0))" }
            try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
            context.console.print("Sample of \(lines.count) ID numbers written to \(path)")
        }
        if let count = signature.challenges, count > 0 {
            guard let path = signature.challengesOut else { throw CommandError.missing("--challenges needs --challenges-out FILE.") }
            let start = clock.now
            let lines = try await seeder.challenges(count, among: max(total, 1))
            try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
            let took = String(format: "%.2f s", Self.seconds(clock.now - start))
            context.console.print("Challenges: \(lines.count) written to \(path) in \(took)")
        }
        if let count = signature.outbox, count > 0 {
            let start = clock.now
            try await seeder.outbox(count, among: max(total, 1))
            let committed = Date().timeIntervalSince1970
            let took = String(format: "%.2f s", Self.seconds(clock.now - start))
            context.console.print(String(format: "Outbox: %d messages committed_at=%.6f", count, committed) + " (queued in \(took))")
        }
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}

/// The bench population, derived from the account's index alone so that every run makes the same people.
enum BenchPeople {
    static let provinces = ["001", "079", "031", "048", "092", "038", "040", "030", "027", "036", "034", "026", "019", "022",
                            "024", "025", "035", "037", "042", "044", "045", "046", "049", "051", "052", "054", "056", "058",
                            "060", "062", "064", "066", "067", "068", "070", "072", "074", "075", "077", "080", "082", "083",
                            "084", "086", "087", "089", "091", "093", "094", "095", "096", "002", "004", "006", "008", "010",
                            "011", "012", "014", "015", "017", "020"]
    /// One province code per million, six serial digits below it.
    static let maxAccounts = provinces.count * 1_000_000
    static let family = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]
    static let middle = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quốc", "Thu", "Xuân", "Hoài", "Bảo"]
    static let given = ["An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hòa", "Hùng", "Hương", "Khánh", "Lan", "Linh",
                        "Long", "Mai", "Minh", "Nam", "Nga", "Nhung", "Phong", "Phúc", "Quân", "Quyên", "Sơn", "Tâm", "Thảo",
                        "Thủy", "Trang", "Trung", "Tuấn", "Uyên", "Việt", "Xuân", "Yến", "Đạt", "Khoa", "Lộc", "Oanh", "Thoa"]
    /// 10-digit mobile prefixes: ten million numbers each, far from the demo's 0912 000 0xx.
    static let phonePrefixes = ["093", "094", "088", "098", "097", "086", "032", "033", "070", "076", "077", "078", "079"]

    static func serial(_ i: Int) -> Int { i % 1_000_000 }

    /// CCCD: province of birth, century-and-sex digit, two year digits, six serial digits.
    static func idNumber(_ i: Int) -> String {
        let s = serial(i)
        let year = birthYear(i)
        let centurySex = (year >= 2000 ? 2 : 0) + s % 2
        return provinces[i / 1_000_000] + String(centurySex) + pad(year % 100, 2) + pad(s, 6)
    }

    static func birthYear(_ i: Int) -> Int { 1950 + (serial(i) / 2) % 56 }

    static func dateOfBirth(_ i: Int) -> String {
        let s = serial(i)
        return "\(birthYear(i))-\(pad(1 + (s / 112) % 12, 2))-\(pad(1 + (s / 7) % 28, 2))"
    }

    static func phone(_ i: Int) -> String {
        "+84" + phonePrefixes[i / 10_000_000].dropFirst() + pad(i % 10_000_000, 7)
    }

    static func name(_ i: Int) -> String {
        let s = serial(i) &* 2654435761 % 1_000_003
        return "\(family[s % family.count]) \(middle[(s / 16) % middle.count]) \(given[(s / 192) % given.count])"
    }

    static func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}

/// An account's id and phone, for the rows the seeder adds beside it.
private struct AccountPhone: SQLRecord {
    let id: UUID
    let phone: String
    let createdAt: Date
    enum CodingKeys: CodingKey, CaseIterable { case id, phone, createdAt }
}

struct BenchSeeder: Sendable {
    let db: any Database
    let portal: Portal

    static let columns = ["id", "id_number", "full_name", "name_key", "date_of_birth", "phone", "email", "password_hash",
                          "password_temporary", "password_expires_at", "status", "failed_logins", "last_failed_login_at",
                          "created_by", "created_at_unit", "created_at", "updated_at"]

    /// Whether the first and the last of `total` bench accounts exist (a re-run then skips the inserts).
    func isSeeded(_ total: Int) async throws -> Bool {
        guard total > 0 else { return true }
        let ids = [BenchPeople.idNumber(0), BenchPeople.idNumber(total - 1)]
        return try await Account.query(on: db).filter(\.$idNumber ~~ ids).count() == 2
    }

    /// Queues `count` notices to bench phones through the real outbox, in one transaction.
    func outbox(_ count: Int, among: Int) async throws {
        let portal = self.portal
        try await db.writeTransaction(deadline: .none) { tx in
            let outbox = Outbox(db: tx, portal: portal)
            for k in 0..<count {
                let phone = try PhoneNumber(BenchPeople.phone(k % among))
                try await outbox.enqueue(to: phone, text: "Thong bao thu nghiem so \(k) tu \(portal.config.portalName).", kind: .notice)
            }
        }
    }

    /// Inserts accounts 0..<total that are missing; returns how many it inserted.
    func accounts(_ total: Int, hash: String, batch: Int, officer: (id: UUID, unit: UUID?)?, officerAccounts: Int,
                  progress: @escaping @Sendable (Int) -> Void) async throws -> Int {
        let now = portal.time.now()
        // Name keys are computed once per distinct name, not once per row.
        var keys: [String: String] = [:]
        for f in BenchPeople.family { for m in BenchPeople.middle { for g in BenchPeople.given {
            let name = "\(f) \(m) \(g)"
            keys[name] = Text.searchKey(name)
        } } }
        let nameKeys = keys
        // Officer-created accounts are spread over the population, newest last.
        let officerEvery = officer == nil || officerAccounts <= 0 ? Int.max : max(1, total / officerAccounts)
        let perTransaction = max(batch, 20_000)
        var inserted = 0
        var start = 0
        while start < total {
            let end = min(total, start + perTransaction)
            let range = start..<end
            inserted += try await db.writeTransaction(deadline: .none) { tx in
                var count = 0
                var lo = range.lowerBound
                while lo < range.upperBound {
                    let hi = min(range.upperBound, lo + batch)
                    var insert = tx.sql.insert(into: Account.schema).columns(Self.columns)
                    for i in lo..<hi {
                        let name = BenchPeople.name(i)
                        let byOfficer = i % officerEvery == 0 && i / officerEvery < officerAccounts
                        // Created over the last two years, one account every minute or so.
                        let created = now.addingTimeInterval(-Double(total - i) * 60)
                        let values: [any Encodable & Sendable] = [
                            UUID(), BenchPeople.idNumber(i), name, nameKeys[name] ?? Text.searchKey(name), BenchPeople.dateOfBirth(i),
                            BenchPeople.phone(i), Optional<String>.none, hash, false, Optional<Date>.none, Account.Status.active.rawValue,
                            0, Optional<Date>.none, byOfficer ? officer?.id : nil, byOfficer ? officer?.unit : nil, created, created,
                        ]
                        let row: [any SQLExpression] = values.map { SQLBind($0) }
                        insert = insert.values(row)
                    }
                    let rows = try await insert.ignoringConflicts(with: "id_number").returning("id").all()
                    count += rows.count
                    lo = hi
                }
                return count
            }
            start = end
            if start % 100_000 == 0 || start == total { progress(start) }
        }
        return inserted
    }

    /// The password SMS the counter sent each account the officer created, as sent: the counter's list shows
    /// each one's fate, as it does in production.
    func passwordSMS(createdBy officer: UUID) async throws {
        let rows = try await db.sql.raw("""
            SELECT \(AccountPhone.columns(from: "a")) FROM accounts a WHERE a.created_by = \(bind: officer)
            AND NOT EXISTS (SELECT 1 FROM outbox_messages m WHERE m.flow_id = a.id AND m.kind = 'password')
            """).allRecords(AccountPhone.self)
        let messages = rows.map { row in
            let (id, phone, created) = (row.id, row.phone, row.createdAt)
            let m = OutboxMessage()
            m.reference = UUID().uuidString.lowercased()
            m.recipient = phone
            m.textSealed = nil  // erased once sent, as the outbox does
            m.kind = .password
            m.flowID = id
            m.status = .sent
            m.attempts = 1
            m.nextAttemptAt = created
            m.giveUpAt = created.addingTimeInterval(86_400)
            m.sentAt = created.addingTimeInterval(2)
            m.createdAt = created
            m.updatedAt = created.addingTimeInterval(2)
            return m
        }
        try await messages.create(on: db)
    }

    /// Opens `count` API sign-in challenges with known codes on accounts among the first `among`, exactly as
    /// step 1 of the sign-in leaves them (the code's HMAC is stored, never the code); lines `challengeId code`.
    func challenges(_ count: Int, among: Int) async throws -> [String] {
        let now = portal.time.now()
        let ttl = TimeInterval(portal.config.otp.ttlSeconds)
        var lines: [String] = []
        lines.reserveCapacity(count)
        var done = 0
        let batch = 500
        while done < count {
            let n = min(batch, count - done)
            let indices = (0..<n).map { _ in Int.random(in: 0..<among) }
            let ids = indices.map(BenchPeople.idNumber)
            let rows = try await db.sql.select().column(AccountPhone.columns()).from(Account.schema)
                .where(SQLIdentifier("id_number"), .in, SQLBind.group(ids)).allRecords(AccountPhone.self)
            guard !rows.isEmpty else { throw CommandError.invalid("No bench accounts found: run seed-bench --accounts N first.") }
            let found = rows.map { ($0.id, $0.phone) }
            let made: [String] = try await db.writeTransaction(deadline: .none) { tx in
                var out: [String] = []
                var login = tx.sql.insert(into: LoginChallenge.schema).columns("id", "account_id", "kind", "created_at", "expires_at")
                var otp = tx.sql.insert(into: OTPChallenge.schema)
                    .columns("flow_id", "purpose", "phone", "code_mac", "attempts", "sends", "last_sent_at", "expires_at")
                for k in 0..<n {
                    let (accountID, phone) = found[k % found.count]
                    let flow = UUID()
                    let code = OTPCode.generate()
                    login = login.values(SQLBind(flow), SQLBind(accountID), SQLBind(AuthSession.Kind.api.rawValue), SQLBind(now),
                                         SQLBind(now.addingTimeInterval(LoginService.challengeLifetime)))
                    otp = otp.values(SQLBind(flow), SQLBind(OTPChallenge.Purpose.login.rawValue), SQLBind(phone),
                                     SQLBind(OTPService.mac(code, flowID: flow, key: self.portal.keys.otp)), SQLBind(0), SQLBind(1),
                                     SQLBind(now), SQLBind(now.addingTimeInterval(ttl)))
                    out.append("\(flow.uuidString.lowercased()) \(code)")
                }
                try await login.run()
                try await otp.run()
                return out
            }
            lines += made
            done += n
        }
        return lines
    }
}
