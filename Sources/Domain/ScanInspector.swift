// Decides by content whether an uploaded ID-card scan is an acceptable PDF, DOCX or DOC, and names its download.
import Foundation

/// The three file types accepted for the ID-card scan; the raw value is the file extension.
public enum ScanKind: String, Sendable, CaseIterable {
    case pdf, docx, doc

    public var mimeType: String {
        switch self {
        case .pdf: "application/pdf"
        case .docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        case .doc: "application/msword"
        }
    }

    /// How a message names content of this kind; users know ".doc" as the old Word format, not as OLE2.
    var contentName: (vi: String, en: String) {
        switch self {
        case .pdf: ("PDF", "PDF")
        case .docx: ("Word (.docx)", "Word (.docx)")
        case .doc: ("Word 97–2003 (.doc)", "Word 97–2003 (.doc)")
        }
    }
}

public enum ScanInspector {
    public static let maxBytes = 5_242_880

    /// Every code `inspect` can throw, for the API description next to `DomainError.allCodes`.
    public static let errorCodes = ["scan_too_large", "scan_empty", "scan_type", "scan_extension_mismatch", "scan_name"]

    /// Decides the kind from the bytes and checks it agrees with the file name's extension (compared without case).
    /// The name and the declared MIME type come from the browser and prove nothing, so only the bytes decide.
    public static func inspect(_ bytes: [UInt8], fileName: String) throws(DomainError) -> ScanKind {
        guard bytes.count <= maxBytes else { throw tooLarge }
        guard !bytes.isEmpty else { throw empty }
        guard let named = kind(forName: fileName) else { throw badName }
        guard let content = contentKind(ScanBytes(bytes)) else { throw notAllowedType }
        guard content == named else { throw mismatch(content: content, named: named) }
        return content
    }

    /// A safe name for the download (Content-Disposition): ASCII letters, digits, dot, dash, underscore only,
    /// at most 100 characters, always ending in the kind's extension; never used as a path.
    public static func safeFileName(_ fileName: String, kind: ScanKind) -> String {
        let suffix = "." + kind.rawValue
        var stem = lastComponent(fileName)
        // The content decided the kind, so whatever extension the user typed is replaced, not kept beside ours.
        if let dot = stem.lastIndex(of: "."), dot != stem.startIndex {
            stem = String(stem[..<dot])
        }
        var ascii = ""
        // Compatibility decomposition splits Vietnamese letters into base letter plus marks, and folds
        // full-width forms that some Asian keyboards produce into plain ASCII.
        for scalar in stem.decomposedStringWithCompatibilityMapping.unicodeScalars {
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "-", "_", ".":
                ascii.unicodeScalars.append(scalar)
            case "\u{0111}":
                ascii += "d"  // đ has no decomposition, yet "d" is how Vietnamese is written without marks.
            case "\u{0110}":
                ascii += "D"
            default:
                if scalar.properties.generalCategory == .nonspacingMark { continue }
                ascii += "_"
            }
        }
        var tidy = collapseSeparators(ascii)
        let room = 100 - suffix.count
        if tidy.count > room {
            tidy = collapseSeparators(String(tidy.prefix(room)))
        }
        return (tidy.isEmpty ? "scan" : tidy) + suffix
    }

    // MARK: - Name

    static func kind(forName fileName: String) -> ScanKind? {
        let name = lastComponent(fileName)
        guard let dot = name.lastIndex(of: ".") else { return nil }
        return ScanKind(rawValue: name[name.index(after: dot)...].lowercased())
    }

    /// Browsers on Windows may send "C:\fakepath\x.pdf"; only the part after the last separator is a name.
    static func lastComponent(_ fileName: String) -> String {
        let trimmed = fileName.trimmingCharacters(in: .whitespacesAndNewlines)
        let parts = trimmed.split(separator: "/", omittingEmptySubsequences: false)
            .flatMap { $0.split(separator: "\\", omittingEmptySubsequences: false) }
        return String(parts.last ?? "")
    }

    /// One separator where several stood, none at the ends: no "..", no hidden-file dot, no leading dash
    /// that a shell would read as an option.
    static func collapseSeparators(_ s: String) -> String {
        var out = ""
        var pending: Character?
        for ch in s {
            if ch == "." || ch == "_" || ch == "-" {
                // A dot wins over other separators so "a_.b" keeps its meaning as "a.b".
                if pending != "." { pending = ch }
            } else {
                if let sep = pending, !out.isEmpty { out.append(sep) }
                pending = nil
                out.append(ch)
            }
        }
        return out
    }

    // MARK: - Content

    static let pdfMagic: [UInt8] = Array("%PDF-".utf8)
    static let zipLocalHeader: [UInt8] = [0x50, 0x4B, 0x03, 0x04]
    static let zipEndOfCentralDirectory: [UInt8] = [0x50, 0x4B, 0x05, 0x06]
    static let oleMagic: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]

    static func contentKind(_ data: ScanBytes) -> ScanKind? {
        if data.matches(pdfMagic, at: 0) {
            return isAcceptablePDF(data) ? .pdf : nil
        }
        // PDF readers look for the header anywhere in the first kilobyte, so a Word file carrying one
        // there would also open as a PDF.
        if data.find(pdfMagic, in: 0..<min(data.count, 1024)) != nil { return nil }
        if data.matches(zipLocalHeader, at: 0) {
            return DOCXStructure.isAcceptable(data) ? .docx : nil
        }
        if data.matches(oleMagic, at: 0) {
            return DOCStructure.isAcceptable(data) ? .doc : nil
        }
        return nil
    }

    static func isAcceptablePDF(_ data: ScanBytes) -> Bool {
        // "%PDF-1.7", "%PDF-2.0": a header followed by anything else is not from a PDF writer.
        guard let major = data.byte(5), let point = data.byte(6), let minor = data.byte(7),
              isDigit(major), point == UInt8(ascii: "."), isDigit(minor)
        else { return false }
        // Writers end with %%EOF and perhaps a few bytes of whitespace; without it the upload was cut short.
        let tail = max(0, data.count - 2048)..<data.count
        guard data.find(Array("%%EOF".utf8), in: tail) != nil else { return false }
        // A ZIP reader finds its directory from the end wherever the file begins: a PDF+ZIP polyglot.
        guard data.find(zipEndOfCentralDirectory, in: 0..<data.count) == nil else { return false }
        // Browsers sniffing the start of a file could render it as a page.
        let head = 0..<min(data.count, 1024)
        for marker in ["<html", "<script"] {
            if data.findIgnoringASCIICase(Array(marker.utf8), in: head) != nil { return false }
        }
        return true
    }

    private static func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }

    // MARK: - Errors

    static var tooLarge: DomainError {
        DomainError(
            code: "scan_too_large",
            vi: "Bản quét thẻ căn cước không được lớn hơn 5 MB.",
            en: "The ID-card scan must not be larger than 5 MB."
        )
    }

    static var empty: DomainError {
        DomainError(
            code: "scan_empty",
            vi: "Tệp bản quét thẻ căn cước đang trống.",
            en: "The ID-card scan file is empty."
        )
    }

    static var notAllowedType: DomainError {
        DomainError(
            code: "scan_type",
            vi: "Bản quét thẻ căn cước phải là tệp .pdf, .docx hoặc .doc hợp lệ.",
            en: "The ID-card scan must be a valid .pdf, .docx or .doc file."
        )
    }

    static var badName: DomainError {
        DomainError(
            code: "scan_name",
            vi: "Tên tệp phải có đuôi .pdf, .docx hoặc .doc.",
            en: "The file name must end in .pdf, .docx or .doc."
        )
    }

    static func mismatch(content: ScanKind, named: ScanKind) -> DomainError {
        let what = content.contentName
        return DomainError(
            code: "scan_extension_mismatch",
            vi: "Nội dung tệp là \(what.vi) nhưng tên tệp có đuôi .\(named.rawValue). "
                + "Hãy đổi đuôi thành .\(content.rawValue) hoặc chọn đúng tệp.",
            en: "The file's content is \(what.en) but its name ends in .\(named.rawValue). "
                + "Rename it to .\(content.rawValue) or choose the right file."
        )
    }
}

/// Little-endian reads that answer nil instead of trapping, because every offset in an upload is hostile.
struct ScanBytes {
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var count: Int { bytes.count }

    func byte(_ at: Int) -> UInt8? {
        at >= 0 && at < bytes.count ? bytes[at] : nil
    }

    func u16(_ at: Int) -> Int? {
        guard at >= 0, at <= bytes.count - 2 else { return nil }
        return Int(bytes[at]) | Int(bytes[at + 1]) << 8
    }

    func u32(_ at: Int) -> Int? {
        guard at >= 0, at <= bytes.count - 4 else { return nil }
        return Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24
    }

    func slice(_ at: Int, length: Int) -> [UInt8]? {
        guard at >= 0, length >= 0, at <= bytes.count - length else { return nil }
        return Array(bytes[at..<(at + length)])
    }

    func matches(_ pattern: [UInt8], at: Int) -> Bool {
        guard at >= 0, at <= bytes.count - pattern.count else { return false }
        for i in 0..<pattern.count where bytes[at + i] != pattern[i] { return false }
        return true
    }

    /// The first offset in `range` where the whole pattern lies inside `range`.
    func find(_ pattern: [UInt8], in range: Range<Int>) -> Int? {
        search(pattern, in: range) { $0 == $1 }
    }

    func findIgnoringASCIICase(_ pattern: [UInt8], in range: Range<Int>) -> Int? {
        search(pattern.map(Self.lower), in: range) { Self.lower($0) == $1 }
    }

    private static func lower(_ b: UInt8) -> UInt8 {
        b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") ? b + 32 : b
    }

    private func search(_ pattern: [UInt8], in range: Range<Int>, same: (UInt8, UInt8) -> Bool) -> Int? {
        let lower = max(0, range.lowerBound)
        let upper = min(bytes.count, range.upperBound)
        guard !pattern.isEmpty, upper - lower >= pattern.count else { return nil }
        return bytes.withUnsafeBufferPointer { buffer -> Int? in
            var i = lower
            let last = upper - pattern.count
            while i <= last {
                var j = 0
                while j < pattern.count, same(buffer[i + j], pattern[j]) { j += 1 }
                if j == pattern.count { return i }
                i += 1
            }
            return nil
        }
    }
}
