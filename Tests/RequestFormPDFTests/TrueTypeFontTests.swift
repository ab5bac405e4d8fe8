// Parsing TrueType fonts: DejaVu Sans metrics and Vietnamese coverage, and clear errors for bad files.
import Foundation
import XCTest
@testable import RequestFormPDF

final class TrueTypeFontTests: XCTestCase {
    /// Every precomposed letter Vietnamese uses: the Latin-1 / Latin Extended-A/B ones and U+1EA0–U+1EF9.
    static let vietnameseLetters: [Unicode.Scalar] = {
        let latin = "ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúýĂăĐđĨĩŨũƠơƯư".unicodeScalars
        let extended = (0x1EA0...0x1EF9).compactMap(Unicode.Scalar.init)
        return Array(latin) + extended
    }()

    func testDejaVuSansHas2048UnitsPerEm() throws {
        let font = try Fixtures.fonts().regular

        XCTAssertEqual(font.unitsPerEm, 2048)
    }

    func testLetterAMapsToAGlyphWithAWidth() throws {
        let font = try Fixtures.fonts().regular

        let glyph = font.glyphID(for: "A")

        XCTAssertNotEqual(glyph, 0)
        XCTAssertGreaterThan(font.advanceWidth(ofGlyph: glyph), 0)
    }

    func testEveryPrecomposedVietnameseLetterMapsToAGlyph() throws {
        let fonts = try Fixtures.fonts()

        let missingRegular = Self.vietnameseLetters.filter { !fonts.regular.hasGlyph(for: $0) }
        let missingBold = Self.vietnameseLetters.filter { !fonts.bold.hasGlyph(for: $0) }

        XCTAssertEqual(Self.vietnameseLetters.count, 44 + 90)
        XCTAssertEqual(missingRegular, [], "regular face lacks \(missingRegular.map { String($0) })")
        XCTAssertEqual(missingBold, [], "bold face lacks \(missingBold.map { String($0) })")
    }

    func testMetricsNeededForTheFontDescriptorAreRead() throws {
        let font = try Fixtures.fonts().regular

        XCTAssertGreaterThan(font.ascent, 0)
        XCTAssertLessThan(font.descent, 0)
        XCTAssertGreaterThan(font.capHeight, 0)
        XCTAssertLessThan(font.boundingBox.xMin, font.boundingBox.xMax)
        XCTAssertGreaterThan(font.numberOfGlyphs, 5000)
        XCTAssertEqual(font.postScriptName, "DejaVuSans")
    }

    func testVietnameseLettersAreCompositeGlyphsOfBaseAndMarks() throws {
        let font = try Fixtures.fonts().regular

        let components = try font.componentGlyphs(of: font.glyphID(for: "Ữ"))

        XCTAssertFalse(components.isEmpty, "expected Ữ to be built from components in DejaVu Sans")
    }

    func testRandomBytesAreRejectedAsNotTrueType() {
        let garbage = Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7919 &+ 13) })

        XCTAssertThrowsError(try TrueTypeFont(data: garbage)) { error in
            guard case TrueTypeFontError.notTrueType = error else { return XCTFail("unexpected \(error)") }
        }
    }

    func testEmptyFileIsRejected() {
        XCTAssertThrowsError(try TrueTypeFont(data: Data())) { error in
            XCTAssertEqual(error as? TrueTypeFontError, .tooShort(size: 0))
        }
    }

    func testCFFOpenTypeFontIsRejectedWithAnExplanation() {
        var otf = Data("OTTO".utf8)
        otf.append(Data(count: 60))

        XCTAssertThrowsError(try TrueTypeFont(data: otf)) { error in
            XCTAssertEqual(error as? TrueTypeFontError, .cffOutlinesNotSupported)
            XCTAssertTrue("\(error)".contains("CFF"))
        }
    }

    func testTruncatedFontIsRejectedInsteadOfCrashing() throws {
        _ = try Fixtures.fonts()
        let whole = try Data(contentsOf: URL(fileURLWithPath: Fixtures.regularPath))

        let truncated = whole.prefix(20_000)

        XCTAssertThrowsError(try TrueTypeFont(data: truncated)) { error in
            XCTAssertTrue(error is TrueTypeFontError, "unexpected \(error)")
        }
    }

    func testFontWithoutGlyphTablesIsRejected() throws {
        // A well-formed sfnt holding only a 'head' table.
        var head = [UInt8](repeating: 0, count: 54)
        head.putU32(0x5F0F_3CF5, at: 12)
        let font = TrueTypeFont.assemble(["head": head])

        XCTAssertThrowsError(try TrueTypeFont(data: Data(font))) { error in
            guard case TrueTypeFontError.missingTable = error else { return XCTFail("unexpected \(error)") }
        }
    }
}
