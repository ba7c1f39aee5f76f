import AccordObjects
import AccordStore
import AccordContracts
import AccordMerge
import AccordTrust
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public typealias TransferProgress = (_ phase: String, _ done: Int, _ total: Int) -> Void

/// Fetch, push and clone between two repositories on this machine.
public enum Transfer {
    /// The remote ref a fetch maps to a local one: contracts to `refs/remotes/NAME/contracts/*`,
    /// the organisation to `refs/remotes/NAME/accord/organisation` (and, once checked, to our own
    /// `refs/accord/organisation`), tags to `refs/tags/*` (created, never moved). Other refs are
    /// not fetched.
    public static func trackingRef(for remoteRef: String, remote: String) -> String? {
        if remoteRef.hasPrefix("refs/contracts/") || remoteRef == OrganisationStore.ref {
            return "refs/remotes/\(remote)/" + remoteRef.dropFirst("refs/".count)
        }
        if remoteRef.hasPrefix("refs/tags/") { return remoteRef }
        return nil
    }

    // MARK: fetch

    /// Brings the remote's contract refs (and tags) and exactly the objects this repository is
    /// missing for them, as one pack; then moves the remote-tracking refs (compare-and-swap on
    /// the values read before the transfer). With `prune`, tracking refs of contracts the remote
    /// no longer has are deleted.
    public static func fetch(into local: Repository, from remote: Repository, remoteName: String,
                             who: Identity, prune: Bool = false, progress: TransferProgress? = nil, storingHeads: String? = nil) throws -> TransferReport {
        var remoteRefs: [(name: String, id: ObjectID)] = []
        if let org = try remote.refs.resolve(OrganisationStore.ref) { remoteRefs.append((OrganisationStore.ref, org)) }
        for r in try remote.refs.list(prefix: "refs/contracts/") { remoteRefs.append(r) }
        for r in try remote.refs.list(prefix: "refs/tags/") { remoteRefs.append(r) }
        return try fetch(into: local, refs: remoteRefs, from: remote.objects, remoteName: remoteName,
                         who: who, prune: prune, progress: progress, storingHeads: storingHeads)
    }

    static func fetch(into local: Repository, refs remoteRefs: [(name: String, id: ObjectID)], from source: ObjectDatabase,
                      remoteName: String, who: Identity, prune: Bool, progress: TransferProgress?, storingHeads: String? = nil) throws -> TransferReport {
        try fetch(into: local, refs: remoteRefs, remoteName: remoteName, who: who, prune: prune, storingHeads: storingHeads) { wants, haves in
            let common = haves.filter { source.contains($0) }
            let selection = try ObjectSelection.missing(in: source, wants: wants, common: common)
            return try PackTransfer.send(selection.objects, from: source, to: local, tips: wants, progress: progress)
        }
    }

    /// The fetch, whatever carries the pack: `transfer` brings the objects reachable from the
    /// wants and not from the haves (our tips for the same contracts) into `local`.
    /// `storingHeads` (a clone, with its reflog message): each contract stored under its tracking
    /// ref is also created as our own contract ref, in the same batch.
    static func fetch(into local: Repository, refs remoteRefs: [(name: String, id: ObjectID)], remoteName: String, who: Identity,
                      prune: Bool, storingHeads: String? = nil,
                      transfer: (_ wants: [ObjectID], _ haves: [ObjectID]) throws -> PackTransfer.Received) throws -> TransferReport {
        // Read our side first: the values the compare-and-swap will expect.
        let plan = try plan(remoteRefs, for: local, remoteName: remoteName)
        let wanted = plan.filter { !local.objects.contains($0.new, rescan: false) }
        var report = TransferReport()
        if !wanted.isEmpty {
            let received = try transfer(Array(Set(wanted.map(\.new))).sorted(), try haves(for: wanted, in: local))
            report.objects = received.objects
            report.packID = received.packID
        }
        local.objects.flush()
        FaultPoint.hit("before-ref-update")
        report.changes = try applyTracking(plan, to: local, remoteName: remoteName, who: who, prune: prune, storingHeads: storingHeads)
        return report
    }

    /// The commits the receiver offers as already had. A contract's history reaches only that
    /// contract's commits, so for contract refs the tips held for the same contracts (the
    /// tracking ref and the contract's own ref) are the only useful ones, and the negotiation
    /// then costs what changed rather than the whole repository. Anything else (tags) offers
    /// every ref. Offering fewer haves can only send more, never less.
    static func haves(for wanted: Plan, in local: Repository) throws -> [ObjectID] {
        guard wanted.allSatisfy({ $0.remoteRef.hasPrefix("refs/contracts/") }) else { return try local.refs.list().map(\.id) }
        let own = try local.refs.values(prefix: "refs/contracts/")
        var out: [ObjectID] = []
        for w in wanted {
            if let old = w.old { out.append(old) }
            if let mine = own[w.remoteRef] { out.append(mine) }
        }
        return out
    }

    typealias Plan = [(remoteRef: String, ref: String, old: ObjectID?, new: ObjectID)]

    static func plan(_ remoteRefs: [(name: String, id: ObjectID)], for local: Repository, remoteName: String) throws -> Plan {
        let tracking = try local.refs.values(prefix: "refs/remotes/\(remoteName)/")
        var plan: Plan = []
        for (name, id) in remoteRefs {
            guard let mapped = trackingRef(for: name, remote: remoteName) else { continue }
            let old = mapped.hasPrefix("refs/remotes/") ? tracking[mapped] : try local.refs.resolve(mapped)
            plan.append((name, mapped, old, id))
        }
        return plan
    }

    /// Moves the local refs of `plan` (whose objects are all present now) in one batch, each
    /// with compare-and-swap on the value read when the plan was made.
    static func applyTracking(_ plan: Plan, to local: Repository, remoteName: String, who: Identity,
                              prune: Bool, storingHeads: String? = nil) throws -> [RefChange] {
        var changes: [RefChange] = []
        var moving: [(change: Int, update: RefUpdate)] = []
        var history = History(objects: local.objects)
        var refusals: [String: String?]? // per contract ref, once the first one needs checking
        // Contracts first, then tags: a tag is checked against its contract's history as this
        // transfer leaves it (with the contract's update only if that was accepted).
        // The organisation before both: the commits are judged by the versions it brings.
        let isOrg = { (p: Plan.Element) in p.remoteRef == OrganisationStore.ref }
        let ordered = plan.filter(isOrg) + plan.filter { !isOrg($0) && !$0.ref.hasPrefix("refs/tags/") } + plan.filter { $0.ref.hasPrefix("refs/tags/") }
        var tags = TagCheck(local: local, remoteName: remoteName)
        for p in ordered {
            var change = RefChange(remoteRef: p.remoteRef, ref: p.ref, old: p.old, new: p.new, status: .new)
            if isOrg(p) {
                // Checked back to our version (or the pinned root), then our own ref fast-forwards.
                do {
                    let (received, pinned) = try OrganisationStore(repository: local).receive(p.new, who: who, from: remoteName, check: \.policyProblem)
                    change.organisation = received
                    change.pinnedRoot = pinned
                } catch {
                    change.status = .rejected; change.reason = error.description; change.invalidContract = true
                    changes.append(change); continue
                }
            }
            if p.old == p.new {
                change.status = .upToDate
            } else if p.old != nil, p.ref.hasPrefix("refs/tags/") {
                change.status = .rejected; change.reason = "would clobber existing tag"
            } else if let old = p.old {
                let ff = local.objects.contains(old) && (try? history.isAncestor(old, of: p.new)) == true
                change.status = ff ? .fastForward : .forced
            }
            // A contract is stored under its tracking ref only if the commits it adds here are
            // valid contracts; what the tracking ref and our own ref already hold is trusted.
            if change.status != .upToDate, change.status != .rejected, ContractCheck.number(of: p.remoteRef) != nil {
                if refusals == nil {
                    // Every contract of the transfer at once (on every core), judged by the
                    // organisation as this transfer left it (received above, first).
                    let check = try ContractCheck(repository: local)
                    let own = try local.refs.values(prefix: "refs/contracts/")
                    let checked = ordered.filter { $0.old != $0.new && !$0.ref.hasPrefix("refs/tags/") && !isOrg($0) }
                        .compactMap { q in ContractCheck.number(of: q.remoteRef).map { (q.remoteRef, $0, q.new, [q.old, own[q.remoteRef]].compactMap { $0 }) } }
                    let found = check.refusals(checked.map { ($0.1, $0.2, $0.3) })
                    refusals = Dictionary(zip(checked.map(\.0), found), uniquingKeysWith: { a, _ in a })
                }
                if let why = refusals?[p.remoteRef] ?? nil {
                    change.status = .rejected; change.reason = why; change.invalidContract = true
                }
            }
            if change.status == .new, p.ref.hasPrefix("refs/tags/") {
                let accepted = changes.filter { $0.status == .new || $0.status == .fastForward || $0.status == .forced || $0.status == .upToDate }
                if let why = tags.refusal(p.ref, p.new, accepted: accepted, history: &history) {
                    change.status = .rejected; change.reason = why
                }
            }
            changes.append(change)
            guard change.status == .new || change.status == .fastForward || change.status == .forced else { continue }
            moving.append((changes.count - 1, RefUpdate(p.ref, to: p.new, expected: p.old.map { .value($0) } ?? .absent,
                                                        message: "fetch \(remoteName): \(change.status == .new ? "storing head" : change.status.rawValue)")))
        }
        var updates = moving.map(\.update)
        if let storingHeads {
            for m in moving where changes[m.change].remoteRef.hasPrefix("refs/contracts/") {
                updates.append(RefUpdate(changes[m.change].remoteRef, to: m.update.new, expected: .absent, message: storingHeads))
            }
        }
        let results = try local.refs.apply(updates, who: who)
        if let refused = results.dropFirst(moving.count).compactMap({ $0 }).first { throw refused }
        for (m, refused) in zip(moving, results) {
            guard let refused else { continue }
            changes[m.change].status = .rejected
            changes[m.change].reason = "changed here during the fetch (\(refused.description))"
        }
        if prune {
            let kept = Set(plan.map(\.ref))
            let gone = try local.refs.list(prefix: "refs/remotes/\(remoteName)/contracts/").filter { !kept.contains($0.name) }
            for ((name, id), refused) in zip(gone, try local.refs.deleteAll(gone.map { ($0.name, .value($0.id)) })) {
                var change = RefChange(remoteRef: "refs/" + name.dropFirst("refs/remotes/\(remoteName)/".count), ref: name,
                                       old: id, new: nil, status: .deleted)
                if let refused { change.status = .rejected; change.reason = refused.description }
                changes.append(change)
            }
        }
        return changes
    }

    // MARK: push

    public struct PushOptions {
        /// Only these local refs (full names); nil: every `refs/contracts/*`.
        public var refs: [String]?
        /// Called for each ref after the objects are in the remote and before its compare-and-swap
        /// (tests use it to lose a race).
        public var beforeRefUpdate: ((String) -> Void)?
        public var progress: TransferProgress?
        /// Tests only: changes the objects packed (to send a bad pack).
        var tamper: (([PackWriter.Input]) -> [PackWriter.Input])?
        public init(refs: [String]? = nil, beforeRefUpdate: ((String) -> Void)? = nil, progress: TransferProgress? = nil) {
            self.refs = refs; self.beforeRefUpdate = beforeRefUpdate; self.progress = progress
        }
    }

    /// Pushes local contract refs that are new on the remote or fast-forwards of its refs: the
    /// missing objects go over as one pack, which the remote receives behind a quarantine
    /// (`PushReceiver`) and checks before any ref moves; each remote ref then moves with
    /// compare-and-swap on the value read. Non-fast-forwards and lost races are reported as
    /// rejected, never overwritten; the other refs still go through.
    public static func push(from local: Repository, to remote: Repository, remoteName: String, who: Identity,
                            options: PushOptions = PushOptions()) throws -> TransferReport {
        let theirs = try remote.refs.values(prefix: "refs/contracts/")
        let remoteOrg = try remote.refs.resolve(OrganisationStore.ref)
        let plan = try PushPlan(local: local, theirs: theirs, theirTags: try remote.refs.values(prefix: "refs/tags/"),
                                theirOrganisation: remoteOrg, only: options.refs)
        let common = try remote.refs.list().map(\.id).filter { local.objects.contains($0) }
        // The pack is written once, beside our objects, and moved into the remote's quarantine.
        let written = try plan.writePack(from: local, common: common, has: { remote.objects.contains($0, rescan: false) },
                                         tamper: options.tamper, progress: options.progress)
        defer { if let written { FileIO.removeTree(written.stage) } }
        var receive = PushReceiver.Options()
        receive.beforeRefUpdate = options.beforeRefUpdate
        receive.progress = options.progress
        let result = try PushReceiver.receive(plan.commands, packFile: written?.path, into: remote, who: who, options: receive)
        if let e = result.unpackError { throw e }
        let report = plan.report(result.changes.map { ($0.ref, $0) }, objects: result.objects)
        plan.updateTracking(local, report, remoteName: remoteName, who: who)
        return report
    }

    // MARK: clone

    /// Names of the temporary directories clones are built in, beside their target.
    public static let cloneTempPrefix = ".tmp_clone_"

    /// Creates a repository at `dir` with remote `origin` pointing at `source`, fetches
    /// everything, and creates `refs/contracts/*` from the remote's.
    ///
    /// The repository is built in a temporary directory beside `dir` (`.tmp_clone_<pid>_…`) and
    /// moved into place only once complete: one rename of the whole directory, or of its
    /// `.accord` into an existing empty `dir`. A failure removes the temporary directory; a kill
    /// leaves only it, never a `dir` that looks like a finished clone, and the next clone in the
    /// same place removes what a killed one left.
    /// `orgRoot`: the organisation root to trust, given out of band; without it the root the
    /// source has is pinned (and reported in the organisation's `RefChange.pinnedRoot`).
    /// An http(s) `source` is reached with git's smart protocol (`environment`: the token and CA settings).
    public static func clone(from source: String, to dir: String, bare: Bool, who: Identity, orgRoot: ObjectID? = nil,
                             environment: [String: String] = [:],
                             progress: TransferProgress? = nil) throws -> (Repository, TransferReport) {
        let http: SmartHTTPRemote? = SmartHTTPRemote.isHTTP(source) ? try SmartHTTPRemote(url: source, environment: environment) : nil
        let url = http?.url ?? Remote.absolutePath(source)
        let isBundle = http == nil && Remote.isBundlePath(url)
        let remote: Repository? = isBundle || http != nil ? nil : try Remote.openRepository(at: url)
        let target = Remote.absolutePath(dir)
        let existed = FileIO.isDirectory(target)
        if existed ? !FileIO.list(target).isEmpty : FileIO.exists(target) { throw StoreError.alreadyExists(dir) }
        let parent = FileIO.dirname(of: target)
        if !FileIO.isDirectory(parent) { try FileIO.makeDirectories(parent) }
        TempSibling.sweep(parent, prefix: cloneTempPrefix)
        let temp = try TempSibling(in: parent, prefix: cloneTempPrefix)
        var installed = false
        defer { if !installed { temp.remove() } }
        // Nobody else looks into the temporary directory: refs go straight into packed-refs, without
        // per-ref locks or reflogs, as git's clone writes them.
        let repo = try Repository.create(at: temp.path, bare: bare, unshared: true)
        try repo.setConfig("remote.origin.url", url)
        if let orgRoot { try repo.setConfig(OrganisationStore.pinKey, orgRoot.hex) }
        var report: TransferReport
        // Our own contract refs are created with the tracking refs, in one batch.
        let headsMessage = "clone: from \(url)"
        if let http {
            // The feed's position before the fetch: the first sync asks for what changed since
            // (a push landing during the clone is fetched again, never missed). A remote
            // without a feed (git http-backend) has none.
            let start = try? http.changes(since: nil, wait: nil)
            report = try fetch(into: repo, http: http, remoteName: "origin", who: who, progress: progress, storingHeads: headsMessage)
            if let start { try FeedPosition(remote: "origin").save(start.feed, start.last, in: repo) }
        } else if let remote {
            report = try fetch(into: repo, from: remote, remoteName: "origin", who: who, progress: progress, storingHeads: headsMessage)
        } else {
            report = try BundleFile.unbundle(try BundleFile.load(url).bytes, into: repo, remoteName: "origin", who: who, progress: progress,
                                             storingHeads: headsMessage)
        }
        if let refused = report.changes.first(where: { $0.status == .rejected }) {
            throw StoreError.invalidInput("clone: \(refused.ref) was not stored: \(refused.reason ?? "rejected")")
        }
        if let orgRoot, try repo.refs.resolve(OrganisationStore.ref) == nil {
            throw StoreError.invalidInput("clone: --org-root \(orgRoot.hex.prefix(12)) was given, but \(source) has no organisation")
        }
        report.changes.sort { $0.ref < $1.ref }
        FaultPoint.hit("clone-built")
        // Complete: move it into place. Into an existing empty directory (perhaps the current
        // one) only the git directory moves, so the directory itself stays where it is.
        if existed && !bare {
            guard rename("\(temp.path)/.accord", "\(target)/.accord") == 0 else {
                throw StoreError.io(op: "move the new repository to", path: "\(target)/.accord", errno: errno)
            }
        } else {
            guard rename(temp.path, target) == 0 else {
                let e = errno
                if e == EEXIST || e == ENOTEMPTY { throw StoreError.alreadyExists(dir) }
                throw StoreError.io(op: "move the new repository to", path: target, errno: e)
            }
            installed = true // the temporary name is gone: nothing left to remove
        }
        FileIO.fsyncDirectory(existed && !bare ? target : parent)
        let gitDir = bare ? target : "\(target)/.accord"
        return (try Repository(gitDir: gitDir), report)
    }
}

/// What a receiver checks before it creates a tag it received (fetch, unbundle, clone, push). A
/// tag under `refs/tags/<number>/` names a version of contract <number>: it must peel to a commit
/// in that contract's history as received (the ref this transfer moves, if that move was
/// accepted: the tracking ref of a fetch, the contract ref of a push; the tracking ref's old
/// value; the local contract). A tag named just `refs/tags/<number>` of a contract known here
/// would block every tag of that contract (`refs/tags/<number>/…` could not be created), so it is
/// refused too. Other tags are stored.
struct TagCheck {
    let local: Repository
    /// The fetch's remote (its tracking refs hold the contracts received); nil for a push.
    let remoteName: String?
    private var reachable: [String: Set<ObjectID>] = [:]

    init(local: Repository, remoteName: String?) { self.local = local; self.remoteName = remoteName }

    /// The commits of contract `number` as this transfer leaves them.
    private mutating func history(of number: String, accepted: [RefChange], history: inout History) throws -> Set<ObjectID> {
        if let known = reachable[number] { return known }
        let own = "refs/contracts/\(number)"
        let tracking = remoteName.map { "refs/remotes/\($0)/contracts/\(number)" }
        var tips: [ObjectID] = []
        if let c = accepted.first(where: { $0.ref == (tracking ?? own) }), let new = c.new { tips.append(new) }
        if let tracking, let old = try local.refs.resolve(tracking) { tips.append(old) }
        if let mine = try local.refs.resolve(own) { tips.append(mine) }
        let commits = tips.isEmpty ? [] : Set(try history.walk(from: tips.filter { local.objects.contains($0) }))
        reachable[number] = commits
        return commits
    }

    mutating func refusal(_ ref: String, _ id: ObjectID, accepted: [RefChange], history: inout History) -> String? {
        let name = ref.dropFirst("refs/tags/".count)
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        guard let first = parts.first.map(String.init), Invariants.validNumber(first) else { return nil }
        do {
            if parts.count == 1 {
                return try self.history(of: first, accepted: accepted, history: &history).isEmpty ? nil
                    : "a tag named like contract \(first) would block its tags (refs/tags/\(first)/…)"
            }
            var target = id
            var type = try local.objects.header(target).type
            for _ in 0..<16 where type == .tag {
                target = try local.objects.readTag(target).object
                type = try local.objects.header(target).type
            }
            guard type == .commit else {
                return "points at a \(type), not at a commit of contract \(first): a contract's tags name its versions"
            }
            let commits = try self.history(of: first, accepted: accepted, history: &history)
            guard !commits.isEmpty else { return "there is no contract \(first) here or in this transfer for it to name a version of" }
            guard commits.contains(target) else {
                return "points at commit \(target.hex.prefix(12)), which is not in the history of contract \(first)"
            }
            return nil
        } catch {
            return "cannot be checked: \(error)"
        }
    }
}

