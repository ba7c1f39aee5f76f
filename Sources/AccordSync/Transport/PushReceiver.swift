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

/// The receiving side of a push (a hub's receive-pack, or a push into a repository on this
/// machine). The pack goes into a quarantine, `objects/incoming-*`, a directory of its own that
/// no reader of the repository looks at; every update is checked against a view of the
/// repository that reads through the quarantine (the organisation a push brings, each contract's
/// added commits with `ContractCheck`, the caller's own rule on who may move what). Only then are
/// the quarantine's objects moved into the repository, and the refs moved, each by
/// compare-and-swap on the value the pusher saw. A push refused as a whole leaves nothing
/// behind; a killed receiver leaves only the quarantine, removed by the next receive or `gc`.
public enum PushReceiver {
    public struct Command: Sendable, Equatable {
        public var ref: String
        /// The value the pusher saw (nil: it expects the ref not to exist).
        public var old: ObjectID?
        /// nil: a deletion, which a push may not do.
        public var new: ObjectID?
        public init(ref: String, old: ObjectID?, new: ObjectID?) { self.ref = ref; self.old = old; self.new = new }
    }

    public struct Options {
        /// All or nothing (git's `atomic`).
        public var atomic = false
        /// Accept a thin pack (deltas against objects the receiver has), as git sends by default.
        public var allowThin = true
        /// Why the pusher may not make this update (authorization), judged on the quarantine view;
        /// nil if it may.
        public var authorize: ((_ command: Command, _ view: Repository) -> String?)?
        /// Tests: called for each ref after the checks and before its compare-and-swap.
        public var beforeRefUpdate: ((String) -> Void)?
        public var progress: TransferProgress?
        /// Where the pusher is, for the organisation's reflog and messages.
        public var source = "a push"
        /// What to tell the pusher of a lock no Accord process will release (nil: the lock's
        /// path and what to do, for a pusher who owns the repository; a hub does not say its paths).
        public var foreignLock: ((_ path: String) -> String)?
        public init(atomic: Bool = false, authorize: ((_ command: Command, _ view: Repository) -> String?)? = nil) {
            self.atomic = atomic; self.authorize = authorize
        }
    }

    public struct Result: Sendable {
        /// One per command, in order.
        public var changes: [RefChange]
        /// Why the pack could not be taken (every ref is then refused); nil if it was.
        public var unpackError: TransportError?
        public var objects: Int
    }

    public static let quarantinePrefix = "incoming-"

    /// The number of a contract ref (`refs/contracts/<number>`), or nil for any other ref.
    public static func contractNumber(of ref: String) -> String? { ContractCheck.number(of: ref) }
    /// The contract a tag `refs/tags/<number>/<name>` names a version of, or nil.
    public static func taggedContract(_ ref: String) -> String? { ContractCheck.number(ofTag: ref) }

    /// Receives a push: `pack` (its bytes; empty when the pusher sent none) and the updates.
    public static func receive(_ commands: [Command], pack: UnsafeRawBufferPointer, into repo: Repository, who: Identity,
                               options: Options = Options()) throws -> Result {
        try receive(commands, into: repo, who: who, options: options) { view in
            pack.count > 0 ? try PackTransfer.receive(bytes: pack, into: view, tips: commands.compactMap(\.new),
                                                      allowThin: options.allowThin, install: true, progress: options.progress) : nil
        }
    }

    /// Receives a push whose pack is the file `packFile` (written on this machine: a push between
    /// two repositories here), moved into the quarantine rather than copied when it can be; the
    /// file is gone afterwards either way.
    public static func receive(_ commands: [Command], packFile: String?, into repo: Repository, who: Identity,
                               options: Options = Options()) throws -> Result {
        try receive(commands, into: repo, who: who, options: options) { view in
            guard let packFile else { return nil }
            let tmpPack = PackTransfer.tempName("\(view.objects.directory)/pack", "tmp_pack_")
            if rename(packFile, tmpPack) != 0 {
                // Another file system: its bytes, then.
                defer { FileIO.remove(packFile) }
                guard let bytes = try FileIO.read(packFile, limit: Int.max) else { throw StoreError.io(op: "read", path: packFile, errno: ENOENT) }
                return try bytes.withUnsafeBytes {
                    try PackTransfer.receive(bytes: $0, into: view, tips: commands.compactMap(\.new), allowThin: options.allowThin,
                                             install: true, progress: options.progress)
                }
            }
            return try PackTransfer.receive(tmpPack: tmpPack, into: view, tips: commands.compactMap(\.new), allowThin: options.allowThin,
                                            install: true, progress: options.progress)
        }
    }

    /// The receive, whatever holds the pack: `takePack` puts it into the quarantine (`view`) and
    /// says what it received (nil: there was no pack).
    static func receive(_ commands: [Command], into repo: Repository, who: Identity, options: Options,
                        takePack: (_ view: Repository) throws -> PackTransfer.Received?) throws -> Result {
        var changes = commands.map { c in
            RefChange(remoteRef: c.ref, ref: c.ref, old: c.old, new: c.new, status: c.old == nil ? .new : .fastForward)
        }
        func refuse(_ i: Int, _ why: String, content: Bool = false, race: Bool = false) {
            changes[i].status = .rejected; changes[i].reason = why
            changes[i].invalidContract = content; changes[i].lostRace = race
        }
        // 1. The commands themselves: contract refs, their tags and the organisation, each once,
        // no deletions, tags only created.
        var names = Set<String>()
        for (i, c) in commands.enumerated() {
            if !names.insert(c.ref).inserted { refuse(i, "updated twice in one push"); continue }
            let isTag = c.ref.hasPrefix("refs/tags/")
            guard c.new != nil else {
                refuse(i, isTag ? "deletion prohibited: a contract's tags name its versions for good"
                                : "deletion prohibited: contracts are never deleted (a contract ends by termination or archive)")
                continue
            }
            guard c.ref == OrganisationStore.ref || ContractCheck.number(of: c.ref) != nil || isTag else {
                refuse(i, "only refs/contracts/*, refs/tags/* and \(OrganisationStore.ref) are accepted by a push"); continue
            }
            if isTag, c.old != nil { refuse(i, "a tag is never moved: it names one version (name a new one)"); continue }
        }
        sweepQuarantines(repo)
        let quarantine = try Quarantine(in: repo)
        defer { quarantine.remove() }
        var view = Repository(quarantine: quarantine.objects, of: repo)
        var objects = 0
        var thin = false
        do {
            if let received = try takePack(view) {
                objects = received.objects
                thin = received.packID == nil && received.objects > 0
            }
        } catch let e as TransportError {
            for i in changes.indices where changes[i].status != .rejected { refuse(i, "unpacker error") }
            return Result(changes: changes, unpackError: e, objects: 0)
        }
        // 2. Each update on the quarantine view: the value the pusher saw, a fast-forward, the
        // organisation first (the contracts are judged by the versions it brings).
        let current = try repo.refs.values(prefix: "refs/contracts/")
        var history = History(objects: view.objects)
        let order = commands.indices.filter { commands[$0].ref == OrganisationStore.ref } + commands.indices.filter { commands[$0].ref != OrganisationStore.ref }
        var pending: [(index: Int, number: String, new: ObjectID, trusted: [ObjectID])] = []
        var tags: [Int] = [] // checked once the contracts are
        var pin: ObjectID?
        for i in order where changes[i].status != .rejected {
            let c = commands[i]
            guard let new = c.new else { continue }
            // Who may write first: a caller told "stale info" about a contract they may not see
            // would learn that it exists, and where it is.
            if let why = options.authorize?(c, view) { refuse(i, why, content: true); continue }
            let isTag = c.ref.hasPrefix("refs/tags/")
            let now = c.ref == OrganisationStore.ref || isTag ? try repo.refs.resolve(c.ref) : current[c.ref]
            if isTag, let now {
                if now == new { changes[i].status = .upToDate } else { refuse(i, "already exists (at \(now.hex.prefix(12))): a tag is never moved") }
                continue
            }
            if now != c.old {
                refuse(i, "stale info: the ref is at \(now.map { String($0.hex.prefix(12)) } ?? "nothing"), not where the push expected (lost a race): fetch and try again", race: true)
                continue
            }
            guard view.objects.contains(new) else { refuse(i, "missing necessary objects: \(new.hex) is neither in the pack nor here"); continue }
            if now == new { changes[i].status = .upToDate; continue }
            if let old = c.old {
                guard (try? history.isAncestor(old, of: new)) == true else {
                    refuse(i, "non-fast-forward: fetch and merge first", race: true); continue
                }
            }
            if c.ref == OrganisationStore.ref {
                do {
                    let (outcome, toPin) = try OrganisationStore(repository: view).checkIncoming(new, from: options.source, check: \.policyProblem)
                    guard case .advanced = outcome else { changes[i].status = .upToDate; continue }
                    changes[i].organisation = outcome
                    pin = toPin
                    view = Repository(quarantine: quarantine.objects, of: repo, refs: [OrganisationStore.ref: new])
                    history = History(objects: view.objects)
                } catch {
                    refuse(i, error.description, content: true); continue
                }
            }
            if let number = ContractCheck.number(of: c.ref) { pending.append((i, number, new, c.old.map { [$0] } ?? [])) }
            if isTag { tags.append(i) }
        }
        // The contracts' commits, all at once on every core, on the view the organisation update
        // (if any, first) left.
        if !pending.isEmpty {
            let found = try ContractCheck(repository: view).refusals(pending.map { ($0.number, $0.new, $0.trusted) })
            for (p, why) in zip(pending, found) { if let why { refuse(p.index, why, content: true) } }
        }
        // Tags: each names a commit of its contract as this push leaves it (as a fetch checks them).
        if !tags.isEmpty {
            var check = TagCheck(local: view, remoteName: nil)
            let accepted = changes.filter { $0.status == .new || $0.status == .fastForward || $0.status == .upToDate }
            for i in tags {
                guard let new = commands[i].new else { continue }
                if let why = check.refusal(commands[i].ref, new, accepted: accepted, history: &history) { refuse(i, why, content: true) }
            }
        }
        if options.atomic, changes.contains(where: { $0.status == .rejected }) {
            for i in changes.indices where changes[i].status != .rejected { refuse(i, StoreError.atomicRefused.description) }
        }
        let moving = changes.indices.filter { changes[$0].status == .new || changes[$0].status == .fastForward }
        guard !moving.isEmpty else { return Result(changes: changes, unpackError: nil, objects: objects) }
        // 3. Accepted: the objects enter the repository, then the refs move.
        try quarantine.migrate(into: repo, loose: thin)
        FaultPoint.hit("before-ref-update")
        for i in moving { options.beforeRefUpdate?(changes[i].ref) }
        let updates = moving.compactMap { i in changes[i].new.map {
            RefUpdate(changes[i].ref, to: $0, expected: changes[i].old.map { .value($0) } ?? .absent,
                      message: "push: \(changes[i].status == .new ? "created" : changes[i].status.rawValue)")
        } }
        for (i, refused) in zip(moving, try repo.refs.apply(updates, who: who, atomic: options.atomic)) {
            guard let refused else { continue }
            switch refused {
            case .staleValue:
                refuse(i, "stale info: the ref changed during the push (lost a race): fetch and try again", race: true)
            case let .lockHeld(path) where LockFile.isForeign(path):
                // A lock no Accord process will release (git's, another program's): trying again
                // will not help; someone must look at the receiving repository.
                refuse(i, options.foreignLock?(path) ?? refused.description)
            case .lockHeld:
                // Another push is moving this ref right now: the same as losing the race (and
                // the receiver's paths are not the pusher's business).
                refuse(i, "stale info: another push is updating the ref (lost a race): fetch and try again", race: true)
            default:
                refuse(i, refused.description)
            }
        }
        // A repository that had no organisation trusts the root of the first one it accepts.
        if let pin, let i = changes.firstIndex(where: { $0.ref == OrganisationStore.ref }), changes[i].status != .rejected {
            try repo.setConfig(OrganisationStore.pinKey, pin.hex)
            changes[i].pinnedRoot = pin
        }
        return Result(changes: changes, unpackError: nil, objects: objects)
    }

    /// Removes quarantines left by killed receivers (older than gc's expiry, an hour: a live one
    /// may be receiving a large push).
    public static func sweepQuarantines(_ repo: Repository) {
        for (path, age) in GarbageCollector.aged(in: repo.objects.directory, prefix: quarantinePrefix) where age > GarbageCollector.temporaryExpiry {
            FileIO.removeTree(path)
        }
    }
}

/// A quarantine directory: an objects directory of its own under the repository's `objects/`.
struct Quarantine {
    let objects: String
    private let base: String

    init(in repo: Repository) throws {
        base = repo.objects.directory
        objects = PackTransfer.tempName(base, PushReceiver.quarantinePrefix)
        try FileIO.makeDirectories("\(objects)/pack")
    }

    /// Moves what was received into the repository: packs (pack before index, as every
    /// installer here does) and, with `loose`, loose objects (a thin pack's), each by rename; an
    /// object the repository already has is left out. Without `loose`, the quarantine's loose
    /// objects are only what the checks wrote (recomputed merges) and stay out.
    func migrate(into repo: Repository, loose: Bool) throws {
        let packDir = "\(base)/pack"
        if !FileIO.isDirectory(packDir) { try FileIO.makeDirectories(packDir) }
        var moved = false
        for f in FileIO.list("\(objects)/pack") where f.hasPrefix("pack-") && f.hasSuffix(".idx") {
            let name = String(f.dropLast(4))
            for ext in [".pack", ".idx"] {
                let from = "\(objects)/pack/\(name)\(ext)", to = "\(packDir)/\(name)\(ext)"
                if FileIO.exists(to) { continue }
                guard rename(from, to) == 0 else { throw StoreError.io(op: "move the received pack into", path: to, errno: errno) }
                moved = true
            }
        }
        if moved { FileIO.fsyncDirectory(packDir) }
        for d in FileIO.list(objects) where loose && d.count == 2 && FileIO.isDirectory("\(objects)/\(d)") {
            let target = "\(base)/\(d)"
            if !FileIO.isDirectory(target) { try FileIO.makeDirectories(target) }
            for f in FileIO.list("\(objects)/\(d)") where !f.hasPrefix("tmp_") {
                let to = "\(target)/\(f)"
                if FileIO.exists(to) { continue }
                guard rename("\(objects)/\(d)/\(f)", to) == 0 else { throw StoreError.io(op: "move a received object into", path: to, errno: errno) }
            }
            FileIO.fsyncDirectory(target)
        }
        _ = repo.objects.packs.reloadIfChanged()
    }

    func remove() { FileIO.removeTree(objects) }
}
