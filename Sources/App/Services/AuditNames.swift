// The audit trail in words for the people who read it: each event's name, its target and its details as text, in
// Vietnamese or English. The codes stay in the database and the API; the console and the CSV show these.
import Foundation

enum AuditNames {
    /// Every event the portal records, in the order the console's filter lists them.
    static let actions: [(code: String, name: Msg)] = [
        ("console.sign_in", Msg("Đăng nhập trang quản trị", "Signed in to the console")),
        ("citizen.lookup", Msg("Tra cứu số định danh", "Looked up an ID number")),
        ("draft.create", Msg("Tạo hồ sơ nháp tại quầy", "Started a counter draft")),
        ("draft.update", Msg("Sửa hồ sơ nháp", "Changed a counter draft")),
        ("draft.read", Msg("Xem hồ sơ nháp", "Opened a counter draft")),
        ("request_form.read", Msg("Tải giấy đề nghị", "Downloaded the request form")),
        ("scan.download", Msg("Tải bản quét giấy tờ", "Downloaded the ID-card scan")),
        ("draft.otp_send", Msg("Gửi mã OTP cho công dân", "Sent a code to the citizen")),
        ("citizen.create", Msg("Tạo tài khoản công dân", "Created a citizen account")),
        ("citizen.reissue_otp_send", Msg("Gửi mã OTP để cấp lại mật khẩu", "Sent a code for a password reissue")),
        ("citizen.password_reissue", Msg("Cấp lại mật khẩu tạm", "Reissued a temporary password")),
        ("unit.create", Msg("Tạo đơn vị", "Created a unit")),
        ("unit.update", Msg("Sửa đơn vị", "Changed a unit")),
        ("unit.import", Msg("Nhập danh sách đơn vị", "Imported units")),
        ("staff.grant", Msg("Cấp quyền", "Granted a role")),
        ("staff.revoke", Msg("Thu hồi quyền", "Revoked a role")),
        ("staff.refused", Msg("Bị từ chối truy cập", "Refused access")),
        ("rights_request.create", Msg("Gửi yêu cầu cấp quyền", "Asked for a right")),
        ("rights_request.approve", Msg("Chấp thuận yêu cầu cấp quyền", "Approved a rights request")),
        ("rights_request.refuse", Msg("Từ chối yêu cầu cấp quyền", "Refused a rights request")),
        ("audit.export", Msg("Xuất nhật ký (CSV)", "Exported the audit trail (CSV)")),
        ("eid.sign_in", Msg("Đăng nhập bằng định danh điện tử", "Signed in with the e-ID")),
        ("eid.account_create", Msg("Tạo tài khoản từ định danh điện tử", "Created an account from the e-ID")),
        ("eid.link", Msg("Liên kết định danh điện tử", "Linked the e-ID")),
        ("eid.link_pending", Msg("Chờ liên kết định danh điện tử", "e-ID link awaiting confirmation")),
        ("eid.unlink", Msg("Hủy liên kết định danh điện tử", "Unlinked the e-ID")),
        ("oidc.authorize", Msg("Đăng nhập vào hệ thống dịch vụ", "Signed in to a service system")),
        ("oidc.token", Msg("Cấp mã truy cập cho hệ thống dịch vụ", "Issued tokens to a service system")),
        ("oidc.consent.grant", Msg("Đồng ý chia sẻ thông tin", "Consented to share details")),
        ("oidc.consent.refuse", Msg("Từ chối chia sẻ thông tin", "Refused to share details")),
        ("oidc.consent.withdraw", Msg("Rút lại đồng ý chia sẻ", "Withdrew a consent")),
        ("oidc.code_reuse", Msg("Mã đăng nhập bị dùng lại (đã thu hồi)", "A sign-in code used twice (revoked)")),
        ("oidc.refresh_reuse", Msg("Mã làm mới bị dùng lại (đã thu hồi)", "A refresh token used twice (revoked)")),
        ("oidc.revoke", Msg("Thu hồi mã truy cập", "Revoked a token")),
        ("oidc.client.create", Msg("Đăng ký hệ thống dịch vụ", "Registered a service system")),
        ("oidc.client.update", Msg("Sửa hệ thống dịch vụ", "Changed a service system")),
        ("oidc.client.secret", Msg("Đổi khóa bí mật của hệ thống dịch vụ", "Replaced a service system's secret")),
        ("oidc.client.disable", Msg("Tạm ngừng hệ thống dịch vụ", "Disabled a service system")),
        ("oidc.client.enable", Msg("Mở lại hệ thống dịch vụ", "Enabled a service system")),
        ("oidc.keys.rotate", Msg("Đổi khóa ký", "Rotated the signing keys")),
    ]
    private static let actionNames = Dictionary(uniqueKeysWithValues: actions.map { ($0.code, $0.name) })

    static func isKnown(_ code: String) -> Bool { actionNames[code] != nil }

    /// The event's name; an event without one (added later, not yet named) shows its code.
    static func action(_ code: String, _ language: Language) -> String {
        actionNames[code]?.text(language) ?? code
    }

    /// Who acted, where it was no person: the command line (`portal …` commands) or someone not signed in.
    static func actor(_ name: String, _ language: Language) -> String {
        switch name {
        case "(command line)": return Msg("(lệnh quản trị trên máy chủ)", "(a command on the server)").text(language)
        case "command:oidc-client": return Msg("(lệnh quản trị trên máy chủ: hệ thống dịch vụ)", "(a command on the server: service systems)").text(language)
        case "command:oidc-keys": return Msg("(lệnh quản trị trên máy chủ: khóa ký)", "(a command on the server: signing keys)").text(language)
        case "(anonymous)": return Msg("(chưa đăng nhập)", "(not signed in)").text(language)
        default: return name
        }
    }

    /// "local" is the server itself (a command); other addresses are shown as recorded.
    static func address(_ raw: String, _ language: Language) -> String {
        raw == "local" ? Msg("máy chủ", "the server").text(language) : raw
    }

    static func outcome(_ code: String, _ language: Language) -> String {
        switch code {
        case "ok": return Msg("Thành công", "Done").text(language)
        case "revoked": return Msg("Đã thu hồi", "Revoked").text(language)
        case "403": return Msg("Không có quyền (403)", "Not allowed (403)").text(language)
        case "404": return Msg("Không tìm thấy (404)", "Not found (404)").text(language)
        default: return code
        }
    }

    private static let targetKinds: [String: Msg] = [
        "account": Msg("Tài khoản", "Account"), "draft": Msg("Hồ sơ nháp", "Draft"), "id": Msg("Số định danh", "ID number"),
        "client": Msg("Hệ thống dịch vụ", "Service system"), "unit": Msg("Đơn vị", "Unit"),
        "rights_request": Msg("Yêu cầu cấp quyền", "Rights request"), "audit": Msg("Nhật ký", "Audit trail"),
    ]

    /// "account:7a1d…" → "Tài khoản 7a1d…"; a refused call's "GET /quantri/…" stays as it is.
    static func target(_ raw: String, _ language: Language) -> String {
        if raw == "audit" { return targetKinds["audit"]!.text(language) }
        guard let colon = raw.firstIndex(of: ":"), let kind = targetKinds[String(raw[..<colon])] else { return raw }
        return kind.text(language) + " " + raw[raw.index(after: colon)...]
    }

    private static let detailLabels: [String: Msg] = [
        "idNumber": Msg("Số định danh", "ID number"), "phone": Msg("Số điện thoại", "Phone"), "name": Msg("Tên", "Name"),
        "unit": Msg("Đơn vị", "Unit"), "role": Msg("Vai trò", "Role"), "grant": Msg("Quyền", "Role"),
        "rows": Msg("Số dòng", "Rows"), "sends": Msg("Lần gửi", "Sends"), "format": Msg("Định dạng", "Format"),
        "draft": Msg("Hồ sơ nháp", "Draft"), "exists": Msg("Đã có tài khoản", "Has an account"),
        "eidOnly": Msg("Chỉ qua định danh điện tử", "e-ID only"), "via": Msg("Qua", "Via"), "scope": Msg("Phạm vi", "Scope"),
        "trusted": Msg("Tin cậy", "Trusted"), "acr": Msg("Mức xác thực", "Assurance level"), "how": Msg("Cách", "How"),
        "created": Msg("Đã tạo", "Created"), "updated": Msg("Đã cập nhật", "Updated"), "parent": Msg("Đơn vị cấp trên", "Parent unit"),
        "oneStop": Msg("Đơn vị một cửa", "One-stop unit"), "phoneChanged": Msg("Đổi số điện thoại", "Phone changed"),
        "position": Msg("Chức vụ", "Position"), "scanBytes": Msg("Dung lượng bản quét (byte)", "Scan size (bytes)"),
        "scanKind": Msg("Loại bản quét", "Scan type"), "staff": Msg("Cán bộ", "Staff member"), "id": Msg("Mã", "Id"),
        "reason": Msg("Lý do", "Reason"),
    ]

    private static func value(_ key: String, _ raw: String, _ language: Language) -> String {
        switch raw {
        case "true": return Msg("có", "yes").text(language)
        case "false": return Msg("không", "no").text(language)
        default: break
        }
        if key == "role" || key == "grant", let role = StaffRole.Role(rawValue: raw) {
            return Strings.text("role_\(role.rawValue)", language)
        }
        if key == "via" {
            switch raw {
            case "console": return Msg("trang quản trị", "the console").text(language)
            case "page": return Msg("trang công dân", "the citizen pages").text(language)
            case "api": return "API"
            default: return raw
            }
        }
        return raw
    }

    /// The details object as "Số định danh: 0330****011 · Lần gửi: 2", keys in a fixed order; text that is not an
    /// object of strings is shown as it is.
    static func details(_ json: String, _ language: Language) -> String {
        guard let data = json.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return json }
        return object.keys.sorted().map { key in
            let raw = object[key].map { "\($0)" } ?? ""
            return (detailLabels[key]?.text(language) ?? key) + ": " + value(key, raw, language)
        }.joined(separator: " · ")
    }
}
