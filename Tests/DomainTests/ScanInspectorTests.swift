// The ID-card scan inspector: PDF, DOCX and DOC recognised by content, polyglots, bombs and corrupt files refused.
import ScanFixtures
import XCTest
@testable import Domain

final class ScanInspectorTests: XCTestCase {
    // MARK: - PDF

    func test_minimal_pdf_is_accepted_as_pdf() throws {
        XCTAssertEqual(try ScanInspector.inspect(ScanFiles.pdf(), fileName: "cccd.pdf"), .pdf)
    }

    func test_extension_is_compared_without_case() throws {
        XCTAssertEqual(try ScanInspector.inspect(ScanFiles.pdf(), fileName: "CCCD.PDF"), .pdf)
    }

    func test_pdf_of_exactly_five_megabytes_is_accepted() throws {
        let pdf = ScanFiles.pdf(totalLength: 5_242_880)

        XCTAssertEqual(pdf.count, ScanInspector.maxBytes)
        XCTAssertEqual(try ScanInspector.inspect(pdf, fileName: "scan.pdf"), .pdf)
    }

    func test_one_byte_over_five_megabytes_is_too_large() {
        let pdf = ScanFiles.pdf(totalLength: 5_242_881)

        let error = domainError { try ScanInspector.inspect(pdf, fileName: "scan.pdf") }

        XCTAssertEqual(error?.code, "scan_too_large")
        XCTAssertTrue(error?.vi.contains("5 MB") ?? false)
        XCTAssertTrue(error?.en.contains("5 MB") ?? false)
    }

    func test_pdf_with_zip_directory_appended_is_a_polyglot() {
        let polyglot = ScanFiles.pdf() + [0x50, 0x4B, 0x05, 0x06] + [UInt8](repeating: 0, count: 18)

        XCTAssertEqual(domainError { try ScanInspector.inspect(polyglot, fileName: "scan.pdf") }?.code, "scan_type")
    }

    func test_pdf_with_script_in_first_kilobyte_is_refused() {
        let pdf = ScanFiles.pdf(afterHeader: "%<ScRiPt>alert(1)</script>\n")

        XCTAssertEqual(domainError { try ScanInspector.inspect(pdf, fileName: "scan.pdf") }?.code, "scan_type")
    }

    func test_pdf_with_html_in_first_kilobyte_is_refused() {
        let pdf = ScanFiles.pdf(afterHeader: "%<HTML><body>\n")

        XCTAssertEqual(domainError { try ScanInspector.inspect(pdf, fileName: "scan.pdf") }?.code, "scan_type")
    }

    func test_truncated_pdf_without_eof_marker_is_refused() {
        let pdf = ScanFiles.pdf()
        let truncated = Array(pdf[..<(pdf.count - 7)])

        XCTAssertEqual(domainError { try ScanInspector.inspect(truncated, fileName: "scan.pdf") }?.code, "scan_type")
    }

    func test_pdf_whose_eof_marker_is_not_in_last_two_kilobytes_is_refused() {
        let pdf = ScanFiles.pdf() + Array(("%" + String(repeating: "x", count: 2_100) + "\n").utf8)

        XCTAssertEqual(domainError { try ScanInspector.inspect(pdf, fileName: "scan.pdf") }?.code, "scan_type")
    }

    func test_pdf_header_without_a_version_is_refused() {
        let pdf = Array("%PDF-".utf8) + ScanFiles.pdf().dropFirst(8)

        XCTAssertEqual(domainError { try ScanInspector.inspect(pdf, fileName: "scan.pdf") }?.code, "scan_type")
    }

    func test_pdf_header_after_leading_bytes_is_refused() {
        let pdf = Array("garbage\n".utf8) + ScanFiles.pdf()

        XCTAssertEqual(domainError { try ScanInspector.inspect(pdf, fileName: "scan.pdf") }?.code, "scan_type")
    }

    // MARK: - DOCX

    func test_minimal_docx_is_accepted_as_docx() throws {
        XCTAssertEqual(try ScanInspector.inspect(ScanFiles.docx(), fileName: "cccd.docx"), .docx)
    }

    func test_docx_with_archive_comment_is_accepted() throws {
        let docx = ScanFiles.zip(ScanFiles.docxEntries, comment: Array("made by a scanner".utf8))

        XCTAssertEqual(try ScanInspector.inspect(docx, fileName: "cccd.DOCX"), .docx)
    }

    func test_zip_without_word_document_is_refused() {
        let xlsx = ScanFiles.zip([
            .init("[Content_Types].xml", ScanFiles.contentTypesXML),
            .init("xl/workbook.xml", Array("<workbook/>".utf8)),
        ])

        XCTAssertEqual(domainError { try ScanInspector.inspect(xlsx, fileName: "scan.docx") }?.code, "scan_type")
    }

    func test_zip_without_content_types_is_refused() {
        let zip = ScanFiles.zip([.init("word/document.xml", ScanFiles.documentXML)])

        XCTAssertEqual(domainError { try ScanInspector.inspect(zip, fileName: "scan.docx") }?.code, "scan_type")
    }

    func test_entry_declaring_four_gigabytes_from_a_few_bytes_is_a_zip_bomb() {
        let bomb = ScanFiles.zip(ScanFiles.docxEntries + [
            .init("word/media/image1.png", [UInt8](repeating: 0, count: 16), declaredUncompressed: 0xFFFF_FFF0),
        ])

        XCTAssertEqual(domainError { try ScanInspector.inspect(bomb, fileName: "scan.docx") }?.code, "scan_type")
    }

    func test_entry_over_ten_megabytes_compressed_more_than_200_to_1_is_a_zip_bomb() {
        // 20 MB from 50 KB is 409:1, while the archive's total stays far below 200 MB.
        let bomb = ScanFiles.zip(ScanFiles.docxEntries + [
            .init("word/media/image1.png", [UInt8](repeating: 0, count: 51_200), declaredUncompressed: 20 * 1_048_576),
        ])

        XCTAssertEqual(domainError { try ScanInspector.inspect(bomb, fileName: "scan.docx") }?.code, "scan_type")
    }

    func test_highly_compressed_entry_under_ten_megabytes_is_accepted() throws {
        // XML often compresses beyond 200:1; small entries are no threat.
        let docx = ScanFiles.zip(ScanFiles.docxEntries + [
            .init("word/styles.xml", [UInt8](repeating: 0, count: 1_024), declaredUncompressed: 5 * 1_048_576),
        ])

        XCTAssertEqual(try ScanInspector.inspect(docx, fileName: "scan.docx"), .docx)
    }

    func test_declared_sizes_adding_up_beyond_200_megabytes_are_refused() {
        // Each entry is 70 MB from 400 KB (179:1), under the ratio limit; only the sum gives it away.
        let entries = (1...3).map { i in
            ScanFiles.ZipEntry("word/media/image\(i).png", [UInt8](repeating: 0, count: 400_000),
                             declaredUncompressed: 70 * 1_048_576)
        }
        let zip = ScanFiles.zip(ScanFiles.docxEntries + entries)

        XCTAssertEqual(domainError { try ScanInspector.inspect(zip, fileName: "scan.docx") }?.code, "scan_type")
    }

    func test_one_thousand_entries_are_accepted() throws {
        let docx = ScanFiles.zip(ScanFiles.docxEntries + ScanFiles.filler(998))

        XCTAssertEqual(try ScanInspector.inspect(docx, fileName: "scan.docx"), .docx)
    }

    func test_one_thousand_and_one_entries_are_refused() {
        let zip = ScanFiles.zip(ScanFiles.docxEntries + ScanFiles.filler(999))

        XCTAssertEqual(domainError { try ScanInspector.inspect(zip, fileName: "scan.docx") }?.code, "scan_type")
    }

    func test_central_directory_offset_outside_the_file_is_refused() {
        var zip = ScanFiles.docx()
        ScanFiles.put32(&zip, at: zip.count - 22 + 16, 0x7FFF_FFF0)

        XCTAssertEqual(domainError { try ScanInspector.inspect(zip, fileName: "scan.docx") }?.code, "scan_type")
    }

    func test_central_directory_size_beyond_the_file_is_refused() {
        var zip = ScanFiles.docx()
        ScanFiles.put32(&zip, at: zip.count - 22 + 12, 0xFFFF_FF00)

        XCTAssertEqual(domainError { try ScanInspector.inspect(zip, fileName: "scan.docx") }?.code, "scan_type")
    }

    func test_local_header_offset_outside_the_file_is_refused() {
        var zip = ScanFiles.docx()
        let directory = ScanFiles.read32(zip, at: zip.count - 22 + 16)
        ScanFiles.put32(&zip, at: directory + 42, 0x0FFF_FFFF)

        XCTAssertEqual(domainError { try ScanInspector.inspect(zip, fileName: "scan.docx") }?.code, "scan_type")
    }

    func test_zip64_entry_count_marker_is_refused() {
        var zip = ScanFiles.docx()
        ScanFiles.put16(&zip, at: zip.count - 22 + 8, 0xFFFF)
        ScanFiles.put16(&zip, at: zip.count - 22 + 10, 0xFFFF)

        XCTAssertEqual(domainError { try ScanInspector.inspect(zip, fileName: "scan.docx") }?.code, "scan_type")
    }

    func test_zip64_locator_before_the_end_record_is_refused() {
        var zip = ScanFiles.docx()
        let locator = ScanFiles.le32(0x0706_4B50) + ScanFiles.le32(0) + [UInt8](repeating: 0, count: 8) + ScanFiles.le32(1)
        zip.insert(contentsOf: locator, at: zip.count - 22)

        XCTAssertEqual(domainError { try ScanInspector.inspect(zip, fileName: "scan.docx") }?.code, "scan_type")
    }

    func test_zip64_size_marker_is_refused() {
        let zip = ScanFiles.zip(ScanFiles.docxEntries + [
            .init("word/media/image1.png", [1, 2, 3], declaredUncompressed: 0xFFFF_FFFF),
        ])

        XCTAssertEqual(domainError { try ScanInspector.inspect(zip, fileName: "scan.docx") }?.code, "scan_type")
    }

    func test_entry_name_with_parent_directory_is_refused() {
        let zip = ScanFiles.zip(ScanFiles.docxEntries + [.init("word/../../evil.sh", [0x23])])

        XCTAssertEqual(domainError { try ScanInspector.inspect(zip, fileName: "scan.docx") }?.code, "scan_type")
    }

    func test_entry_name_with_absolute_path_is_refused() {
        let zip = ScanFiles.zip(ScanFiles.docxEntries + [.init("/etc/cron.d/evil", [0x23])])

        XCTAssertEqual(domainError { try ScanInspector.inspect(zip, fileName: "scan.docx") }?.code, "scan_type")
    }

    func test_two_entries_with_the_same_name_are_refused() {
        let zip = ScanFiles.zip(ScanFiles.docxEntries + [.init("word/document.xml", ScanFiles.documentXML)])

        XCTAssertEqual(domainError { try ScanInspector.inspect(zip, fileName: "scan.docx") }?.code, "scan_type")
    }

    func test_data_appended_after_the_archive_is_refused() {
        let zip = ScanFiles.docx() + Array("trailing".utf8)

        XCTAssertEqual(domainError { try ScanInspector.inspect(zip, fileName: "scan.docx") }?.code, "scan_type")
    }

    func test_docx_carrying_a_pdf_header_in_its_first_kilobyte_is_a_polyglot() {
        let zip = ScanFiles.zip([.init("a.txt", ScanFiles.pdf())] + ScanFiles.docxEntries)

        XCTAssertEqual(domainError { try ScanInspector.inspect(zip, fileName: "scan.docx") }?.code, "scan_type")
    }

    func test_docx_named_pdf_is_an_extension_mismatch() {
        let error = domainError { try ScanInspector.inspect(ScanFiles.docx(), fileName: "scan.pdf") }

        XCTAssertEqual(error?.code, "scan_extension_mismatch")
        XCTAssertTrue(error?.en.contains("Word (.docx)") ?? false)
        XCTAssertTrue(error?.vi.contains("Nội dung tệp là Word (.docx)") ?? false)
    }

    // MARK: - DOC

    func test_minimal_ole_file_with_word_document_is_accepted_as_doc() throws {
        XCTAssertEqual(try ScanInspector.inspect(ScanFiles.ole(), fileName: "cccd.doc"), .doc)
    }

    func test_version_4_ole_file_with_4096_byte_sectors_is_accepted() throws {
        XCTAssertEqual(try ScanInspector.inspect(ScanFiles.ole(sectorShift: 12), fileName: "cccd.doc"), .doc)
    }

    func test_ole_file_holding_an_excel_workbook_is_refused() {
        let xls = ScanFiles.ole(streamName: "Workbook")

        XCTAssertEqual(domainError { try ScanInspector.inspect(xls, fileName: "scan.doc") }?.code, "scan_type")
    }

    func test_word_document_entry_outside_the_root_tree_is_refused() {
        var ole = ScanFiles.ole()
        ScanFiles.put32(&ole, at: ScanFiles.directoryEntryOffset(0) + 76, 0xFFFF_FFFF)

        XCTAssertEqual(domainError { try ScanInspector.inspect(ole, fileName: "scan.doc") }?.code, "scan_type")
    }

    func test_fat_with_a_cycle_is_refused_without_hanging() {
        var ole = ScanFiles.ole()
        // The directory sector's FAT entry points back at itself.
        ScanFiles.put32(&ole, at: 512 + 4 * 1, 1)

        XCTAssertEqual(domainError { try ScanInspector.inspect(ole, fileName: "scan.doc") }?.code, "scan_type")
    }

    func test_directory_tree_with_a_cycle_is_refused_without_hanging() {
        var ole = ScanFiles.ole()
        ScanFiles.put32(&ole, at: ScanFiles.directoryEntryOffset(1) + 68, 1)

        XCTAssertEqual(domainError { try ScanInspector.inspect(ole, fileName: "scan.doc") }?.code, "scan_type")
    }

    func test_difat_chain_with_a_cycle_is_refused_without_hanging() {
        // 300 FAT sectors need the header's 109 plus more than one DIFAT sector; sector 2 names itself next.
        var ole = ScanFiles.ole() + [UInt8](repeating: 0, count: 300 * 512)
        ScanFiles.put32(&ole, at: 44, 300)
        ScanFiles.put32(&ole, at: 68, 2)
        ScanFiles.put32(&ole, at: 72, 2)
        ScanFiles.put32(&ole, at: 3 * 512 + 127 * 4, 2)

        XCTAssertEqual(domainError { try ScanInspector.inspect(ole, fileName: "scan.doc") }?.code, "scan_type")
    }

    func test_directory_sector_beyond_the_file_is_refused() {
        var ole = ScanFiles.ole()
        ScanFiles.put32(&ole, at: 48, 0x00FF_FFFF)

        XCTAssertEqual(domainError { try ScanInspector.inspect(ole, fileName: "scan.doc") }?.code, "scan_type")
    }

    func test_ole_sector_size_other_than_512_or_4096_is_refused() {
        var ole = ScanFiles.ole()
        ScanFiles.put16(&ole, at: 30, 10)

        XCTAssertEqual(domainError { try ScanInspector.inspect(ole, fileName: "scan.doc") }?.code, "scan_type")
    }

    func test_ole_header_without_sectors_is_truncated_and_refused() {
        let header = Array(ScanFiles.ole()[..<512])

        XCTAssertEqual(domainError { try ScanInspector.inspect(header, fileName: "scan.doc") }?.code, "scan_type")
    }

    func test_doc_named_docx_is_an_extension_mismatch() {
        let error = domainError { try ScanInspector.inspect(ScanFiles.ole(), fileName: "scan.docx") }

        XCTAssertEqual(error?.code, "scan_extension_mismatch")
        XCTAssertTrue(error?.en.contains(".doc") ?? false)
    }

    // MARK: - Other content and names

    func test_png_is_refused_naming_the_allowed_types() {
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + Array("IHDR".utf8)

        let error = domainError { try ScanInspector.inspect(png, fileName: "scan.pdf") }

        XCTAssertEqual(error?.code, "scan_type")
        for type in [".pdf", ".docx", ".doc"] {
            XCTAssertTrue(error?.vi.contains(type) ?? false, type)
            XCTAssertTrue(error?.en.contains(type) ?? false, type)
        }
    }

    func test_jpeg_is_refused() {
        let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10] + Array("JFIF".utf8) + [0, 1, 1, 0, 0, 1, 0, 1, 0, 0]

        XCTAssertEqual(domainError { try ScanInspector.inspect(jpeg, fileName: "scan.doc") }?.code, "scan_type")
    }

    func test_html_is_refused() {
        let html = Array("<!DOCTYPE html><html><script>alert(1)</script></html>".utf8)

        XCTAssertEqual(domainError { try ScanInspector.inspect(html, fileName: "scan.pdf") }?.code, "scan_type")
    }

    func test_windows_executable_is_refused() {
        let exe: [UInt8] = Array("MZ".utf8) + [UInt8](repeating: 0x90, count: 126)

        XCTAssertEqual(domainError { try ScanInspector.inspect(exe, fileName: "scan.docx") }?.code, "scan_type")
    }

    func test_plain_text_is_refused() {
        let text = Array("Nguyễn Văn A, CCCD 001090001234".utf8)

        XCTAssertEqual(domainError { try ScanInspector.inspect(text, fileName: "scan.doc") }?.code, "scan_type")
    }

    func test_empty_file_is_refused_as_empty() {
        XCTAssertEqual(domainError { try ScanInspector.inspect([], fileName: "scan.pdf") }?.code, "scan_empty")
    }

    func test_random_bytes_are_refused() {
        var rng = SeededGenerator(state: 7)
        let noise = (0..<4_096).map { _ in UInt8.random(in: 0...255, using: &rng) }

        XCTAssertEqual(domainError { try ScanInspector.inspect(noise, fileName: "scan.pdf") }?.code, "scan_type")
    }

    func test_name_without_extension_is_refused() {
        XCTAssertEqual(domainError { try ScanInspector.inspect(ScanFiles.pdf(), fileName: "scan") }?.code, "scan_name")
    }

    func test_executable_extension_is_refused() {
        XCTAssertEqual(domainError { try ScanInspector.inspect(ScanFiles.pdf(), fileName: "scan.exe") }?.code, "scan_name")
    }

    func test_extension_is_read_after_the_last_dot_only() {
        let error = domainError { try ScanInspector.inspect(ScanFiles.pdf(), fileName: "scan.pdf.exe") }

        XCTAssertEqual(error?.code, "scan_name")
    }

    func test_every_error_is_declared_and_has_nfc_messages() {
        let errors = [
            domainError { try ScanInspector.inspect(ScanFiles.pdf(totalLength: 5_242_881), fileName: "a.pdf") },
            domainError { try ScanInspector.inspect([], fileName: "a.pdf") },
            domainError { try ScanInspector.inspect([1, 2, 3], fileName: "a.pdf") },
            domainError { try ScanInspector.inspect(ScanFiles.pdf(), fileName: "a.doc") },
            domainError { try ScanInspector.inspect(ScanFiles.pdf(), fileName: "a") },
        ].compactMap { $0 }

        XCTAssertEqual(errors.map(\.code), ScanInspector.errorCodes)
        for error in errors {
            XCTAssertTrue(error.vi.isNFC && !error.vi.isEmpty, error.code)
            XCTAssertTrue(error.en.isNFC && !error.en.isEmpty, error.code)
        }
    }

    func test_mime_types_match_each_kind() {
        XCTAssertEqual(ScanKind.pdf.mimeType, "application/pdf")
        XCTAssertEqual(ScanKind.docx.mimeType,
                       "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        XCTAssertEqual(ScanKind.doc.mimeType, "application/msword")
    }

    // MARK: - Fuzz

    func test_random_byte_arrays_never_crash() {
        var rng = SeededGenerator(state: 2025)
        let prefixes: [[UInt8]] = [[], Array("%PDF-1.4\n".utf8), [0x50, 0x4B, 0x03, 0x04], ScanInspector.oleMagic]
        for i in 0..<2_000 {
            let length = Int.random(in: 0...3_000, using: &rng)
            let noise = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let bytes = prefixes[i % prefixes.count] + noise

            assertReturnsOrThrowsDeclared(bytes, name: ["a.pdf", "a.docx", "a.doc"][i % 3])
        }
    }

    func test_mutations_of_every_valid_fixture_never_crash() {
        var rng = SeededGenerator(state: 91)
        let fixtures: [([UInt8], String)] = [
            (ScanFiles.pdf(), "a.pdf"), (ScanFiles.docx(), "a.docx"),
            (ScanFiles.ole(), "a.doc"), (ScanFiles.ole(sectorShift: 12), "a.doc"),
        ]
        for (fixture, name) in fixtures {
            for _ in 0..<500 {
                let mutant = ScanFiles.mutate(fixture, using: &rng)

                assertReturnsOrThrowsDeclared(mutant, name: name)
            }
        }
    }

    // MARK: - Download name

    func test_safe_name_transliterates_vietnamese_to_ascii() {
        let name = ScanInspector.safeFileName("CCCD Nguyễn Văn A (mặt trước).pdf", kind: .pdf)

        XCTAssertEqual(name, "CCCD_Nguyen_Van_A_mat_truoc.pdf")
        XCTAssertTrue(name.unicodeScalars.allSatisfy(\.isASCII))
    }

    func test_safe_name_writes_d_with_stroke_as_d() {
        XCTAssertEqual(ScanInspector.safeFileName("Đơn đề nghị.doc", kind: .doc), "Don_de_nghi.doc")
    }

    func test_safe_name_drops_directories_and_parent_references() {
        let name = ScanInspector.safeFileName("../../etc/passwd", kind: .pdf)

        XCTAssertFalse(name.contains("/"))
        XCTAssertFalse(name.contains(".."))
        XCTAssertTrue(name.hasSuffix(".pdf"))
    }

    func test_safe_name_drops_windows_directories() {
        XCTAssertEqual(ScanInspector.safeFileName("C:\\fakepath\\scan.docx", kind: .docx), "scan.docx")
    }

    func test_safe_name_replaces_the_given_extension_with_the_kind() {
        XCTAssertEqual(ScanInspector.safeFileName("scan.pdf", kind: .docx), "scan.docx")
    }

    func test_safe_name_of_nothing_usable_is_scan() {
        XCTAssertEqual(ScanInspector.safeFileName("(((.pdf", kind: .pdf), "scan.pdf")
        XCTAssertEqual(ScanInspector.safeFileName("..", kind: .doc), "scan.doc")
        XCTAssertEqual(ScanInspector.safeFileName("", kind: .docx), "scan.docx")
    }

    func test_safe_name_is_at_most_100_characters() {
        let name = ScanInspector.safeFileName(String(repeating: "ảnh ", count: 80) + ".docx", kind: .docx)

        XCTAssertLessThanOrEqual(name.count, 100)
        XCTAssertTrue(name.hasSuffix(".docx"))
        XCTAssertFalse(name.contains("_.docx"))
    }

    func test_safe_name_uses_only_allowed_characters() {
        var rng = SeededGenerator(state: 5)
        let alphabet = Array("aăâđêôơưAĂĐ ./\\:*?\"<>|\u{0}\u{202E}-_…漢字ｆｕｌｌ😀0123456789")
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        for _ in 0..<500 {
            let raw = String((0..<Int.random(in: 0...150, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
            let kind = ScanKind.allCases.randomElement(using: &rng)!

            let name = ScanInspector.safeFileName(raw, kind: kind)

            XCTAssertTrue(name.allSatisfy(allowed.contains), name)
            XCTAssertLessThanOrEqual(name.count, 100, name)
            XCTAssertTrue(name.hasSuffix("." + kind.rawValue), name)
            XCTAssertFalse(name.contains(".."), name)
            XCTAssertFalse(name.hasPrefix(".") || name.hasPrefix("-"), name)
        }
    }

    // MARK: - Helpers

    private func assertReturnsOrThrowsDeclared(_ bytes: [UInt8], name: String,
                                               file: StaticString = #filePath, line: UInt = #line) {
        if let error = domainError({ try ScanInspector.inspect(bytes, fileName: name) }, file: file, line: line) {
            XCTAssertTrue(ScanInspector.errorCodes.contains(error.code), error.code, file: file, line: line)
        }
    }
}

/// What only these tests do to the shared scan files: patch, read and mutate their bytes.
private extension ScanFiles {
    static func put16(_ bytes: inout [UInt8], at: Int, _ v: UInt16) {
        bytes.replaceSubrange(at..<(at + 2), with: le16(v))
    }

    static func put32(_ bytes: inout [UInt8], at: Int, _ v: UInt32) {
        bytes.replaceSubrange(at..<(at + 4), with: le32(v))
    }

    static func read32(_ bytes: [UInt8], at: Int) -> Int {
        (0..<4).reduce(0) { $0 | Int(bytes[at + $1]) << (8 * $1) }
    }

    /// Flipped bytes, hostile 32-bit values (the kind that break offset arithmetic), truncation.
    static func mutate(_ original: [UInt8], using rng: inout SeededGenerator) -> [UInt8] {
        var bytes = original
        let hostile: [UInt32] = [0, 1, 0x7FFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFE, 0xFFFF_FFFD, 0x8000_0000, 0xFFFF]
        for _ in 0..<Int.random(in: 1...6, using: &rng) where bytes.count >= 4 {
            let at = Int.random(in: 0...(bytes.count - 4), using: &rng)
            switch Int.random(in: 0..<3, using: &rng) {
            case 0: bytes[at] = UInt8.random(in: 0...255, using: &rng)
            case 1: put32(&bytes, at: at, hostile.randomElement(using: &rng)!)
            default: put32(&bytes, at: at, UInt32.random(in: 0...UInt32.max, using: &rng))
            }
        }
        if Int.random(in: 0..<4, using: &rng) == 0 {
            bytes.removeLast(Int.random(in: 0...bytes.count, using: &rng))
        }
        return bytes
    }
}
