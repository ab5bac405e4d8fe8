// Hostile ID-card scans through the counter API (ASVS V12): a zip bomb, an OLE file that is not Word, cut-short
// files and polyglots are refused with 415 before anything is stored — no draft, no scan row, no audit record.
import Fluent
import Foundation
import ScanFixtures
import XCTVapor
@testable import App

final class HostileUploadTests: XCTestCase {
    /// 415 with the idScan field named, and nothing written: the refusal happens before the transaction.
    func assertRefusedAndNothingStored(_ res: XCTHTTPResponse, _ ctx: TestContext, _ what: String,
                                       file: StaticString = #filePath, line: UInt = #line) async throws {
        XCTAssertEqual(res.status, .unsupportedMediaType, "\(what): \(res.body.string)", file: file, line: line)
        XCTAssertEqual(res.errorCode, "unsupported_media_type", what, file: file, line: line)
        XCTAssertNotNil(res.errorFields?["idScan"], "\(what): the message is put next to the file field", file: file, line: line)
        let drafts = try await CitizenDraft.query(on: ctx.app.db).count()
        let scans = try await IDScan.query(on: ctx.app.db).count()
        let audited = try await AuditEvent.query(on: ctx.app.db).filter(\.$action == "draft.create").count()
        XCTAssertEqual(drafts, 0, "\(what): no draft", file: file, line: line)
        XCTAssertEqual(scans, 0, "\(what): no scan row", file: file, line: line)
        XCTAssertEqual(audited, 0, "\(what): no draft.create record", file: file, line: line)
    }

    func test_a_docx_zip_bomb_is_refused_from_its_directory_and_nothing_is_stored() async throws {
        try await withEachDatabase { ctx in
            let officer = try await ctx.signedInOfficer()
            // word/document.xml: 2 KB on disk, 3.9 GB once inflated according to the central directory.
            let bomb = ScanFiles.zip([
                .init("[Content_Types].xml", ScanFiles.contentTypesXML),
                .init("word/document.xml", [UInt8](repeating: 0x5A, count: 2048), declaredUncompressed: 3_900_000_000),
            ])
            let res = try await ctx.uploadDraft(as: officer, filename: "cccd.docx",
                                                type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", scan: bomb)
            try await self.assertRefusedAndNothingStored(res, ctx, "declared 3.9 GB")

            // Many entries, each modest, adding up far beyond what any Word file holds.
            let spread = ScanFiles.zip(ScanFiles.docxEntries
                + (0..<30).map { .init("word/media/image\($0).png", [UInt8](repeating: 0, count: 64), declaredUncompressed: 9_000_000) })
            let many = try await ctx.uploadDraft(as: officer, filename: "cccd.docx", type: "application/octet-stream", scan: spread)
            try await self.assertRefusedAndNothingStored(many, ctx, "30 entries of 9 MB each")

            // The same archive without the bomb is a valid .docx: the refusals above are about the sizes.
            let honest = ScanFiles.docx()
            let ok = try await ctx.uploadDraft(as: officer, filename: "cccd.docx", type: "application/octet-stream", scan: honest)
            XCTAssertEqual(ok.status, .created, ok.body.string)
        }
    }

    func test_an_ole_file_holding_a_workbook_instead_of_a_word_document_is_refused() async throws {
        try await withEachDatabase { ctx in
            let officer = try await ctx.signedInOfficer()
            let excel = try await ctx.uploadDraft(as: officer, filename: "cccd.doc", type: "application/msword", scan: ScanFiles.ole(streamName: "Workbook"))
            try await self.assertRefusedAndNothingStored(excel, ctx, "OLE2 with a Workbook stream")

            let word = try await ctx.uploadDraft(as: officer, filename: "cccd.doc", type: "application/msword", scan: ScanFiles.ole(streamName: "WordDocument"))
            XCTAssertEqual(word.status, .created, "the same file with a WordDocument stream is a .doc: \(word.body.string)")
        }
    }

    func test_truncated_files_are_refused() async throws {
        try await withEachDatabase { ctx in
            let officer = try await ctx.signedInOfficer()
            let pdf = ScanFiles.pdf(totalLength: 40_000)
            let cutPDF = try await ctx.uploadDraft(as: officer, filename: "cccd.pdf", type: "application/pdf", scan: Array(pdf.prefix(20_000)))
            try await self.assertRefusedAndNothingStored(cutPDF, ctx, "a PDF cut in half")

            let docx = ScanFiles.docx()
            let cutDOCX = try await ctx.uploadDraft(as: officer, filename: "cccd.docx", type: "application/octet-stream", scan: Array(docx.dropLast(30)))
            try await self.assertRefusedAndNothingStored(cutDOCX, ctx, "a DOCX without its end record")

            let doc = ScanFiles.ole(streamName: "WordDocument")
            let cutDOC = try await ctx.uploadDraft(as: officer, filename: "cccd.doc", type: "application/msword", scan: Array(doc.prefix(1024)))
            try await self.assertRefusedAndNothingStored(cutDOC, ctx, "a DOC cut before its directory")
        }
    }

    /// Nobody compresses what they send here; a compressed body (a classic way to make a small upload inflate
    /// in memory) is refused before it is read, and an explicit `identity` is what it says.
    func test_a_compressed_body_is_refused_before_it_is_read() async throws {
        try await withEachDatabase { ctx in
            let officer = try await ctx.signedInOfficer()
            let pdf = ScanFiles.pdf(totalLength: 3_000)
            for encoding in ["gzip", "deflate", "br", " GZip "] {
                let res = try await ctx.uploadDraft(as: officer, filename: "cccd.pdf", type: "application/pdf", scan: pdf, contentEncoding: encoding)
                XCTAssertEqual(res.status, .unsupportedMediaType, "\(encoding): \(res.body.string)")
                XCTAssertEqual(res.errorCode, "unsupported_content_encoding", encoding)
            }
            let drafts = try await CitizenDraft.query(on: ctx.app.db).count()
            let scans = try await IDScan.query(on: ctx.app.db).count()
            XCTAssertEqual(drafts, 0, "no draft from a compressed body")
            XCTAssertEqual(scans, 0, "no scan from a compressed body")

            let plain = try await ctx.uploadDraft(as: officer, filename: "cccd.pdf", type: "application/pdf", scan: pdf, contentEncoding: "identity")
            XCTAssertEqual(plain.status, .created, plain.body.string)
        }
    }

    func test_polyglots_are_refused_whatever_their_name() async throws {
        try await withEachDatabase { ctx in
            let officer = try await ctx.signedInOfficer()
            let docx = ScanFiles.docx()
            // A PDF with a whole .docx appended: PDF readers take the head, ZIP readers the directory at the end.
            let pdfZip = ScanFiles.pdf(totalLength: 3_000) + docx
            for (name, type) in [("cccd.pdf", "application/pdf"), ("cccd.docx", "application/octet-stream")] {
                let res = try await ctx.uploadDraft(as: officer, filename: name, type: type, scan: pdfZip)
                try await self.assertRefusedAndNothingStored(res, ctx, "PDF+ZIP named \(name)")
            }
            // A ZIP carrying a PDF header in its first kilobyte opens as either.
            let zipPDF = ScanFiles.zip([.init("%PDF-1.4 hidden", Array("%PDF-1.4\n%%EOF\n".utf8))] + ScanFiles.docxEntries)
            let zipFirst = try await ctx.uploadDraft(as: officer, filename: "cccd.docx", type: "application/octet-stream", scan: zipPDF)
            try await self.assertRefusedAndNothingStored(zipFirst, ctx, "ZIP with a PDF header inside")
            // HTML in a PDF's first kilobyte: a browser sniffing it would render a page.
            let html = Array("%PDF-1.7\n<HTML><body onload=alert(1)>\n".utf8) + ScanFiles.pdf(totalLength: 2_000).dropFirst(9)
            let page = try await ctx.uploadDraft(as: officer, filename: "cccd.pdf", type: "application/pdf", scan: Array(html))
            try await self.assertRefusedAndNothingStored(page, ctx, "HTML in a PDF")
        }
    }
}
