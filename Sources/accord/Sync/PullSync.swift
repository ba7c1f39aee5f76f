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
    static func run(_ remote: String, session s: ContractSession, quiet: Bool, json: Bool) throws -> Int {
        let (actor, who) = try s.actor()
        let (_, _, tracking) = try Fetch.run(remote, repo: s.repository, quiet: quiet || json)
        let driver = try ContractFailure.wrap { () throws(ContractStoreError) in try MergeDriver(store: s.store) }
        let prefix = "refs/remotes/\(tracking)/contracts/"
        var conflicted = 0
        for (ref, theirs) in try s.repository.refs.list(prefix: prefix) {
            let number = String(ref.dropFirst(prefix.count))
            let outcome = try ContractFailure.wrap { () throws(ContractStoreError) in
                try driver.merge(number, theirs: theirs, actor: actor, author: who)
            }
            if case let .merged(_, c, _) = outcome, c > 0 { conflicted += 1 }
            if outcome != .upToDate || json { if !quiet || json { MergeReport.print(number, outcome, json: json) } }
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
