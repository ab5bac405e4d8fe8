// Flate compression for PDF streams, which must be zlib-wrapped (RFC 1950), not raw deflate.
import CompressNIO
import Foundation
import NIOCore

enum Deflate {
    static func zlib(_ data: Data) throws -> Data {
        var input = ByteBuffer(bytes: data)
        let output = try input.compress(with: ZlibAlgorithm.zlib, configuration: ZlibConfiguration(compressionLevel: .bestCompression))
        return Data(output.readableBytesView)
    }
}
