// The catalogue of online public services a signed-in citizen chooses from.
import Domain
import Fluent
import Foundation

final class PublicService: Model, @unchecked Sendable {
    static let schema = "public_services"

    @ID(key: .id) var id: UUID?
    @Field(key: "code") var code: String
    @Field(key: "name") var name: String
    @Field(key: "search_key") var searchKey: String
    @Field(key: "field") var field: String
    /// "Toàn trình" (entirely online) or "Một phần" (partly online).
    @Field(key: "level") var level: String
    @Field(key: "agency") var agency: String
    // client_id and start_url (the system that handles the service) are read and written by ServiceCatalogue
    // in SQL: the first migration seeds the table through this model, before those columns exist.

    init() {}
}
