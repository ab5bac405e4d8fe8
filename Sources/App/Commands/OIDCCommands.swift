// `portal oidc-client add …` registers a service system for single sign-on; `portal oidc-keys rotate|list`
// manages the provider's signing keys.
import Fluent
import Vapor

/// Options may repeat (`--redirect-uri` once per address), so the arguments are read here rather than by a
/// fixed signature.
struct OIDCClientCommand: AnyAsyncCommand {
    var help: String {
        """
        Registers a client: oidc-client add --name "…" --redirect-uri URI [--redirect-uri URI…] [--post-logout-redirect-uri URI]
        [--backchannel-logout-uri URI] [--scopes "openid profile phone id_number"]
        [--auth client_secret_basic|client_secret_post|private_key_jwt|none] [--jwks-uri URI] [--id-token-alg RS256|ES256] [--trusted]
        [--service CODE … --start-url URL]: the catalogue's services this system handles, and where citizens start there
        """
    }

    func outputHelp(using context: inout CommandContext) {
        context.console.print(help)
    }

    func run(using context: inout CommandContext) async throws {
        let args = context.input.arguments
        guard args.first == "add" else { throw CommandError.missing("usage: \(help)") }
        var values: [String: [String]] = [:]
        var flags: Set<String> = []
        var i = 1
        while i < args.count {
            let arg = args[i]
            guard arg.hasPrefix("--") else { throw CommandError.invalid("unexpected argument \(arg)") }
            let name = String(arg.dropFirst(2))
            if name == "trusted" { flags.insert(name); i += 1; continue }
            guard i + 1 < args.count else { throw CommandError.missing("\(arg) needs a value") }
            values[name, default: []].append(args[i + 1])
            i += 2
        }
        let known: Set<String> = ["name", "logo-text", "redirect-uri", "post-logout-redirect-uri", "backchannel-logout-uri", "scopes", "auth",
                                  "jwks-uri", "id-token-alg", "service", "start-url"]
        if let unknown = values.keys.first(where: { !known.contains($0) }) { throw CommandError.invalid("unknown option --\(unknown)") }
        guard let name = values["name"]?.last else { throw CommandError.missing("--name is required") }
        let input = ClientInput(
            name: name, logoText: values["logo-text"]?.last, redirectURIs: values["redirect-uri"] ?? [],
            postLogoutRedirectURIs: values["post-logout-redirect-uri"] ?? [], backchannelLogoutURI: values["backchannel-logout-uri"]?.last,
            scopes: (values["scopes"]?.last ?? "openid profile").split(separator: " ").map(String.init),
            authMethod: values["auth"]?.last ?? OIDCClient.AuthMethod.client_secret_basic.rawValue, jwksURI: values["jwks-uri"]?.last,
            idTokenAlg: values["id-token-alg"]?.last ?? SigningAlgorithm.RS256.rawValue, trusted: flags.contains("trusted"))
        let services = values["service"] ?? []
        if !services.isEmpty && values["start-url"] == nil { throw CommandError.missing("--service needs --start-url") }
        let app = context.application
        try await app.autoMigrate()
        do {
            let (client, secret) = try await OIDCClients(db: app.db, portal: app.portal)
                .register(input, actor: AuditLog.Actor(id: nil, name: "command:oidc-client", address: "local"))
            if let start = values["start-url"]?.last, !services.isEmpty {
                try await ServiceCatalogue(db: app.db).link(codes: services, to: client.id!, startURL: start)
            }
            context.console.print("client_id: \(client.clientID)")
            if let secret { context.console.print("client_secret: \(secret)") }
        } catch let error as AppError {
            let detail = error.fields.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value.en)" }.joined(separator: "; ")
            throw CommandError.invalid(detail.isEmpty ? error.message.en : detail)
        }
    }
}

struct OIDCKeysCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "action", help: "rotate: publish new keys that sign after --publish-ahead seconds; list: the published keys")
        var action: String
        @Option(name: "publish-ahead", help: "Seconds a new key is published before it signs (default 3600)")
        var publishAhead: Int?
    }

    var help: String { "Rotates or lists the single sign-on signing keys." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await app.autoMigrate()
        let keys = SigningKeys(db: app.db, portal: app.portal)
        switch signature.action {
        case "rotate":
            try await keys.ensure()
            let ahead = TimeInterval(signature.publishAhead ?? Int(SigningKeys.defaultPublishAhead))
            guard ahead >= 0 else { throw CommandError.invalid("--publish-ahead must not be negative") }
            let made = try await keys.rotate(publishAhead: ahead)
            try await AuditLog(db: app.db, portal: app.portal).record(AuditLog.Actor(id: nil, name: "command:oidc-keys", address: "local"),
                                                                      action: "oidc.keys.rotate", target: made.joined(separator: ","), unit: nil)
            context.console.print("New keys \(made.joined(separator: ", ")) are published now and sign from \(VietnamTime.dateTime(app.portal.time.now().addingTimeInterval(ahead))).")
        case "list":
            try await keys.ensure()
            for row in try await keys.published() {
                let state = row.retiredAt.map { "retires \(VietnamTime.dateTime($0))" } ?? "current"
                context.console.print("\(row.kid) \(row.alg) signs from \(VietnamTime.dateTime(row.signsFrom)), \(state)")
            }
        default:
            throw CommandError.invalid("action must be rotate or list")
        }
    }
}
