import ArgumentParser
import AccordStore
import AccordObjects
import AccordContracts
import AccordSync
import AccordMerge

struct Diff: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff", abstract: "Show what changed in a contract, field by field: accord diff NUMBER [REV [REV]].",
        discussion: "No REV: the last change. One REV: from REV to now. Two: from the first to the second.")

    @Flag(help: "Print the changes as JSON.") var json = false
    @Argument(help: "The contract number, then up to two revisions.") var args: [String]

    func validate() throws { guard (1...3).contains(args.count) else { throw ValidationError("usage: accord diff NUMBER [REV [REV]]") } }

    func execute() throws {
        let s = try ContractSession()
        let number = args[0]
        let head = try s.load(number)
        let from: Snapshot?, to: Snapshot
        switch args.count {
        case 1:
            to = head
            if let parent = try s.repository.objects.readCommit(head.commit).parents.first {
                do { from = try s.store.load(commit: parent) } catch { throw ContractFailure(error) }
            } else { from = nil }
        case 2: from = try s.load(number, at: args[1]); to = head
        default: from = try s.load(number, at: args[1]); to = try s.load(number, at: args[2])
        }
        let changes = FieldDiff.diff(from?.state, to.state)
        Diff.print(changes, json: json)
    }

    static func print(_ changes: [FieldChange], json: Bool) {
        let out = Output.stdout
        if json {
            out.write(JSON.array(changes.map { c in
                var o: [String: JSON] = ["kind": .string(c.kind.rawValue), "path": .string(c.path)]
                if let v = c.old { o["old"] = v }
                if let v = c.new { o["new"] = v }
                return .object(o)
            }).canonical)
            return
        }
        // Paths and values are any replica's text: shown escaped (Output.oneLine / escaped).
        func show(_ v: JSON?) -> String { Output.oneLine(FieldDiff.show(v)) }
        for c in changes {
            let path = Output.oneLine(c.path)
            switch c.kind {
            case .changed:
                if let o = c.old?.string, let n = c.new?.string, o.contains("\n") || n.contains("\n") {
                    out.line("\(path):")
                    for (op, line) in TextMerge.lineDiff(o, n) {
                        let l = Output.oneLine(String(line))
                        out.line(op == " " ? "    \(l)" : out.paint("  \(op) \(l)", op == "-" ? "31" : "32"))
                    }
                } else {
                    out.line("\(path): \(out.paint(show(c.old), "31")) → \(out.paint(show(c.new), "32"))")
                }
            case .added: out.line(out.paint("+ \(path): \(show(c.new))", "32"))
            case .removed: out.line(out.paint("- \(path): \(show(c.old))", "31"))
            }
        }
    }
}

struct Blame: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "blame", abstract: "For each field of a contract, the commit, author, role and date of its last change.")

    @Flag(help: "Print JSON.") var json = false
    @Option(help: "As of this revision.") var at: String?
    @Argument(help: "The contract number.") var number: String

    func execute() throws {
        let s = try ContractSession()
        let snap = try s.load(number, at: at)
        let result: (current: Snapshot, lines: [(path: String, value: JSON?, step: HistoryStep)])
        do { result = try s.store.blame(from: snap.commit) } catch { throw ContractFailure(error) }
        let out = Output.stdout
        if json {
            out.write(JSON.array(result.lines.map { l in
                .object(["path": .string(l.path), "value": l.value ?? .null, "commit": .string(l.step.commit.hex),
                         "author": .string(l.step.author.name), "role": .string(l.step.trailers["Accord-Role"] ?? ""),
                         "date": .string(DateText.iso(l.step.author))])
            }).canonical)
            return
        }
        for l in result.lines {
            let who = Output.oneLine("\(l.step.author.name) (\(l.step.trailers["Accord-Role"] ?? "?"))")
            out.line("\(out.paint(String(l.step.commit.hex.prefix(12)), "33")) \(who.padding(24)) \(DateText.iso(l.step.author).prefix(10))  \(Output.oneLine(l.path)) = \(Output.oneLine(FieldDiff.show(l.value)))")
        }
    }
}
