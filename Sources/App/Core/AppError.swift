// The one error type: an HTTP status, a stable code, and messages in Vietnamese and English.
import Foundation
import Vapor
import Domain

/// A message in both languages of the portal.
struct Msg: Sendable, Equatable {
    let vi: String
    let en: String

    init(_ vi: String, _ en: String) {
        self.vi = vi
        self.en = en
    }

    init(_ error: DomainError) {
        self.init(error.vi, error.en)
    }

    func text(_ language: Language) -> String { language == .en ? en : vi }
}

struct AppError: Error, Sendable {
    let status: HTTPStatus
    let code: String
    let message: Msg
    var fields: [String: Msg] = [:]
    var retryAt: Date? = nil

    init(_ status: HTTPStatus, _ code: String, _ message: Msg, fields: [String: Msg] = [:], retryAt: Date? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields
        self.retryAt = retryAt
    }

    static func invalidBody(_ detail: Msg? = nil, fields: [String: Msg] = [:]) -> AppError {
        AppError(.badRequest, "invalid_body",
                 detail ?? Msg("Nội dung yêu cầu không hợp lệ.", "The request body is not valid."), fields: fields)
    }

    static func validation(_ fields: [String: Msg]) -> AppError {
        AppError(.unprocessableEntity, "validation_failed",
                 Msg("Thông tin chưa hợp lệ, vui lòng kiểm tra các trường được đánh dấu.",
                     "Some fields are not valid; please check the marked fields."), fields: fields)
    }

    static let unauthorized = AppError(.unauthorized, "unauthorized",
        Msg("Bạn cần đăng nhập để tiếp tục.", "You need to sign in to continue."))
    static let forbidden = AppError(.forbidden, "forbidden",
        Msg("Bạn không có quyền thực hiện thao tác này.", "You are not allowed to do this."))
    static let notFound = AppError(.notFound, "not_found",
        Msg("Không tìm thấy nội dung yêu cầu.", "The requested item was not found."))
    static let csrf = AppError(.forbidden, "csrf_failed",
        Msg("Phiên làm việc của biểu mẫu đã hết hạn. Vui lòng tải lại trang và thử lại.",
            "The form has expired. Please reload the page and try again."))

    static func tooLarge(limit: Int) -> AppError {
        AppError(.payloadTooLarge, "too_large",
                 limit >= 1 << 20
                    ? Msg("Dữ liệu gửi lên vượt quá giới hạn: tệp đính kèm tối đa 5 MB.", "The request is too large: the attachment may be at most 5 MB.")
                    : Msg("Dữ liệu gửi lên vượt quá giới hạn \(limit / 1024) KB.", "The request is larger than the \(limit / 1024) KB limit."))
    }

    static func rateLimited(retryAt: Date) -> AppError {
        let time = VietnamTime.clock(retryAt)
        return AppError(.tooManyRequests, "rate_limited",
                        Msg("Bạn đã thao tác quá nhiều lần. Vui lòng thử lại sau \(time).",
                            "Too many attempts. Please try again after \(time)."), retryAt: retryAt)
    }
}

/// Times shown to people are Vietnam local time; the API always uses UTC.
enum VietnamTime {
    static let zone = TimeZone(identifier: "Asia/Ho_Chi_Minh")!
    /// Vietnam has kept UTC+7, without summer time, since 13 June 1975; earlier instants take the zone database.
    static let fixedOffsetSince = Date(timeIntervalSince1970: 171_824_400)

    static func clock(_ date: Date) -> String {
        let c = parts(date)
        return "\(Civil.pad2(c.hour)):\(Civil.pad2(c.minute)):\(Civil.pad2(c.second))"
    }

    static func dateTime(_ date: Date) -> String {
        let c = parts(date)
        return "\(Civil.pad2(c.day))/\(Civil.pad2(c.month))/\(Civil.pad4(c.year)) \(Civil.pad2(c.hour)):\(Civil.pad2(c.minute))"
    }

    /// Pages show many of these (a row each), so they are computed by arithmetic, not by a Calendar per call.
    static func parts(_ date: Date) -> Civil {
        if date >= fixedOffsetSince { return Civil(utcSeconds: date.timeIntervalSince1970 + 7 * 3600) }
        let c = Calendar(identifier: .gregorian).dateComponents(in: zone, from: date)
        return Civil(year: c.year ?? 0, month: c.month ?? 0, day: c.day ?? 0, hour: c.hour ?? 0, minute: c.minute ?? 0, second: c.second ?? 0)
    }
}

/// A calendar date and time of day, from seconds since 1970 in a fixed offset (proleptic Gregorian).
struct Civil: Equatable {
    let year, month, day, hour, minute, second: Int

    init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        (self.year, self.month, self.day, self.hour, self.minute, self.second) = (year, month, day, hour, minute, second)
    }

    init(utcSeconds: Double) {
        let total = Int((utcSeconds).rounded(.down))
        var days = total / 86400
        var rest = total % 86400
        if rest < 0 { rest += 86400; days -= 1 }
        // Howard Hinnant's days-to-civil algorithm.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(year: yoe + era * 400 + (m <= 2 ? 1 : 0), month: m, day: d, hour: rest / 3600, minute: rest % 3600 / 60, second: rest % 60)
    }

    static func pad2(_ n: Int) -> String { n < 10 ? "0\(n)" : String(n) }
    static func pad4(_ n: Int) -> String { n >= 1000 ? String(n) : String(repeating: "0", count: 4 - String(n).count) + String(n) }
}

enum RFC3339 {
    /// `2025-01-31T09:05:00Z`: whole seconds in UTC, as ISO8601DateFormatter's .withInternetDateTime writes it,
    /// without building a formatter on every call (a JSON answer may carry dozens of dates).
    static func string(_ date: Date) -> String {
        // The formatter worked in whole milliseconds: 05.9996 s was 06 s.
        let c = Civil(utcSeconds: (date.timeIntervalSince1970 * 1000).rounded() / 1000)
        return "\(Civil.pad4(c.year))-\(Civil.pad2(c.month))-\(Civil.pad2(c.day))T\(Civil.pad2(c.hour)):\(Civil.pad2(c.minute)):\(Civil.pad2(c.second))Z"
    }
}
