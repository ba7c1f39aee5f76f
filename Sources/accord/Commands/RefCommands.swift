import ArgumentParser
import AccordStore
import AccordObjects

struct RevParse: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "rev-parse", abstract: "Print the object id each revision names (ids, refs, rev^, rev~N, rev^{tree}).")

    @Flag(help: "Exactly one revision, which must name an existing object.") var verify = false
    @Flag(name: .customLong("git-dir"), help: "Print the repository's git directory.") var gitDir = false
    @Argument(help: "Revisions.") var revisions: [String] = []

    func execute() throws {
        let repo = try Session.repository()
        if gitDir { Output.stdout.line(repo.gitDir) }
        if verify && revisions.count != 1 { throw StoreError.invalidInput("--verify takes exactly one revision") }
        let resolver = RevisionResolver(repository: repo)
        for r in revisions {
            let id = try resolver.resolve(r)
            if verify, !repo.objects.contains(id) { throw StoreError.objectNotFound(id) }
            Output.stdout.line(id.hex)
        }
    }
}

struct UpdateRef: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "update-ref",
        abstract: "Set a ref to an object, safely: with OLDVALUE it moves only if the ref still holds OLDVALUE.",
        discussion: "An empty OLDVALUE or the all-zero id means the ref must not exist yet. Every update is logged in the reflog.")

    @Flag(name: .customShort("d"), help: "Delete the ref (checked against OLDVALUE if given).") var delete = false
    @Option(name: .customShort("m"), help: "Reason, for the reflog.") var message = "update-ref"
    @Argument(help: "REF NEWVALUE [OLDVALUE], or with -d: REF [OLDVALUE].") var args: [String]

    func validate() throws {
        let range = delete ? 1...2 : 2...3
        guard range.contains(args.count) else { throw ValidationError(delete ? "usage: update-ref -d REF [OLDVALUE]" : "usage: update-ref REF NEWVALUE [OLDVALUE]") }
    }

    func execute() throws {
        let repo = try Session.repository()
        let resolver = RevisionResolver(repository: repo)
        let ref = args[0]
        try RefName.validate(ref)
        func expectation(_ s: String?) throws -> RefExpectation {
            guard let s else { return .any }
            if s.isEmpty { return .absent }
            let id = try resolver.resolve(s)
            return id.isZero ? .absent : .value(id)
        }
        if delete {
            try repo.refs.delete(ref, expected: try expectation(args.count > 1 ? args[1] : nil))
            return
        }
        let new = try resolver.resolve(args[1])
        guard repo.objects.contains(new) else { throw StoreError.objectNotFound(new) }
        // A contract ref (or its remote-tracking copy) names a version of a contract: a commit.
        let parts = ref.split(separator: "/")
        if ref.hasPrefix("refs/contracts/") || (parts.count >= 4 && parts[0] == "refs" && parts[1] == "remotes" && parts[3] == "contracts") {
            let type = try repo.objects.header(new).type
            guard type == .commit else {
                throw StoreError.invalidInput("\(ref) must point at a commit (a version of the contract), but \(new.hex) is a \(type)")
            }
        }
        try repo.refs.update(ref, to: new, expected: try expectation(args.count > 2 ? args[2] : nil),
                             who: try Session.identity("COMMITTER", repository: repo, required: false), message: message)
    }
}

struct ShowRef: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "show-ref", abstract: "List refs with their ids (exit 1 if none matches).")

    @Flag(help: "Only refs/heads/.") var heads = false
    @Flag(help: "Only refs/tags/.") var tags = false
    @Flag(help: "Print only the ids.") var hash = false
    @Flag(help: "Match whole ref names exactly.") var verify = false
    @Argument(help: "Patterns: a ref matches if its name ends with /PATTERN or equals it.") var patterns: [String] = []

    func execute() throws {
        let repo = try Session.repository()
        var prefix = "refs/"
        if heads && !tags { prefix = "refs/heads/" }
        if tags && !heads { prefix = "refs/tags/" }
        var any = false
        for (name, id) in try repo.refs.list(prefix: prefix) {
            if !patterns.isEmpty {
                let match = patterns.contains { p in verify ? name == p : (name == p || name.hasSuffix("/" + p)) }
                if !match { continue }
            }
            any = true
            Output.stdout.line(hash ? id.hex : "\(id.hex) \(name)")
        }
        if !any { throw CheckFailed() }
    }
}

struct Reflog: AccordCommand {
    static let configuration = CommandConfiguration(commandName: "reflog", abstract: "Show a ref's history of updates, newest first.")

    @Flag(help: "Print as JSON lines for scripts.") var json = false
    @Argument(help: "The ref (default: HEAD).") var ref = "HEAD"

    func execute() throws {
        let repo = try Session.repository()
        var name = ref
        if name != "HEAD", !name.hasPrefix("refs/") {
            name = RevisionResolver.searchPath.dropFirst().map { $0.replacingOccurrences(of: "%s", with: ref) }
                .first { (try? repo.refs.read($0)) != nil } ?? ref
        }
        let entries = try repo.refs.reflog(name)
        // No reflog and no ref: a misspelt name, not an empty history (git fails here too).
        if entries.isEmpty, try repo.refs.resolve(name) == nil {
            throw StoreError.invalidInput("no reflog for '\(ref)': there is no such ref (see accord show-ref)")
        }
        for (n, e) in entries.reversed().enumerated() {
            if json {
                Output.stdout.line(JSONText.object([
                    ("ref", .string(name)), ("old", .string(e.old.hex)), ("new", .string(e.new.hex)),
                    ("who", .string("\(e.who.name) <\(e.who.email)>")), ("when", .string(DateText.iso(e.who))),
                    ("message", .string(e.message)),
                ]).rendered)
            } else {
                Output.stdout.line("\(e.new.hex.prefix(12)) \(name)@{\(n)}: \(Output.oneLine(e.message))")
            }
        }
    }
}

extension String {
    func replacingOccurrences(of a: String, with b: String) -> String {
        split(separator: a, omittingEmptySubsequences: false).joined(separator: b)
    }
}
