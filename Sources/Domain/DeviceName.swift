// What a session's User-Agent says in words a person recognises: "Chrome trên Android", "Safari on iPhone".
import Foundation

public struct DeviceName: Equatable, Sendable {
    /// The browser or program, by its usual name; nil when the string names none that is known.
    public let browser: String?
    /// The operating system or device; nil when the string does not say.
    public let system: String?

    public init(browser: String?, system: String?) {
        self.browser = browser
        self.system = system
    }

    /// Reads the product tokens that browsers send. The order matters: Edge, Opera, Cốc Cốc and Samsung Internet
    /// also say "Chrome", Chrome also says "Safari", and every Android string says "Linux".
    public init(userAgent raw: String) {
        let ua = raw.prefix(512)
        func has(_ token: String) -> Bool { ua.range(of: token, options: .caseInsensitive) != nil }
        let browsers: [(token: String, name: String)] = [
            ("Zalo", "Zalo"), ("FBAN", "Facebook"), ("FBAV", "Facebook"), ("coc_coc_browser", "Cốc Cốc"), ("Edg/", "Edge"),
            ("EdgA/", "Edge"), ("EdgiOS/", "Edge"), ("OPR/", "Opera"), ("Opera", "Opera"), ("SamsungBrowser/", "Samsung Internet"),
            ("UCBrowser/", "UC Browser"), ("YaBrowser/", "Yandex"), ("Firefox/", "Firefox"), ("FxiOS/", "Firefox"),
            ("CriOS/", "Chrome"), ("Chromium/", "Chromium"), ("HeadlessChrome/", "Chrome"), ("Chrome/", "Chrome"),
            ("Version/", "Safari"), ("curl/", "curl"), ("python-requests", "Python"), ("Python-urllib", "Python"),
            ("okhttp", "OkHttp"), ("Dalvik/", "Android"),
        ]
        var browser = browsers.first { has($0.token) }.map(\.name)
        if browser == "Safari" && !has("Safari/") { browser = nil }
        if browser == "Android" { browser = nil }   // Dalvik: an Android app, named by the system below
        let systems: [(token: String, name: String)] = [
            ("iPhone", "iPhone"), ("iPad", "iPad"), ("iPod", "iPod"), ("Android", "Android"), ("CrOS", "ChromeOS"),
            ("Windows Phone", "Windows Phone"), ("Windows", "Windows"), ("Macintosh", "macOS"), ("Mac OS X", "macOS"),
            ("Ubuntu", "Ubuntu"), ("Fedora", "Fedora"), ("Linux", "Linux"), ("FreeBSD", "FreeBSD"),
        ]
        let system = systems.first { has($0.token) }.map(\.name)
        self.init(browser: browser, system: system)
    }

    /// "Chrome trên Linux" / "Chrome on Linux"; a part that is not known is left out, and when neither is, the
    /// caller's words for "unknown".
    public func text(on: String, unknown: String) -> String {
        switch (browser, system) {
        case let (b?, s?): return "\(b) \(on) \(s)"
        case let (b?, nil): return b
        case let (nil, s?): return s
        case (nil, nil): return unknown
        }
    }
}
