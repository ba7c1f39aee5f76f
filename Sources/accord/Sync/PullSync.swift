import ArgumentParser
import AccordStore
import AccordObjects
import AccordContracts
import AccordSync

struct Pull: AccordCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fetch from a remote (or bundle), then merge every contract that changed there into yours.",
        discussion: "New contracts are created, behind ones fast-forward, diverged ones merge field by field; conflicts are kept as data (exit 0; see accord conflicts).")

    @Argument(help: "Remote name or bundle file (default: origin).") var remote = "origin"
    @Flag(name: .shortAndLong, help: "No progress output.") var quiet = false
    @Flag(help: "Print one JSON object per contract merged.") var json = false

    func execute() throws {
        let s = try ContractSession()
        _ = try Pull.run(remote, session: s, quiet: quiet, json: json)
    }

    /// Fetches, then merges each fetched contract; returns how many merges left conflicts.
    /// Every merge is computed and written first; then all contract refs move in one batch,
    /// each with compare-and-swap on the head the merge started from.
    static func run(_ remote: String, session s: ContractSession, quiet: Bool, json: Bool) throws -> Int {
        let (actor, who) = try s.actor()
        let (_, _, tracking) = try Fetch.run(remote, repo: s.repository, quiet: quiet || json)
        let driver = try ContractFailure.wrap { () throws(ContractStoreError) in try MergeDriver(store: s.store) }
        let prefix = "refs/remotes/\(tracking)/contracts/"
        let heads = try s.repository.refs.values(prefix: "refs/contracts/")
        var planned: [(number: String, outcome: MergeDriver.Outcome, update: RefUpdate?)] = []
        for (ref, theirs) in try s.repository.refs.list(prefix: prefix) {
            let number = String(ref.dropFirst(prefix.count))
            guard Invariants.validNumber(number) else {
                throw ContractFailure("\(ref): '\(number)' is not a valid contract number; nothing was merged")
            }
            let ours = heads[ContractStore.refName(number)]
            if ours == theirs { planned.append((number, .upToDate, nil)); continue }
            let p = try ContractFailure.wrap { () throws(ContractStoreError) in
                try driver.prepare(number, ours: ours, theirs: theirs, actor: actor, author: who)
            }
            planned.append((number, p.outcome, p.update))
        }
        let moving = planned.indices.filter { planned[$0].update != nil }
        let refused = try s.repository.refs.apply(moving.compactMap { planned[$0].update }, who: who)
        var failed: [String] = []
        var notMoved = Set<Int>()
        for (i, error) in zip(moving, refused) {
            if let error { failed.append("\(planned[i].number): not merged: \(error.description)"); notMoved.insert(i) }
        }
        var conflicted = 0
        for (i, p) in planned.enumerated() where !notMoved.contains(i) {
            if case let .merged(_, c, _) = p.outcome, c > 0 { conflicted += 1 }
            if p.outcome != .upToDate || json { if !quiet || json { MergeReport.print(p.number, p.outcome, json: json) } }
        }
        if !failed.isEmpty { // the others are merged; these wait for the next pull (exit 1, as git's failed ref updates)
            for f in failed { Output.stderr.write(Output.stderr.paint("error:", "31") + " \(f)\n") }
            Output.stderr.write("\(failed.count) contract\(failed.count == 1 ? "" : "s") changed here during the pull; run accord pull again\n")
            throw CheckFailed()
        }
        return conflicted
    }
}

struct SyncCommand: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Pull, then push; if the remote moved meanwhile, pull and push again (up to 5 rounds).",
        discussion: "Afterwards both sides hold the same heads for every contract this replica has (unless a push is still refused).")

    @Argument(help: "Remote name (default: origin).") var remote = "origin"
    @Flag(name: .shortAndLong, help: "No progress output.") var quiet = false
    @Flag(help: "Print JSON.") var json = false

    func execute() throws {
        let s = try ContractSession()
        guard let r = Remote.named(remote, in: s.repository), !r.isBundle else {
            throw StoreError.invalidInput("'\(remote)' is not a remote repository (bundles: accord pull FILE, then accord bundle create)")
        }
        let who = try Session.identity("COMMITTER", repository: s.repository, required: false)
        for round in 1...5 {
            _ = try Pull.run(remote, session: s, quiet: quiet, json: json)
            let report = try transport {
                try Transfer.push(from: s.repository, to: try r.open(), remoteName: r.name, who: who,
                                  options: .init(refs: nil, progress: TransferText.progress(quiet: quiet || json)))
            }
            if !quiet && !json { for l in TransferText.lines(report.changes, showUpToDate: false) { Output.stdout.line(l) } }
            if report.rejected.isEmpty {
                if json { Output.stdout.line(JSONText.object([("rounds", .int(round)), ("pushed", .int(report.changes.filter { $0.status != .upToDate }.count))]).rendered) }
                else if !quiet { Output.stdout.line("in sync with \(remote)") }
                return
            }
            if !quiet && !json { Output.stderr.write("\(remote) moved during the push; pulling again (round \(round + 1))\n") }
        }
        throw StoreError.invalidInput("\(remote) kept moving: still not in sync after 5 rounds; try again")
    }
}
