// The bootstrap commands: create-superadmin, demo and import-units, on SQLite and PostgreSQL.
import Domain
import Fluent
import XCTVapor
@testable import App

final class CommandTests: XCTestCase {
    func test_create_superadmin_makes_an_account_with_a_temporary_password_and_the_province() async throws {
        try await withEachDatabase { ctx in
            let result = try await Bootstrap(db: ctx.app.db, portal: ctx.app.portal).superadmin(
                id: try IDNumber("033080000099"), name: try PersonName("Nguyễn Văn Tỉnh"), phone: try PhoneNumber("0912000099"),
                dateOfBirth: try DateOfBirth(iso: "1980-01-01"), province: "Tỉnh Hưng Yên")
            let password = try XCTUnwrap(result.temporaryPassword)
            XCTAssertEqual(password.count, 10)
            XCTAssertTrue(result.account.passwordTemporary)
            let province = try await Unit.query(on: ctx.app.db).filter(\.$name == "Tỉnh Hưng Yên").all()
            XCTAssertEqual(province.count, 1)
            let staff = try await StaffDirectory(db: ctx.app.db).context(for: AccountRecord(result.account))
            XCTAssertEqual(staff.adminRole(over: province[0]), .super_admin)

            // Signing in leads to the password change first.
            let started = try await ctx.post("/api/v1/login", ["username": "033080000099", "password": password])
            XCTAssertEqual(started.status, .ok)

            // Run again: promoted, not duplicated, password unchanged.
            let again = try await Bootstrap(db: ctx.app.db, portal: ctx.app.portal).superadmin(
                id: try IDNumber("033080000099"), name: try PersonName("Nguyễn Văn Tỉnh"), phone: try PhoneNumber("0912000099"),
                dateOfBirth: try DateOfBirth(iso: "1980-01-01"), province: "Tỉnh Hưng Yên")
            XCTAssertNil(again.temporaryPassword)
            let units = try await Unit.query(on: ctx.app.db).count()
            let roles = try await StaffRole.query(on: ctx.app.db).filter(\.$role == .super_admin).count()
            XCTAssertEqual(units, 1)
            XCTAssertEqual(roles, 1)
        }
    }

    func test_demo_is_safe_to_run_again() async throws {
        try await withEachDatabase { ctx in
            try await DemoCommand.load(ctx.app)
            let units = try await Unit.query(on: ctx.app.db).count()
            let accounts = try await Account.query(on: ctx.app.db).count()
            let roles = try await StaffRole.query(on: ctx.app.db).count()
            try await DemoCommand.load(ctx.app)
            let unitsAgain = try await Unit.query(on: ctx.app.db).count()
            let accountsAgain = try await Account.query(on: ctx.app.db).count()
            let rolesAgain = try await StaffRole.query(on: ctx.app.db).count()
            XCTAssertEqual(units, unitsAgain)
            XCTAssertEqual(accounts, accountsAgain)
            XCTAssertEqual(roles, rolesAgain)
            XCTAssertEqual(accounts, DemoCommand.people.count)
        }
    }

    func test_demo_and_seed_bench_refuse_a_database_with_accounts_they_did_not_make() async throws {
        try await withEachDatabase { ctx in
            let guardian = SeedGuard(db: ctx.app.db)
            // Empty, then holding only what the commands made: allowed, again and again.
            try await guardian.check(.demo, command: "portal demo", overridden: false)
            try await DemoCommand.load(ctx.app)
            try await guardian.check(.demo, command: "portal demo", overridden: false)
            _ = try await BenchSeeder(db: ctx.app.db, portal: ctx.app.portal)
                .accounts(3, hash: "x", batch: 10, officer: nil, officerAccounts: 0) { _ in }
            try await guardian.check(.bench, command: "portal seed-bench", overridden: false)

            // A real installation: one super admin made by create-superadmin.
            _ = try await Bootstrap(db: ctx.app.db, portal: ctx.app.portal).superadmin(
                id: try IDNumber("033080000099"), name: try PersonName("Nguyễn Văn Tỉnh"), phone: try PhoneNumber("0912000099"),
                dateOfBirth: try DateOfBirth(iso: "1980-01-01"), province: "Tỉnh Hưng Yên")
            for (owner, name) in [(SeedGuard.Owner.demo, "portal demo"), (.bench, "portal seed-bench")] {
                do {
                    try await guardian.check(owner, command: name, overridden: false)
                    XCTFail("\(name) ran on a database with someone else's accounts")
                } catch {
                    XCTAssertTrue(String(describing: error).contains("--on-existing-data"), String(describing: error))
                }
                try await guardian.check(owner, command: name, overridden: true)
            }
        }
        // A bench ID number with another phone is not the bench's.
        XCTAssertTrue(BenchPeople.isBenchAccount(id: BenchPeople.idNumber(1_000_007), phone: BenchPeople.phone(1_000_007)))
        XCTAssertFalse(BenchPeople.isBenchAccount(id: BenchPeople.idNumber(1_000_007), phone: BenchPeople.phone(1_000_008)))
    }

    private let csv = """
        code,name,parent code,kind
        HY,Tỉnh Hưng Yên,,province
        HY-TT,Trung tâm Phục vụ hành chính công tỉnh,HY,other
        HY-VL,UBND huyện Văn Lâm,HY,district
        HY-VL-LD,UBND xã Lạc Đạo,HY-VL,commune
        HY-VL-LD-MC,"Bộ phận một cửa xã Lạc Đạo, huyện Văn Lâm",HY-VL-LD,other
        """

    func test_import_units_loads_a_tree_and_a_rerun_updates_instead_of_duplicating() async throws {
        try await withEachDatabase { ctx in
            let importer = UnitImport(db: ctx.app.db, portal: ctx.app.portal)
            let first = try await importer.run(csv: self.csv)
            XCTAssertEqual(first, UnitImport.Summary(created: 5, updated: 0, unchanged: 0))
            let desk = try await Unit.query(on: ctx.app.db).filter(\.$code == "HY-VL-LD-MC").first()!
            let province = try await Unit.query(on: ctx.app.db).filter(\.$code == "HY").first()!
            XCTAssertTrue(province.contains(desk))
            XCTAssertTrue(desk.isOneStop)
            // Re-run with a rename and a move of the commune to the province.
            let changed = self.csv.replacingOccurrences(of: "HY-VL-LD,UBND xã Lạc Đạo,HY-VL,commune", with: "HY-VL-LD,UBND phường Lạc Đạo,HY,commune")
            let second = try await importer.run(csv: changed)
            XCTAssertEqual(second, UnitImport.Summary(created: 0, updated: 1, unchanged: 4))
            let units = try await Unit.query(on: ctx.app.db).count()
            XCTAssertEqual(units, 5)
            let movedDesk = try await Unit.query(on: ctx.app.db).filter(\.$code == "HY-VL-LD-MC").first()!
            XCTAssertEqual(movedDesk.path.split(separator: "/").count, 3, "the desk moved with its commune")
        }
    }

    func test_import_units_checks_every_row_before_writing_any() async throws {
        try await withEachDatabase { ctx in
            let bad = self.csv + "\nHY-X,,HY,other\nHY-Y,Đơn vị Y,NOPE,other\nHY-Z,Đơn vị Z,HY,planet\nHY-TT,Trùng mã,HY,other"
            do {
                _ = try await UnitImport(db: ctx.app.db, portal: ctx.app.portal).run(csv: bad)
                XCTFail("a file with errors must be refused")
            } catch let problems as UnitImport.Problems {
                let text = problems.description
                XCTAssertTrue(text.contains("line 7"), text)
                XCTAssertTrue(text.contains("line 9"), text)
                XCTAssertTrue(text.contains("line 10"), text)
            }
            let units = try await Unit.query(on: ctx.app.db).count()
            XCTAssertEqual(units, 0, "nothing was written")
            let cycle = "A1,Đơn vị A,B1,other\nB1,Đơn vị B,A1,other"
            do {
                _ = try await UnitImport(db: ctx.app.db, portal: ctx.app.portal).run(csv: cycle)
                XCTFail("a cycle must be refused")
            } catch let problems as UnitImport.Problems {
                XCTAssertTrue(problems.description.contains("cycle"))
            }
        }
    }
}
