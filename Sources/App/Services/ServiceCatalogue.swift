// The catalogue of online public services a signed-in citizen chooses from, searchable without diacritics.
import Domain
import Fluent
import Foundation
import SQLKit

struct ServiceCatalogue: Sendable {
    let db: any Database

    /// Typed with diacritics, the query means them (folded as the stored key: case and tone placement); typed
    /// without, it matches the names without theirs ("ket hon" finds "Đăng ký kết hôn"). Vietnamese order.
    func search(_ raw: String, page: Int, per: Int) async throws -> (items: [PublicService], total: Int) {
        let term = Text.searchTerm(raw)
        let exact = Text.hasDiacritics(term)
        let key = exact ? Text.searchKey(term) : Text.plainKey(term)
        var query = PublicService.query(on: db)
        if !key.isEmpty {
            // Wildcards typed by the person are dropped rather than escaped: SQLite and PostgreSQL escape differently.
            let literal = key.filter { $0 != "%" && $0 != "_" && $0 != "\\" }
            let column: FieldKey = exact ? "search_key" : "plain_key"
            query = query.filter(.path([column], schema: PublicService.schema), .custom("LIKE"), .bind("%\(literal)%"))
        }
        let total = try await query.count()
        let items = try await query.sort(FieldKey("order_key")).sort(\.$code).range(((page - 1) * per)..<(page * per)).all()
        return (items, total)
    }

    /// Writes the keys a service is found and ordered by, from its name, field and agency (the diacritic key,
    /// `search_key`, is written with the row).
    func rekeyAll() async throws {
        for service in try await PublicService.query(on: db).all() {
            try await db.sql.raw("""
                UPDATE public_services SET plain_key = \(bind: Text.plainKey(service.name + " " + service.field + " " + service.agency)),
                       order_key = \(bind: VietnameseCollation.key(service.name))
                WHERE id = \(bind: service.id!)
                """).run()
        }
    }

    /// The service with this code, when there is one.
    func service(code: String) async throws -> PublicService? {
        try await PublicService.query(on: db).filter(\.$code == code).first()
    }

    /// Where choosing the service sends the citizen: the start address at the system that handles it, when that
    /// system is a registered, active client. The system then signs the citizen in through the portal.
    func destination(code: String) async throws -> (service: PublicService, startURL: String?)? {
        guard let service = try await service(code: code) else { return nil }
        struct Row: SQLRecord {
            let startUrl: String?
            enum CodingKeys: CodingKey, CaseIterable { case startUrl }
        }
        let row = try await db.sql.raw("""
            SELECT s.start_url FROM public_services s JOIN oidc_clients c ON c.id = s.client_id
            WHERE s.id = \(bind: service.id!) AND c.disabled = \(bind: false)
            """).firstRecord(Row.self)
        return (service, row?.startUrl)
    }

    /// Names the system that handles each of these services (`portal oidc-client add --service CODE --start-url URL`).
    func link(codes: [String], to client: UUID, startURL: String) async throws {
        guard let url = URL(string: startURL), ["https", "http"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
            throw AppError.validation(["startUrl": Msg("Địa chỉ bắt đầu không hợp lệ.", "The start URL is not valid.")])
        }
        for code in codes {
            guard let service = try await service(code: code) else {
                throw AppError.validation(["service": Msg("Không có dịch vụ mã \(code).", "No service with code \(code).")])
            }
            try await db.sql.raw("""
                UPDATE public_services SET client_id = \(bind: client), start_url = \(bind: startURL) WHERE id = \(bind: service.id!)
                """).run()
        }
    }
}
