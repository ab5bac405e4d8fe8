// Recognises a Word 97–2003 .doc: an OLE2 compound file whose root storage holds a WordDocument stream.
import Foundation

enum DOCStructure {
    static let endOfChain = 0xFFFF_FFFE
    static let noStream = 0xFFFF_FFFF
    static let headerDIFATEntries = 109
    static let entrySize = 128

    static let wordDocument: [Int] = "WordDocument".utf16.map { Int($0) }

    static let storageType = 1
    static let streamType = 2
    static let rootType = 5

    static func isAcceptable(_ data: ScanBytes) -> Bool {
        guard data.u16(28) == 0xFFFE, let shift = data.u16(30), shift == 9 || shift == 12 else { return false }
        let sectorSize = 1 << shift
        // The header takes one whole sector; a partial sector at the end is never read.
        let sectors = data.count / sectorSize - 1
        guard sectors > 0,
              let fatCount = data.u32(44), let directoryStart = data.u32(48), let difatStart = data.u32(68)
        else { return false }
        guard fatCount > 0, fatCount <= sectors,
              let fatSectors = fatSectorNumbers(data, count: fatCount, difatStart: difatStart,
                                                sectorSize: sectorSize, sectors: sectors),
              let fat = readFAT(data, sectorNumbers: fatSectors, sectorSize: sectorSize, sectors: sectors),
              let directory = chain(from: directoryStart, fat: fat, sectors: sectors)
        else { return false }
        return rootHoldsWordDocument(data, directory: directory, sectorSize: sectorSize)
    }

    static func offset(ofSector n: Int, sectorSize: Int) -> Int { (n + 1) * sectorSize }

    /// The first 109 FAT sectors are listed in the header, the rest in a chain of DIFAT sectors whose
    /// last slot points to the next; a chain that loops or leaves the file is corrupt.
    static func fatSectorNumbers(_ data: ScanBytes, count: Int, difatStart: Int, sectorSize: Int, sectors: Int) -> [Int]? {
        var numbers: [Int] = []
        for i in 0..<min(count, headerDIFATEntries) {
            guard let n = data.u32(76 + 4 * i) else { return nil }
            numbers.append(n)
        }
        let perSector = sectorSize / 4 - 1
        var next = difatStart
        var seen = Set<Int>()
        while numbers.count < count {
            guard next < sectors, seen.insert(next).inserted else { return nil }
            let base = offset(ofSector: next, sectorSize: sectorSize)
            for i in 0..<perSector where numbers.count < count {
                guard let n = data.u32(base + 4 * i) else { return nil }
                numbers.append(n)
            }
            guard let following = data.u32(base + 4 * perSector) else { return nil }
            next = following
        }
        return numbers
    }

    static func readFAT(_ data: ScanBytes, sectorNumbers: [Int], sectorSize: Int, sectors: Int) -> [Int]? {
        var fat: [Int] = []
        fat.reserveCapacity(sectorNumbers.count * sectorSize / 4)
        for n in sectorNumbers {
            guard n < sectors else { return nil }
            let base = offset(ofSector: n, sectorSize: sectorSize)
            for i in 0..<(sectorSize / 4) {
                guard let next = data.u32(base + 4 * i) else { return nil }
                fat.append(next)
            }
        }
        return fat
    }

    /// A chain may visit each sector once; remembering them is what makes a looping FAT terminate.
    static func chain(from start: Int, fat: [Int], sectors: Int) -> [Int]? {
        var result: [Int] = []
        var seen = Set<Int>()
        var sector = start
        while sector != endOfChain {
            guard sector < sectors, sector < fat.count, seen.insert(sector).inserted else { return nil }
            result.append(sector)
            sector = fat[sector]
        }
        return result.isEmpty ? nil : result
    }

    /// Word opens the WordDocument stream by looking it up among the root's children, which form a
    /// tree of left/right siblings; an entry outside that tree is invisible to Word, so it does not count.
    static func rootHoldsWordDocument(_ data: ScanBytes, directory: [Int], sectorSize: Int) -> Bool {
        let perSector = sectorSize / entrySize
        let entryCount = directory.count * perSector
        func entryOffset(_ id: Int) -> Int {
            offset(ofSector: directory[id / perSector], sectorSize: sectorSize) + (id % perSector) * entrySize
        }

        guard data.byte(entryOffset(0) + 66).map(Int.init) == rootType,
              let firstChild = data.u32(entryOffset(0) + 76)
        else { return false }
        var pending = [firstChild]
        var seen = Set<Int>()
        var found = false
        while let id = pending.popLast() {
            if id == noStream { continue }
            guard id > 0, id < entryCount, seen.insert(id).inserted else { return false }
            let at = entryOffset(id)
            guard let type = data.byte(at + 66).map(Int.init), type == storageType || type == streamType,
                  let left = data.u32(at + 68), let right = data.u32(at + 72),
                  let name = entryName(data, at: at)
            else { return false }
            if type == streamType, name == wordDocument { found = true }
            pending.append(left)
            pending.append(right)
        }
        return found
    }

    /// Names are UTF-16LE, at most 31 units plus a terminating zero, with their length in bytes.
    static func entryName(_ data: ScanBytes, at: Int) -> [Int]? {
        guard let length = data.u16(at + 64), length >= 2, length <= 64, length % 2 == 0 else { return nil }
        var units: [Int] = []
        for i in 0..<(length / 2 - 1) {
            guard let unit = data.u16(at + 2 * i) else { return nil }
            units.append(unit)
        }
        return units
    }
}
