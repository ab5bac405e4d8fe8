// Which language a request wants, and the table of every text the pages show.
import Foundation
import Vapor

enum Language: String, Sendable, CaseIterable, Codable {
    case vi, en

    /// Parses an Accept-Language header: the first of vi/en by quality, Vietnamese when neither is named.
    static func from(acceptLanguage header: String?) -> Language {
        guard let header else { return .vi }
        var best: (Language, Double)? = nil
        for part in header.split(separator: ",") {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let tag = pieces.first else { continue }
            let primary = tag.split(separator: "-").first.map(String.init) ?? tag
            guard let language = Language(rawValue: primary) else { continue }
            var quality = 1.0
            for p in pieces.dropFirst() where p.hasPrefix("q=") { quality = Double(p.dropFirst(2)) ?? 0 }
            if quality > 0, best == nil || quality > best!.1 { best = (language, quality) }
        }
        return best?.0 ?? .vi
    }
}

extension Request {
    /// Pages: the `lang` cookie set by the switch, then Accept-Language. The API: Accept-Language only.
    var language: Language {
        if let cached = storage[LanguageKey.self] { return cached }
        let language: Language
        if !path.hasPrefix("/api/"), let cookie = cookies["lang"]?.string, let chosen = Language(rawValue: cookie) {
            language = chosen
        } else {
            language = Language.from(acceptLanguage: headers.first(name: .acceptLanguage))
        }
        storage[LanguageKey.self] = language
        return language
    }

    func t(_ key: String) -> String { Strings.text(key, language) }
}

private struct LanguageKey: StorageKey { typealias Value = Language }

/// Every page text, Vietnamese first. Templates receive the table of the request's language as `t`.
enum Strings {
    static func text(_ key: String, _ language: Language) -> String {
        guard let pair = table[key] else { return key }
        return language == .en ? pair.1 : pair.0
    }

    static func all(_ language: Language) -> [String: String] {
        language == .en ? english : vietnamese
    }

    private static let vietnamese: [String: String] = table.mapValues { $0.0 }
    private static let english: [String: String] = table.mapValues { $0.1 }

    static let table: [String: (String, String)] = {
        var t: [String: (String, String)] = [:]
        for part in [shell, errors, home, dev, citizen, admin, counter, singleSignOn] { t.merge(part) { a, _ in a } }
        return t
    }()

    private static let shell: [String: (String, String)] = [
        "skip_to_content": ("Bỏ qua, đến nội dung chính", "Skip to main content"),
        "login": ("Đăng nhập", "Sign in"),
        "register": ("Đăng ký", "Register"),
        "logout": ("Đăng xuất", "Sign out"),
        "language": ("Ngôn ngữ", "Language"),
        "footer_support": ("Hỗ trợ kỹ thuật", "Technical support"),
        "footer_phone": ("Điện thoại", "Phone"),
        "footer_email": ("Thư điện tử", "Email"),
        "footer_centre_phones": ("Điện thoại của Trung tâm", "The centre's phones"),
        "footer_note": ("Hệ thống tài khoản công dân của", "Citizen account system of"),
        "home_nav": ("Trang chủ", "Home"),
    ]

    private static let errors: [String: (String, String)] = [
        "error_title": ("Đã có lỗi xảy ra", "Something went wrong"),
        "error_back_home": ("Về trang chủ", "Back to the home page"),
        "error_request_id": ("Mã yêu cầu (cung cấp khi liên hệ hỗ trợ)", "Request id (give it to support)"),
        "error_internal": ("Hệ thống đang gặp sự cố. Vui lòng thử lại sau ít phút.", "The system has a problem. Please try again in a few minutes."),
    ]

    private static let home: [String: (String, String)] = [
        "home_title": ("Tài khoản công dân", "Citizen accounts"),
        "home_lead": ("Một tài khoản để sử dụng các dịch vụ công trực tuyến: nộp hồ sơ, theo dõi kết quả và nhận thông báo.",
                      "One account for the online public services: submit applications, follow their progress and receive notices."),
        "home_register_title": ("Tự đăng ký", "Register yourself"),
        "home_register_text": ("Dùng số định danh cá nhân (CCCD) và số điện thoại di động của chính bạn. Mã xác thực (OTP) được gửi qua tin nhắn SMS.",
                               "Use your personal identification number (CCCD) and your own mobile phone. A one-time code (OTP) is sent by SMS."),
        "home_counter_title": ("Tạo tài khoản tại Bộ phận một cửa", "Get an account at a one-stop desk"),
        "home_counter_text": ("Nếu bạn không tự đăng ký được, hãy mang thẻ căn cước đến Trung tâm Phục vụ hành chính công hoặc Bộ phận một cửa cấp xã; cán bộ sẽ tạo tài khoản giúp bạn.",
                              "If you cannot register yourself, bring your ID card to the public administrative service centre or a commune one-stop desk; an officer will create the account for you."),
        "home_services_link": ("Xem danh mục dịch vụ công trực tuyến", "See the online public services"),
        "home_login_title": ("Đã có tài khoản", "Already have an account"),
        "home_login_text": ("Đăng nhập bằng số định danh hoặc số điện thoại và mật khẩu, sau đó nhập mã OTP gửi qua SMS. Quên mật khẩu? Chọn «Quên mật khẩu» ở trang đăng nhập.",
                            "Sign in with your ID number or phone and your password, then the code sent by SMS. Forgot your password? Choose «Forgot password» on the sign-in page."),
    ]

    private static let dev: [String: (String, String)] = [
        "dev_sms_title": ("Tin nhắn SMS (môi trường phát triển)", "SMS messages (development)"),
        "dev_sms_lead": ("Khi chưa cấu hình cổng SMS, tin nhắn được ghi vào nhật ký và hiển thị ở đây để thử nghiệm.",
                         "With no SMS gateway configured, messages go to the log and are shown here for testing."),
        "dev_sms_empty": ("Chưa có tin nhắn nào.", "No messages yet."),
        "dev_sms_to": ("Đến số", "To"),
        "dev_sms_text": ("Nội dung", "Text"),
        "dev_sms_time": ("Thời gian", "Time"),
    ]
}
