// The one error type: an HTTP status, a stable code, and messages in Vietnamese and English.
import Foundation
import Vapor
import Domain

/// A message in both languages of the portal.
struct Msg: Sendable, Equatable {
    let vi, en: String

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
    /// Headers the answer carries besides those of its kind (`Allow` of a 405).
    var headers = HTTPHeaders()

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

/// How a refusal reads on a command's standard error: the English message and the fields at fault.
extension AppError: CustomStringConvertible {
    var description: String {
        let fields = self.fields.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value.en)" }
        return fields.isEmpty ? message.en : message.en + " (" + fields.joined(separator: "; ") + ")"
    }
}
