// The writer's PDF structure: exact xref, zlib-wrapped Flate streams, ToUnicode blocks, missing glyphs.
import Foundation
import XCTest
@testable import RequestFormPDF

final class PDFDocumentWriterTests: XCTestCase {
    private func document(_ text: String, compress: Bool = true) throws -> (pdf: Data, writer: PDFDocumentWriter) {
        var writer = PDFDocumentWriter(title: "Thử nghiệm")
        writer.compressStreams = compress
        let font = writer.addFont(try Fixtures.fonts().regular)
        writer.drawText(text, x: 56, y: 700, font: font, size: 12)
        writer.drawLine(fromX: 56, y: 690, toX: 300, y: 690)
        writer.strokeRectangle(x: 50, y: 600, width: 200, height: 50)
        return (try writer.finish(), writer)
    }

    func testXrefOffsetsPointExactlyAtTheirObjects() throws {
        let pdf = try document("Xin chào").pdf
        let bytes = [UInt8](pdf)
        let text = String(decoding: bytes, as: UTF8.self)
        let tail = try XCTUnwrap(text.range(of: "startxref\n", options: .backwards))
        let startxref = try XCTUnwrap(Int(text[tail.upperBound...].prefix { $0.isNumber }))

        let xref = String(decoding: bytes[startxref...], as: UTF8.self)
        let lines = xref.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines[0], "xref")
        let header = lines[1].split(separator: " ")
        XCTAssertEqual(header[0], "0")
        let count = try XCTUnwrap(Int(header[1]))

        XCTAssertTrue(xref.contains("/Size \(count) "))
        XCTAssertEqual(lines[2], "0000000000 65535 f ")
        for number in 1..<count {
            let entry = lines[2 + number]
            XCTAssertEqual(entry.utf8.count + 1, 20, "xref entries are exactly 20 bytes")
            let offset = try XCTUnwrap(Int(entry.prefix(10)))
            let expected = Array("\(number) 0 obj".utf8)
            XCTAssertEqual(Array(bytes[offset..<offset + expected.count]), expected, "object \(number) at \(offset)")
        }
    }

    func testStreamsAreZlibWrappedFlate() throws {
        let pdf = [UInt8](try document("Xin chào").pdf)
        let marker = Array("stream\n".utf8)

        var streamStarts: [Int] = []
        var index = 0
        while index + marker.count < pdf.count {
            if Array(pdf[index..<index + marker.count]) == marker, index > 0, pdf[index - 1] != UInt8(ascii: "d") {
                streamStarts.append(index + marker.count)
            }
            index += 1
        }

        XCTAssertGreaterThanOrEqual(streamStarts.count, 3, "content, font file and ToUnicode")
        for start in streamStarts {
            let cmf = pdf[start]
            let flg = pdf[start + 1]
            XCTAssertEqual(cmf & 0x0F, 8, "deflate method in the zlib header")
            XCTAssertEqual((UInt16(cmf) << 8 | UInt16(flg)) % 31, 0, "zlib header check bits")
        }
    }

    func testQpdfFindsNoStructureOrStreamErrors() throws {
        let pdf = try document("Đây là dòng chữ tiếng Việt: ạ ệ ở ữ").pdf
        let url = try Tools.write(pdf)

        let result = try Tools.run("/usr/bin/qpdf", ["--check", url.path])

        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains("No syntax or stream encoding errors found"), result.stdout)
    }

    func testToUnicodeMapUsesBlocksOfAtMostOneHundred() throws {
        let letters = String(String.UnicodeScalarView((0x1EA0...0x1EF9).compactMap(Unicode.Scalar.init)))
        let text = letters + "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

        let pdf = String(decoding: try document(text, compress: false).pdf, as: UTF8.self)

        let counts = pdf.split(separator: "\n").filter { $0.hasSuffix(" beginbfchar") }.compactMap { Int($0.split(separator: " ")[0]) }
        XCTAssertGreaterThan(counts.count, 1)
        XCTAssertTrue(counts.allSatisfy { $0 <= 100 }, "\(counts)")
        XCTAssertEqual(counts.reduce(0, +), Set(text.unicodeScalars).count)
    }

    func testTextIsWrittenAsHexGlyphIds() throws {
        let font = try Fixtures.fonts().regular

        let pdf = String(decoding: try document("A", compress: false).pdf, as: UTF8.self)

        XCTAssertTrue(pdf.contains(String(format: "<%04X> Tj", font.glyphID(for: "A"))))
    }

    func testDecomposedInputIsDrawnWithPrecomposedGlyphs() throws {
        let font = try Fixtures.fonts().regular
        var writer = PDFDocumentWriter(title: "t")
        let handle = writer.addFont(font)

        let run = writer.glyphRun("ễ".decomposedStringWithCanonicalMapping, font: handle)

        XCTAssertEqual(run.map(\.glyph), [font.glyphID(for: "ễ")])
    }

    func testCharactersMissingFromTheFontAreReportedAndDrawnAsNotdef() throws {
        let (pdf, writer) = try document("Hà Nội 漢")

        XCTAssertEqual(writer.missingCharacters, ["漢"])
        XCTAssertFalse(pdf.isEmpty)
    }

    func testWidthsAreScaledToThousandUnitsPerEm() throws {
        let font = try Fixtures.fonts().regular
        var writer = PDFDocumentWriter(title: "t")
        let handle = writer.addFont(font)

        let width = writer.width(of: "AA", font: handle, size: 10)

        XCTAssertEqual(width, 2 * Double(font.advanceWidth(ofGlyph: font.glyphID(for: "A"))) / 2048 * 10, accuracy: 0.0001)
    }

    func testWrapBreaksOnSpacesWithinTheWidth() throws {
        var writer = PDFDocumentWriter(title: "t")
        let handle = writer.addFont(try Fixtures.fonts().regular)
        let text = "Tôi cam đoan số điện thoại trên là của chính tôi và các thông tin khai trên là đúng sự thật."

        let lines = writer.wrap(text, font: handle, size: 12, width: 150)

        XCTAssertGreaterThan(lines.count, 2)
        XCTAssertEqual(lines.joined(separator: " "), text)
        for line in lines { XCTAssertLessThanOrEqual(writer.width(of: line, font: handle, size: 12), 150) }
    }

    func testWrapSplitsAWordTooLongForOneLine() throws {
        var writer = PDFDocumentWriter(title: "t")
        let handle = writer.addFont(try Fixtures.fonts().regular)
        let word = String(repeating: "nguyenthihongdao", count: 8) + "@example.vn"

        let lines = writer.wrap(word, font: handle, size: 12, width: 200)

        XCTAssertGreaterThan(lines.count, 1)
        XCTAssertEqual(lines.joined(), word)
        for line in lines { XCTAssertLessThanOrEqual(writer.width(of: line, font: handle, size: 12), 200) }
    }

    func testNumbersAreWrittenWithoutExponentsOrNegativeZero() {
        XCTAssertEqual(PDFDocumentWriter.number(595.28), "595.28")
        XCTAssertEqual(PDFDocumentWriter.number(12), "12")
        XCTAssertEqual(PDFDocumentWriter.number(0.5), "0.5")
        XCTAssertEqual(PDFDocumentWriter.number(-0.001), "0")
        XCTAssertEqual(PDFDocumentWriter.number(0.000001), "0")
        XCTAssertEqual(PDFDocumentWriter.number(-3.05), "-3.05")
    }

    func testInfoTitleIsAUnicodeTextString() throws {
        let pdf = String(decoding: try document("A", compress: false).pdf, as: UTF8.self)

        XCTAssertTrue(pdf.contains("/Title \(PDFDocumentWriter.textString("Thử nghiệm"))"))
        XCTAssertTrue(pdf.contains("/Producer \(PDFDocumentWriter.textString("Citizen Portal"))"))
        XCTAssertTrue(PDFDocumentWriter.textString("A").hasPrefix("<FEFF0041"))
    }
}
