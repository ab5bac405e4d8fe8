// A path that exists, asked with a method it does not answer: 405 with `Allow`, not 404 (RFC 9110 §15.5.6).
import Vapor

/// Which methods each registered path answers, read from the routes once they are all registered.
struct RouteMethods: Sendable {
    private let routes: [(path: [PathComponent], methods: [HTTPMethod])]

    init(_ routes: [Route]) {
        var byPath: [String: (path: [PathComponent], methods: [HTTPMethod])] = [:]
        var order: [String] = []
        for route in routes {
            let path = route.path.filter { if case let .constant(c) = $0 { return !c.isEmpty } else { return true } }
            let key = path.map(\.description).joined(separator: "/")
            if byPath[key] == nil { order.append(key); byPath[key] = (path, []) }
            byPath[key]!.methods.append(route.method)
        }
        self.routes = order.map { byPath[$0]! }
    }

    /// The methods that `path` answers, GET's HEAD included; empty when no route has this path.
    func allowed(_ path: String) -> [HTTPMethod] {
        let segments = path.split(separator: "/").map(String.init)
        var methods: [HTTPMethod] = []
        for route in routes where Self.matches(route.path, segments) {
            methods += route.methods
        }
        if methods.contains(.GET) && !methods.contains(.HEAD) { methods.append(.HEAD) }
        var seen = Set<String>()
        return methods.filter { seen.insert($0.rawValue).inserted }
    }

    private static func matches(_ pattern: [PathComponent], _ segments: [String]) -> Bool {
        var i = 0
        for component in pattern {
            switch component {
            case .catchall: return i < segments.count
            case let .constant(c):
                guard i < segments.count, segments[i] == c else { return false }
            case .parameter, .anything:
                guard i < segments.count else { return false }
            }
            i += 1
        }
        return i == segments.count
    }
}

extension Application {
    private struct RouteMethodsKey: StorageKey { typealias Value = RouteMethods }

    /// Set by `routes(_:)` once every route is registered.
    var routeMethods: RouteMethods {
        get { storage[RouteMethodsKey.self] ?? RouteMethods([]) }
        set { storage[RouteMethodsKey.self] = newValue }
    }
}

extension AppError {
    static func methodNotAllowed(_ allowed: [HTTPMethod]) -> AppError {
        var error = AppError(.methodNotAllowed, "method_not_allowed",
                             Msg("Phương thức không được hỗ trợ.", "This method is not allowed here."))
        error.headers.replaceOrAdd(name: .allow, value: allowed.map(\.rawValue).joined(separator: ", "))
        return error
    }
}
