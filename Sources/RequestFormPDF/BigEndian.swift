// Bounds-checked big-endian reads and writes for the sfnt (TrueType) binary format.

struct ByteReader {
    let bytes: [UInt8]

    enum Failure: Error {
        case outOfBounds(offset: Int, length: Int)
    }

    func check(_ offset: Int, _ length: Int) throws {
        // Offsets come straight from the file, so a hostile or damaged font must not crash us.
        guard offset >= 0, length >= 0, offset <= bytes.count, length <= bytes.count - offset else {
            throw Failure.outOfBounds(offset: offset, length: length)
        }
    }

    func u8(_ offset: Int) throws -> UInt8 {
        try check(offset, 1)
        return bytes[offset]
    }

    func u16(_ offset: Int) throws -> UInt16 {
        try check(offset, 2)
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    func i16(_ offset: Int) throws -> Int16 {
        Int16(bitPattern: try u16(offset))
    }

    func u32(_ offset: Int) throws -> UInt32 {
        try check(offset, 4)
        return UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16
            | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }

    func tag(_ offset: Int) throws -> String {
        try check(offset, 4)
        return String(decoding: bytes[offset..<offset + 4], as: Unicode.ASCII.self)
    }

    func slice(_ offset: Int, _ length: Int) throws -> ArraySlice<UInt8> {
        try check(offset, length)
        return bytes[offset..<offset + length]
    }
}

extension Array where Element == UInt8 {
    mutating func appendU16(_ value: UInt16) {
        append(UInt8(value >> 8))
        append(UInt8(value & 0xFF))
    }

    mutating func appendU32(_ value: UInt32) {
        append(UInt8(value >> 24))
        append(UInt8((value >> 16) & 0xFF))
        append(UInt8((value >> 8) & 0xFF))
        append(UInt8(value & 0xFF))
    }

    mutating func putU32(_ value: UInt32, at offset: Int) {
        self[offset] = UInt8(value >> 24)
        self[offset + 1] = UInt8((value >> 16) & 0xFF)
        self[offset + 2] = UInt8((value >> 8) & 0xFF)
        self[offset + 3] = UInt8(value & 0xFF)
    }

    mutating func padToFourBytes() {
        while count % 4 != 0 { append(0) }
    }
}

/// The sfnt checksum: the sum of the data read as big-endian UInt32 words, zero-padded to a word boundary.
func sfntChecksum<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
    var sum: UInt32 = 0
    var word: UInt32 = 0
    var index = 0
    for byte in bytes {
        word = word << 8 | UInt32(byte)
        index += 1
        if index == 4 {
            sum = sum &+ word
            word = 0
            index = 0
        }
    }
    if index > 0 {
        word <<= UInt32(8 * (4 - index))
        sum = sum &+ word
    }
    return sum
}
