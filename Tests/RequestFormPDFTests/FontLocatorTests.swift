// Finding the form's fonts: PDF_FONT_PATH first, then DejaVu / Noto / Liberation, with actionable errors.
import Foundation
import XCTest
@testable import RequestFormPDF

final class FontLocatorTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("FontLocatorTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func touch(_ relativePath: String) throws -> URL {
        let url = directory.appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("font".utf8).write(to: url)
        return url
    }

    func testConfiguredPathWinsOverSystemFonts() throws {
        let configured = try touch("custom/MyFont.ttf")
        _ = try touch("system/dejavu/DejaVuSans.ttf")

        let found = try FontLocator.find(configuredPath: configured.path, searchDirectories: [directory.appendingPathComponent("system")])

        XCTAssertEqual(found.regular.path, configured.path)
        XCTAssertNil(found.bold, "no MyFont-Bold.ttf beside it, so bold falls back to regular")
    }

    func testConfiguredRegularFindsItsBoldSibling() throws {
        let regular = try touch("noto/NotoSans-Regular.ttf")
        let bold = try touch("noto/NotoSans-Bold.ttf")

        let found = try FontLocator.find(configuredPath: regular.path, searchDirectories: [])

        XCTAssertEqual(found.bold?.path, bold.path)
    }

    func testMissingConfiguredPathNamesTheSetting() {
        let missing = directory.appendingPathComponent("nope.ttf").path

        XCTAssertThrowsError(try FontLocator.find(configuredPath: missing, searchDirectories: [directory])) { error in
            XCTAssertEqual(error as? FontLocatorError, .configuredFontNotFound(path: missing))
            XCTAssertTrue("\(error)".contains("PDF_FONT_PATH"))
        }
    }

    func testSearchPrefersDejaVuThenNotoThenLiberation() throws {
        _ = try touch("liberation/LiberationSans-Regular.ttf")
        let noto = try touch("noto/NotoSans-Regular.ttf")
        let notoBold = try touch("noto/NotoSans-Bold.ttf")

        let found = try FontLocator.find(configuredPath: nil, searchDirectories: [directory])

        XCTAssertEqual(found.regular.path, noto.path)
        XCTAssertEqual(found.bold?.path, notoBold.path)
    }

    func testNoFontsAnywhereNamesThePackageAndTheSetting() {
        XCTAssertThrowsError(try FontLocator.find(configuredPath: "", searchDirectories: [directory])) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("fonts-dejavu-core"), message)
            XCTAssertTrue(message.contains("PDF_FONT_PATH"), message)
        }
    }

    func testLoadFontsFallsBackToRegularForBold() throws {
        _ = try Fixtures.fonts()

        let fonts = try FontLocator.loadFonts(configuredPath: Fixtures.regularPath.replacingOccurrences(of: "DejaVuSans.ttf", with: "DejaVuSansMono-Oblique.ttf"))

        XCTAssertEqual(fonts.regular.postScriptName, fonts.bold.postScriptName)
    }

    func testSystemSearchFindsDejaVuOnThisMachine() throws {
        _ = try Fixtures.fonts()

        let found = try FontLocator.find(configuredPath: nil)

        XCTAssertEqual(found.regular.lastPathComponent, "DejaVuSans.ttf")
        XCTAssertEqual(found.bold?.lastPathComponent, "DejaVuSans-Bold.ttf")
    }
}
