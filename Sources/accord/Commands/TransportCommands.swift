import ArgumentParser
import AccordStore
import AccordTrust
import AccordObjects
import AccordSync
#if canImport(Glibc)
import Glibc
#endif

// MARK: remote

struct RemoteCommand: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "remote",
        abstract: "Manage remotes: other Accord repositories (a path, bare or not) or bundle files.",
        discussion: "A remote is remote.NAME.url in the config; fetch keeps its contracts at refs/remotes/NAME/contracts/*.",
        subcommands: [RemoteList.self, RemoteAdd.self, RemoteRemove.self],
        defaultSubcommand: RemoteList.self)
    func execute() throws {}
}

struct RemoteList: AccordCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List remotes (with -v, their paths).")
    @Flag(name: .shortAndLong, help: "Show each remote's path.") var verbose = false
    func execute() throws {
        let repo = try Session.repository()
        for r in Remote.all(in: repo) {
            if verbose {
                Output.stdout.line("\(r.name)\t\(Output.oneLine(r.url)) (fetch)")
                Output.stdout.line("\(r.name)\t\(Output.oneLine(r.url)) (push)")
            } else {
                Output.stdout.line(r.name)
            }
        }
    }
}

struct RemoteAdd: AccordCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Add a remote: NAME and the PATH of a repository or bundle (stored absolute).")
    @Argument(help: "Remote name.") var name: String
    @Argument(help: "Path to an Accord repository (bare or not) or a bundle file, or an http(s):// URL of a hub.") var path: String
    func execute() throws {
        let repo = try Session.repository()
        do { try Remote.add(name, url: path, to: repo) } catch let e as TransportError { fail(e.description) }
    }
}

struct RemoteRemove: AccordCommand {
    static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove a remote and its remote-tracking refs.", aliases: ["rm"])
    @Argument(help: "Remote name.") var name: String
    func execute() throws {
        let repo = try Session.repository()
        do { try Remote.remove(name, from: repo) } catch let e as TransportError { fail(e.description) }
    }
}

// MARK: reporting

enum TransferText {
    static func short(_ id: ObjectID?) -> String { id.map { String($0.hex.prefix(7)) } ?? "0000000" }

    static func shortName(_ ref: String) -> String {
        for p in ["refs/remotes/", "refs/contracts/", "refs/tags/", "refs/heads/"] where ref.hasPrefix(p) { return String(ref.dropFirst(p.count)) }
        return ref
    }

    /// git's fetch/push table: flag, summary, from -> to, (reason).
    static func lines(_ changes: [RefChange], showUpToDate: Bool) -> [String] {
        var out: [String] = []
        for c in changes {
            let (flag, summary): (String, String)
            switch c.status {
            case .new: (flag, summary) = ("*", c.ref.hasPrefix("refs/tags/") ? "[new tag]" : c.remoteRef == OrganisationStore.ref ? "[organisation]" : "[new contract]")
            case .fastForward: (flag, summary) = (" ", "\(short(c.old))..\(short(c.new))")
            case .forced: (flag, summary) = ("+", "\(short(c.old))...\(short(c.new))")
            case .upToDate:
                guard showUpToDate else { continue }
                (flag, summary) = ("=", "[up to date]")
            case .deleted: (flag, summary) = ("-", "[deleted]")
            case .rejected: (flag, summary) = ("!", "[rejected]")
            }
            var line = " \(flag) \((summary.count >= 17 ? summary : summary + String(repeating: " ", count: 17 - summary.count))) \(shortName(c.remoteRef)) -> \(shortName(c.ref))"
            if c.status == .forced { line += "  (forced update)" }
            if let r = c.reason { line += "  (\(firstLine(r)))" } // errors give the rest
            out.append(line)
            if let root = c.pinnedRoot {
                out.append("   pinned the organisation root \(root.hex): from now on only organisation versions descending from it are trusted (check it against the root head office gives out; 'accord org show')")
            }
        }
        return out
    }

    /// A reason's first line, escaped for the terminal (it may come from another replica).
    static func firstLine(_ reason: String) -> String { Output.oneLine(String(reason.split(separator: "\n").first ?? "")) }

    /// The closing line of a push with rejected refs: git's hint when every rejection is a lost
    /// race (fetching and merging fixes it); otherwise the first other cause, which trying again
    /// will not fix (a full disk there, a lock, an invalid contract).
    static func pushFailure(_ rejected: [RefChange], remote: String) -> String {
        guard rejected.contains(where: { !$0.lostRace }) else {
            return "error: failed to push some refs to '\(Output.oneLine(remote))'; fetch, merge, and push again\n"
        }
        return failure("failed to push some refs to", remote: remote, rejected.filter { !$0.lostRace })
    }

    /// The closing line of a fetch (pull, unbundle) with rejected refs, naming the first cause on
    /// stderr (a full disk here, a lock, an invalid contract); the table above has them all.
    static func fetchFailure(_ rejected: [RefChange], remote: String) -> String {
        failure("some refs from", remote: remote, rejected, after: " could not be stored")
    }

    private static func failure(_ what: String, remote: String, _ rejected: [RefChange], after: String = "") -> String {
        guard let first = rejected.first else { return "" }
        let why = firstLine(first.reason ?? "rejected")
        let more = rejected.count > 1 ? " (and \(rejected.count - 1) more ref\(rejected.count == 2 ? "" : "s"); see above)" : ""
        return "error: \(what) '\(Output.oneLine(remote))'\(after): \(shortName(first.remoteRef)): \(why)\(more)\n"
    }

    static func json(_ report: TransferReport, remote: String) -> String {
        JSONText.object([
            ("remote", .string(remote)),
            ("objects", .int(report.objects)),
            ("pack", report.packID.map { .string($0.hex) } ?? .null),
            ("refs", .array(report.changes.map { c in
                .object([
                    ("ref", .string(c.ref)), ("remoteRef", .string(c.remoteRef)),
                    ("old", c.old.map { .string($0.hex) } ?? .null), ("new", c.new.map { .string($0.hex) } ?? .null),
                    ("status", .string(c.status.rawValue)), ("reason", c.reason.map { .string($0) } ?? .null),
                ])
            })),
        ]).rendered
    }

    static func progress(quiet: Bool) -> TransferProgress? {
        guard !quiet else { return nil }
        final class State { var phase = ""; var meter = Progress(title: "") }
        let s = State()
        return { phase, done, total in
            if phase != s.phase { s.phase = phase; s.meter = Progress(title: phase) }
            s.meter.update(done, total)
        }
    }
}


/// Runs transport code, turning its errors into `fatal:` messages.
func transport<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as TransportError {
        Output.stdout.flush()
        Output.stderr.write(Output.stderr.paint("fatal:", "31") + " " + Output.escaped(e.description) + "\n")
        throw ExitCode(128)
    }
}

// MARK: clone / fetch / push

struct Clone: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "clone", abstract: "Copy a repository (a path, bare or not, or a bundle file): remote origin, every contract and tag.",
        discussion: "The new repository gets refs/contracts/* from the remote's and keeps refs/remotes/origin/contracts/* for later fetches.")
    @Argument(help: "Path of the repository (or bundle) to clone.") var source: String
    @Argument(help: "Directory to create (default: the source's name without .accord/.bundle).") var directory: String?
    @Flag(help: "Make a bare repository.") var bare = false
    @Option(name: .customLong("org-root"), help: "The organisation root to trust (its commit id, given out of band); without it the source's root is pinned and printed.")
    var orgRoot: String?
    @Flag(name: .shortAndLong, help: "Print nothing but errors and rejected refs.") var quiet = false
    @Flag(help: "Print a JSON summary.") var json = false

    func validate() throws {
        if let r = orgRoot, ObjectID(hex: r) == nil { throw ValidationError("--org-root '\(r)' is not a full commit id (64 hex digits)") }
    }

    func execute() throws {
        let dir = directory ?? {
            var name = Substring(source)
            while name.hasSuffix("/") { name = name.dropLast() }
            var last = String(name.split(separator: "/").last ?? "repository")
            for s in [".bundle", ".accord", ".git"] where last.hasSuffix(s) && last.count > s.count { last = String(last.dropLast(s.count)) }
            return last
        }()
        if !quiet && !json { Output.stderr.write("Cloning into \(bare ? "bare repository " : "")'\(dir)'...\n") }
        let (_, report) = try transport {
            try Transfer.clone(from: source, to: dir, bare: bare, who: Self.who(), orgRoot: orgRoot.flatMap(ObjectID.init(hex:)),
                               environment: Session.environment, progress: TransferText.progress(quiet: quiet || json))
        }
        if json { Output.stdout.line(TransferText.json(report, remote: "origin")); return }
        if quiet { return }
        for l in TransferText.lines(report.changes, showUpToDate: false) { Output.stdout.line(l) }
    }

    static func who() -> Identity {
        let env = Session.environment
        let name = env["ACCORD_COMMITTER_NAME"] ?? "accord"
        let email = env["ACCORD_COMMITTER_EMAIL"] ?? "accord@localhost"
        return Identity(name: name, email: email, seconds: Int64(time(nil)), offsetMinutes: 0)
    }
}

/// The repository a remote name or path stands for.
enum RemoteTarget {
    case repository(Remote)
    case http(Remote, SmartHTTPRemote)
    case bundle(path: String, trackingName: String)

    static func resolve(_ arg: String, in repo: Repository) throws -> RemoteTarget {
        if let r = Remote.named(arg, in: repo) {
            if r.isHTTP { return .http(r, try r.http(in: repo, environment: Session.environment)) }
            return r.isBundle ? .bundle(path: r.url, trackingName: r.name) : .repository(r)
        }
        if Remote.isBundlePath(arg), FileIO.exists(arg) { return .bundle(path: arg, trackingName: "bundle") }
        throw TransportError.badRemote("'\(arg)' is neither a remote (see accord remote -v) nor a bundle file")
    }
}

struct Fetch: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch", abstract: "Bring a remote's contracts and tags, and only the objects missing here (one pack).",
        discussion: """
        Contracts land at refs/remotes/REMOTE/contracts/NUMBER, tags at refs/tags/ (never moved once \
        there); your own refs/contracts/* are not touched. REMOTE may also be a bundle file \
        (tracked as refs/remotes/bundle/...). Exit 1 if a ref was rejected.
        """)
    @Argument(help: "Remote name or bundle file (default: origin).") var remote = "origin"
    @Flag(help: "Delete remote-tracking refs of contracts the remote no longer has.") var prune = false
    @Flag(name: .shortAndLong, help: "Print nothing but errors and rejected refs.") var quiet = false
    @Flag(help: "Print a JSON summary.") var json = false

    func execute() throws {
        let repo = try Session.repository()
        let (report, from, _) = try Fetch.run(remote, repo: repo, prune: prune, quiet: quiet || json)
        if json {
            Output.stdout.line(TransferText.json(report, remote: remote))
        } else if !quiet || !report.rejected.isEmpty {
            let lines = TransferText.lines(quiet ? report.rejected : report.changes, showUpToDate: false)
            if !lines.isEmpty { Output.stdout.line("From \(from)") }
            for l in lines { Output.stdout.line(l) }
        }
        if !report.rejected.isEmpty {
            if !json { Output.stderr.write(TransferText.fetchFailure(report.rejected, remote: from)) }
            throw CheckFailed()
        }
    }
}

extension Fetch {
    /// Fetches from a remote or bundle; returns the report, where from, and the tracking name.
    static func run(_ remote: String, repo: Repository, prune: Bool = false, quiet: Bool) throws -> (TransferReport, String, String) {
        let who = try Session.identity("COMMITTER", repository: repo, required: false)
        let progress = TransferText.progress(quiet: quiet)
        return try transport {
            switch try RemoteTarget.resolve(remote, in: repo) {
            case let .repository(r):
                let other = try r.open()
                return (try Transfer.fetch(into: repo, from: other, remoteName: r.name, who: who, prune: prune, progress: progress), r.url, r.name)
            case let .http(r, http):
                return (try Transfer.fetch(into: repo, http: http, remoteName: r.name, who: who, prune: prune, progress: progress), r.url, r.name)
            case let .bundle(path, name):
                let data = try BundleFile.load(path).bytes
                return (try BundleFile.unbundle(data, into: repo, remoteName: name, who: who, progress: progress), path, name)
            }
        }
    }
}

struct Push: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "push", abstract: "Send your contracts to a remote: new ones and fast-forwards; objects validated there before any ref moves.",
        discussion: """
        Each remote ref moves with compare-and-swap on the value read before the transfer: a ref that \
        is not a fast-forward, or that changed meanwhile, is rejected (fetch and merge first) and never \
        overwritten; the other refs still go through. The tags of the contracts pushed \
        (refs/tags/NUMBER/…) go with them; a tag is never moved. Exit 1 if any ref was rejected.
        """)
    @Argument(help: "Remote name (default: origin).") var remote = "origin"
    @Argument(help: "Contract numbers or refs to push (default: every refs/contracts/*).") var refs: [String] = []
    @Flag(name: .shortAndLong, help: "Print nothing but errors and rejected refs.") var quiet = false
    @Flag(help: "Print a JSON summary.") var json = false

    func execute() throws {
        let repo = try Session.repository()
        let who = try Session.identity("COMMITTER", repository: repo, required: false)
        let report: TransferReport = try transport {
            guard let r = Remote.named(remote, in: repo) else {
                throw TransportError.badRemote("'\(remote)' is not a remote (see accord remote -v)")
            }
            guard !r.isBundle else { throw TransportError.badRemote("cannot push to a bundle; use accord bundle create") }
            let only = refs.isEmpty ? nil : refs.map { $0.hasPrefix("refs/") ? $0 : "refs/contracts/\($0)" }
            return try Transfer.push(from: repo, to: r, environment: Session.environment, who: who,
                                     options: .init(refs: only, progress: TransferText.progress(quiet: quiet || json)))
        }
        let url = Remote.named(remote, in: repo)?.url ?? remote
        if json {
            Output.stdout.line(TransferText.json(report, remote: remote))
        } else if !quiet || !report.rejected.isEmpty {
            let lines = TransferText.lines(quiet ? report.rejected : report.changes, showUpToDate: false)
            if lines.isEmpty { Output.stdout.line("Everything up-to-date") } else {
                Output.stdout.line("To \(url)")
                for l in lines { Output.stdout.line(l) }
            }
        }
        if !report.rejected.isEmpty {
            if !json { Output.stderr.write(TransferText.pushFailure(report.rejected, remote: url)) }
            throw CheckFailed()
        }
    }
}

// MARK: bundle

struct BundleCommand: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle",
        abstract: "Exchange contracts as a file (git bundle v3, sha256) with replicas that have no connection.",
        subcommands: [BundleCreate.self, BundleVerify.self, BundleListHeads.self, BundleUnbundle.self])
    func execute() throws {}
}

struct BundleCreate: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Write FILE: the refs given (default: every contract and tag) and the objects they need.",
        discussion: "With --since REV, objects reachable from REV are left out and the boundary commits become prerequisites the receiver must have.")
    @Argument(help: "Bundle file to write.") var file: String
    @Option(help: "Leave out what this revision reaches (repeatable).") var since: [String] = []
    @Flag(help: "Every ref under refs/.") var all = false
    @Argument(help: "Contract numbers or full ref names.") var refs: [String] = []
    @Flag(name: .shortAndLong, help: "Print nothing but errors and rejected refs.") var quiet = false

    func execute() throws {
        let repo = try Session.repository()
        var chosen: [(name: String, id: ObjectID)] = []
        if all {
            chosen = try repo.refs.list()
        } else if refs.isEmpty {
            chosen = try repo.refs.list(prefix: "refs/contracts/") + repo.refs.list(prefix: "refs/tags/")
        } else {
            for r in refs {
                let name = r.hasPrefix("refs/") ? r : "refs/contracts/\(r)"
                guard let id = try repo.refs.resolve(name) else { throw StoreError.refNotFound(name) }
                chosen.append((name, id))
            }
        }
        // The organisation travels with every bundle: the receiver judges the commits by it.
        if !chosen.contains(where: { $0.name == OrganisationStore.ref }), let org = try repo.refs.resolve(OrganisationStore.ref) {
            chosen.append((OrganisationStore.ref, org))
        }
        let resolver = RevisionResolver(repository: repo)
        var sinceIDs: [ObjectID] = []
        for s in since { sinceIDs.append(try resolver.peel(try resolver.resolve(s), to: .commit)) }
        let made: (bundle: BundleFile, objects: Int)
        do {
            made = try transport {
                do { return try BundleFile.create(at: file, from: repo, refs: chosen, since: sinceIDs, progress: TransferText.progress(quiet: quiet)) }
                catch TransportError.nothingNew {
                    // The receiver already has everything: a daily job's run with nothing to carry.
                    throw NothingNew()
                }
            }
        } catch is NothingNew {
            if !quiet { Output.stderr.write("nothing new since \(since.map(Output.oneLine).joined(separator: ", ")): no bundle written\n") }
            return
        }
        if !quiet {
            Output.stderr.write("Bundle \(file): \(made.objects) objects, \(made.bundle.refs.count) refs, \(made.bundle.prerequisites.count) prerequisites\n")
        }
    }
}

private struct NothingNew: Error {}

struct BundleVerify: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Check that FILE is a valid bundle this repository can apply (prerequisites present, pack complete).")
    @Argument(help: "Bundle file.") var file: String
    @Flag(name: .shortAndLong, help: "Only the result.") var quiet = false
    func execute() throws {
        let repo = try Session.repository()
        let bundle = try transport { try BundleFile.verify(try BundleFile.load(file).bytes, in: repo) }
        if !quiet {
            Output.stdout.line("The bundle contains \(bundle.refs.count == 1 ? "this ref" : "these \(bundle.refs.count) refs"):")
            for r in bundle.refs { Output.stdout.line("\(r.id.hex) \(r.name)") }
            if bundle.prerequisites.isEmpty {
                Output.stdout.line("The bundle records a complete history.")
            } else {
                Output.stdout.line("The bundle requires \(bundle.prerequisites.count == 1 ? "this ref" : "these \(bundle.prerequisites.count) refs"):")
                for p in bundle.prerequisites { Output.stdout.line("\(p.id.hex) \(p.comment)") }
            }
            Output.stdout.line("The bundle uses this hash algorithm: sha256")
        }
        Output.stderr.write("\(file) is okay\n")
    }
}

struct BundleListHeads: AccordCommand {
    static let configuration = CommandConfiguration(commandName: "list-heads", abstract: "Print the refs a bundle holds (id and name).")
    @Argument(help: "Bundle file.") var file: String
    func execute() throws {
        let bundle = try transport { try BundleFile.load(file).bundle }
        for r in bundle.refs { Output.stdout.line("\(r.id.hex) \(r.name)") }
    }
}

struct BundleUnbundle: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "unbundle",
        abstract: "Apply a bundle: check it all, add its objects, move refs/remotes/bundle/contracts/* (and create tags); print its refs.",
        discussion: "A truncated or altered bundle, or one whose prerequisites are missing, is rejected and nothing changes.")
    @Argument(help: "Bundle file.") var file: String
    @Flag(name: .shortAndLong, help: "Print nothing but errors and rejected refs.") var quiet = false
    func execute() throws {
        let repo = try Session.repository()
        let who = try Session.identity("COMMITTER", repository: repo, required: false)
        let (bundle, report) = try transport {
            let (bundle, data) = try BundleFile.load(file)
            return (bundle, try BundleFile.unbundle(data, into: repo, remoteName: "bundle", who: who, progress: TransferText.progress(quiet: quiet)))
        }
        for r in bundle.refs { Output.stdout.line("\(r.id.hex) \(r.name)") }
        if !report.rejected.isEmpty {
            for l in TransferText.lines(report.rejected, showUpToDate: false) { Output.stderr.write(l + "\n") }
            throw CheckFailed()
        }
    }
}
