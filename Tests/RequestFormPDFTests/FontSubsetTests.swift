// Subsetting keeps glyph ids, the outlines in use (with composite components) and valid checksums.
import Foundation
import XCTest
@testable import RequestFormPDF

final class FontSubsetTests: XCTestCase {
    func testSubsetKeepsTheComponentsOfCompositeGlyphs() throws {
        let font = try Fixtures.fonts().regular
        let glyph = font.glyphID(for: "Ữ")
        let components = try font.componentGlyphs(of: glyph)

        let subset = try TrueTypeFont(data: Data(font.subset(keeping: [glyph])))

        XCTAssertFalse(subset.glyphData(glyph).isEmpty)
        for component in components {
            XCTAssertFalse(subset.glyphData(component).isEmpty, "component \(component) of Ữ lost its outline")
        }
    }

    func testSubsetEmptiesUnusedGlyphsButKeepsGlyphIds() throws {
        let font = try Fixtures.fonts().regular
        let a = font.glyphID(for: "A")
        let z = font.glyphID(for: "Z")

        let subset = try TrueTypeFont(data: Data(font.subset(keeping: [a])))

        XCTAssertEqual(subset.numberOfGlyphs, font.numberOfGlyphs)
        XCTAssertEqual(Array(subset.glyphData(a)), Array(font.glyphData(a)))
        XCTAssertTrue(subset.glyphData(z).isEmpty)
        XCTAssertFalse(subset.glyphData(0).isEmpty, ".notdef must survive")
        XCTAssertEqual(subset.advanceWidth(ofGlyph: a), font.advanceWidth(ofGlyph: a))
    }

    func testSubsetDropsTablesAPDFDoesNotUse() throws {
        let font = try Fixtures.fonts().regular

        let subset = try TrueTypeFont(data: Data(font.subset(keeping: [font.glyphID(for: "A")])))

        let tags = Set(subset.tables.keys)
        XCTAssertTrue(tags.isSuperset(of: ["head", "hhea", "maxp", "hmtx", "loca", "glyf", "cmap"]))
        XCTAssertTrue(tags.isDisjoint(with: ["GSUB", "GPOS", "GDEF", "kern", "name"]), "kept \(tags.sorted())")
    }

    func testSubsetChecksumsAreValid() throws {
        let font = try Fixtures.fonts().regular

        let subset = try font.subset(keeping: Set("Xin chào Việt Nam".unicodeScalars.map(font.glyphID(for:))))

        XCTAssertEqual(sfntChecksum(subset), 0xB1B0_AFBA, "whole-font sum must equal the magic after checkSumAdjustment")
        let parsed = try TrueTypeFont(data: Data(subset))
        let reader = ByteReader(bytes: subset)
        for index in 0..<parsed.tables.count {
            let entry = 12 + index * 16
            let tag = try reader.tag(entry)
            let record = try XCTUnwrap(parsed.tables[tag])
            var table = Array(subset[record.offset..<record.offset + record.length])
            if tag == "head" { table.putU32(0, at: 8) }
            XCTAssertEqual(try reader.u32(entry + 4), sfntChecksum(table), "checksum of '\(tag)'")
        }
    }

    func testSubsetIsMuchSmallerThanTheFont() throws {
        let font = try Fixtures.fonts().regular
        let text = "GIẤY ĐỀ NGHỊ TẠO TÀI KHOẢN trên Cổng Dịch vụ công"

        let subset = try font.subset(keeping: Set(text.unicodeScalars.map(font.glyphID(for:))))

        XCTAssertLessThan(subset.count, font.bytes.count / 5)
    }

    func testRenderedCompositeLetterHasVisibleMarksAndExtractsAsText() throws {
        let font = try Fixtures.fonts().regular
        func page(_ text: String) throws -> Data {
            var writer = PDFDocumentWriter(title: "glyph")
            let handle = writer.addFont(font)
            writer.drawText(text, x: 100, y: 500, font: handle, size: 200)
            return try writer.finish()
        }

        let withMarks = try page("Ữ")
        let baseOnly = try page("U")

        XCTAssertEqual(try Tools.pdftotext(withMarks).trimmingCharacters(in: .whitespacesAndNewlines), "Ữ")
        let marked = try Tools.darkPixelCount(withMarks)
        let plain = try Tools.darkPixelCount(baseOnly)
        XCTAssertEqual(marked.stderr, "", "poppler complained about the embedded font")
        XCTAssertGreaterThan(plain.count, 100, "the base letter U did not render")
        XCTAssertGreaterThan(marked.count, plain.count + 20, "the horn and tilde of Ữ did not render")
    }
}
