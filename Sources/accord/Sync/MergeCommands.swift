import ArgumentParser
import AccordStore
import AccordObjects
import AccordContracts
import AccordSync

struct Merge: AccordCommand {
    static let configuration = CommandConfiguration(
        abstract: "Merge another version of a contract into the local one, field by field (domain rules; conflicts kept as data).",
        discussion: "REV is typically a remote-tracking ref, e.g. origin/contracts/HT-2026-001 or refs/remotes/origin/contracts/HT-2026-001.")

    @Flag(help: "Print the outcome as JSON.") var json = false
    @Argument(help: "The contract number.") var number: String
    @Argument(help: "The version to merge in.") var revision: String

    func execute() throws {
        let s = try ContractSession()
        let (actor, who) = try s.actor()
        let resolver = RevisionResolver(repository: s.repository)
        var spec = revision
        if !spec.hasPrefix("refs/"), spec.contains("/contracts/") { spec = "refs/remotes/" + spec }
        let theirs = try resolver.peel(try resolver.resolve(spec), to: .commit)
        let outcome = try ContractFailure.wrap { () throws(ContractStoreError) in
            try MergeDriver(store: s.store).merge(number, theirs: theirs, actor: actor, author: who)
        }
        MergeReport.print(number, outcome, json: json)
        if case let .merged(_, conflicts, _) = outcome, conflicts > 0 { throw CheckFailed() }
    }
}

enum MergeReport {
    static func print(_ number: String, _ outcome: MergeDriver.Outcome, json: Bool) {
        let out = Output.stdout
        switch outcome {
        case .upToDate:
            out.line(json ? JSONText.object([("number", .string(number)), ("outcome", .string("up-to-date"))]).rendered : "\(number): already up to date")
        case let .fastForward(id):
            out.line(json ? JSONText.object([("number", .string(number)), ("outcome", .string("fast-forward")), ("commit", .string(id.hex))]).rendered
                     : "\(number): fast-forward to \(id.hex.prefix(12))")
        case let .merged(id, conflicts, notes):
            if json {
                out.line(JSONText.object([("number", .string(number)), ("outcome", .string("merged")), ("commit", .string(id.hex)),
                                          ("conflicts", .int(conflicts)), ("notes", .array(notes.map { .string($0) }))]).rendered)
            } else {
                out.line("\(number): merged as \(id.hex.prefix(12))" + (conflicts > 0 ? out.paint(", \(conflicts) conflict\(conflicts == 1 ? "" : "s") (accord conflicts \(number))", "31") : ""))
                for n in notes { out.line("  \(n)") }
            }
        }
    }
}

struct Conflicts: AccordCommand {
    static let configuration = CommandConfiguration(
        abstract: "List unresolved merge conflicts, with base, ours and theirs and who changed each side when.")

    @Flag(help: "Print JSON.") var json = false
    @Argument(help: "The contract number (default: every conflicted contract).") var number: String?

    func execute() throws {
        let s = try ContractSession()
        var snaps: [Snapshot] = []
        if let number { snaps = [try s.load(number)] } else {
            for (_, head) in try ContractFailure.wrap({ () throws(ContractStoreError) in try s.store.all() }) {
                let snap = try ContractFailure.wrap { () throws(ContractStoreError) in try s.store.load(commit: head) }
                if snap.isConflicted { snaps.append(snap) }
            }
        }
        let out = Output.stdout
        if json {
            out.write(JSON.array(snaps.flatMap { snap in snap.conflicts.map { c in
                var o = c.json.object ?? [:]; o["number"] = .string(snap.state.contract.number); return JSON.object(o)
            } }).canonical)
            return
        }
        for snap in snaps {
            for c in snap.conflicts {
                out.line(out.paint("\(snap.state.contract.number) \(c.path)", "1") + ": \(c.reason)")
                out.line("  base:   \(FieldDiff.show(c.base))")
                for (label, side) in [("ours", c.ours), ("theirs", c.theirs)] {
                    let who = [side.author, side.role].compactMap { $0 }.joined(separator: ", ")
                    out.line("  \(label.padding(8))\(FieldDiff.show(side.value))" + (who.isEmpty ? "" : "   (\(who)\(side.commit.map { ", " + $0.prefix(12) } ?? ""))"))
                }
            }
        }
        if number != nil, snaps.allSatisfy({ !$0.isConflicted }) { Output.stderr.write("no conflicts\n") }
    }
}

struct Resolve: AccordCommand {
    static let configuration = CommandConfiguration(
        abstract: "Resolve conflicts of a contract, recorded as one commit: accord resolve NUMBER PATH… --ours|--theirs|--value V.",
        discussion: """
        Several paths take the same side in one commit (a quantity with the totals and milestones that \
        follow from it); --value sets one path. For an 'invariant N' conflict, give no choice: it \
        resolves once the invariant holds again (e.g. after a change agreement or a correcting record).
        """)

    @Flag(help: "Keep our side's value.") var ours = false
    @Flag(help: "Keep their side's value.") var theirs = false
    @Option(help: "Use this value instead (same syntax as accord set).") var value: String?
    @Option(name: .shortAndLong, help: "Why (goes into the commit message).") var message: String?
    @Argument(help: "The contract number.") var number: String
    @Argument(help: "The conflicting path(s), as 'accord conflicts' shows them.") var paths: [String]

    func validate() throws {
        let n = [ours, theirs, value != nil].filter { $0 }.count
        if n > 1 { throw ValidationError("give one of --ours, --theirs, --value") }
        if paths.isEmpty { throw ValidationError("name the conflicting path(s) to resolve") }
    }

    func execute() throws {
        let s = try ContractSession()
        let (actor, who) = try s.actor()
        let snap = try s.load(number)
        let choice: ResolutionChoice
        if ours { choice = .ours } else if theirs { choice = .theirs }
        else if let value { choice = .value(try FieldPath.value(fromArgument: value)) }
        else { choice = .fixed }
        let change: ContractStore.Change
        do { change = try ConflictResolution.change(snap, paths: paths, choice: choice, actor: actor, author: who, message: message) }
        catch { throw ContractFailure(error.description) }
        let id = try s.commit(change, parent: snap)
        let left = change.conflicts?.count ?? 0
        Output.stdout.line("\(number) \(id.hex.prefix(12)) resolved \(paths.joined(separator: ", "))" + (left == 0 ? "" : "; \(left) left"))
    }
}

extension ContractFailure {
    static func wrapRule<T>(_ body: () throws(ContractError) -> T) throws -> T {
        do { return try body() } catch { throw ContractFailure(error) }
    }
}
