// Hostile ID-card scans through the counter API (ASVS V12): a zip bomb, an OLE file that is not Word, cut-short
// files and polyglots are refused with 415 before anything is stored — no draft, no scan row, no audit record.
import Fluent
import Foundation
import XCTVapor
@testable import App

final class HostileUploadTests: XCTestCase {
    struct Officer {
        let token: String
        let unit: String
    }

    /// The demo officer of the commune one-stop desk, signed in.
    func officer(_ ctx: TestContext) async throws -> Officer {
        try await DemoCommand.load(ctx.app)
        let token = try await ctx.signIn(CounterAPITests.officerID, DemoCommand.password, phone: "+84912000004")
        let unit = try await Unit.query(on: ctx.app.db).filter(\.$code == "DEMO-HY-VL-LD-BPMC").first()!.id!.uuidString.lowercased()
        return Officer(token: token, unit: unit)
    }

    func draft(_ ctx: TestContext, _ officer: Officer, filename: String, type: String, bytes: [UInt8],
               contentEncoding: String? = nil) async throws -> XCTHTTPResponse {
        var form = CounterAPITests.Multipart()
        form.field("idNumber", "036190001234")
        form.field("fullName", "Lê Thị Cúc")
        form.field("dateOfBirth", "1990-02-03")
        form.field("phone", "0987000111")
        form.field("unitId", officer.unit)
        form.file("idScan", filename: filename, type: type, bytes: bytes)
        let body = form.finish()
        var headers = HTTPHeaders()
        headers.bearerAuthorization = .init(token: officer.token)
        headers.replaceOrAdd(name: .contentType, value: "multipart/form-data; boundary=\(form.boundary)")
        if let contentEncoding { headers.replaceOrAdd(name: .contentEncoding, value: contentEncoding) }
        var result: XCTHTTPResponse!
        try await ctx.app.test(.POST, "/api/v1/admin/citizen-accounts/drafts", headers: headers, body: body) { res async in result = res }
        return result
    }

    /// 415 with the idScan field named, and nothing written: the refusal happens before the transaction.
    func assertRefusedAndNothingStored(_ res: XCTHTTPResponse, _ ctx: TestContext, _ what: String,
                                       file: StaticString = #filePath, line: UInt = #line) async throws {
        XCTAssertEqual(res.status, .unsupportedMediaType, "\(what): \(res.body.string)", file: file, line: line)
        XCTAssertEqual(res.errorCode, "unsupported_media_type", what, file: file, line: line)
        let fields = (res.json?["error"] as? [String: Any])?["fields"] as? [String: Any]
        XCTAssertNotNil(fields?["idScan"], "\(what): the message is put next to the file field", file: file, line: line)
        let drafts = try await CitizenDraft.query(on: ctx.app.db).count()
        let scans = try await IDScan.query(on: ctx.app.db).count()
        let audited = try await AuditEvent.query(on: ctx.app.db).filter(\.$action == "draft.create").count()
        XCTAssertEqual(drafts, 0, "\(what): no draft", file: file, line: line)
        XCTAssertEqual(scans, 0, "\(what): no scan row", file: file, line: line)
        XCTAssertEqual(audited, 0, "\(what): no draft.create record", file: file, line: line)
    }

    func test_a_docx_zip_bomb_is_refused_from_its_directory_and_nothing_is_stored() async throws {
        try await withEachDatabase { ctx in
            let officer = try await self.officer(ctx)
            // word/document.xml: 2 KB on disk, 3.9 GB once inflated according to the central directory.
            let bomb = HostileFiles.zip([
                .init("[Content_Types].xml", HostileFiles.contentTypesXML),
                .init("word/document.xml", [UInt8](repeating: 0x5A, count: 2048), declaredUncompressed: 3_900_000_000),
            ])
            let res = try await self.draft(ctx, officer, filename: "cccd.docx", type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                                           bytes: bomb)
            try await self.assertRefusedAndNothingStored(res, ctx, "declared 3.9 GB")

            // Many entries, each modest, adding up far beyond what any Word file holds.
            let spread = HostileFiles.zip([.init("[Content_Types].xml", HostileFiles.contentTypesXML), .init("word/document.xml", HostileFiles.documentXML)]
                + (0..<30).map { .init("word/media/image\($0).png", [UInt8](repeating: 0, count: 64), declaredUncompressed: 9_000_000) })
            let many = try await self.draft(ctx, officer, filename: "cccd.docx", type: "application/octet-stream", bytes: spread)
            try await self.assertRefusedAndNothingStored(many, ctx, "30 entries of 9 MB each")

            // The same archive without the bomb is a valid .docx: the refusals above are about the sizes.
            let honest = HostileFiles.zip([.init("[Content_Types].xml", HostileFiles.contentTypesXML), .init("word/document.xml", HostileFiles.documentXML)])
            let ok = try await self.draft(ctx, officer, filename: "cccd.docx", type: "application/octet-stream", bytes: honest)
            XCTAssertEqual(ok.status, .created, ok.body.string)
        }
    }

    func test_an_ole_file_holding_a_workbook_instead_of_a_word_document_is_refused() async throws {
        try await withEachDatabase { ctx in
            let officer = try await self.officer(ctx)
            let excel = try await self.draft(ctx, officer, filename: "cccd.doc", type: "application/msword", bytes: HostileFiles.ole(streamName: "Workbook"))
            try await self.assertRefusedAndNothingStored(excel, ctx, "OLE2 with a Workbook stream")

            let word = try await self.draft(ctx, officer, filename: "cccd.doc", type: "application/msword", bytes: HostileFiles.ole(streamName: "WordDocument"))
            XCTAssertEqual(word.status, .created, "the same file with a WordDocument stream is a .doc: \(word.body.string)")
        }
    }

    func test_truncated_files_are_refused() async throws {
        try await withEachDatabase { ctx in
            let officer = try await self.officer(ctx)
            let pdf = CounterAPITests.pdf(size: 40_000)
            let cutPDF = try await self.draft(ctx, officer, filename: "cccd.pdf", type: "application/pdf", bytes: Array(pdf.prefix(20_000)))
            try await self.assertRefusedAndNothingStored(cutPDF, ctx, "a PDF cut in half")

            let docx = HostileFiles.zip([.init("[Content_Types].xml", HostileFiles.contentTypesXML), .init("word/document.xml", HostileFiles.documentXML)])
            let cutDOCX = try await self.draft(ctx, officer, filename: "cccd.docx", type: "application/octet-stream", bytes: Array(docx.dropLast(30)))
            try await self.assertRefusedAndNothingStored(cutDOCX, ctx, "a DOCX without its end record")

            let doc = HostileFiles.ole(streamName: "WordDocument")
            let cutDOC = try await self.draft(ctx, officer, filename: "cccd.doc", type: "application/msword", bytes: Array(doc.prefix(1024)))
            try await self.assertRefusedAndNothingStored(cutDOC, ctx, "a DOC cut before its directory")
        }
    }

    /// Nobody compresses what they send here; a compressed body (a classic way to make a small upload inflate
    /// in memory) is refused before it is read, and an explicit `identity` is what it says.
    func test_a_compressed_body_is_refused_before_it_is_read() async throws {
        try await withEachDatabase { ctx in
            let officer = try await self.officer(ctx)
            let pdf = CounterAPITests.pdf(size: 3_000)
            for encoding in ["gzip", "deflate", "br", " GZip "] {
                let res = try await self.draft(ctx, officer, filename: "cccd.pdf", type: "application/pdf", bytes: pdf, contentEncoding: encoding)
                XCTAssertEqual(res.status, .unsupportedMediaType, "\(encoding): \(res.body.string)")
                XCTAssertEqual(res.errorCode, "unsupported_content_encoding", encoding)
            }
            let drafts = try await CitizenDraft.query(on: ctx.app.db).count()
            let scans = try await IDScan.query(on: ctx.app.db).count()
            XCTAssertEqual(drafts, 0, "no draft from a compressed body")
            XCTAssertEqual(scans, 0, "no scan from a compressed body")

            let plain = try await self.draft(ctx, officer, filename: "cccd.pdf", type: "application/pdf", bytes: pdf, contentEncoding: "identity")
            XCTAssertEqual(plain.status, .created, plain.body.string)
        }
    }

    func test_polyglots_are_refused_whatever_their_name() async throws {
        try await withEachDatabase { ctx in
            let officer = try await self.officer(ctx)
            let docx = HostileFiles.zip([.init("[Content_Types].xml", HostileFiles.contentTypesXML), .init("word/document.xml", HostileFiles.documentXML)])
            // A PDF with a whole .docx appended: PDF readers take the head, ZIP readers the directory at the end.
            let pdfZip = CounterAPITests.pdf(size: 3_000) + docx
            for (name, type) in [("cccd.pdf", "application/pdf"), ("cccd.docx", "application/octet-stream")] {
                let res = try await self.draft(ctx, officer, filename: name, type: type, bytes: pdfZip)
                try await self.assertRefusedAndNothingStored(res, ctx, "PDF+ZIP named \(name)")
            }
            // A ZIP carrying a PDF header in its first kilobyte opens as either.
            let zipPDF = HostileFiles.zip([.init("%PDF-1.4 hidden", Array("%PDF-1.4\n%%EOF\n".utf8)),
                                           .init("[Content_Types].xml", HostileFiles.contentTypesXML), .init("word/document.xml", HostileFiles.documentXML)])
            let zipFirst = try await self.draft(ctx, officer, filename: "cccd.docx", type: "application/octet-stream", bytes: zipPDF)
            try await self.assertRefusedAndNothingStored(zipFirst, ctx, "ZIP with a PDF header inside")
            // HTML in a PDF's first kilobyte: a browser sniffing it would render a page.
            let html = Array("%PDF-1.7\n<HTML><body onload=alert(1)>\n".utf8) + CounterAPITests.pdf(size: 2_000).dropFirst(9)
            let page = try await self.draft(ctx, officer, filename: "cccd.pdf", type: "application/pdf", bytes: Array(html))
            try await self.assertRefusedAndNothingStored(page, ctx, "HTML in a PDF")
        }
    }
}

/// Files written byte by byte, so each test shows exactly the structure it sends.
enum HostileFiles {
    struct Entry {
        var name: String
        var data: [UInt8]
        var declaredUncompressed: Int?

        init(_ name: String, _ data: [UInt8], declaredUncompressed: Int? = nil) {
            self.name = name
            self.data = data
            self.declaredUncompressed = declaredUncompressed
        }
    }

    static let contentTypesXML = Array("""
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" \
        ContentType="application/xml"/><Override PartName="/word/document.xml" \
        ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>
        """.utf8)

    static let documentXML = Array("""
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r>\
        <w:t>CCCD</w:t></w:r></w:p></w:body></w:document>
        """.utf8)

    /// Local headers with their data, the central directory, the end record. An entry with a declared size
    /// claims deflate, since only compression could explain the difference; its CRC is left at zero.
    static func zip(_ entries: [Entry]) -> [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        for entry in entries {
            let name = Array(entry.name.utf8)
            let method: UInt16 = entry.declaredUncompressed == nil ? 0 : 8
            let uncompressed = UInt32(entry.declaredUncompressed ?? entry.data.count)
            let offset = UInt32(out.count)
            out += le32(0x0403_4B50) + le16(20) + le16(0) + le16(method) + le16(0) + le16(0x21)
            out += le32(0) + le32(UInt32(entry.data.count)) + le32(uncompressed)
            out += le16(UInt16(name.count)) + le16(0) + name + entry.data
            central += le32(0x0201_4B50) + le16(20) + le16(20) + le16(0) + le16(method) + le16(0) + le16(0x21)
            central += le32(0) + le32(UInt32(entry.data.count)) + le32(uncompressed)
            central += le16(UInt16(name.count)) + le16(0) + le16(0) + le16(0) + le16(0) + le32(0) + le32(offset)
            central += name
        }
        let directoryOffset = UInt32(out.count)
        out += central
        out += le32(0x0605_4B50) + le16(0) + le16(0) + le16(UInt16(entries.count)) + le16(UInt16(entries.count))
        out += le32(UInt32(central.count)) + le32(directoryOffset) + le16(0)
        return out
    }

    static let endOfChain: UInt32 = 0xFFFF_FFFE
    static let free: UInt32 = 0xFFFF_FFFF

    /// An OLE2 compound file of 512-byte sectors: header, FAT in sector 0, directory in sector 1 holding a
    /// Root Entry whose only child is one stream of the given name.
    static func ole(streamName: String) -> [UInt8] {
        var header: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] + [UInt8](repeating: 0, count: 16)
        header += le16(0x3E) + le16(3) + le16(0xFFFE) + le16(9) + le16(6) + [UInt8](repeating: 0, count: 6)
        header += le32(0) + le32(1) + le32(1) + le32(0) + le32(4_096)
        header += le32(endOfChain) + le32(0) + le32(endOfChain) + le32(0)
        header += le32(0) + (1..<109).flatMap { _ in le32(free) }
        header += [UInt8](repeating: 0, count: 512 - header.count)
        let fat = le32(0xFFFF_FFFD) + le32(endOfChain) + (2..<128).flatMap { _ in le32(free) }
        var directory = entry(name: "Root Entry", type: 5, child: 1) + entry(name: streamName, type: 2, child: free)
        while directory.count < 512 { directory += entry(name: "", type: 0, child: free) }
        return header + fat + directory
    }

    private static func entry(name: String, type: UInt8, child: UInt32) -> [UInt8] {
        let units = Array(name.utf16)
        var out = units.flatMap { le16($0) }
        out += [UInt8](repeating: 0, count: 64 - out.count)
        out += le16(units.isEmpty ? 0 : UInt16((units.count + 1) * 2)) + [type, 1]
        out += le32(free) + le32(free) + le32(child)
        out += [UInt8](repeating: 0, count: 36)
        out += le32(type == 2 ? 0 : endOfChain) + le32(0) + le32(0)
        return out
    }

    static func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
    static func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }
}
