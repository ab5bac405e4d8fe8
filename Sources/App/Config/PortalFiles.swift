// Where the portal's own files are (views, the OpenAPI document, public files), wherever it is started from.
import Foundation
import Vapor

enum PortalFiles {
    /// What the portal cannot serve without, relative to its folder.
    static let required = ["Resources/Views/home.leaf", "Resources/openapi.yaml", "Public/css"]

    /// `PORTAL_ROOT` when set; otherwise the working directory, then the folders above the executable (an
    /// installation keeps `Resources/` and `Public/` beside or above the binary; `swift build` puts it two levels
    /// below the package). Refuses, naming the setting, when none holds the files: a server without its views
    /// would answer every page with an error while its readiness said ok.
    static func locate(_ directory: DirectoryConfiguration, env: [String: String], executable: String? = Self.executablePath())
        throws -> DirectoryConfiguration {
        if let root = env["PORTAL_ROOT"]?.trimmingCharacters(in: .whitespaces), !root.isEmpty {
            guard holdsFiles(root) else {
                throw ConfigError.invalid("PORTAL_ROOT", "a folder holding Resources/Views, Resources/openapi.yaml and Public/")
            }
            return with(directory, root: root)
        }
        if holdsFiles(directory.workingDirectory) { return directory }
        if let executable {
            var folder = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
            for _ in 0..<4 {
                if holdsFiles(folder.path) { return with(directory, root: folder.path) }
                folder.deleteLastPathComponent()
            }
        }
        throw ConfigError.invalid("PORTAL_ROOT",
            "set to the folder holding Resources/ and Public/ (they are neither in the working directory nor beside the executable)")
    }

    static func holdsFiles(_ root: String) -> Bool {
        let base = root.hasSuffix("/") ? root : root + "/"
        return required.allSatisfy { FileManager.default.fileExists(atPath: base + $0) }
    }

    /// The views, resources and public files from `root`; the working directory (the data folder, a relative
    /// SQLite path) stays where the process was started.
    private static func with(_ directory: DirectoryConfiguration, root: String) -> DirectoryConfiguration {
        let base = root.hasSuffix("/") ? root : root + "/"
        var d = directory
        d.resourcesDirectory = base + "Resources/"
        d.viewsDirectory = base + "Resources/Views/"
        d.publicDirectory = base + "Public/"
        return d
    }

    static func executablePath() -> String? {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments.first
    }
}
