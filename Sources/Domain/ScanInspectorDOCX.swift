// Recognises a Word .docx by its ZIP central directory alone, refusing zip bombs and path tricks without inflating.
import Foundation

enum DOCXStructure {
    static let maxEntries = 1_000
    /// Word's own files hold a few dozen entries of a few MB; these bounds leave room and stop bombs.
    static let maxTotalUncompressed = 200 * 1_048_576
    static let maxRatio = 200
    static let ratioAppliesAbove = 10 * 1_048_576

    static let centralHeader: [UInt8] = [0x50, 0x4B, 0x01, 0x02]
    static let zip64Locator: [UInt8] = [0x50, 0x4B, 0x06, 0x07]
    static let contentTypes: [UInt8] = Array("[Content_Types].xml".utf8)
    static let mainDocument: [UInt8] = Array("word/document.xml".utf8)

    /// The value ZIP writes in a 16- or 32-bit field when the real one lives in a ZIP64 record.
    static let zip64Marker16 = 0xFFFF
    static let zip64Marker32 = 0xFFFF_FFFF

    static func isAcceptable(_ data: ScanBytes) -> Bool {
        guard let eocd = endOfCentralDirectory(data),
              let disk = data.u16(eocd + 4), let directoryDisk = data.u16(eocd + 6),
              let entriesHere = data.u16(eocd + 8), let entries = data.u16(eocd + 10),
              let directorySize = data.u32(eocd + 12), let directoryOffset = data.u32(eocd + 16)
        else { return false }
        // Split archives and ZIP64 are legitimate ZIP, but no Word document needs them, and each adds
        // a second set of offsets to trust.
        guard disk == 0, directoryDisk == 0, entriesHere == entries else { return false }
        guard entries != zip64Marker16, directorySize != zip64Marker32, directoryOffset != zip64Marker32 else {
            return false
        }
        if eocd >= 20, data.matches(zip64Locator, at: eocd - 20) { return false }
        guard entries > 0, entries <= maxEntries else { return false }
        // Offsets are at most 32 bits, so the sum cannot overflow an Int.
        let directoryEnd = directoryOffset + directorySize
        guard directoryEnd <= eocd else { return false }

        var names = Set<[UInt8]>()
        var totalUncompressed = 0
        var at = directoryOffset
        for _ in 0..<entries {
            guard at + 46 <= directoryEnd, data.matches(centralHeader, at: at),
                  let compressed = data.u32(at + 20), let uncompressed = data.u32(at + 24),
                  let nameLength = data.u16(at + 28), let extraLength = data.u16(at + 30),
                  let commentLength = data.u16(at + 32), let startDisk = data.u16(at + 34),
                  let localOffset = data.u32(at + 42)
            else { return false }
            guard compressed != zip64Marker32, uncompressed != zip64Marker32, localOffset != zip64Marker32,
                  startDisk == 0
            else { return false }
            let recordEnd = at + 46 + nameLength + extraLength + commentLength
            guard recordEnd <= directoryEnd, let name = data.slice(at + 46, length: nameLength) else { return false }
            // Two entries with one name are read differently by different tools: a way to smuggle content.
            guard isSafeName(name), names.insert(name).inserted else { return false }

            totalUncompressed += uncompressed
            guard totalUncompressed <= maxTotalUncompressed else { return false }
            if uncompressed > ratioAppliesAbove, uncompressed > maxRatio * compressed { return false }
            guard dataFits(data, localOffset: localOffset, compressed: compressed, before: directoryOffset) else {
                return false
            }
            at = recordEnd
        }
        return names.contains(contentTypes) && names.contains(mainDocument)
    }

    /// The record sits in the last 22 bytes plus a comment of up to 65,535 bytes; its comment length must
    /// reach exactly the end of the file, so a signature inside the comment or data appended after the
    /// archive is not taken for it.
    static func endOfCentralDirectory(_ data: ScanBytes) -> Int? {
        let latest = data.count - 22
        guard latest >= 0 else { return nil }
        let earliest = max(0, latest - 65_535)
        var at = latest
        while at >= earliest {
            if data.matches(ScanInspector.zipEndOfCentralDirectory, at: at),
               let commentLength = data.u16(at + 20), at + 22 + commentLength == data.count {
                return at
            }
            at -= 1
        }
        return nil
    }

    /// Names are never used as paths here, but whoever opens the file later might extract it.
    static func isSafeName(_ name: [UInt8]) -> Bool {
        guard let first = name.first, first != UInt8(ascii: "/"), first != UInt8(ascii: "\\") else { return false }
        guard !name.contains(0) else { return false }
        let dot = UInt8(ascii: ".")
        for i in 0..<(name.count - 1) where name[i] == dot && name[i + 1] == dot { return false }
        return true
    }

    /// The directory must describe data that is really there: a local header where it says, and the
    /// compressed bytes ending before the directory starts.
    static func dataFits(_ data: ScanBytes, localOffset: Int, compressed: Int, before directoryOffset: Int) -> Bool {
        guard data.matches(ScanInspector.zipLocalHeader, at: localOffset),
              let nameLength = data.u16(localOffset + 26), let extraLength = data.u16(localOffset + 28)
        else { return false }
        return localOffset + 30 + nameLength + extraLength + compressed <= directoryOffset
    }
}
