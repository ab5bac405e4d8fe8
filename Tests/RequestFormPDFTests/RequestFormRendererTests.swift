// The rendered request form: its text survives extraction, fonts embed, long input stays on the page.
import Foundation
import XCTest
@testable import RequestFormPDF

final class RequestFormRendererTests: XCTestCase {
    private func render(_ form: RequestForm = Fixtures.sampleForm()) throws -> Data {
        let fonts = try Fixtures.fonts()
        return try RequestFormRenderer.render(form, regular: fonts.regular, bold: fonts.bold)
    }

    /// Renders `form` and asserts that `pdftotext` finds every phrase in it; `oneLine` joins the lines first,
    /// for phrases that wrap.
    private func assertPrinted(_ phrases: String..., in form: RequestForm = Fixtures.sampleForm(), oneLine: Bool = false,
                               file: StaticString = #filePath, line: UInt = #line) throws {
        var text = try Tools.pdftotext(try render(form))
        if oneLine { text = text.replacingOccurrences(of: "\n", with: " ") }
        for phrase in phrases { XCTAssertTrue(text.contains(phrase), text, file: file, line: line) }
    }

    func testNameGivenInMixedCaseNFDIsPrintedInVietnameseUpperCase() throws {
        try assertPrinted("Tôi là: NGUYỄN THỊ HỒNG ĐÀO")
    }

    func testIdNumberIsPrinted() throws {
        try assertPrinted("Số định danh cá nhân/CCCD: 033190001234")
    }

    func testTitleAndPortalNameArePrinted() throws {
        try assertPrinted("GIẤY ĐỀ NGHỊ TẠO TÀI KHOẢN", "trên Cổng Dịch vụ công", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
    }

    func testRecipientUnitIncludesTheProvince() throws {
        try assertPrinted("Kính gửi: Trung tâm Phục vụ hành chính công và Kiểm soát thủ tục hành chính", "tỉnh Hưng Yên", oneLine: true)
    }

    func testDateLineUsesVietnamTimeAndThePlace() throws {
        // 20:00 UTC on 4 March is 03:00 on 5 March in Hanoi.
        try assertPrinted("Hưng Yên, ngày 05 tháng 3 năm 2025")
    }

    func testJanuaryAndFebruaryGetALeadingZero() {
        let january = Date(timeIntervalSince1970: 1_736_380_800)  // 2025-01-09 00:00 UTC

        XCTAssertEqual(VietnameseText.dateLine(january), "ngày 09 tháng 01 năm 2025")
    }

    func testSignatureBlocksNameTheOfficerAndTheCitizen() throws {
        try assertPrinted("CÁN BỘ TIẾP NHẬN", "NGƯỜI ĐỀ NGHỊ", "(Ký, ghi rõ họ tên)", "Trần Văn Bình", "Nguyễn Thị Hồng Đào")
    }

    func testStatementAndReferenceArePrinted() throws {
        try assertPrinted("Tôi cam đoan số điện thoại trên là của chính tôi", "Mã hồ sơ: HS-2025-000123", oneLine: true)
    }

    func testMissingEmailIsPrintedAsNone() throws {
        var form = Fixtures.sampleForm()
        form.email = nil

        try assertPrinted("Email: (không có)", in: form)
    }

    func testUserTextWithPDFSyntaxComesOutLiterally() throws {
        var form = Fixtures.sampleForm()
        form.unitName = #"Bộ phận một cửa (xã A) \ <script>alert("x")</script>"#
        form.email = #"a(b)\c<script>@example.vn"#

        try assertPrinted(#"Bộ phận một cửa (xã A) \ <script>alert("x")</script>"#, #"a(b)\c<script>@example.vn"#, in: form)
    }

    func testPdffontsShowsEmbeddedSubsetIdentityHFonts() throws {
        let url = try Tools.write(try render())

        let result = try Tools.run("/usr/bin/pdffonts", [url.path])

        XCTAssertEqual(result.status, 0, result.stderr)
        let fonts = result.stdout.split(separator: "\n").dropFirst(2)
        XCTAssertEqual(fonts.count, 2, result.stdout)
        for line in fonts {
            XCTAssertTrue(line.contains("+DejaVuSans"), String(line))
            XCTAssertTrue(line.contains("CID TrueType"), String(line))
            XCTAssertTrue(line.contains("Identity-H"), String(line))
            XCTAssertTrue(line.contains("yes yes yes"), "embedded, subset, ToUnicode: \(line)")
        }
    }

    func testQpdfCheckPasses() throws {
        let url = try Tools.write(try render())

        let result = try Tools.run("/usr/bin/qpdf", ["--check", url.path])

        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains("No syntax or stream encoding errors found"), result.stdout)
    }

    func testFormIsOneSmallPageAndRendersQuickly() throws {
        _ = try Fixtures.fonts()
        let clock = ContinuousClock()
        var parsed: (regular: TrueTypeFont, bold: TrueTypeFont)?
        let parsing = try clock.measure {
            parsed = (try TrueTypeFont(contentsOf: URL(fileURLWithPath: Fixtures.regularPath)),
                      try TrueTypeFont(contentsOf: URL(fileURLWithPath: Fixtures.boldPath)))
        }
        let fonts = try XCTUnwrap(parsed)
        let form = Fixtures.sampleForm()

        var rendered: RenderedRequestForm?
        let elapsed = try clock.measure {
            rendered = try RequestFormRenderer.renderWithReport(form, regular: fonts.regular, bold: fonts.bold)
        }

        let result = try XCTUnwrap(rendered)
        print("request form PDF: \(result.pdf.count) bytes, rendered in \(elapsed) (parsing both fonts once: \(parsing))")
        XCTAssertEqual(result.pageCount, 1)
        XCTAssertEqual(result.missingCharacters, [])
        XCTAssertLessThan(result.pdf.count, 60 * 1024)
    }

    func testLongNameAndUnitWrapInsideTheMargins() throws {
        var form = Fixtures.sampleForm()
        form.fullName = String(String(repeating: "Nguyễn Thị Hồng Đào ", count: 5).prefix(100))
        form.unitName = "Bộ phận tiếp nhận và trả kết quả giải quyết thủ tục hành chính (Bộ phận một cửa) của Ủy ban nhân dân xã Tân Việt, huyện Văn Lâm"
        form.email = String(repeating: "nguyenthihongdao", count: 5) + "@example.vn"
        form.officerName = String(repeating: "Trần Văn Bình ", count: 6)
        let url = try Tools.write(try render(form))

        let result = try Tools.run("/usr/bin/pdftotext", ["-bbox", url.path, "-"])

        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout.components(separatedBy: "<page ").count - 1, 1, "still one page")
        let words = try Self.wordBoxes(result.stdout)
        XCTAssertGreaterThan(words.count, 50)
        for word in words {
            XCTAssertGreaterThanOrEqual(word.xMin, 56 - 0.5, word.text)
            XCTAssertLessThanOrEqual(word.xMax, 595.28 - 56 + 0.5, word.text)
            XCTAssertGreaterThanOrEqual(word.yMin, 0, word.text)
            XCTAssertLessThanOrEqual(word.yMax, 841.89, word.text)
        }
        let upperName = VietnameseText.upper(form.fullName).replacingOccurrences(of: " ", with: "")
        XCTAssertTrue(words.map(\.text).joined().contains(upperName), "the whole name is printed")
    }

    func testPathologicallyLongInputFlowsOntoAnotherPageInsteadOfOffTheBottom() throws {
        var form = Fixtures.sampleForm()
        form.unitName = String(repeating: "Trung tâm Phục vụ hành chính công ", count: 60)
        let fonts = try Fixtures.fonts()

        let rendered = try RequestFormRenderer.renderWithReport(form, regular: fonts.regular, bold: fonts.bold)

        XCTAssertGreaterThan(rendered.pageCount, 1)
        let text = try Tools.pdftotext(rendered.pdf)
        XCTAssertTrue(text.contains("NGƯỜI ĐỀ NGHỊ"), "signature block still printed")
    }

    func testCharactersOutsideTheFontAreReportedNotFatal() throws {
        var form = Fixtures.sampleForm()
        form.fullName = "Nguyễn 漢字"
        let fonts = try Fixtures.fonts()

        let rendered = try RequestFormRenderer.renderWithReport(form, regular: fonts.regular, bold: fonts.bold)

        XCTAssertEqual(rendered.missingCharacters, ["字", "漢"].sorted { $0.value < $1.value })
    }

    func testVietnameseUpperCaseHandlesDStrokeAndDecomposedMarks() {
        XCTAssertEqual(VietnameseText.upper("đặng ngọc ánh".decomposedStringWithCanonicalMapping), "ĐẶNG NGỌC ÁNH")
        XCTAssertEqual(VietnameseText.nameCase("  TRẦN   văn\tbình "), "Trần Văn Bình")
    }

    /// Words with their boxes from `pdftotext -bbox` (XHTML with one <word> element per word).
    static func wordBoxes(_ html: String) throws -> [(text: String, xMin: Double, yMin: Double, xMax: Double, yMax: Double)] {
        let pattern = try NSRegularExpression(pattern: #"<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>"#)
        let range = NSRange(html.startIndex..., in: html)
        return pattern.matches(in: html, range: range).map { match in
            func group(_ index: Int) -> String { String(html[Range(match.range(at: index), in: html)!]) }
            return (group(5), Double(group(1))!, Double(group(2))!, Double(group(3))!, Double(group(4))!)
        }
    }
}
