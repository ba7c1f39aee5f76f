import ArgumentParser
import AccordStore
import AccordObjects
import AccordContracts
import AccordSync
import AccordMerge
#if canImport(Glibc)
import Glibc
#endif

struct Pull: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull", abstract: "Fetch from a remote (or bundle), then merge every contract that changed there into yours.",
        discussion: "New contracts are created, behind ones fast-forward, diverged ones merge field by field; conflicts are kept as data and a merge that leaves any exits 1 (see accord conflicts). A contract that cannot be merged is named (error: NUMBER: …) and left as it was; the others are merged (exit 1).")

    @Argument(help: "Remote name or bundle file (default: origin).") var remote = "origin"
    @Flag(name: .shortAndLong, help: "No progress output.") var quiet = false
    @Flag(help: "Print one JSON object per contract merged.") var json = false

    func execute() throws {
        let s = try ContractSession()
        let result = try Pull.run(remote, session: s, quiet: quiet, json: json)
        if !result.notMerged.isEmpty || result.conflicted > 0 || !result.refused.isEmpty { throw CheckFailed() }
    }

    /// How many merges left conflicts, and the contracts left as they were (named on stderr).
    struct Result {
        var conflicted = 0
        var notMerged: [String] = []
        /// Refs the fetch refused other than contracts (a tag that would clobber one here, or
        /// that names no version of its contract): named on stderr, exit 1.
        var refused: [String] = []
    }

    /// Fetches, then merges each fetched contract. Every merge is computed and written first; then
    /// all contract refs move in one batch, each with compare-and-swap on the head the merge
    /// started from. A contract that cannot be merged (its other version is invalid, or a record
    /// differs between the sides) or whose ref moved meanwhile is reported as an error and left
    /// as it was; the others are merged (the caller exits 1).
    /// `fetch`: how to fetch (a sync from a hub fetches only what its changes feed names);
    /// nil: `Fetch.run`.
    static func run(_ remote: String, session s: ContractSession, quiet: Bool, json: Bool,
                    fetch: (() throws -> (TransferReport, String, String))? = nil) throws -> Result {
        let (actor, who) = try s.actor()
        let (fetched, _, tracking) = try fetch?() ?? Fetch.run(remote, repo: s.repository, quiet: quiet || json)
        // Opened again after the fetch: it may have brought a newer organisation version, whose
        // policies the merges follow and which they name.
        let driver = try ContractFailure.wrap { () throws(ContractStoreError) in try MergeDriver(store: ContractStore(repository: s.repository)) }
        let prefix = "refs/remotes/\(tracking)/contracts/"
        let heads = try s.repository.refs.values(prefix: "refs/contracts/")
        var planned: [(number: String, outcome: MergeDriver.Outcome, update: RefUpdate?)] = []
        // Contracts the fetch refused (their new commits break the rules here) are not merged:
        // named like any contract that cannot be merged, and kept out of a sync's push.
        var unmergeable: [(number: String, reason: String)] = fetched.rejected.compactMap { c in
            c.invalidContract && c.ref.hasPrefix(prefix) ? (String(c.ref.dropFirst(prefix.count)), c.reason ?? "refused by the fetch") : nil
        }
        // Every other refused ref is named too (a pull used to exit 0 over a refused tag).
        // (and a contract's tracking ref not stored for another cause: a full disk, a lock).
        let refusedRefs = fetched.rejected.filter { !($0.invalidContract && $0.ref.hasPrefix(prefix)) }
        for c in refusedRefs {
            Output.stderr.write(Output.stderr.paint("error:", "31") + " \(c.ref): not stored: \(Output.escaped(c.reason ?? "rejected"))\n")
        }
        for (ref, theirs) in try s.repository.refs.list(prefix: prefix) {
            let number = String(ref.dropFirst(prefix.count))
            guard Invariants.validNumber(number) else {
                throw ContractFailure("\(ref): '\(number)' is not a valid contract number; nothing was merged")
            }
            if unmergeable.contains(where: { $0.number == number }) { continue }
            let ours = heads[ContractStore.refName(number)]
            if ours == theirs { planned.append((number, .upToDate, nil)); continue }
            // One contract that cannot be merged does not hold up the others.
            do throws(ContractStoreError) {
                let p = try driver.prepare(number, ours: ours, theirs: theirs, actor: actor, author: who)
                planned.append((number, p.outcome, p.update))
            } catch {
                unmergeable.append((number, error.description))
            }
        }
        let moving = planned.indices.filter { planned[$0].update != nil }
        let refused = try s.repository.refs.apply(moving.compactMap { planned[$0].update }, who: who)
        var changedHere: [(number: String, reason: String)] = []
        var notMoved = Set<Int>()
        for (i, error) in zip(moving, refused) {
            if let error { changedHere.append((planned[i].number, error.description)); notMoved.insert(i) }
        }
        var result = Result()
        for (i, p) in planned.enumerated() where !notMoved.contains(i) {
            if case let .merged(_, c, _, _) = p.outcome, c > 0 { result.conflicted += 1 }
            if p.outcome != .upToDate || json { if !quiet || json { MergeReport.print(p.number, p.outcome, json: json) } }
        }
        // The others are merged; these are left as they were (exit 1, as git's failed ref updates).
        let err = Output.stderr
        if result.conflicted > 0, !quiet {
            err.write("\(result.conflicted) merged contract\(result.conflicted == 1 ? " has" : "s have") unresolved conflicts (accord conflicts)\n")
        }
        for f in unmergeable { err.write(err.paint("error:", "31") + " \(f.number): cannot merge: \(Output.escaped(f.reason))\n") }
        for f in changedHere { err.write(err.paint("error:", "31") + " \(f.number): not merged: \(Output.escaped(f.reason))\n") }
        if !unmergeable.isEmpty {
            err.write("\(unmergeable.count) contract\(unmergeable.count == 1 ? "" : "s") could not be merged and \(unmergeable.count == 1 ? "was" : "were") left as \(unmergeable.count == 1 ? "it was" : "they were"); the others were merged\n")
        }
        if !changedHere.isEmpty {
            err.write("\(changedHere.count) contract\(changedHere.count == 1 ? "" : "s") changed here during the pull; run accord pull again\n")
        }
        result.notMerged = (unmergeable.map(\.number) + changedHere.map(\.number)).sorted()
        result.refused = refusedRefs.map(\.ref)
        return result
    }
}

struct SyncCommand: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Pull, then push; if the remote moved meanwhile, pull and push again (up to 5 rounds).",
        discussion: "Afterwards both sides hold the same heads for every contract this replica has, unless a push is still refused or a contract could not be merged: that one is named, not pushed, and the others are (exit 1). A merge that leaves conflicts is pushed too (conflicts are data), and sync exits 1.")

    @Argument(help: "Remote name (default: origin).") var remote = "origin"
    @Flag(name: .shortAndLong, help: "No progress output.") var quiet = false
    @Flag(help: "Print JSON.") var json = false

    func execute() throws {
        let s = try ContractSession()
        guard let r = Remote.named(remote, in: s.repository), !r.isBundle else {
            throw StoreError.invalidInput("'\(remote)' is not a remote repository (bundles: accord pull FILE, then accord bundle create)")
        }
        let who = try Session.identity("COMMITTER", repository: s.repository, required: false)
        let feed = r.isHTTP ? try transport { try FeedSync(remote: r, repository: s.repository, who: who, quiet: quiet || json) } : nil
        if let feed, try feed.nothingNew() {
            if json {
                Output.stdout.line(JSONText.object([("rounds", .int(1)), ("pushed", .int(0)), ("notMerged", .array([]))]).rendered)
            } else if !quiet {
                Output.stdout.line("in sync with \(remote)")
            }
            return
        }
        for round in 1...5 {
            let pulled = try Pull.run(remote, session: s, quiet: quiet, json: json, fetch: feed.map { f in { try transport { try f.fetch() } } })
            // A contract the pull left as it was would only be refused (non-fast-forward): not pushed.
            var refs: [String]? = nil
            if !pulled.notMerged.isEmpty {
                let left = Set(pulled.notMerged.map(ContractStore.refName))
                refs = try s.repository.refs.list(prefix: "refs/contracts/").map(\.name).filter { !left.contains($0) }
            }
            if round == 1, let hook = Session.environment["ACCORD_TEST_SYNC_BEFORE_PUSH"], !hook.isEmpty {
                // Test hook: a shell command run between the first pull and its push (tests use it
                // to move the remote there, so the push loses the race and sync goes round again).
                Output.stdout.flush()
                _ = system(hook)
            }
            let report = try feed?.localChanges() == false ? TransferReport() : transport {
                try Transfer.push(from: s.repository, to: r, environment: Session.environment, who: who,
                                  options: .init(refs: refs, progress: TransferText.progress(quiet: quiet || json)))
            }
            if !quiet && !json { for l in TransferText.lines(report.changes, showUpToDate: false) { Output.stdout.line(l) } }
            if report.rejected.isEmpty {
                try feed?.saveReached()
                if json {
                    Output.stdout.line(JSONText.object([("rounds", .int(round)), ("pushed", .int(report.changes.filter { $0.status != .upToDate }.count)),
                                                        ("notMerged", .array(pulled.notMerged.map { .string($0) }))]).rendered)
                } else if !quiet {
                    Output.stdout.line("in sync with \(remote)" + (pulled.notMerged.isEmpty ? "" : " except \(pulled.notMerged.joined(separator: ", "))"))
                }
                if !pulled.notMerged.isEmpty || pulled.conflicted > 0 || !pulled.refused.isEmpty { throw CheckFailed() }
                return
            }
            // A ref refused for its content will be refused again: report it, do not go round.
            let refusedContent = report.rejected.filter(\.invalidContract)
            if !refusedContent.isEmpty {
                for c in refusedContent { Output.stderr.write("error: \(c.remoteRef): \(Output.escaped(c.reason ?? "refused"))\n") }
                throw CheckFailed()
            }
            // Only a lost race is worth another round; anything else (a lock left in the remote,
            // an I/O error there) would be refused again: name it and stop.
            let stuck = report.rejected.filter { !$0.lostRace }
            if !stuck.isEmpty {
                for c in stuck { Output.stderr.write("error: \(c.remoteRef): refused by \(remote): \(Output.escaped(c.reason ?? "rejected"))\n") }
                throw CheckFailed()
            }
            if !quiet && !json { Output.stderr.write("\(remote) moved during the push; pulling again (round \(round + 1))\n") }
        }
        throw StoreError.invalidInput("\(remote) kept moving: still not in sync after 5 rounds; try again")
    }
}
