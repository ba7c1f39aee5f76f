import ArgumentParser
import AccordStore
import AccordObjects
import AccordContracts
import AccordSync
import AccordMerge

struct Merge: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge", abstract: "Merge another version of a contract into the local one, field by field (domain rules; conflicts kept as data).",
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
        if case let .merged(_, conflicts, _, _) = outcome, conflicts > 0 { throw CheckFailed() }
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
        case let .merged(id, conflicts, new, notes):
            if json {
                out.line(JSONText.object([("number", .string(number)), ("outcome", .string("merged")), ("commit", .string(id.hex)),
                                          ("conflicts", .int(conflicts)), ("newConflicts", .int(new)),
                                          ("notes", .array(notes.map { .string($0) }))]).rendered)
            } else {
                var tail = ""
                if conflicts > 0 {
                    let carried = conflicts - new
                    let parts = [new > 0 ? "\(new) new conflict\(new == 1 ? "" : "s")" : nil,
                                 carried > 0 ? "\(carried) carried over" : nil].compactMap { $0 }
                    tail = out.paint(", " + parts.joined(separator: ", ") + " (accord conflicts \(number))", "31")
                }
                out.line("\(number): merged as \(id.hex.prefix(12))" + tail)
                for n in notes { out.line("  \(Output.escaped(n))") }
            }
        }
    }
}

struct Conflicts: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "conflicts", abstract: "List unresolved merge conflicts: every value concurrent writes left, numbered, with who wrote each when.",
        discussion: "A conflict holds every value no other write has seen (two or more). Resolve with accord resolve NUMBER PATH --pick K; --ours/--theirs name the two sides of the merge that recorded a two-value conflict. A clause's values are shown as line diffs against the base.")

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
                var o = c.json.object ?? [:]
                o["number"] = .string(snap.state.contract.number)
                if let sides = ConflictResolution.sides(of: c, head: snap.commit, store: s.store) {
                    o["ours"] = c.candidates[sides.ours].json
                    o["theirs"] = c.candidates[sides.theirs].json
                }
                return JSON.object(o)
            } }).canonical)
            return
        }
        for snap in snaps {
            for c in snap.conflicts {
                out.line(out.paint(Output.escaped("\(snap.state.contract.number) \(c.path)"), "1") + ": \(Output.escaped(c.reason))")
                if c.candidates.isEmpty { continue }
                let sides = ConflictResolution.sides(of: c, head: snap.commit, store: s.store)
                let text = ContractMerge.isText(c.path)
                out.line("  base: \(text ? "" : Output.escaped(FieldDiff.show(c.base)))")
                if text { for l in (c.base?.string ?? "").split(separator: "\n", omittingEmptySubsequences: false) { out.line("      \(Output.escaped(String(l)))") } }
                for (i, cand) in c.candidates.enumerated() {
                    let side = sides.map { $0.ours == i ? " (ours)" : $0.theirs == i ? " (theirs)" : "" } ?? ""
                    let who = cand.writes.sorted { ($0.at ?? "", $0.commit) > ($1.at ?? "", $1.commit) }.map { w in
                        [w.author, w.role, w.office, w.at.flatMap(Int64.init).map(DateText.utc), String(w.commit.prefix(12))]
                            .compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ", ")
                    }.joined(separator: "; ")
                    if text, let v = cand.value?.string {
                        out.line("  \(i + 1)\(side): \(who.isEmpty ? "" : "(\(Output.escaped(who)))")")
                        for d in TextMerge.lineDiff(c.base?.string ?? "", v) where d.op != " " {
                            out.line("      " + out.paint(Output.escaped("\(d.op) \(d.line)"), d.op == "+" ? "32" : "31"))
                        }
                    } else {
                        out.line("  \(i + 1)\(side): \(Output.escaped(FieldDiff.show(cand.value)))" + (who.isEmpty ? "" : "   (\(Output.escaped(who)))"))
                    }
                }
            }
        }
        if number != nil, snaps.allSatisfy({ !$0.isConflicted }) { Output.stderr.write("no conflicts\n") }
    }
}

struct Resolve: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolve", abstract: "Resolve conflicts of a contract, recorded as one commit: accord resolve NUMBER PATH… --pick K|--ours|--theirs|--value V.",
        discussion: """
        --pick K keeps the K-th value as 'accord conflicts' numbers them; --ours/--theirs work where \
        a conflict holds exactly two values from the two sides of one merge. Several paths take the \
        same choice in one commit (a quantity with the totals and milestones that follow from it); \
        --value sets one path. Choosing a value that changes a frozen field of a signed contract \
        needs --change-agreement, as any such edit does; the signed value needs none. For an \
        'invariant N' conflict, give no choice: it resolves once the invariant holds again.
        """)

    @Flag(help: "Keep the value from our side of the merge (two-value conflicts).") var ours = false
    @Flag(help: "Keep the value from their side of the merge (two-value conflicts).") var theirs = false
    @Option(help: "Keep the K-th value, as accord conflicts numbers them.") var pick: Int?
    @Option(help: "Use this value instead (same syntax as accord set).") var value: String?
    @Option(help: "The approved change agreement (record id) that allows changing a frozen field.") var changeAgreement: String?
    @Option(name: .shortAndLong, help: "Why (goes into the commit message).") var message: String?
    @Argument(help: "The contract number.") var number: String
    @Argument(help: "The conflicting path(s), as 'accord conflicts' shows them.") var paths: [String]

    func validate() throws {
        let n = [ours, theirs, value != nil, pick != nil].filter { $0 }.count
        if n > 1 { throw ValidationError("give one of --pick, --ours, --theirs, --value") }
        if let pick, pick < 1 { throw ValidationError("--pick takes a value's number from 1, as accord conflicts shows it") }
        if paths.isEmpty { throw ValidationError("name the conflicting path(s) to resolve") }
    }

    func execute() throws {
        let s = try ContractSession()
        let (actor, who) = try s.actor()
        let snap = try s.load(number)
        let choice: ResolutionChoice
        if ours { choice = .ours } else if theirs { choice = .theirs }
        else if let pick { choice = .pick(pick) }
        else if let value { choice = .value(try FieldPath.value(fromArgument: value)) }
        else { choice = .fixed }
        let change: ContractStore.Change
        do {
            change = try ConflictResolution.change(snap, paths: paths, choice: choice, actor: actor, author: who, message: message,
                                                   changeAgreement: changeAgreement, store: s.store)
        } catch { throw ContractFailure(error.description) }
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
