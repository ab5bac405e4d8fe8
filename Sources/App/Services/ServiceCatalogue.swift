// The catalogue of online public services a signed-in citizen chooses from, searchable without diacritics.
import Domain
import Fluent
import Foundation

struct ServiceCatalogue: Sendable {
    let db: any Database

    /// Folds the query the same way as the stored key: case and tone placement, never diacritics.
    func search(_ raw: String, page: Int, per: Int) async throws -> (items: [PublicService], total: Int) {
        let key = Text.searchKey(Text.clean(String(raw.prefix(100))))
        var query = PublicService.query(on: db)
        if !key.isEmpty {
            // Wildcards typed by the person are dropped rather than escaped: SQLite and PostgreSQL escape differently.
            let literal = key.filter { $0 != "%" && $0 != "_" && $0 != "\\" }
            query = query.filter(\.$searchKey, .custom("LIKE"), "%\(literal)%")
        }
        let total = try await query.count()
        let items = try await query.sort(\.$name).range(((page - 1) * per)..<(page * per)).all()
        return (items, total)
    }

    /// The service with this code, when there is one.
    func service(code: String) async throws -> PublicService? {
        try await PublicService.query(on: db).filter(\.$code == code).first()
    }
}
