// Finds a TrueType font with Vietnamese glyphs: the configured PDF_FONT_PATH first, then well-known system fonts.
import Foundation

public enum FontLocatorError: Error, CustomStringConvertible, Equatable {
    case configuredFontNotFound(path: String)
    case noFontFound(searched: [String])

    public var description: String {
        switch self {
        case .configuredFontNotFound(let path):
            return "PDF_FONT_PATH is set to '\(path)', but there is no readable .ttf file there (nor, for a folder, a DejaVuSans, NotoSans or LiberationSans .ttf inside it). "
                + "Point PDF_FONT_PATH at a TrueType font with Vietnamese letters (e.g. /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf), or unset it to search the system fonts."
        case .noFontFound(let searched):
            return "No TrueType font for the request form was found (looked for DejaVuSans, NotoSans, LiberationSans under \(searched.joined(separator: ", "))). "
                + "Install the Debian package fonts-dejavu-core (apt-get install fonts-dejavu-core), or set PDF_FONT_PATH to a .ttf file with Vietnamese letters."
        }
    }
}

public enum FontLocator {
    /// Regular and bold file names, in order of preference; all three families cover Vietnamese.
    static let families: [(regular: String, bold: String)] = [
        ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
        ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf"),
        ("LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"),
    ]

    public static let defaultSearchDirectories: [URL] = [
        URL(fileURLWithPath: "/usr/share/fonts"),
        URL(fileURLWithPath: "/usr/local/share/fonts"),
    ]

    /// `configuredPath` (the PDF_FONT_PATH setting) may name a .ttf file or a folder to search.
    /// A nil `bold` means: use the regular face for bold text too.
    public static func find(configuredPath: String?, searchDirectories: [URL] = defaultSearchDirectories) throws -> (regular: URL, bold: URL?) {
        let fileManager = FileManager.default
        if let configuredPath, !configuredPath.trimmingCharacters(in: .whitespaces).isEmpty {
            var isDirectory: ObjCBool = false
            guard fileManager.fileExists(atPath: configuredPath, isDirectory: &isDirectory) else {
                throw FontLocatorError.configuredFontNotFound(path: configuredPath)
            }
            let url = URL(fileURLWithPath: configuredPath)
            if isDirectory.boolValue {
                guard let found = search(in: [url]) else { throw FontLocatorError.configuredFontNotFound(path: configuredPath) }
                return found
            }
            guard fileManager.isReadableFile(atPath: configuredPath) else {
                throw FontLocatorError.configuredFontNotFound(path: configuredPath)
            }
            return (url, boldSibling(of: url))
        }
        guard let found = search(in: searchDirectories) else {
            throw FontLocatorError.noFontFound(searched: searchDirectories.map(\.path))
        }
        return found
    }

    /// Finds the fonts and parses them; bold falls back to the regular face.
    public static func loadFonts(configuredPath: String?, searchDirectories: [URL] = defaultSearchDirectories) throws -> (regular: TrueTypeFont, bold: TrueTypeFont) {
        let urls = try find(configuredPath: configuredPath, searchDirectories: searchDirectories)
        let regular = try TrueTypeFont(contentsOf: urls.regular)
        let bold = try urls.bold.map { try TrueTypeFont(contentsOf: $0) } ?? regular
        return (regular, bold)
    }

    static func search(in directories: [URL]) -> (regular: URL, bold: URL?)? {
        var filesByName: [String: URL] = [:]
        for directory in directories {
            guard let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil) else { continue }
            for case let url as URL in enumerator where filesByName[url.lastPathComponent] == nil {
                filesByName[url.lastPathComponent] = url
            }
        }
        for family in families {
            if let regular = filesByName[family.regular] {
                return (regular, filesByName[family.bold])
            }
        }
        return nil
    }

    /// For a configured "X.ttf" or "X-Regular.ttf", the bold face conventionally sits beside it as "X-Bold.ttf".
    static func boldSibling(of regular: URL) -> URL? {
        let name = regular.deletingPathExtension().lastPathComponent
        let stem = name.hasSuffix("-Regular") ? String(name.dropLast("-Regular".count)) : name
        let candidate = regular.deletingLastPathComponent().appendingPathComponent(stem + "-Bold." + regular.pathExtension)
        return FileManager.default.isReadableFile(atPath: candidate.path) && candidate != regular ? candidate : nil
    }
}
