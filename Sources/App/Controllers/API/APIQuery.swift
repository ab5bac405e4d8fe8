// The API's query parameters, read as strictly as the OpenAPI document states them.
import Foundation
import Vapor

/// A query value the document does not allow is a 400 `invalid_query` that names the parameter: never replaced
/// in silence by a default, clamped, cut short or ignored. An absent parameter takes its documented default.
struct APIQuery {
    let request: Request

    static let maxPage = 1_000_000
    static let maxPer = 100

    /// `page` (1…1,000,000, default 1) and `per` (1…100, default 20).
    func paging() throws -> (page: Int, per: Int) {
        (try int("page", in: 1...Self.maxPage, default: 1), try int("per", in: 1...Self.maxPer, default: 20))
    }

    func int(_ name: String, in range: ClosedRange<Int>, default fallback: Int) throws -> Int {
        guard let raw = try raw(name) else { return fallback }
        guard raw.wholeMatch(of: /[0-9]{1,9}/) != nil, let value = Int(raw), range.contains(value) else {
            throw Self.invalid(name, Msg("Giá trị phải là số nguyên từ \(range.lowerBound) đến \(range.upperBound).",
                                         "The value must be a whole number from \(range.lowerBound) to \(range.upperBound)."))
        }
        return value
    }

    /// Text of at most `maxLength` characters; absent when missing (an empty value is an empty string).
    func text(_ name: String, maxLength: Int) throws -> String? {
        guard let raw = try raw(name) else { return nil }
        guard raw.count <= maxLength else {
            throw Self.invalid(name, Msg("Tối đa \(maxLength) ký tự.", "At most \(maxLength) characters."))
        }
        return raw
    }

    /// One of the values of `T`, or absent.
    func choice<T: RawRepresentable & CaseIterable>(_ name: String, _ type: T.Type) throws -> T? where T.RawValue == String {
        guard let raw = try raw(name) else { return nil }
        guard let value = T(rawValue: raw) else {
            let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw Self.invalid(name, Msg("Giá trị phải là một trong: \(allowed).", "The value must be one of: \(allowed)."))
        }
        return value
    }

    func uuid(_ name: String) throws -> UUID? {
        guard let raw = try raw(name) else { return nil }
        guard let value = UUID(uuidString: raw) else {
            throw Self.invalid(name, Msg("Giá trị phải là một mã định danh (UUID).", "The value must be an id (UUID)."))
        }
        return value
    }

    /// An RFC 3339 time, with or without fractional seconds.
    func dateTime(_ name: String) throws -> Date? {
        guard let raw = try raw(name) else { return nil }
        let plain = ISO8601DateFormatter(), fractional = ISO8601DateFormatter()
        fractional.formatOptions.insert(.withFractionalSeconds)
        guard let value = plain.date(from: raw) ?? fractional.date(from: raw) else {
            throw Self.invalid(name, Msg("Thời điểm phải viết theo RFC 3339, ví dụ 2025-03-01T07:00:00+07:00.",
                                         "The time must be written as RFC 3339, for example 2025-03-01T07:00:00+07:00."))
        }
        return value
    }

    /// The parameter's one value (form-encoded: `+` is a space); given twice it is refused, since the document
    /// declares one. A value that is not valid percent-encoding is refused too.
    private func raw(_ name: String) throws -> String? {
        guard let query = request.url.query, query.contains(name) else { return nil }
        let values = try FormEncoding(query).values(of: name) {
            Self.invalid(name, Msg("Giá trị không đúng mã hoá URL.", "The value is not valid URL encoding."))
        }
        guard values.count <= 1 else {
            throw Self.invalid(name, Msg("Tham số chỉ được gửi một lần.", "The parameter may be given only once."))
        }
        return values.first
    }

    static func invalid(_ name: String, _ message: Msg) -> AppError {
        AppError(.badRequest, "invalid_query",
                 Msg("Tham số truy vấn không hợp lệ: \(name).", "A query parameter is not valid: \(name)."), fields: [name: message])
    }
}

extension Request {
    var apiQuery: APIQuery { APIQuery(request: self) }
}

/// `application/x-www-form-urlencoded` as browsers and HTTP libraries write it (`+` is a space), read plainly:
/// names are names, whatever characters they hold (no `a[b]` nesting, which the framework's decoder reads into
/// and fails on). Split once; a value is decoded when it is asked for.
struct FormEncoding {
    private var encoded: [String: [Substring]] = [:]

    init(_ form: String) {
        for pair in form.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = parts[0].replacingOccurrences(of: "+", with: " ").removingPercentEncoding else { continue }
            encoded[name, default: []].append(parts.count > 1 ? parts[1] : "")
        }
    }

    /// Every value given for `name`, in order; `invalid` is thrown for a value that is not valid percent-encoding.
    func values(of name: String, invalid: () -> any Error) throws -> [String] {
        try (encoded[name] ?? []).map { value in
            guard let decoded = value.replacingOccurrences(of: "+", with: " ").removingPercentEncoding else { throw invalid() }
            return decoded
        }
    }
}
