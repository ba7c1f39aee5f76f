import ArgumentParser
import AccordStore
import AccordObjects
import AccordContracts

struct Log: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "log", abstract: "Show history, newest first: of one contract (accord log NUMBER), of every contract (no argument), or from revisions.",
        discussion: "For contracts, each commit shows who made it with their role and office; --field shows only commits that changed that field.")

    @Flag(help: "One line per commit.") var oneline = false
    @Flag(name: .customLong("topo-order"), help: "Never show a parent before all of its children.") var topoOrder = false
    @Flag(help: "Print one JSON object per commit.") var json = false
    @Option(name: [.customShort("n", allowingJoined: true), .customLong("max-count")], help: "Show at most N commits (-n 5, -n5, --max-count=5).") var maxCount: Int?
    @Option(help: "Only commits that changed this contract field (e.g. totalAmount, lineItems[L1].quantity, lineItems).") var field: String?
    @Option(help: "Only commits made on or after this date (YYYY-MM-DD).") var since: String?
    @Option(help: "Only commits made on or before this date (YYYY-MM-DD).") var until: String?
    @Option(help: "Only commits whose author name or email contains this text.") var author: String?
    @Argument(help: "A contract number or revisions (default: every contract, or HEAD).") var revisions: [String] = []

    func validate() throws {
        if let maxCount, maxCount < 0 { throw ValidationError("-n must not be negative") }
        for d in [since, until].compactMap({ $0 }) where (try? CivilDate.parse(d)) == nil {
            throw ValidationError("'\(d)' is not a date: write YYYY-MM-DD")
        }
    }

    func execute() throws {
        let repo = try Session.repository()
        let resolver = RevisionResolver(repository: repo)
        let contracts = try? ContractStore(repository: repo)
        var tips: [ObjectID] = []
        var contractMode = false
        // Which contract each shown commit is of, when the log spans several: a tip's number
        // passes to its parents (a contract's history holds only its own commits).
        var numbers: [ObjectID: String] = [:]
        if revisions.isEmpty {
            if let all = try? contracts?.all(), !all.isEmpty, (try? repo.refs.resolve("HEAD")) == nil {
                tips = all.map(\.head); contractMode = true
                for c in all { numbers[c.head] = c.number }
            } else {
                tips = [try resolver.peel(try resolver.resolve("HEAD"), to: .commit)]
            }
        } else {
            for r in revisions {
                if Invariants.validNumber(r), let h = try? contracts?.head(r) {
                    tips.append(h); contractMode = true; numbers[h] = r; continue
                }
                guard let id = try? resolver.resolve(r) else {
                    // A contract number that names no contract says so, not "bad revision".
                    if Invariants.validNumber(r), contracts != nil { throw StoreError.invalidInput("no such contract: \(Output.oneLine(r)) (see accord list)") }
                    tips.append(try resolver.peel(try resolver.resolve(r), to: .commit)); continue
                }
                tips.append(try resolver.peel(id, to: .commit))
            }
        }
        if field != nil && !contractMode { throw StoreError.invalidInput("--field needs a contract number") }
        let sinceDay = since.flatMap { try? CivilDate.parse($0) }, untilDay = until.flatMap { try? CivilDate.parse($0) }
        var history = History(objects: repo.objects)
        let out = Output.stdout
        var shown = 0
        let spansContracts = revisions.isEmpty || Set(numbers.values).count > 1
        for id in try history.walk(from: tips, order: topoOrder ? .topological : .date) {
            if let maxCount, shown >= maxCount { break }
            let c = try history.commit(id)
            let day = CivilDate(daysSinceEpoch: Int((c.author.seconds + Int64(c.author.offsetMinutes) * 60) / 86_400))
            if let sinceDay, day < sinceDay { continue }
            if let untilDay, day > untilDay { continue }
            if let author, !c.author.name.localizedLowercase.contains(author.localizedLowercase),
               !c.author.email.localizedLowercase.contains(author.localizedLowercase) { continue }
            if let field, let store = contracts {
                let now = try ContractFailure.wrap { () throws(ContractStoreError) in try store.load(commit: id) }
                var before: Snapshot?
                if let p = c.parents.first { before = try ContractFailure.wrap { () throws(ContractStoreError) in try store.load(commit: p) } }
                let touched = FieldDiff.diff(before?.state, now.state).contains { ch in
                    ch.path == field || ch.path.hasPrefix(field + ".") || ch.path.hasPrefix(field + "[")
                }
                if !touched { continue }
            }
            shown += 1
            // The contract, named when the log spans several (and always in --json).
            var number = numbers[id]
            if number == nil, contractMode, let store = contracts { number = try? store.load(commit: id).state.contract.number }
            for p in c.parents where numbers[p] == nil { numbers[p] = number }
            let named = contractMode && (json || spansContracts) ? number : nil
            let trailers = Trailers.parse(c.messageText)
            let role = trailers["Accord-Role"].map { r in " (" + Output.oneLine([r, trailers["Accord-Office"]].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ", ")) + ")" } ?? ""
            // Names and messages come from whoever made the commit (another replica, a bundle):
            // shown escaped, never as terminal control sequences.
            let authorName = Output.oneLine(c.author.name), authorEmail = Output.oneLine(c.author.email)
            if json {
                var fields: [(String, JSONText)] = [
                    ("id", .string(id.hex)), ("tree", .string(c.tree.hex)), ("parents", .array(c.parents.map { .string($0.hex) })),
                    ("author", .object([("name", .string(c.author.name)), ("email", .string(c.author.email)), ("date", .string(DateText.iso(c.author)))])),
                    ("committer", .object([("name", .string(c.committer.name)), ("email", .string(c.committer.email)), ("date", .string(DateText.iso(c.committer)))])),
                    ("message", .string(c.messageText)),
                ]
                if let named { fields.insert(("contract", .string(named)), at: 1) }
                if !trailers.isEmpty { fields.append(("trailers", .object(trailers.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))) }
                out.line(JSONText.object(fields).rendered)
            } else if oneline {
                out.line(out.paint(String(id.hex.prefix(12)), "33") + (named.map { " " + Output.oneLine($0) } ?? "")
                         + (contractMode ? " \(day) \(authorName)\(role)" : "") + " " + Output.oneLine(String(c.summary)))
            } else {
                out.line(out.paint("commit \(id.hex)", "33"))
                if let named { out.line("Contract: \(Output.oneLine(named))") }
                if c.parents.count > 1 { out.line("Merge: " + c.parents.map { String($0.hex.prefix(12)) }.joined(separator: " ")) }
                out.line("Author: \(authorName) <\(authorEmail)>\(role)")
                out.line("Date:   \(DateText.git(c.author))")
                out.line("")
                for l in c.messageText.split(separator: "\n", omittingEmptySubsequences: false).dropLast(c.messageText.hasSuffix("\n") ? 1 : 0) {
                    out.line("    \(Output.escaped(String(l)))")
                }
                out.line("")
            }
        }
    }
}

extension ContractFailure {
    static func wrap<T>(_ body: () throws(ContractStoreError) -> T) throws -> T {
        do { return try body() } catch { throw ContractFailure(error) }
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
        let fsck = Fsck(repository: repo)
        let problems = fsck.run(progress: json ? { _, _ in } : progress.update)
        // Temp files of interrupted writes are reported, but are not damage (exit status unchanged).
        let warnings = fsck.warnings()
        func rows(_ list: [FsckProblem]) -> JSONText {
            .array(list.map { p in
                .object([("kind", .string(p.kind.rawValue)), ("id", p.id.map { .string($0.hex) } ?? .null), ("message", .string(p.message))])
            })
        }
        if json {
            Output.stdout.line(JSONText.object([("ok", .bool(problems.isEmpty)), ("problems", rows(problems)), ("warnings", rows(warnings))]).rendered)
        } else {
            for p in problems { Output.stdout.line(Output.stdout.paint(p.kind.rawValue, "31") + ": " + (p.id.map { "\($0.hex): " } ?? "") + Output.escaped(p.message)) }
            for w in warnings { Output.stderr.write("warning: \(Output.escaped(w.message))\n") }
        }
        if !problems.isEmpty { throw CheckFailed() }
    }
}
