// ID-card scans for the tests: the scan inspector's (DomainTests) and the counter upload's (AppTests).

/// Files built byte by byte, so each test shows exactly which structure it exercises.
public enum ScanFiles {
    // MARK: PDF

    /// A one-page PDF with a correct cross-reference table. `totalLength` pads it with comment lines
    /// after the header, which readers skip, to hit an exact size.
    public static func pdf(afterHeader: String = "", totalLength: Int? = nil) -> [UInt8] {
        guard let target = totalLength else { return pdf(afterHeader: afterHeader, padding: 0) }
        var padding = max(0, target - pdf(afterHeader: afterHeader, padding: 0).count)
        // The startxref number grows a digit or two with the padding; settle it in a few rounds.
        for _ in 0..<4 {
            let length = pdf(afterHeader: afterHeader, padding: padding).count
            if length == target { break }
            padding += target - length
        }
        return pdf(afterHeader: afterHeader, padding: padding)
    }

    private static func pdf(afterHeader: String, padding: Int) -> [UInt8] {
        var out: [UInt8] = Array("%PDF-1.4\n".utf8) + [0x25, 0xE2, 0xE3, 0xCF, 0xD3, 0x0A] + Array(afterHeader.utf8)
        var remaining = padding
        while remaining > 0 {
            let line = min(remaining, 80)
            out += line == 1 ? [0x0A] : [0x25] + [UInt8](repeating: 0x20, count: line - 2) + [0x0A]
            remaining -= line
        }
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << >> >>",
        ]
        var offsets: [Int] = []
        for (i, body) in objects.enumerated() {
            offsets.append(out.count)
            out += Array("\(i + 1) 0 obj\n\(body)\nendobj\n".utf8)
        }
        let xref = out.count
        var table = "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for offset in offsets {
            let digits = String(offset)
            table += String(repeating: "0", count: 10 - digits.count) + digits + " 00000 n \n"
        }
        table += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        return out + Array(table.utf8)
    }

    // MARK: ZIP

    public struct ZipEntry: Sendable {
        public var name: String
        public var data: [UInt8]
        public var declaredUncompressed: Int?

        public init(_ name: String, _ data: [UInt8], declaredUncompressed: Int? = nil) {
            self.name = name
            self.data = data
            self.declaredUncompressed = declaredUncompressed
        }
    }

    public static let contentTypesXML = Array("""
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" \
        ContentType="application/xml"/><Override PartName="/word/document.xml" \
        ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>
        """.utf8)

    public static let documentXML = Array("""
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r>\
        <w:t>CCCD</w:t></w:r></w:p></w:body></w:document>
        """.utf8)

    public static let docxEntries = [
        ZipEntry("[Content_Types].xml", contentTypesXML),
        ZipEntry("word/document.xml", documentXML),
    ]

    public static func docx() -> [UInt8] { zip(docxEntries) }

    public static func filler(_ count: Int) -> [ZipEntry] {
        (0..<count).map { ZipEntry("word/media/f\($0).xml", [0x20]) }
    }

    /// A ZIP written the way any archiver does: local headers with data, central directory, end record.
    /// Entries with a declared size claim deflate, since only compression could explain the difference.
    public static func zip(_ entries: [ZipEntry], comment: [UInt8] = []) -> [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        for entry in entries {
            let name = Array(entry.name.utf8)
            let crc = crc32(entry.data)
            let method: UInt16 = entry.declaredUncompressed == nil ? 0 : 8
            let uncompressed = UInt32(entry.declaredUncompressed ?? entry.data.count)
            let offset = UInt32(out.count)

            out += le32(0x0403_4B50) + le16(20) + le16(0) + le16(method) + le16(0) + le16(0x21)
            out += le32(crc) + le32(UInt32(entry.data.count)) + le32(uncompressed)
            out += le16(UInt16(name.count)) + le16(0) + name + entry.data

            central += le32(0x0201_4B50) + le16(20) + le16(20) + le16(0) + le16(method) + le16(0) + le16(0x21)
            central += le32(crc) + le32(UInt32(entry.data.count)) + le32(uncompressed)
            central += le16(UInt16(name.count)) + le16(0) + le16(0) + le16(0) + le16(0) + le32(0) + le32(offset)
            central += name
        }
        let directoryOffset = UInt32(out.count)
        out += central
        out += le32(0x0605_4B50) + le16(0) + le16(0) + le16(UInt16(entries.count)) + le16(UInt16(entries.count))
        out += le32(UInt32(central.count)) + le32(directoryOffset) + le16(UInt16(comment.count)) + comment
        return out
    }

    public static func crc32(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    // MARK: OLE2

    public static let oleMagic: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]

    public static let freeSector: UInt32 = 0xFFFF_FFFF
    public static let endOfChain: UInt32 = 0xFFFF_FFFE
    public static let fatSector: UInt32 = 0xFFFF_FFFD
    public static let noStream: UInt32 = 0xFFFF_FFFF

    /// Header, FAT in sector 0, directory in sector 1: a Root Entry whose only child is one stream.
    public static func ole(streamName: String = "WordDocument", sectorShift: Int = 9) -> [UInt8] {
        let sectorSize = 1 << sectorShift
        var header = oleMagic + [UInt8](repeating: 0, count: 16)
        header += le16(0x3E) + le16(sectorShift == 9 ? 3 : 4) + le16(0xFFFE) + le16(UInt16(sectorShift)) + le16(6)
        header += [UInt8](repeating: 0, count: 6)
        header += le32(sectorShift == 9 ? 0 : 1)  // directory sectors: counted only in version 4
        header += le32(1) + le32(1) + le32(0) + le32(4_096)  // FAT sectors, directory start, transaction, cutoff
        header += le32(endOfChain) + le32(0) + le32(endOfChain) + le32(0)  // no mini FAT, no DIFAT sectors
        header += le32(0) + (1..<109).flatMap { _ in le32(freeSector) }
        header += [UInt8](repeating: 0, count: sectorSize - header.count)

        var fat = le32(fatSector) + le32(endOfChain)
        fat += (2..<(sectorSize / 4)).flatMap { _ in le32(freeSector) }

        var directory = entry(name: "Root Entry", type: 5, child: 1)
        directory += entry(name: streamName, type: 2, child: noStream)
        while directory.count < sectorSize { directory += entry(name: "", type: 0, child: noStream) }

        return header + fat + directory
    }

    public static func directoryEntryOffset(_ id: Int) -> Int { 2 * 512 + id * 128 }

    private static func entry(name: String, type: UInt8, child: UInt32) -> [UInt8] {
        let units = Array(name.utf16)
        var out = units.flatMap { le16($0) }
        out += [UInt8](repeating: 0, count: 64 - out.count)
        out += le16(units.isEmpty ? 0 : UInt16((units.count + 1) * 2)) + [type, 1]
        out += le32(noStream) + le32(noStream) + le32(child)
        out += [UInt8](repeating: 0, count: 16 + 4 + 16)  // class id, state bits, times
        out += le32(type == 2 ? 0 : endOfChain) + le32(0) + le32(0)  // start sector, size
        return out
    }

    // MARK: Bytes

    public static func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
    public static func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }
}
