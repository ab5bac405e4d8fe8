// The account creation request form (giấy đề nghị tạo tài khoản) that the citizen checks and signs at the counter.
import Foundation

public struct RequestForm: Sendable {
    public var portalName: String
    /// The one-stop unit the request is addressed to.
    public var unitName: String
    public var provinceName: String?
    public var fullName: String
    public var idNumber: String
    /// Already formatted dd/mm/yyyy.
    public var dateOfBirth: String
    public var phone: String
    public var email: String?
    public var officerName: String
    public var date: Date
    /// Draft reference printed small at the bottom.
    public var reference: String

    public init(
        portalName: String, unitName: String, provinceName: String? = nil, fullName: String, idNumber: String,
        dateOfBirth: String, phone: String, email: String? = nil, officerName: String, date: Date, reference: String
    ) {
        self.portalName = portalName
        self.unitName = unitName
        self.provinceName = provinceName
        self.fullName = fullName
        self.idNumber = idNumber
        self.dateOfBirth = dateOfBirth
        self.phone = phone
        self.email = email
        self.officerName = officerName
        self.date = date
        self.reference = reference
    }
}

/// The words of the form, line by line, as the PDF prints them; the printable page shows the same ones.
public struct RequestFormText: Sendable {
    public struct Field: Sendable, Encodable {
        public let label, value: String
        public let strong: Bool
    }
    public let title: String
    public let subtitle: String
    public let recipient: String
    public let fields: [Field]
    public let statement: String
    /// "Hưng Yên, ngày 05 tháng 3 năm 2025" (dots for the place when no province is set).
    public let placeAndDate: String
    public let officerHeading, citizenHeading, signHint: String
    public let officerName, citizenName: String
    public let reference: String
}

extension RequestForm {
    public var text: RequestFormText {
        let portal = VietnameseText.clean(portalName)
        var unit = VietnameseText.clean(unitName)
        if let province = provinceName.map(VietnameseText.clean), !province.isEmpty, !unit.lowercased().contains(province.lowercased()) {
            unit += " " + province
        }
        let emailText = email.map(VietnameseText.clean) ?? ""
        let place = provinceName.map(VietnameseText.placeName(fromProvince:)).flatMap { $0.isEmpty ? nil : $0 } ?? "................"
        return RequestFormText(
            title: "GIẤY ĐỀ NGHỊ TẠO TÀI KHOẢN", subtitle: "trên \(portal)", recipient: unit,
            fields: [
                .init(label: "Tôi là:", value: VietnameseText.upper(fullName), strong: true),
                .init(label: "Số định danh cá nhân/CCCD:", value: VietnameseText.clean(idNumber), strong: false),
                .init(label: "Ngày sinh:", value: VietnameseText.clean(dateOfBirth), strong: false),
                .init(label: "Số điện thoại:", value: VietnameseText.clean(phone), strong: false),
                .init(label: "Email:", value: emailText.isEmpty ? "(không có)" : emailText, strong: false),
            ],
            statement: "Tôi đề nghị được tạo tài khoản trên \(portal) với các thông tin trên. "
                + "Tôi cam đoan số điện thoại trên là của chính tôi và các thông tin khai trên là đúng sự thật.",
            placeAndDate: "\(place), \(VietnameseText.dateLine(date))",
            officerHeading: "CÁN BỘ TIẾP NHẬN", citizenHeading: "NGƯỜI ĐỀ NGHỊ", signHint: "(Ký, ghi rõ họ tên)",
            officerName: VietnameseText.nameCase(officerName), citizenName: VietnameseText.nameCase(fullName),
            reference: "Mã hồ sơ: " + VietnameseText.clean(reference))
    }
}

/// The PDF together with what could not be shown, so the caller can log or warn about it.
public struct RenderedRequestForm: Sendable {
    public let pdf: Data
    /// Characters that the fonts have no glyph for (printed as the .notdef box).
    public let missingCharacters: [Unicode.Scalar]
    public let pageCount: Int
}

public enum RequestFormRenderer {
    public static func render(_ form: RequestForm, regular: TrueTypeFont, bold: TrueTypeFont) throws -> Data {
        try renderWithReport(form, regular: regular, bold: bold).pdf
    }

    public static func renderWithReport(_ form: RequestForm, regular: TrueTypeFont, bold: TrueTypeFont) throws -> RenderedRequestForm {
        let reference = VietnameseText.clean(form.reference)
        var writer = PDFDocumentWriter(
            title: "Giấy đề nghị tạo tài khoản" + (reference.isEmpty ? "" : " - \(reference)"),
            creationDate: form.date
        )
        let regularFont = writer.addFont(regular)
        let boldFont = writer.addFont(bold)
        var page = FormPage(writer: writer, regular: regularFont, bold: boldFont, reference: reference)
        page.drawBody(form)
        writer = page.writer
        return RenderedRequestForm(pdf: try writer.finish(), missingCharacters: writer.missingCharacters, pageCount: writer.pageCount)
    }
}

/// Vietnamese text conventions the form relies on.
enum VietnameseText {
    /// NFC, no control characters, single spaces: user input arrives in any of these shapes.
    static func clean(_ text: String) -> String {
        text.precomposedStringWithCanonicalMapping
            .split(whereSeparator: { $0.isWhitespace || $0.unicodeScalars.allSatisfy { $0.properties.generalCategory == .control } })
            .joined(separator: " ")
    }

    /// Unicode full case mapping is right for Vietnamese (đ → Đ, ễ → Ễ); NFC again afterwards because
    /// upper-casing a decomposed letter leaves it decomposed.
    static func upper(_ text: String) -> String {
        clean(text).uppercased().precomposedStringWithCanonicalMapping
    }

    /// "nguyễn thị hồng đào" or "NGUYỄN THỊ HỒNG ĐÀO" → "Nguyễn Thị Hồng Đào", as a name is written under a signature.
    static func nameCase(_ text: String) -> String {
        clean(text).split(separator: " ").map { word in
            guard let first = word.first else { return "" }
            return (String(first).uppercased() + word.dropFirst().lowercased()).precomposedStringWithCanonicalMapping
        }.joined(separator: " ")
    }

    /// "tỉnh Hưng Yên" → "Hưng Yên": the place in the date line is written without the unit type.
    static func placeName(fromProvince province: String) -> String {
        let cleaned = clean(province)
        for prefix in ["thành phố ", "tỉnh ", "tp. ", "tp "] where cleaned.lowercased().hasPrefix(prefix) {
            return String(cleaned.dropFirst(prefix.count))
        }
        return cleaned
    }

    /// "ngày 05 tháng 3 năm 2025" in Vietnam time. Following Decree 30/2020/NĐ-CP, days below 10 and
    /// the months 1 and 2 get a leading zero (so "tháng 1" cannot be turned into "tháng 11"); other months do not.
    static func dateLine(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        // Vietnam has had no daylight saving time since 1975, so the fixed offset is exact if tzdata is absent.
        calendar.timeZone = TimeZone(identifier: "Asia/Ho_Chi_Minh") ?? TimeZone(secondsFromGMT: 7 * 3600)!
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        let day = parts.day ?? 1
        let month = parts.month ?? 1
        let dayText = day < 10 ? "0\(day)" : "\(day)"
        let monthText = month <= 2 ? "0\(month)" : "\(month)"
        return "ngày \(dayText) tháng \(monthText) năm \(parts.year ?? 1970)"
    }
}

/// Lays the form out top to bottom; a second page is started only if pathological input overflows the first.
struct FormPage {
    var writer: PDFDocumentWriter
    let regular: PDFFont
    let bold: PDFFont
    let reference: String

    let margin = 56.0
    let bodySize = 12.0
    let lineHeight = 17.0
    var y: Double

    init(writer: PDFDocumentWriter, regular: PDFFont, bold: PDFFont, reference: String) {
        self.writer = writer
        self.regular = regular
        self.bold = bold
        self.reference = reference
        self.y = writer.pageSize.height - margin
    }

    var left: Double { margin }
    var right: Double { writer.pageSize.width - margin }
    var contentWidth: Double { right - left }
    var footerTop: Double { margin + 8 }

    mutating func drawBody(_ form: RequestForm) {
        drawFooter()
        drawNationalHeader()

        let text = form.text
        y -= 40
        y = writer.drawParagraph(text.title, x: left, y: y, width: contentWidth, font: bold, size: 15, leading: 20, alignment: .center)
        y = writer.drawParagraph(text.subtitle, x: left, y: y, width: contentWidth, font: bold, size: 13, leading: 18, alignment: .center)

        y -= 18
        drawField(label: "Kính gửi:", value: text.recipient, valueFont: bold)

        y -= 10
        for field in text.fields {
            drawField(label: field.label, value: field.value, valueFont: field.strong ? bold : regular)
        }

        y -= 8
        let statementLines = writer.wrap(text.statement, font: regular, size: bodySize, width: contentWidth, firstLineWidth: contentWidth - 28)
        ensureSpace(Double(statementLines.count) * lineHeight)
        y = writer.drawParagraph(text.statement, x: left, y: y, width: contentWidth, font: regular, size: bodySize, leading: lineHeight, firstLineIndent: 28)

        y -= 12
        ensureSpace(lineHeight)
        y = writer.drawParagraph(text.placeAndDate, x: left, y: y, width: contentWidth, font: regular, size: bodySize, leading: lineHeight, alignment: .right)

        y -= 6
        drawSignatures(text)
    }

    mutating func drawNationalHeader() {
        writer.drawText("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", alignedTo: .center, x: left + contentWidth / 2, y: y - 12, font: bold, size: 12.5)
        let motto = "Độc lập - Tự do - Hạnh phúc"
        let mottoSize = 13.0
        y -= 30
        writer.drawText(motto, alignedTo: .center, x: left + contentWidth / 2, y: y, font: bold, size: mottoSize)
        let mottoWidth = writer.width(of: motto, font: bold, size: mottoSize)
        writer.drawLine(fromX: left + (contentWidth - mottoWidth) / 2, y: y - 6, toX: left + (contentWidth + mottoWidth) / 2, y: y - 6, lineWidth: 0.6)
    }

    /// "Label: value" with the value wrapped under itself (hanging indent), so long values stay aligned.
    mutating func drawField(label: String, value: String, valueFont: PDFFont) {
        let labelWidth = writer.width(of: label + " ", font: regular, size: bodySize)
        let valueWidth = contentWidth - labelWidth
        let lines = writer.wrap(value, font: valueFont, size: bodySize, width: valueWidth)
        ensureSpace(Double(max(lines.count, 1)) * lineHeight)
        writer.drawText(label, x: left, y: y, font: regular, size: bodySize)
        for line in lines {
            writer.drawText(line, x: left + labelWidth, y: y, font: valueFont, size: bodySize)
            y -= lineHeight
        }
        if lines.isEmpty { y -= lineHeight }
        y -= 4
    }

    mutating func drawSignatures(_ text: RequestFormText) {
        let columnWidth = contentWidth / 2
        let nameWidth = columnWidth - 16
        let officerLines = writer.wrap(text.officerName, font: bold, size: bodySize, width: nameWidth)
        let citizenLines = writer.wrap(text.citizenName, font: bold, size: bodySize, width: nameWidth)
        let signatureSpace = 84.0
        let blockHeight = 16 + signatureSpace + Double(max(officerLines.count, citizenLines.count, 1)) * lineHeight
        ensureSpace(blockHeight)

        let columns: [(heading: String, lines: [String])] = [(text.officerHeading, officerLines), (text.citizenHeading, citizenLines)]
        for (index, column) in columns.enumerated() {
            let centre = left + columnWidth * (Double(index) + 0.5)
            var lineY = y
            writer.drawText(column.heading, alignedTo: .center, x: centre, y: lineY, font: bold, size: bodySize)
            lineY -= 16
            writer.drawText(text.signHint, alignedTo: .center, x: centre, y: lineY, font: regular, size: 11)
            lineY -= signatureSpace
            for line in column.lines {
                writer.drawText(line, alignedTo: .center, x: centre, y: lineY, font: bold, size: bodySize)
                lineY -= lineHeight
            }
        }
        y -= blockHeight
    }

    mutating func drawFooter() {
        let size = 8.0
        let lines = writer.wrap("Mã hồ sơ: \(reference)", font: regular, size: size, width: contentWidth)
        // The footer sits in the bottom margin; extremely long references are cut to three lines.
        var lineY = margin - 20 + Double(min(lines.count, 3) - 1) * 10
        for line in lines.prefix(3) {
            writer.drawText(line, x: left, y: lineY, font: regular, size: size, gray: 0.35)
            lineY -= 10
        }
    }

    /// Starts a new page when the next block would run into the footer.
    mutating func ensureSpace(_ height: Double) {
        guard y - height < footerTop else { return }
        writer.beginPage()
        drawFooter()
        y = writer.pageSize.height - margin
    }
}
