// Reads the parts of a TrueType (glyf-outline) font that a PDF embedding needs: metrics, cmap, glyph data.
import Foundation

public enum TrueTypeFontError: Error, CustomStringConvertible, Equatable {
    case tooShort(size: Int)
    case cffOutlinesNotSupported
    case fontCollectionNotSupported
    case notTrueType(signature: String)
    case missingTable(String)
    case malformedTable(String, reason: String)

    public var description: String {
        switch self {
        case .tooShort(let size):
            return "Not a TrueType font: the file is only \(size) bytes long."
        case .cffOutlinesNotSupported:
            return "Unsupported font: OpenType with CFF outlines ('OTTO'); a TrueType (.ttf, glyf outlines) font is needed."
        case .fontCollectionNotSupported:
            return "Unsupported font: a TrueType collection (.ttc); give a single .ttf file."
        case .notTrueType(let signature):
            return "Not a TrueType font: unknown file signature \(signature)."
        case .missingTable(let tag):
            return "Malformed TrueType font: required table '\(tag)' is missing."
        case .malformedTable(let tag, let reason):
            return "Malformed TrueType font: table '\(tag)' \(reason)."
        }
    }
}

public struct TrueTypeFont: Sendable {
    struct TableRecord: Sendable {
        let tag: String
        let offset: Int
        let length: Int
    }

    /// Font bounding box in font units.
    public struct BoundingBox: Sendable, Equatable {
        public let xMin: Int
        public let yMin: Int
        public let xMax: Int
        public let yMax: Int
    }

    let bytes: [UInt8]
    let tables: [String: TableRecord]
    /// Byte offsets of each glyph inside `glyf`; numGlyphs + 1 entries.
    let glyphOffsets: [Int]
    let advanceWidths: [UInt16]
    let characterToGlyph: [UInt32: UInt16]

    public let postScriptName: String
    public let unitsPerEm: Int
    public let boundingBox: BoundingBox
    public let indexToLocFormat: Int
    public let ascent: Int
    public let descent: Int
    public let numberOfHMetrics: Int
    public let numberOfGlyphs: Int
    public let capHeight: Int
    public let italicAngle: Double
    public let weightClass: Int
    public let isFixedPitch: Bool

    static let requiredTables = ["head", "hhea", "maxp", "hmtx", "cmap", "loca", "glyf"]

    public init(contentsOf url: URL) throws {
        try self.init(data: try Data(contentsOf: url))
    }

    public init(data: Data) throws {
        let bytes = [UInt8](data)
        let reader = ByteReader(bytes: bytes)
        guard bytes.count >= 12 else { throw TrueTypeFontError.tooShort(size: bytes.count) }

        let signature = try reader.u32(0)
        switch signature {
        case 0x0001_0000, 0x7472_7565:  // 1.0 and 'true' (old Apple TrueType)
            break
        case 0x4F54_544F:  // 'OTTO'
            throw TrueTypeFontError.cffOutlinesNotSupported
        case 0x7474_6366:  // 'ttcf'
            throw TrueTypeFontError.fontCollectionNotSupported
        default:
            throw TrueTypeFontError.notTrueType(signature: String(format: "0x%08X", signature))
        }

        let tableCount = Int(try reader.u16(4))
        guard tableCount > 0, 12 + tableCount * 16 <= bytes.count else {
            throw TrueTypeFontError.malformedTable("directory", reason: "lists \(tableCount) tables beyond the end of the file")
        }
        var tables: [String: TableRecord] = [:]
        for index in 0..<tableCount {
            let entry = 12 + index * 16
            let tag = try reader.tag(entry)
            let offset = Int(try reader.u32(entry + 8))
            let length = Int(try reader.u32(entry + 12))
            guard offset <= bytes.count, length <= bytes.count - offset else {
                throw TrueTypeFontError.malformedTable(tag, reason: "lies outside the file")
            }
            tables[tag] = TableRecord(tag: tag, offset: offset, length: length)
        }
        for tag in Self.requiredTables where tables[tag] == nil {
            throw TrueTypeFontError.missingTable(tag)
        }

        func table(_ tag: String, minimumLength: Int) throws -> TableRecord {
            guard let record = tables[tag] else { throw TrueTypeFontError.missingTable(tag) }
            guard record.length >= minimumLength else {
                throw TrueTypeFontError.malformedTable(tag, reason: "is \(record.length) bytes, shorter than \(minimumLength)")
            }
            return record
        }

        let head = try table("head", minimumLength: 54)
        guard try reader.u32(head.offset + 12) == 0x5F0F_3CF5 else {
            throw TrueTypeFontError.malformedTable("head", reason: "has a wrong magic number")
        }
        let unitsPerEm = Int(try reader.u16(head.offset + 18))
        guard (16...16384).contains(unitsPerEm) else {
            throw TrueTypeFontError.malformedTable("head", reason: "has unitsPerEm \(unitsPerEm)")
        }
        let boundingBox = BoundingBox(
            xMin: Int(try reader.i16(head.offset + 36)),
            yMin: Int(try reader.i16(head.offset + 38)),
            xMax: Int(try reader.i16(head.offset + 40)),
            yMax: Int(try reader.i16(head.offset + 42))
        )
        let indexToLocFormat = Int(try reader.i16(head.offset + 50))
        guard indexToLocFormat == 0 || indexToLocFormat == 1 else {
            throw TrueTypeFontError.malformedTable("head", reason: "has indexToLocFormat \(indexToLocFormat)")
        }

        let hhea = try table("hhea", minimumLength: 36)
        let ascent = Int(try reader.i16(hhea.offset + 4))
        let descent = Int(try reader.i16(hhea.offset + 6))
        let numberOfHMetrics = Int(try reader.u16(hhea.offset + 34))

        let maxp = try table("maxp", minimumLength: 6)
        let numberOfGlyphs = Int(try reader.u16(maxp.offset + 4))
        guard numberOfGlyphs > 0, numberOfHMetrics > 0, numberOfHMetrics <= numberOfGlyphs else {
            throw TrueTypeFontError.malformedTable("maxp", reason: "has \(numberOfGlyphs) glyphs for \(numberOfHMetrics) horizontal metrics")
        }

        let hmtx = try table("hmtx", minimumLength: numberOfHMetrics * 4)
        var advanceWidths = [UInt16]()
        advanceWidths.reserveCapacity(numberOfGlyphs)
        for index in 0..<numberOfHMetrics {
            advanceWidths.append(try reader.u16(hmtx.offset + index * 4))
        }
        // Glyphs past numberOfHMetrics share the last advance (monospaced tails).
        let lastAdvance = advanceWidths[numberOfHMetrics - 1]
        advanceWidths.append(contentsOf: repeatElement(lastAdvance, count: numberOfGlyphs - numberOfHMetrics))

        let locaEntrySize = indexToLocFormat == 0 ? 2 : 4
        let loca = try table("loca", minimumLength: (numberOfGlyphs + 1) * locaEntrySize)
        let glyf = try table("glyf", minimumLength: 0)
        var glyphOffsets = [Int]()
        glyphOffsets.reserveCapacity(numberOfGlyphs + 1)
        for index in 0...numberOfGlyphs {
            let offset = indexToLocFormat == 0
                ? Int(try reader.u16(loca.offset + index * 2)) * 2
                : Int(try reader.u32(loca.offset + index * 4))
            if let previous = glyphOffsets.last, offset < previous {
                throw TrueTypeFontError.malformedTable("loca", reason: "is not in ascending order at glyph \(index)")
            }
            guard offset <= glyf.length else {
                throw TrueTypeFontError.malformedTable("loca", reason: "points past the end of 'glyf' at glyph \(index)")
            }
            glyphOffsets.append(offset)
        }

        let cmap = try table("cmap", minimumLength: 4)
        let characterToGlyph: [UInt32: UInt16]
        do {
            characterToGlyph = try Self.parseCmap(reader, table: cmap, numberOfGlyphs: numberOfGlyphs)
        } catch ByteReader.Failure.outOfBounds {
            throw TrueTypeFontError.malformedTable("cmap", reason: "has a subtable running past its end")
        }

        var italicAngle = 0.0
        var isFixedPitch = false
        if let post = tables["post"], post.length >= 16 {
            italicAngle = Double(Int32(bitPattern: try reader.u32(post.offset + 4))) / 65536.0
            isFixedPitch = try reader.u32(post.offset + 12) != 0
        }
        var capHeight = 0
        var weightClass = 400
        if let os2 = tables["OS/2"], os2.length >= 78 {
            weightClass = Int(try reader.u16(os2.offset + 4))
            let version = try reader.u16(os2.offset)
            if version >= 2, os2.length >= 90 {
                capHeight = Int(try reader.i16(os2.offset + 88))
            }
        }
        if capHeight <= 0 {
            // Older OS/2 versions lack sCapHeight: the top of "H" is the cap height by definition.
            if let glyph = characterToGlyph[0x48], glyphOffsets[Int(glyph) + 1] - glyphOffsets[Int(glyph)] >= 10 {
                capHeight = Int(try reader.i16(glyf.offset + glyphOffsets[Int(glyph)] + 8))
            }
            if capHeight <= 0 { capHeight = unitsPerEm * 7 / 10 }
        }

        self.bytes = bytes
        self.tables = tables
        self.glyphOffsets = glyphOffsets
        self.advanceWidths = advanceWidths
        self.characterToGlyph = characterToGlyph
        self.unitsPerEm = unitsPerEm
        self.boundingBox = boundingBox
        self.indexToLocFormat = indexToLocFormat
        self.ascent = ascent
        self.descent = descent
        self.numberOfHMetrics = numberOfHMetrics
        self.numberOfGlyphs = numberOfGlyphs
        self.capHeight = capHeight
        self.italicAngle = italicAngle
        self.weightClass = weightClass
        self.isFixedPitch = isFixedPitch
        self.postScriptName = Self.parsePostScriptName(reader, table: tables["name"]) ?? "EmbeddedFont"
    }

    /// Glyph id for a Unicode scalar; 0 (.notdef) when the font has no glyph for it.
    public func glyphID(for scalar: Unicode.Scalar) -> UInt16 {
        characterToGlyph[scalar.value] ?? 0
    }

    public func hasGlyph(for scalar: Unicode.Scalar) -> Bool {
        glyphID(for: scalar) != 0
    }

    /// Advance width in font units.
    public func advanceWidth(ofGlyph glyph: UInt16) -> Int {
        Int(glyph) < advanceWidths.count ? Int(advanceWidths[Int(glyph)]) : 0
    }

    /// Advance width in PDF glyph space (1000 units per em), as written to the /W array.
    public func pdfWidth(ofGlyph glyph: UInt16) -> Double {
        Double(advanceWidth(ofGlyph: glyph)) * 1000.0 / Double(unitsPerEm)
    }

    /// The raw outline record of one glyph (empty for glyphs without contours, such as space).
    func glyphData(_ glyph: UInt16) -> ArraySlice<UInt8> {
        let index = Int(glyph)
        guard index < numberOfGlyphs, let glyf = tables["glyf"] else { return [] }
        let start = glyf.offset + glyphOffsets[index]
        let end = glyf.offset + glyphOffsets[index + 1]
        return bytes[start..<end]
    }

    /// Glyph ids that a composite glyph refers to (directly); empty for simple glyphs.
    func componentGlyphs(of glyph: UInt16) throws -> [UInt16] {
        let data = glyphData(glyph)
        guard data.count >= 10 else { return [] }
        let reader = ByteReader(bytes: Array(data))
        guard try reader.i16(0) < 0 else { return [] }
        var components: [UInt16] = []
        var offset = 10
        while true {
            let flags = try reader.u16(offset)
            components.append(try reader.u16(offset + 2))
            offset += 4
            offset += flags & 0x0001 != 0 ? 4 : 2  // ARG_1_AND_2_ARE_WORDS
            if flags & 0x0008 != 0 {  // WE_HAVE_A_SCALE
                offset += 2
            } else if flags & 0x0040 != 0 {  // WE_HAVE_AN_X_AND_Y_SCALE
                offset += 4
            } else if flags & 0x0080 != 0 {  // WE_HAVE_A_TWO_BY_TWO
                offset += 8
            }
            guard flags & 0x0020 != 0 else { break }  // MORE_COMPONENTS
        }
        return components
    }

    // MARK: - cmap

    private static func parseCmap(_ reader: ByteReader, table: TableRecord, numberOfGlyphs: Int) throws -> [UInt32: UInt16] {
        let base = table.offset
        let subtableCount = Int(try reader.u16(base + 2))
        var candidates: [(rank: Int, offset: Int)] = []
        for index in 0..<subtableCount {
            let record = base + 4 + index * 8
            let platform = try reader.u16(record)
            let encoding = try reader.u16(record + 2)
            let offset = base + Int(try reader.u32(record + 4))
            let format = try reader.u16(offset)
            // Full-repertoire (format 12) tables beat BMP-only ones; Windows Unicode beats Unicode platform.
            let rank: Int
            switch (platform, encoding, format) {
            case (3, 10, 12): rank = 0
            case (0, _, 12): rank = 1
            case (3, 1, 4): rank = 2
            case (0, _, 4): rank = 3
            default: continue
            }
            candidates.append((rank, offset))
        }
        guard let best = candidates.min(by: { $0.rank < $1.rank }) else {
            throw TrueTypeFontError.malformedTable("cmap", reason: "has no Unicode subtable of format 4 or 12")
        }
        let format = try reader.u16(best.offset)
        let length = format == 4 ? Int(try reader.u16(best.offset + 2)) : Int(try reader.u32(best.offset + 4))
        guard best.offset + length <= table.offset + table.length else {
            throw TrueTypeFontError.malformedTable("cmap", reason: "has a format \(format) subtable longer than the table")
        }
        var map: [UInt32: UInt16] = [:]
        if format == 4 {
            try parseFormat4(reader, at: best.offset, into: &map)
        } else {
            try parseFormat12(reader, at: best.offset, into: &map)
        }
        // A glyph id beyond numGlyphs would index past loca/hmtx later.
        return map.filter { Int($0.value) < numberOfGlyphs }
    }

    private static func parseFormat4(_ reader: ByteReader, at offset: Int, into map: inout [UInt32: UInt16]) throws {
        let segmentCount = Int(try reader.u16(offset + 6)) / 2
        let endCodes = offset + 14
        let startCodes = endCodes + segmentCount * 2 + 2
        let deltas = startCodes + segmentCount * 2
        let rangeOffsets = deltas + segmentCount * 2
        for segment in 0..<segmentCount {
            let end = UInt32(try reader.u16(endCodes + segment * 2))
            let start = UInt32(try reader.u16(startCodes + segment * 2))
            let delta = try reader.u16(deltas + segment * 2)
            let rangeOffsetPosition = rangeOffsets + segment * 2
            let rangeOffset = Int(try reader.u16(rangeOffsetPosition))
            guard start <= end, start != 0xFFFF else { continue }
            for code in start...end {
                let glyph: UInt16
                if rangeOffset == 0 {
                    glyph = UInt16(truncatingIfNeeded: code) &+ delta
                } else {
                    let address = rangeOffsetPosition + rangeOffset + Int(code - start) * 2
                    let raw = try reader.u16(address)
                    glyph = raw == 0 ? 0 : raw &+ delta
                }
                if glyph != 0 { map[code] = glyph }
            }
        }
    }

    private static func parseFormat12(_ reader: ByteReader, at offset: Int, into map: inout [UInt32: UInt16]) throws {
        let groupCount = Int(try reader.u32(offset + 12))
        try reader.check(offset + 16, groupCount * 12)
        for group in 0..<groupCount {
            let record = offset + 16 + group * 12
            let start = try reader.u32(record)
            let end = try reader.u32(record + 4)
            let startGlyph = try reader.u32(record + 8)
            guard start <= end, end <= 0x10FFFF else { continue }
            for code in start...end {
                let glyph = startGlyph + (code - start)
                if glyph != 0, glyph <= 0xFFFF { map[code] = UInt16(glyph) }
            }
        }
    }

    // MARK: - name

    private static func parsePostScriptName(_ reader: ByteReader, table: TableRecord?) -> String? {
        guard let table else { return nil }
        let base = table.offset
        guard let count = try? reader.u16(base + 2), let storage = try? reader.u16(base + 4) else { return nil }
        var fallback: String?
        for index in 0..<Int(count) {
            let record = base + 6 + index * 12
            guard let platform = try? reader.u16(record),
                  let nameID = try? reader.u16(record + 6),
                  let length = try? reader.u16(record + 8),
                  let offset = try? reader.u16(record + 10),
                  nameID == 6,
                  let raw = try? reader.slice(base + Int(storage) + Int(offset), Int(length))
            else { continue }
            var name: String
            if platform == 3 || platform == 0 {
                var units: [UInt16] = []
                var iterator = raw.makeIterator()
                while let high = iterator.next(), let low = iterator.next() {
                    units.append(UInt16(high) << 8 | UInt16(low))
                }
                name = String(decoding: units, as: UTF16.self)
            } else {
                name = String(decoding: raw, as: Unicode.ASCII.self)
            }
            // PDF names must stay plain: PostScript names are printable ASCII without delimiters anyway.
            name = String(name.unicodeScalars.filter { $0.value > 32 && $0.value < 127 && !"[](){}<>/%#".unicodeScalars.contains($0) })
            guard !name.isEmpty else { continue }
            if platform == 3 { return name }
            fallback = fallback ?? name
        }
        return fallback
    }
}
