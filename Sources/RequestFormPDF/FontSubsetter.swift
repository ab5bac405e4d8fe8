// Shrinks a TrueType font for embedding: unused outlines are emptied while glyph ids stay put.

extension TrueTypeFont {
    /// Tables copied unchanged into a subset. Layout tables (GSUB, GPOS, kern…) are dropped because
    /// a PDF positions every glyph itself; `name` is dropped because the PDF carries the font's name.
    static let tablesKeptInSubset: Set<String> = ["head", "hhea", "maxp", "OS/2", "cvt ", "fpgm", "prep", "gasp"]

    /// Every glyph that drawing `glyphs` needs: glyph 0 plus the components of composite glyphs,
    /// recursively (most Vietnamese letters are a base letter with one or two marks).
    public func glyphClosure(of glyphs: Set<UInt16>) throws -> Set<UInt16> {
        var kept: Set<UInt16> = []
        var pending = Array(glyphs.filter { Int($0) < numberOfGlyphs }) + [0]
        while let glyph = pending.popLast() {
            guard kept.insert(glyph).inserted else { continue }
            for component in try componentGlyphs(of: glyph) where Int(component) < numberOfGlyphs && !kept.contains(component) {
                pending.append(component)
            }
        }
        return kept
    }

    /// A font file with the same glyph ids in which only `glyphs` (and what they need) keep their outlines.
    public func subset(keeping glyphs: Set<UInt16>) throws -> [UInt8] {
        let kept = try glyphClosure(of: glyphs)

        var glyf: [UInt8] = []
        var offsets: [Int] = [0]
        offsets.reserveCapacity(numberOfGlyphs + 1)
        for glyph in 0..<numberOfGlyphs {
            if kept.contains(UInt16(glyph)) {
                glyf.append(contentsOf: glyphData(UInt16(glyph)))
                // Short loca stores offset/2, so every glyph must start on an even offset; 4 keeps words aligned.
                glyf.padToFourBytes()
            }
            offsets.append(glyf.count)
        }

        let useShortLoca = glyf.count <= 0x1FFFE
        var loca: [UInt8] = []
        for offset in offsets {
            if useShortLoca { loca.appendU16(UInt16(offset / 2)) } else { loca.appendU32(UInt32(offset)) }
        }

        // Metrics of dropped glyphs are never read; zeros compress far better than the originals.
        var hmtx: [UInt8] = []
        let hmtxRecord = tables["hmtx"]!
        for glyph in 0..<numberOfHMetrics {
            if kept.contains(UInt16(glyph)) {
                hmtx.append(contentsOf: bytes[(hmtxRecord.offset + glyph * 4)..<(hmtxRecord.offset + glyph * 4 + 4)])
            } else {
                hmtx.append(contentsOf: [0, 0, 0, 0])
            }
        }
        let leftBearingsStart = hmtxRecord.offset + numberOfHMetrics * 4
        for glyph in numberOfHMetrics..<numberOfGlyphs {
            let position = leftBearingsStart + (glyph - numberOfHMetrics) * 2
            if kept.contains(UInt16(glyph)), position + 2 <= bytes.count {
                hmtx.append(contentsOf: bytes[position..<position + 2])
            } else {
                hmtx.append(contentsOf: [0, 0])
            }
        }

        var newTables: [String: [UInt8]] = [:]
        for tag in Self.tablesKeptInSubset {
            guard let record = tables[tag] else { continue }
            newTables[tag] = Array(bytes[record.offset..<record.offset + record.length])
        }
        newTables["glyf"] = glyf
        newTables["loca"] = loca
        newTables["hmtx"] = hmtx
        newTables["cmap"] = Self.emptyCmap()
        if let post = tables["post"], post.length >= 32 {
            // Version 3 keeps italic angle and underline metrics but none of the glyph names.
            var header = Array(bytes[post.offset..<post.offset + 32])
            header.putU32(0x0003_0000, at: 0)
            newTables["post"] = header
        }

        var head = newTables["head"]!
        head.putU32(0, at: 8)  // checkSumAdjustment is computed over the font with this field zeroed
        head[50] = 0
        head[51] = useShortLoca ? 0 : 1
        newTables["head"] = head

        var font = Self.assemble(newTables)
        let headOffset = Self.tableOffset(in: font, tag: "head")!
        font.putU32(0xB1B0_AFBA &- sfntChecksum(font), at: headOffset + 8)
        return font
    }

    /// A valid format-4 cmap that maps nothing: the PDF addresses glyphs by id (CIDToGIDMap /Identity),
    /// but some font loaders reject a TrueType font without any cmap.
    static func emptyCmap() -> [UInt8] {
        var table: [UInt8] = []
        table.appendU16(0)  // version
        table.appendU16(1)  // one subtable
        table.appendU16(3)  // Windows
        table.appendU16(1)  // Unicode BMP
        table.appendU32(12)
        // Format 4 with only the mandatory final 0xFFFF segment.
        table.appendU16(4)
        table.appendU16(24)  // length
        table.appendU16(0)  // language
        table.appendU16(2)  // segCountX2
        table.appendU16(2)  // searchRange
        table.appendU16(0)  // entrySelector
        table.appendU16(0)  // rangeShift
        table.appendU16(0xFFFF)  // endCode
        table.appendU16(0)  // reservedPad
        table.appendU16(0xFFFF)  // startCode
        table.appendU16(1)  // idDelta
        table.appendU16(0)  // idRangeOffset
        return table
    }

    static func assemble(_ tables: [String: [UInt8]]) -> [UInt8] {
        let tags = tables.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        var power = 1
        var exponent = 0
        while power * 2 <= tags.count {
            power *= 2
            exponent += 1
        }
        var font: [UInt8] = []
        font.appendU32(0x0001_0000)
        font.appendU16(UInt16(tags.count))
        font.appendU16(UInt16(power * 16))
        font.appendU16(UInt16(exponent))
        font.appendU16(UInt16(tags.count * 16 - power * 16))

        var offset = 12 + tags.count * 16
        var body: [UInt8] = []
        for tag in tags {
            let table = tables[tag]!
            font.append(contentsOf: Array(tag.utf8))
            font.appendU32(sfntChecksum(table))
            font.appendU32(UInt32(offset))
            font.appendU32(UInt32(table.count))
            body.append(contentsOf: table)
            body.padToFourBytes()
            offset = 12 + tags.count * 16 + body.count
        }
        font.append(contentsOf: body)
        return font
    }

    static func tableOffset(in font: [UInt8], tag: String) -> Int? {
        let reader = ByteReader(bytes: font)
        guard let count = try? reader.u16(4) else { return nil }
        for index in 0..<Int(count) {
            let entry = 12 + index * 16
            if (try? reader.tag(entry)) == tag, let offset = try? reader.u32(entry + 8) {
                return Int(offset)
            }
        }
        return nil
    }
}
