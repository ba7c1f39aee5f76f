import ArgumentParser
import AccordHub
import AccordStore
import AccordSync
import AccordTrust
import Dispatch
import Foundation
import Logging

// MARK: serve

struct Serve: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run a hub: serve a bare repository over HTTP(S) with git's smart protocol, to the organisation's people.",
        discussion: """
        Every request needs a token (accord serve token create). Each caller sees the organisation \
        and the contracts of their offices (head-office roles see all); pushes are checked behind a \
        quarantine with every rule of a receive; accepted ref updates are numbered in the changes \
        feed (GET accord/changes?since=N). Stops gracefully on SIGTERM or SIGINT.
        """,
        subcommands: [ServeRun.self, ServeToken.self],
        defaultSubcommand: ServeRun.self)
    func execute() throws {}
}

struct ServeRun: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Serve REPO (the default subcommand: accord serve [options] REPO).")
    @Argument(help: "The repository to serve (default: the current one).") var repository: String?
    @Option(help: "Address and port to listen on (port 0: any free port; the address chosen is printed).") var bind = "127.0.0.1:8417"
    @Option(name: .customLong("tls-cert"), help: "PEM certificate chain: serve HTTPS.") var tlsCert: String?
    @Option(name: .customLong("tls-key"), help: "PEM private key of the certificate.") var tlsKey: String?
    @Option(help: "Largest push accepted, in MiB.") var maxPushMib = 1024
    @Flag(name: .shortAndLong, help: "Log only warnings and errors (no access log).") var quiet = false

    func validate() throws {
        guard let colon = bind.lastIndex(of: ":"), let port = Int(bind[bind.index(after: colon)...]), (0...65535).contains(port),
              colon != bind.startIndex else {
            throw ValidationError("--bind '\(bind)' is not ADDRESS:PORT (e.g. 127.0.0.1:8417, 0.0.0.0:443)")
        }
        if (tlsCert == nil) != (tlsKey == nil) { throw ValidationError("--tls-cert and --tls-key go together") }
        for f in [tlsCert, tlsKey].compactMap({ $0 }) where !FileIO.exists(f) { throw ValidationError("no such file: \(f)") }
        guard maxPushMib > 0 else { throw ValidationError("--max-push-mib must be positive") }
    }

    func execute() throws {
        let repo = try repository.map { try Remote.openRepository(at: $0) } ?? Session.repository()
        var limits = HubService.Limits()
        limits.maxPushBytes = maxPushMib << 20
        let service: HubService
        do { service = try HubService(repository: repo, limits: limits) } catch let f as HubService.Failure { fail(f.message) }
        var options = HubServer.Options()
        let colon = bind.lastIndex(of: ":") ?? bind.endIndex
        options.host = String(bind[..<colon])
        options.port = Int(bind[bind.index(after: colon)...]) ?? 8417
        options.tlsCertificate = tlsCert
        options.tlsKey = tlsKey
        var logger = Logger(label: "accord.hub") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = quiet ? .warning : .info
        let gitDir = repo.gitDir
        let done = DispatchSemaphore(value: 0)
        let failure = FailureBox()
        let opts = options, log = logger
        Task {
            do {
                try await HubServer.run(service, options: opts, logger: log) { url in
                    let line = Array("accord hub: serving \(gitDir) at \(url)\n".utf8)
                    _ = line.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
                }
            } catch { failure.set("\(error)") }
            done.signal()
        }
        done.wait()
        if let why = failure.get() { fail("the hub stopped: \(why)") }
    }
}

final class FailureBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: String?
    func set(_ s: String) { lock.withLock { value = s } }
    func get() -> String? { lock.withLock { value } }
}

// MARK: tokens

struct ServeToken: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Manage the hub's access tokens (stored hashed in the hub's repository, never in its config).",
        subcommands: [TokenCreate.self, TokenList.self, TokenRevoke.self])
    func execute() throws {}
}

struct TokenCreate: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Make a token for PERSON (an email of the organisation) and print it: it is shown only this once.")
    @Argument(help: "The person's email.") var person: String
    @Option(help: "A note: whose laptop, what for.") var label = ""
    @Flag(help: "Print JSON.") var json = false
    func execute() throws {
        let repo = try Session.repository()
        let store = OrganisationStore(repository: repo)
        guard let head = try store.head() else { fail("\(repo.gitDir) has no organisation: tokens are for its people (accord org init)") }
        guard let p = try store.read(head).organisation.person(email: person), p.active else {
            fail("\(person) is not an active person of the organisation (accord org show)")
        }
        let (token, secret) = try TokenStore(gitDir: repo.gitDir).create(person: p.email, label: label)
        if json {
            Output.stdout.line(JSONText.object([("id", .string(token.id)), ("person", .string(token.person)), ("token", .string(secret))]).rendered)
        } else {
            Output.stdout.line(secret)
            Output.stderr.write("token \(token.id) for \(Output.escaped(token.person)); keep it secret: it is not stored anywhere but its hash\n")
        }
    }
}

struct TokenList: AccordCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List tokens: id, person, created, state, label (never the token).")
    @Flag(help: "Print JSON.") var json = false
    func execute() throws {
        let repo = try Session.repository()
        let tokens = try TokenStore(gitDir: repo.gitDir).all()
        if json {
            Output.stdout.line(JSONText.array(tokens.map { t in
                .object([("id", .string(t.id)), ("person", .string(t.person)), ("created", .int(Int(t.created))),
                         ("revoked", .bool(t.revoked)), ("label", .string(t.label))])
            }).rendered)
            return
        }
        for t in tokens {
            let date = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(t.created)))
            Output.stdout.line("\(t.id)  \(Output.oneLine(t.person))  \(date)  \(t.revoked ? "revoked" : "active")  \(Output.oneLine(t.label))")
        }
    }
}

struct TokenRevoke: AccordCommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a token by its id, or every token of a person by email; effective on the next request.")
    @Argument(help: "Token id or person's email.") var token: String
    func execute() throws {
        let repo = try Session.repository()
        let revoked = try TokenStore(gitDir: repo.gitDir).revoke(token)
        Output.stderr.write("revoked \(revoked.map(\.id).joined(separator: ", "))\n")
    }
}
