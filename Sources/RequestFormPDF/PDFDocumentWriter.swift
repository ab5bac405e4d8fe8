// A minimal PDF 1.7 writer: pages of text and lines, embedded subset TrueType fonts, exact xref.
import Foundation

/// A font registered with a `PDFDocumentWriter`; pass it to the drawing calls.
public struct PDFFont: Hashable, Sendable {
    let index: Int
}

public struct PDFPageSize: Sendable, Equatable {
    public var width: Double
    public var height: Double

    public init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    public static let a4 = PDFPageSize(width: 595.28, height: 841.89)
}

public struct PDFDocumentWriter: Sendable {
    struct FontUse: Sendable {
        let font: TrueTypeFont
        /// Glyph id → the text it stands for, for the ToUnicode map.
        var glyphText: [UInt16: String] = [:]
        var used: Bool = false
    }

    public var title: String
    public var producer: String
    public var creationDate: Date?
    /// Flate-compress streams; switched off only to read the output while debugging.
    public var compressStreams: Bool = true
    /// Embed only the outlines that the document uses.
    public var subsetFonts: Bool = true
    public let pageSize: PDFPageSize

    var fonts: [FontUse] = []
    var pages: [[UInt8]] = [[]]
    var missing: Set<Unicode.Scalar> = []

    public init(title: String, producer: String = "Citizen Portal", pageSize: PDFPageSize = .a4, creationDate: Date? = nil) {
        self.title = title
        self.producer = producer
        self.pageSize = pageSize
        self.creationDate = creationDate
    }

    /// Characters drawn so far that the chosen font has no glyph for; they show as the font's .notdef box.
    public var missingCharacters: [Unicode.Scalar] {
        missing.sorted { $0.value < $1.value }
    }

    public var pageCount: Int { pages.count }

    public mutating func addFont(_ font: TrueTypeFont) -> PDFFont {
        fonts.append(FontUse(font: font))
        return PDFFont(index: fonts.count - 1)
    }

    public func trueTypeFont(_ font: PDFFont) -> TrueTypeFont {
        fonts[font.index].font
    }

    public mutating func beginPage() {
        pages.append([])
    }

    // MARK: - Drawing

    public mutating func drawText(_ text: String, x: Double, y: Double, font: PDFFont, size: Double, gray: Double = 0) {
        let glyphs = glyphRun(text, font: font)
        guard !glyphs.isEmpty else { return }
        for (glyph, scalar) in glyphs {
            if glyph == 0 {
                missing.insert(scalar)
            } else if fonts[font.index].glyphText[glyph] == nil {
                fonts[font.index].glyphText[glyph] = String(Character(scalar))
            }
        }
        fonts[font.index].used = true
        // Hex glyph ids: user text never meets PDF string syntax, so nothing needs escaping.
        let hex = glyphs.map { String(format: "%04X", $0.glyph) }.joined()
        var operators = "BT\n"
        if gray != 0 { operators += "\(Self.number(gray)) g\n" }
        operators += "/F\(font.index + 1) \(Self.number(size)) Tf\n"
        operators += "1 0 0 1 \(Self.number(x)) \(Self.number(y)) Tm\n<\(hex)> Tj\nET\n"
        if gray != 0 { operators = "q\n" + operators + "Q\n" }
        appendContent(operators)
    }

    public mutating func drawLine(fromX x1: Double, y y1: Double, toX x2: Double, y y2: Double, lineWidth: Double = 0.5) {
        appendContent("\(Self.number(lineWidth)) w\n\(Self.number(x1)) \(Self.number(y1)) m \(Self.number(x2)) \(Self.number(y2)) l S\n")
    }

    public mutating func strokeRectangle(x: Double, y: Double, width: Double, height: Double, lineWidth: Double = 0.5) {
        appendContent("\(Self.number(lineWidth)) w\n\(Self.number(x)) \(Self.number(y)) \(Self.number(width)) \(Self.number(height)) re S\n")
    }

    /// Width in points of `text` set in `font` at `size`.
    public func width(of text: String, font: PDFFont, size: Double) -> Double {
        let metrics = fonts[font.index].font
        let units = glyphRun(text, font: font).reduce(0.0) { $0 + metrics.pdfWidth(ofGlyph: $1.glyph) }
        return units * size / 1000.0
    }

    private mutating func appendContent(_ operators: String) {
        pages[pages.count - 1].append(contentsOf: Array(operators.utf8))
    }

    /// NFC first, so that a decomposed "ễ" becomes the single precomposed glyph the font draws well.
    func glyphRun(_ text: String, font: PDFFont) -> [(glyph: UInt16, scalar: Unicode.Scalar)] {
        let metrics = fonts[font.index].font
        var run: [(glyph: UInt16, scalar: Unicode.Scalar)] = []
        for scalar in text.precomposedStringWithCanonicalMapping.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .control:
                // Tabs and newlines inside a single drawn line read as spaces.
                let space: Unicode.Scalar = " "
                run.append((metrics.glyphID(for: space), space))
            case .format:
                // Invisible joiners and direction overrides: drawn as nothing.
                continue
            default:
                run.append((metrics.glyphID(for: scalar), scalar))
            }
        }
        return run
    }

    // MARK: - Output

    public func finish() throws -> Data {
        var objects = ObjectTable()
        let catalog = objects.reserve()
        let info = objects.reserve()
        let pagesRoot = objects.reserve()

        var fontResources: [String] = []
        for (index, use) in fonts.enumerated() where use.used {
            let reference = try embed(use, into: &objects)
            fontResources.append("/F\(index + 1) \(reference) 0 R")
        }
        let resources = "<< /Font << \(fontResources.joined(separator: " ")) >> /ProcSet [/PDF /Text] >>"

        var pageReferences: [Int] = []
        for content in pages {
            let contentObject = objects.reserve()
            try objects.set(contentObject, stream: content, dictionary: "", compress: compressStreams)
            let page = objects.reserve()
            objects.set(page, "<< /Type /Page /Parent \(pagesRoot) 0 R /MediaBox [0 0 \(Self.number(pageSize.width)) \(Self.number(pageSize.height))] /Resources \(resources) /Contents \(contentObject) 0 R >>")
            pageReferences.append(page)
        }
        objects.set(pagesRoot, "<< /Type /Pages /Kids [\(pageReferences.map { "\($0) 0 R" }.joined(separator: " "))] /Count \(pageReferences.count) >>")
        objects.set(catalog, "<< /Type /Catalog /Pages \(pagesRoot) 0 R /Lang (vi-VN) >>")

        var infoEntries = "/Title \(Self.textString(title)) /Producer \(Self.textString(producer))"
        if let creationDate {
            infoEntries += " /CreationDate (\(Self.dateString(creationDate)))"
        }
        objects.set(info, "<< \(infoEntries) >>")

        return Data(objects.serialize(root: catalog, info: info))
    }

    /// Writes the Type0 → CIDFontType2 → FontDescriptor → FontFile2 chain and the ToUnicode map.
    private func embed(_ use: FontUse, into objects: inout ObjectTable) throws -> Int {
        let font = use.font
        let glyphs = Set(use.glyphText.keys).union([0])
        let program = subsetFonts ? try font.subset(keeping: glyphs) : font.bytes
        let baseName = (subsetFonts ? Self.subsetTag(font: font, glyphs: glyphs) + "+" : "") + font.postScriptName
        let scale = 1000.0 / Double(font.unitsPerEm)

        let fontFile = objects.reserve()
        try objects.set(fontFile, stream: program, dictionary: "/Length1 \(program.count)", compress: compressStreams)

        var flags = 4  // symbolic: the glyphs go beyond the Adobe standard Latin set
        if font.isFixedPitch { flags |= 1 }
        if font.italicAngle != 0 { flags |= 64 }
        // PDF wants a stem width; derive a plausible one from the weight class, as no table records it.
        let stemV = Int(10 + 220 * Double(max(font.weightClass - 50, 0)) / 900)
        let box = font.boundingBox
        let descriptor = objects.reserve()
        objects.set(descriptor, """
            << /Type /FontDescriptor /FontName /\(baseName) /Flags \(flags) \
            /FontBBox [\(Int((Double(box.xMin) * scale).rounded())) \(Int((Double(box.yMin) * scale).rounded())) \
            \(Int((Double(box.xMax) * scale).rounded())) \(Int((Double(box.yMax) * scale).rounded()))] \
            /ItalicAngle \(Self.number(font.italicAngle)) /Ascent \(Int((Double(font.ascent) * scale).rounded())) \
            /Descent \(Int((Double(font.descent) * scale).rounded())) /CapHeight \(Int((Double(font.capHeight) * scale).rounded())) \
            /StemV \(stemV) /FontFile2 \(fontFile) 0 R >>
            """)

        let cidFont = objects.reserve()
        objects.set(cidFont, """
            << /Type /Font /Subtype /CIDFontType2 /BaseFont /\(baseName) \
            /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> \
            /FontDescriptor \(descriptor) 0 R /DW \(Int(font.pdfWidth(ofGlyph: 0).rounded())) \
            /W \(Self.widthsArray(font: font, glyphs: glyphs)) /CIDToGIDMap /Identity >>
            """)

        let toUnicode = objects.reserve()
        try objects.set(toUnicode, stream: Array(Self.toUnicodeCMap(use.glyphText).utf8), dictionary: "", compress: compressStreams)

        let type0 = objects.reserve()
        objects.set(type0, """
            << /Type /Font /Subtype /Type0 /BaseFont /\(baseName) /Encoding /Identity-H \
            /DescendantFonts [\(cidFont) 0 R] /ToUnicode \(toUnicode) 0 R >>
            """)
        return type0
    }

    /// `/W` with one `first [w1 w2 …]` group per run of consecutive glyph ids.
    static func widthsArray(font: TrueTypeFont, glyphs: Set<UInt16>) -> String {
        var groups: [String] = []
        var runStart: UInt16?
        var runWidths: [String] = []
        var previous: UInt16?
        for glyph in glyphs.sorted() {
            if let last = previous, glyph == last + 1 {
                runWidths.append(String(Int(font.pdfWidth(ofGlyph: glyph).rounded())))
            } else {
                if let start = runStart { groups.append("\(start) [\(runWidths.joined(separator: " "))]") }
                runStart = glyph
                runWidths = [String(Int(font.pdfWidth(ofGlyph: glyph).rounded()))]
            }
            previous = glyph
        }
        if let start = runStart { groups.append("\(start) [\(runWidths.joined(separator: " "))]") }
        return "[\(groups.joined(separator: " "))]"
    }

    static func toUnicodeCMap(_ glyphText: [UInt16: String]) -> String {
        var cmap = """
            /CIDInit /ProcSet findresource begin
            12 dict begin
            begincmap
            /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def
            /CMapName /Adobe-Identity-UCS def
            /CMapType 2 def
            1 begincodespacerange
            <0000> <FFFF>
            endcodespacerange

            """
        let entries = glyphText.sorted { $0.key < $1.key }
        // PostScript CMap blocks are limited to 100 entries each.
        var start = 0
        while start < entries.count {
            let block = entries[start..<min(start + 100, entries.count)]
            cmap += "\(block.count) beginbfchar\n"
            for (glyph, text) in block {
                let utf16 = text.utf16.map { String(format: "%04X", $0) }.joined()
                cmap += String(format: "<%04X>", glyph) + " <\(utf16)>\n"
            }
            cmap += "endbfchar\n"
            start += 100
        }
        cmap += """
            endcmap
            CMapName currentdict /CMap defineresource pop
            end
            end

            """
        return cmap
    }

    /// Six capitals derived from the glyph set, so equal subsets get equal names and different ones differ.
    static func subsetTag(font: TrueTypeFont, glyphs: Set<UInt16>) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in Array(font.postScriptName.utf8) + glyphs.sorted().flatMap({ [UInt8($0 >> 8), UInt8($0 & 0xFF)] }) {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3
        }
        var tag = ""
        for _ in 0..<6 {
            tag.append(Character(Unicode.Scalar(UInt8(65 + hash % 26))))
            hash /= 26
        }
        return tag
    }

    /// A PDF text string: UTF-16BE with a byte-order mark, written in hex so no escaping is needed.
    static func textString(_ text: String) -> String {
        "<FEFF" + text.precomposedStringWithCanonicalMapping.utf16.map { String(format: "%04X", $0) }.joined() + ">"
    }

    static func dateString(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "D:%04d%02d%02d%02d%02d%02dZ", parts.year!, parts.month!, parts.day!, parts.hour!, parts.minute!, parts.second!)
    }

    /// Numbers as PDF wants them: plain decimals, at most two places, never exponent notation.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let hundredths = Int((value * 100).rounded())
        if hundredths == 0 { return "0" }
        let sign = hundredths < 0 ? "-" : ""
        let magnitude = abs(hundredths)
        let whole = magnitude / 100
        let fraction = magnitude % 100
        if fraction == 0 { return "\(sign)\(whole)" }
        if fraction % 10 == 0 { return "\(sign)\(whole).\(fraction / 10)" }
        return "\(sign)\(whole).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}

/// Numbered indirect objects, serialized with a cross-reference table of exact byte offsets.
struct ObjectTable {
    private var bodies: [[UInt8]?] = []

    mutating func reserve() -> Int {
        bodies.append(nil)
        return bodies.count
    }

    mutating func set(_ number: Int, _ dictionary: String) {
        bodies[number - 1] = Array(dictionary.utf8)
    }

    mutating func set(_ number: Int, stream: [UInt8], dictionary: String, compress: Bool) throws {
        let data = compress ? [UInt8](try Deflate.zlib(Data(stream))) : stream
        let filter = compress ? " /Filter /FlateDecode" : ""
        let extra = dictionary.isEmpty ? "" : " " + dictionary
        var body = Array("<< /Length \(data.count)\(filter)\(extra) >>\nstream\n".utf8)
        body.append(contentsOf: data)
        body.append(contentsOf: Array("\nendstream".utf8))
        bodies[number - 1] = body
    }

    func serialize(root: Int, info: Int) -> [UInt8] {
        // The comment's high bytes tell transfer tools that the file is binary.
        var output = Array("%PDF-1.7\n%".utf8) + [0xE2, 0xE3, 0xCF, 0xD3, 0x0A]
        var offsets: [Int] = []
        for (index, body) in bodies.enumerated() {
            offsets.append(output.count)
            output.append(contentsOf: Array("\(index + 1) 0 obj\n".utf8))
            output.append(contentsOf: body ?? Array("null".utf8))
            output.append(contentsOf: Array("\nendobj\n".utf8))
        }
        let xrefOffset = output.count
        var xref = "xref\n0 \(bodies.count + 1)\n0000000000 65535 f \n"
        for offset in offsets {
            xref += String(format: "%010d 00000 n \n", offset)
        }
        let identifier = Self.fingerprint(output)
        xref += "trailer\n<< /Size \(bodies.count + 1) /Root \(root) 0 R /Info \(info) 0 R /ID [<\(identifier)> <\(identifier)>] >>\n"
        xref += "startxref\n\(xrefOffset)\n%%EOF\n"
        output.append(contentsOf: Array(xref.utf8))
        return output
    }

    /// A 16-byte file identifier from the content (two FNV-1a passes); it only needs to be stable and distinctive.
    static func fingerprint(_ bytes: [UInt8]) -> String {
        var first: UInt64 = 0xCBF2_9CE4_8422_2325
        var second: UInt64 = 0x8422_2325_CBF2_9CE4
        for byte in bytes {
            first = (first ^ UInt64(byte)) &* 0x100_0000_01B3
            second = (second ^ UInt64(byte ^ 0x5A)) &* 0x100_0000_01B3
        }
        return String(format: "%016llX%016llX", first, second)
    }
}
