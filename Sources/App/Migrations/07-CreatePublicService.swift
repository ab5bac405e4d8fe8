// Migration 07: CreatePublicService. Its name is recorded by Fluent: never rename it, never edit it once shipped.
import Domain
import Fluent
import Foundation

struct CreatePublicService: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(PublicService.schema)
            .id()
            .field("code", .string, .required)
            .field("name", .string, .required)
            .field("search_key", .string, .required)
            .field("field", .string, .required)
            .field("level", .string, .required)
            .field("agency", .string, .required)
            .unique(on: "code")
            .create()
        for (code, name, field, level, agency) in Self.seed {
            let service = PublicService()
            service.code = code
            service.name = name
            service.searchKey = Text.searchKey(name + " " + field + " " + agency)
            service.field = field
            service.level = level
            service.agency = agency
            try await service.create(on: database)
        }
    }

    func revert(on database: any Database) async throws {
        try await database.schema(PublicService.schema).delete()
    }

    static let seed: [(String, String, String, String, String)] = [
        ("1.001193", "Đăng ký khai sinh", "Hộ tịch", "Toàn trình", "UBND cấp xã"),
        ("1.004746", "Đăng ký khai tử", "Hộ tịch", "Toàn trình", "UBND cấp xã"),
        ("1.001022", "Đăng ký kết hôn", "Hộ tịch", "Một phần", "UBND cấp xã"),
        ("1.004873", "Cấp bản sao trích lục hộ tịch", "Hộ tịch", "Toàn trình", "UBND cấp xã"),
        ("1.004884", "Cấp giấy xác nhận tình trạng hôn nhân", "Hộ tịch", "Toàn trình", "UBND cấp xã"),
        ("1.001612", "Đăng ký thường trú", "Cư trú", "Toàn trình", "Công an cấp xã"),
        ("1.001645", "Đăng ký tạm trú", "Cư trú", "Toàn trình", "Công an cấp xã"),
        ("1.002755", "Khai báo tạm vắng", "Cư trú", "Toàn trình", "Công an cấp xã"),
        ("2.001744", "Cấp đổi giấy phép lái xe do ngành Giao thông vận tải cấp", "Đường bộ", "Toàn trình", "Sở Xây dựng"),
        ("1.002804", "Cấp lại giấy phép lái xe", "Đường bộ", "Một phần", "Sở Xây dựng"),
        ("2.000986", "Đăng ký, cấp biển số xe lần đầu", "Đăng ký, quản lý phương tiện", "Một phần", "Công an cấp xã"),
        ("1.000656", "Cấp phiếu lý lịch tư pháp cho công dân Việt Nam", "Lý lịch tư pháp", "Toàn trình", "Sở Tư pháp"),
        ("2.000908", "Chứng thực bản sao từ bản chính giấy tờ, văn bản", "Chứng thực", "Một phần", "UBND cấp xã"),
        ("1.001757", "Cấp giấy phép xây dựng nhà ở riêng lẻ", "Hoạt động xây dựng", "Toàn trình", "UBND cấp xã"),
        ("1.004227", "Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất", "Đất đai", "Một phần", "Văn phòng đăng ký đất đai"),
        ("1.003003", "Cung cấp thông tin, dữ liệu đất đai", "Đất đai", "Toàn trình", "Văn phòng đăng ký đất đai"),
        ("2.001955", "Đăng ký thành lập hộ kinh doanh", "Thành lập và hoạt động của hộ kinh doanh", "Toàn trình", "UBND cấp xã"),
        ("2.000575", "Đăng ký thành lập doanh nghiệp tư nhân", "Thành lập và hoạt động doanh nghiệp", "Toàn trình", "Sở Tài chính"),
        ("1.001978", "Giải quyết hưởng trợ cấp thất nghiệp", "Việc làm", "Một phần", "Sở Nội vụ"),
        ("1.000043", "Cấp lại, đổi, điều chỉnh thông tin trên sổ bảo hiểm xã hội, thẻ bảo hiểm y tế", "Bảo hiểm xã hội", "Toàn trình", "Bảo hiểm xã hội cấp tỉnh"),
        ("2.001923", "Đăng ký tham gia bảo hiểm y tế hộ gia đình", "Bảo hiểm y tế", "Toàn trình", "Bảo hiểm xã hội cấp tỉnh"),
        ("1.001776", "Trợ cấp xã hội hằng tháng đối với người cao tuổi", "Bảo trợ xã hội", "Một phần", "UBND cấp xã"),
        ("1.010805", "Hỗ trợ chi phí mai táng cho đối tượng bảo trợ xã hội", "Bảo trợ xã hội", "Một phần", "UBND cấp xã"),
        ("1.004442", "Chuyển trường đối với học sinh trung học cơ sở", "Giáo dục và Đào tạo", "Toàn trình", "Phòng Văn hóa - Xã hội"),
        ("1.005092", "Cấp bản sao văn bằng, chứng chỉ từ sổ gốc", "Văn bằng, chứng chỉ", "Toàn trình", "Sở Giáo dục và Đào tạo"),
        ("1.002425", "Cấp giấy chứng nhận đủ điều kiện an toàn thực phẩm", "An toàn thực phẩm", "Toàn trình", "Sở Y tế"),
        ("1.004616", "Cấp chứng chỉ hành nghề khám bệnh, chữa bệnh", "Khám bệnh, chữa bệnh", "Một phần", "Sở Y tế"),
        ("2.002154", "Nộp thuế sử dụng đất phi nông nghiệp", "Thuế", "Toàn trình", "Cơ quan thuế"),
        ("1.003572", "Cấp giấy phép lao động cho người lao động nước ngoài", "Việc làm", "Toàn trình", "Sở Nội vụ"),
        ("2.002393", "Đăng ký hoạt động tín ngưỡng", "Tín ngưỡng, tôn giáo", "Một phần", "UBND cấp xã"),
        ("1.003613", "Cấp giấy phép khai thác tài nguyên nước", "Tài nguyên nước", "Một phần", "Sở Nông nghiệp và Môi trường"),
        ("1.001714", "Xác nhận thông tin về cư trú", "Cư trú", "Toàn trình", "Công an cấp xã"),
    ]
}
