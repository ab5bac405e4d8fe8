// Shared fixtures for the PDF tests: the DejaVu fonts, a sample form, and running poppler/qpdf on output.
import Foundation
import XCTest
@testable import RequestFormPDF

enum Fixtures {
    static let dejaVuDirectory = "/usr/share/fonts/truetype/dejavu"
    static let regularPath = dejaVuDirectory + "/DejaVuSans.ttf"
    static let boldPath = dejaVuDirectory + "/DejaVuSans-Bold.ttf"

    /// Parsed once: every test uses the same read-only fonts.
    nonisolated(unsafe) private static var cached: (regular: TrueTypeFont, bold: TrueTypeFont)?
    private static let lock = NSLock()

    static func fonts() throws -> (regular: TrueTypeFont, bold: TrueTypeFont) {
        guard FileManager.default.fileExists(atPath: regularPath), FileManager.default.fileExists(atPath: boldPath) else {
            throw XCTSkip("DejaVu fonts missing: apt-get install fonts-dejavu-core")
        }
        lock.lock()
        defer { lock.unlock() }
        if let cached { return cached }
        let loaded = (
            try TrueTypeFont(contentsOf: URL(fileURLWithPath: regularPath)),
            try TrueTypeFont(contentsOf: URL(fileURLWithPath: boldPath))
        )
        cached = loaded
        return loaded
    }

    /// 2025-03-04 20:00 UTC, which is already 5 March in Vietnam (UTC+7).
    static let formDate = Date(timeIntervalSince1970: 1_741_118_400)

    /// The name arrives in mixed case and decomposed (NFD), as some keyboards and browsers send it.
    static func sampleForm() -> RequestForm {
        RequestForm(
            portalName: "Cổng Dịch vụ công",
            unitName: "Trung tâm Phục vụ hành chính công và Kiểm soát thủ tục hành chính",
            provinceName: "tỉnh Hưng Yên",
            fullName: "nguyễn thị Hồng đào".decomposedStringWithCanonicalMapping,
            idNumber: "033190001234",
            dateOfBirth: "07/09/1990",
            phone: "0912345678",
            email: "hongdao@example.vn",
            officerName: "Trần Văn Bình",
            date: formDate,
            reference: "HS-2025-000123"
        )
    }
}

struct ToolResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

enum Tools {
    /// Runs a command-line tool, skipping the test when it is not installed.
    static func run(_ path: String, _ arguments: [String]) throws -> ToolResult {
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw XCTSkip("\(path) missing: apt-get install poppler-utils qpdf")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read before waiting so a large output cannot fill the pipe and stall the tool.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return ToolResult(
            status: process.terminationStatus,
            stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self)
        )
    }

    static func write(_ pdf: Data, name: String = "form") throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("RequestFormPDFTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent("\(name).pdf")
        try pdf.write(to: url)
        return url
    }

    static func pdftotext(_ pdf: Data) throws -> String {
        let url = try write(pdf)
        let result = try run("/usr/bin/pdftotext", ["-enc", "UTF-8", url.path, "-"])
        XCTAssertEqual(result.status, 0, result.stderr)
        return result.stdout.precomposedStringWithCanonicalMapping
    }

    /// Dark pixels on the first page rendered in grey at `resolution` dpi.
    static func darkPixelCount(_ pdf: Data, resolution: Int = 50) throws -> (count: Int, stderr: String) {
        let url = try write(pdf)
        let prefix = url.deletingPathExtension().path
        let result = try run("/usr/bin/pdftoppm", ["-gray", "-r", "\(resolution)", "-f", "1", "-l", "1", url.path, prefix])
        XCTAssertEqual(result.status, 0, result.stderr)
        let directory = url.deletingLastPathComponent()
        let image = try FileManager.default.contentsOfDirectory(atPath: directory.path).first { $0.hasSuffix(".pgm") }
        let bytes = [UInt8](try Data(contentsOf: directory.appendingPathComponent(try XCTUnwrap(image))))
        // Binary PGM: "P5", width, height, maxval, one whitespace byte, then the pixels.
        var fields: [String] = []
        var index = 0
        var field = ""
        while fields.count < 4, index < bytes.count {
            let byte = bytes[index]
            index += 1
            if byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
                if !field.isEmpty { fields.append(field); field = "" }
            } else {
                field.append(Character(Unicode.Scalar(byte)))
            }
        }
        return (bytes[index...].filter { $0 < 128 }.count, result.stderr)
    }
}
