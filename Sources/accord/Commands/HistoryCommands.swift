import ArgumentParser
import AccordStore
import AccordObjects

struct Log: AccordCommand {
    static let configuration = CommandConfiguration(abstract: "Show commit history, newest first.")

    @Flag(help: "One line per commit: short id and summary.") var oneline = false
    @Flag(name: .customLong("topo-order"), help: "Never show a parent before all of its children.") var topoOrder = false
    @Flag(help: "Print one JSON object per commit.") var json = false
    @Option(name: [.customShort("n"), .customLong("max-count")], help: "Show at most N commits.") var maxCount: Int?
    @Argument(help: "Where to start (default: HEAD).") var revisions: [String] = []

    func validate() throws {
        if let maxCount, maxCount < 0 { throw ValidationError("-n must not be negative") }
    }

    func execute() throws {
        let repo = try Session.repository()
        let resolver = RevisionResolver(repository: repo)
        let tips = try (revisions.isEmpty ? ["HEAD"] : revisions).map { try resolver.peel(try resolver.resolve($0), to: .commit) }
        var history = History(objects: repo.objects)
        let out = Output.stdout
        for id in try history.walk(from: tips, order: topoOrder ? .topological : .date, limit: maxCount ?? .max) {
            let c = try history.commit(id)
            if json {
                out.line(JSONText.object([
                    ("id", .string(id.hex)), ("tree", .string(c.tree.hex)),
                    ("parents", .array(c.parents.map { .string($0.hex) })),
                    ("author", .object([("name", .string(c.author.name)), ("email", .string(c.author.email)), ("date", .string(DateText.iso(c.author)))])),
                    ("committer", .object([("name", .string(c.committer.name)), ("email", .string(c.committer.email)), ("date", .string(DateText.iso(c.committer)))])),
                    ("message", .string(c.messageText)),
                ]).rendered)
            } else if oneline {
                out.line(out.paint(String(id.hex.prefix(12)), "33") + " " + c.summary)
            } else {
                out.line(out.paint("commit \(id.hex)", "33"))
                if c.parents.count > 1 { out.line("Merge: " + c.parents.map { String($0.hex.prefix(12)) }.joined(separator: " ")) }
                out.line("Author: \(c.author.name) <\(c.author.email)>")
                out.line("Date:   \(DateText.git(c.author))")
                out.line("")
                for l in c.messageText.split(separator: "\n", omittingEmptySubsequences: false).dropLast(c.messageText.hasSuffix("\n") ? 1 : 0) {
                    out.line("    \(l)")
                }
                out.line("")
            }
        }
    }
}

struct MergeBase: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge-base", abstract: "Find the best common ancestor(s) of two commits.")

    @Flag(help: "Print every best common ancestor (criss-cross histories have several).") var all = false
    @Flag(name: .customLong("is-ancestor"), help: "Exit 0 if the first commit is an ancestor of the second, else 1.") var isAncestor = false
    @Argument(help: "Two commits.") var commits: [String]

    func validate() throws { guard commits.count == 2 else { throw ValidationError("give exactly two commits") } }

    func execute() throws {
        let repo = try Session.repository()
        let resolver = RevisionResolver(repository: repo)
        let a = try resolver.peel(try resolver.resolve(commits[0]), to: .commit)
        let b = try resolver.peel(try resolver.resolve(commits[1]), to: .commit)
        var history = History(objects: repo.objects)
        if isAncestor {
            if try !history.isAncestor(a, of: b) { throw CheckFailed() }
            return
        }
        let bases = try history.mergeBases(a, b)
        if bases.isEmpty { throw CheckFailed() }
        for base in all ? bases : [bases[0]] { Output.stdout.line(base.hex) }
    }
}

struct FsckCommand: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "fsck",
        abstract: "Verify every object's hash and syntax, every link, every ref and pack; report locks left behind.",
        discussion: "Exit 0 when the repository is sound, 1 when anything is wrong (each problem printed with the object or file).")

    @Flag(help: "Print the result as JSON.") var json = false

    func execute() throws {
        let repo = try Session.repository()
        let progress = Progress(title: "Checking objects")
        let problems = Fsck(repository: repo).run(progress: json ? { _, _ in } : progress.update)
        if json {
            Output.stdout.line(JSONText.object([
                ("ok", .bool(problems.isEmpty)),
                ("problems", .array(problems.map { p in
                    .object([("kind", .string(p.kind.rawValue)), ("id", p.id.map { .string($0.hex) } ?? .null), ("message", .string(p.message))])
                })),
            ]).rendered)
        } else {
            for p in problems { Output.stdout.line(Output.stdout.paint(p.kind.rawValue, "31") + ": " + (p.id.map { "\($0.hex): " } ?? "") + p.message) }
        }
        if !problems.isEmpty { throw CheckFailed() }
    }
}
