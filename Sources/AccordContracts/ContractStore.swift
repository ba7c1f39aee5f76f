import AccordObjects
import AccordStore
import AccordTrust
import AccordSigning

/// A contract as one commit holds it.
public struct Snapshot: Sendable {
    public var commit: ObjectID
    public var state: ContractState
    /// Attachment blobs by file name (the `attachments/` tree).
    public var attachmentBlobs: [String: ObjectID]
    public var trailers: [String: String]
    /// Unresolved merge conflicts (`conflicts.json`); empty when there are none.
    public var conflicts: [Conflict] = []
    public var isConflicted: Bool { !conflicts.isEmpty }
    /// The commit's author (who made this version), when read from a commit.
    public var author: Identity?

    public init(commit: ObjectID, state: ContractState, attachmentBlobs: [String: ObjectID], trailers: [String: String],
                conflicts: [Conflict] = []) {
        self.commit = commit; self.state = state; self.attachmentBlobs = attachmentBlobs; self.trailers = trailers
        self.conflicts = conflicts
    }
}

/// Why a contract operation failed: a domain rule, or the store underneath.
public enum ContractStoreError: Error, CustomStringConvertible {
    case rule(ContractError)
    case store(StoreError)
    case notFound(String)
    case exists(String)
    case corrupt(commit: ObjectID, path: String, reason: String)

    public var description: String {
        switch self {
        case let .rule(e): e.description
        case let .store(e): e.description
        case let .notFound(n): "no contract '\(n)' (see 'accord list')"
        case let .exists(n): "contract '\(n)' already exists; contract numbers are unique"
        case let .corrupt(c, p, r): "commit \(c.hex.prefix(12)): \(p) is invalid: \(r)"
        }
    }
}

/// Reads and writes contracts: each contract's history is the commit chain of `refs/contracts/<number>`;
/// each commit's tree holds `contract.json`, `records/` and `attachments/` (docs/format.md).
public struct ContractStore: Sendable {
    public let repository: Repository
    public private(set) var policy: LifecyclePolicy
    /// The organisation's authority over commits; nil until the repository adopts one.
    public private(set) var authority: Authority?
    /// Contracts written in the current batch whose refs do not exist yet, by number (an import
    /// writes every commit first and creates all its refs at once): a renewal may name one.
    public var pendingContracts: [String: ObjectID] = [:]

    public init(repository: Repository) throws(ContractStoreError) {
        self.repository = repository
        do { authority = try Authority(repository: repository) } catch {
            throw .rule(ContractError("organisation", error.description, rule: "authority"))
        }
        if let a = authority, let local = ContractStore.policyEntries(repository.config).first {
            throw .rule(ContractError(local.key, "is set in \(repository.gitDir)/config, but this repository's policies are its organisation's (version \(a.head.id.hex.prefix(12))); a replica's config cannot change them. Remove it ('accord config --unset \(local.key)'); an administrator changes a policy with 'accord org policy set'", rule: "authority"))
        }
        let source = authority
        do { policy = try LifecyclePolicy(get: { key in source.map { $0.head.organisation.policy(key) } ?? repository.config.get(key) }) } catch { throw .rule(error) }
    }

    /// This store for computing commits that are compared, never kept (a merge recomputed to
    /// check a received one): unsigned and unchecked by the organisation, the same trees.
    public func forRecomputing() -> ContractStore {
        var s = self
        s.authority = nil
        return s
    }

    /// Policy settings in a config (`accord.reviewStages`, `accord.merge.*`…), by full lowercased name.
    public static func policyEntries(_ config: Config) -> [(key: String, value: String)] {
        config.entries.compactMap { e in
            let name = ([e.section] + (e.subsection.map { [$0] } ?? []) + [e.key]).joined(separator: ".")
            return Organisation.isPolicyKey(name) ? (name.lowercased(), e.value) : nil
        }
    }

    /// The value of a policy setting: the organisation's once adopted, else the config's.
    public func policySetting(_ key: String) -> String? {
        authority.map { $0.head.organisation.policy(key) } ?? repository.config.get(key)
    }

    /// Every policy setting under `prefix` (e.g. `accord.merge.`), with the rest of its name.
    public func policySettings(under prefix: String) -> [(key: String, value: String)] {
        let p = prefix.lowercased()
        let all = authority.map { $0.head.organisation.policies.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } } ?? ContractStore.policyEntries(repository.config)
        return all.filter { $0.0.hasPrefix(p) }.map { (String($0.0.dropFirst(p.count)), $0.1) }
    }

    public static func refName(_ number: String) -> String { "refs/contracts/\(number)" }

    public func head(_ number: String) throws(ContractStoreError) -> ObjectID? {
        guard Invariants.validNumber(number) else {
            throw .rule(ContractError("number", "'\(number)' is not a valid contract number: use \(Invariants.numberRule)", rule: "invariant 1"))
        }
        do { return try repository.refs.resolve(ContractStore.refName(number)) } catch { throw .store(error) }
    }

    /// Every contract number with its head commit, sorted.
    public func all() throws(ContractStoreError) -> [(number: String, head: ObjectID)] {
        do {
            return try repository.refs.list(prefix: "refs/contracts/").map { (String($0.name.dropFirst("refs/contracts/".count)), $0.id) }
        } catch { throw .store(error) }
    }

    public func load(_ number: String, at rev: String? = nil) throws(ContractStoreError) -> Snapshot {
        guard let head = try head(number) else { throw .notFound(number) }
        guard let rev else { return try load(commit: head) }
        // Within a contract, HEAD (and HEAD~2, HEAD^) means the contract's own head.
        let spec = rev.hasPrefix("HEAD") ? ContractStore.refName(number) + rev.dropFirst(4) : rev
        let id: ObjectID
        do {
            let resolver = RevisionResolver(repository: repository)
            id = try resolver.peel(try resolver.resolve(spec), to: .commit)
        } catch { throw .store(error) }
        let snap = try load(commit: id)
        // A revision names a version of this contract, not any commit of the repository.
        guard snap.state.contract.number == number else {
            throw .rule(ContractError("revision", "\(rev) (\(id.hex.prefix(12))) is a version of contract \(snap.state.contract.number), not of \(number)"))
        }
        return snap
    }

    /// The blob ids of one commit's `contract.json` and `conflicts.json` (nil: none), for readers
    /// that need only the fields (a merge reading a side's writes), without the records.
    /// `known`: the commit itself, when the caller has already read it (a history walk).
    public func fieldBlobs(commit id: ObjectID, known: Commit? = nil) throws(ContractStoreError) -> (commit: Commit, contract: ObjectID, conflicts: ObjectID?) {
        let db = repository.objects
        do {
            let commit = try known ?? db.readCommit(id)
            let root = try db.readTree(commit.tree)
            guard let cj = root.entries.first(where: { $0.nameString == "contract.json" && $0.mode == .regular }) else {
                throw ContractStoreError.corrupt(commit: id, path: "contract.json", reason: "missing")
            }
            return (commit, cj.id, root.entries.first { $0.nameString == "conflicts.json" && $0.mode == .regular }?.id)
        } catch let e as ContractStoreError { throw e }
        catch let e as StoreError { throw .store(e) }
        catch { throw .store(.invalidInput("\(error)")) }
    }

    /// A `contract.json` blob as JSON and its status: for a reader of many commits this store
    /// has already checked as contracts (when they were written or received), so the JSON is
    /// parsed strictly but not checked as a contract again.
    public func contractDocument(blob id: ObjectID, of commit: ObjectID) throws(ContractStoreError) -> (document: JSON, status: Status) {
        do {
            let doc = try JSON.parse(bytes: try repository.objects.read(id, as: .blob))
            guard let status = doc["status"]?.string.flatMap(Status.init(code:)) else {
                throw ContractStoreError.corrupt(commit: commit, path: "contract.json", reason: "no valid status")
            }
            return (doc, status)
        }
        catch let e as ContractStoreError { throw e }
        catch let e as JSON.ParseError { throw .corrupt(commit: commit, path: "contract.json", reason: e.description) }
        catch let e as StoreError { throw .store(e) }
        catch { throw .store(.invalidInput("\(error)")) }
    }

    /// A `conflicts.json` blob, parsed strictly.
    public func conflictsFile(blob id: ObjectID, of commit: ObjectID) throws(ContractStoreError) -> [Conflict] {
        do { return try Conflict.parseFile(String(decoding: try repository.objects.read(id, as: .blob), as: UTF8.self)) }
        catch let e as ContractError { throw .corrupt(commit: commit, path: "conflicts.json", reason: e.description) }
        catch let e as StoreError { throw .store(e) }
        catch { throw .store(.invalidInput("\(error)")) }
    }

    /// Reads one commit's contract, records and attachments; every blob is parsed strictly.
    /// `read`: the commit `id` already decoded by the caller (a receiver walking what it got).
    public func load(commit id: ObjectID, read: Commit? = nil) throws(ContractStoreError) -> Snapshot {
        let db = repository.objects
        do {
            let commit = try read ?? db.readCommit(id)
            let root = try db.readTree(commit.tree)
            guard let cj = root.entries.first(where: { $0.nameString == "contract.json" && $0.mode == .regular }) else {
                throw ContractStoreError.corrupt(commit: id, path: "contract.json", reason: "missing")
            }
            let contract: Contract
            do {
                contract = try Contract(json: try JSON.parse(bytes: try db.read(cj.id, as: .blob)))
            } catch let e as ContractError { throw ContractStoreError.corrupt(commit: id, path: "contract.json", reason: e.description) }
            catch let e as JSON.ParseError { throw ContractStoreError.corrupt(commit: id, path: "contract.json", reason: e.description) }
            var records: [Record] = []
            if let rt = root.entries.first(where: { $0.nameString == "records" && $0.mode == .directory }) {
                for e in try db.readTree(rt.id).entries {
                    let path = "records/\(e.nameString)"
                    do {
                        let r = try Record(json: try JSON.parse(bytes: try db.read(e.id, as: .blob)), path: path)
                        guard e.nameString == r.fileName else { throw ContractError(path, "file name does not match the record's id and time") }
                        records.append(r)
                    } catch let e as ContractError { throw ContractStoreError.corrupt(commit: id, path: path, reason: e.description) }
                    catch let e as JSON.ParseError { throw ContractStoreError.corrupt(commit: id, path: path, reason: e.description) }
                }
            }
            var blobs: [String: ObjectID] = [:]
            if let at = root.entries.first(where: { $0.nameString == "attachments" && $0.mode == .directory }) {
                for e in try db.readTree(at.id).entries { blobs[e.nameString] = e.id }
            }
            var conflicts: [Conflict] = []
            if let cf = root.entries.first(where: { $0.nameString == "conflicts.json" && $0.mode == .regular }) {
                conflicts = try conflictsFile(blob: cf.id, of: id)
            }
            var snap = Snapshot(commit: id, state: ContractState(contract: contract, records: Record.causalOrder(records)), attachmentBlobs: blobs,
                                trailers: Trailers.parse(commit.messageText), conflicts: conflicts)
            snap.author = commit.author
            return snap
        } catch let e as ContractStoreError { throw e }
        catch let e as StoreError { throw .store(e) }
        catch { throw .store(.invalidInput("\(error)")) }
    }

    /// What a commit changes, and who makes it.
    public struct Change {
        public var state: ContractState
        public var newAttachments: [String: [UInt8]] = [:]
        public var summary: String
        public var details: [String] = []
        public var actor: Actor
        public var action: Action?
        public var changeAgreement: String?
        public var author: Identity
        /// The committer (nil: the author).
        public var committer: Identity?
        /// The conflicts the new commit carries (nil: keep the parent's).
        public var conflicts: [Conflict]?
        /// A merge's second parent.
        public var mergeParent: ObjectID?
        /// Attachment blobs already in the store (from the other side of a merge), by name.
        public var existingAttachmentBlobs: [String: ObjectID] = [:]
        public init(state: ContractState, summary: String, actor: Actor, author: Identity) {
            self.state = state; self.summary = summary; self.actor = actor; self.author = author
        }
    }

    /// Validates the change against every invariant and commits it on the contract's ref, moving
    /// the ref only if it still points at `parent` (nil: the contract must not exist yet).
    @discardableResult
    public func commit(_ change: Change, parent: Snapshot?) throws(ContractStoreError) -> (ObjectID, [String]) {
        let (id, warnings) = try write(change, parent: parent)
        do {
            try repository.refs.update(ContractStore.refName(change.state.contract.number), to: id,
                                       expected: parent.map { .value($0.commit) } ?? .absent, who: change.author, message: change.summary)
        } catch { throw .store(error) }
        return (id, warnings)
    }

    /// Validates the change and writes its commit (durably), without moving any ref: the
    /// caller moves `refs/contracts/<number>` from `parent` to the returned id (many at once
    /// after a pull).
    public func write(_ change: Change, parent: Snapshot?) throws(ContractStoreError) -> (ObjectID, [String]) {
        let number = change.state.contract.number
        if parent == nil, try head(number) != nil { throw .exists(number) }
        var conflicts = change.conflicts ?? parent?.conflicts ?? []
        var summary = change.summary, details = change.details
        if change.conflicts == nil, change.mergeParent == nil, let p = parent {
            // Writing a conflicted field settles its conflict: the writer saw every value it held.
            let settled = ContractStore.settled(by: p.state, change.state, conflicts)
            if !settled.isEmpty {
                conflicts.removeAll { settled.contains($0) }
                summary += " (settles the conflict at \(settled.map(\.path).joined(separator: ", ")))"
                details += settled.map { c in
                    "settles the conflict at \(c.path): \(c.candidates.map { FieldDiff.show($0.value) }.joined(separator: " | ")) → \(FieldDiff.show(FieldPath.get(c.path, in: change.state.contract.json)))"
                }
            }
        }
        var warnings: [String] = try renewalWarnings(change.state.contract, parent: parent)
        if change.mergeParent == nil {
            let claims = CommitClaims(action: change.action, actor: change.actor, changeAgreement: change.changeAgreement, conflicts: conflicts)
            warnings += try checkCommit(change.state, claims, parent: parent)
        }
        let db = repository.objects
        do {
            try repository.checkSigner() // a key that cannot sign refuses the commit before any object is written
            if let a = authority { try checkAuthority(a, change, parent: parent) }
            var attachmentBlobs = parent?.attachmentBlobs ?? [:]
            for (name, id) in change.existingAttachmentBlobs where attachmentBlobs[name] == nil { attachmentBlobs[name] = id }
            for (name, bytes) in change.newAttachments {
                if let why = InputRules.attachmentNameProblem(name) {
                    throw ContractStoreError.rule(ContractError("attachments", "'\(name.debugDescriptionForMessages)' cannot name an attachment: it \(why)"))
                }
                do { try Tree.validate(name: Array(name.utf8)) } catch { throw ContractStoreError.rule(ContractError("attachments", "'\(name)' cannot be a file name: \(error)")) }
                if attachmentBlobs[name] != nil { throw ContractStoreError.rule(ContractError("attachments", "an attachment named '\(name)' already exists")) }
                attachmentBlobs[name] = try db.write(type: .blob, payload: bytes)
            }
            // A merge may list a file under another name than a side stored it (two replicas
            // attached different files under one name, and the merge renamed one): the name
            // follows the contract, the content must be one of the two sides' files.
            let sideBlobs: Set<ObjectID> = change.mergeParent == nil ? [] : Set(attachmentBlobs.values).union(change.existingAttachmentBlobs.values)
            for a in change.state.contract.attachments {
                if let id = attachmentBlobs[a.name], id.hex == a.blob { continue }
                guard let id = ObjectID(hex: a.blob), sideBlobs.contains(id) else {
                    throw ContractStoreError.rule(ContractError("attachments", "'\(a.name)' has no matching file in attachments/"))
                }
                attachmentBlobs[a.name] = id
            }
            let tree = try writeTree(change.state, attachments: attachmentBlobs, conflicts: conflicts)
            if change.mergeParent == nil, let p = parent, try db.readCommit(p.commit).tree == tree {
                throw ContractStoreError.rule(ContractError("", "nothing to commit: the contract is unchanged"))
            }
            var trailers: [(String, String)] = [("Accord-Role", change.actor.role.code), ("Accord-Office", change.actor.office),
                                                ("Accord-Replica", change.actor.replica)]
            if let a = change.action { trailers.insert(("Accord-Action", a.code), at: 0) }
            if let ca = change.changeAgreement { trailers.append(("Accord-Change-Agreement", ca)) }
            if let a = authority { trailers.append((Authority.trailer, a.head.id.hex)) }
            let message = Trailers.message(summary: summary, details: details, trailers: trailers)
            let parents = (parent.map { [$0.commit] } ?? []) + (change.mergeParent.map { [$0] } ?? [])
            let commit = try repository.signing(Commit(tree: tree, parents: parents, author: change.author,
                                                       committer: change.committer ?? change.author, message: message))
            let id = try db.write(.commit(commit))
            db.flush() // every new object durable before a ref points at it
            return (id, warnings)
        } catch let e as ContractStoreError { throw e }
        catch let e as StoreError { throw .store(e) }
        catch { throw .store(.invalidInput("\(error)")) }
    }

    /// The organisation's check of a commit this replica is about to write, before any object is
    /// written: the check every receiver makes once the signature is verified, with the key the
    /// repository signs with, so this replica never writes what the others refuse.
    func checkAuthority(_ a: Authority, _ change: Change, parent: Snapshot?) throws(ContractStoreError) {
        guard let signer = repository.signer else {
            throw .rule(ContractError("", "this repository's organisation (root \(a.root.hex.prefix(12))) requires every commit to be signed, and no signing key is set: run 'accord key generate' (and have an administrator add its public key with 'accord org person set'), or set user.signingKey", rule: "authority"))
        }
        let key: SSHPublicKey
        do { key = try SSHPublicKey(blob: try signer.publicKeyBlob()) } catch { throw .store(.invalidInput("the signing key: \(error)")) }
        do {
            try a.checkActor(key: key, author: change.author.email, role: change.actor.role.code, office: change.actor.office, version: a.head,
                             state: change.state, parent: parent, isMerge: change.mergeParent != nil, registrars: policy.registrars, what: "the new commit")
        } catch { throw .rule(error) }
    }

    /// The field conflicts a (non-merge) commit from `old` to `new` settles: those at a path it
    /// changes, inside one, or containing one.
    public static func settled(by old: ContractState, _ new: ContractState, _ conflicts: [Conflict]) -> [Conflict] {
        let fields = conflicts.filter(\.isField)
        guard !fields.isEmpty else { return [] }
        let changed = FieldDiff.diff(old, new).map(\.path)
        return fields.filter { c in changed.contains { Conflict.overlaps($0, c.path) } }
    }

    /// What a commit says about itself: from a `Change` when this replica writes it, from the
    /// commit's trailers when it arrives from another replica.
    struct CommitClaims {
        var action: Action?
        var actor: Actor
        var changeAgreement: String?
        var conflicts: [Conflict]
    }

    /// The rules of one (non-merge) commit against its parent: no lifecycle move while conflicted,
    /// invariant 8's transitions, every invariant of domain.md §6 (a merged contract may keep
    /// breaking an invariant it carries as a conflict until that is resolved; new breakage is
    /// refused), and the one use of a change agreement. Returns warnings.
    func checkCommit(_ state: ContractState, _ claims: CommitClaims, parent: Snapshot?) throws(ContractStoreError) -> [String] {
        let number = state.contract.number
        if let p = parent, p.isConflicted, claims.action != nil {
            throw .rule(ContractError("status", "\(number) has \(p.conflicts.count) unresolved conflict\(p.conflicts.count == 1 ? "" : "s") (see 'accord conflicts \(number)'); resolve them before it can move in its lifecycle", rule: "conflicts"))
        }
        try checkTransition(state.contract.status, claims, parent: parent)
        try checkDuties(claims, parent: parent)
        var warnings: [String] = []
        do {
            warnings = try Invariants.check(state, previous: parent?.state, changeAgreement: claims.changeAgreement, policy: policy,
                                            settling: parent?.conflicts ?? [])
        } catch {
            if let p = parent, claims.conflicts.contains(where: { $0.path == "invariant \(error.rule.split(separator: " ").last ?? "")" }),
               (try? Invariants.check(p.state, previous: nil, policy: policy)) == nil {
                warnings.append("still unresolved: \(error)")
            } else { throw .rule(error) }
        }
        if let ref = claims.changeAgreement { try checkAgreementUse(ref, state.contract, parent: parent) }
        return warnings
    }

    /// Checks a commit received from another replica (push, fetch, unbundle) as `write` checks a
    /// local one, with the author's role, action and change agreement read from its trailers.
    /// A merge commit is checked on its own state: an invariant it breaks must be recorded as a
    /// conflict (conflicts are data). `parent`: the first parent's snapshot, if it is readable.
    /// `commit`: the commit object itself, when the caller has read it already.
    public func verify(received snap: Snapshot, isMerge: Bool, parent: Snapshot?, commit known: Commit? = nil) throws(ContractStoreError) {
        if let a = authority {
            let commit: Commit
            if let known { commit = known } else {
                do { commit = try repository.objects.readCommit(snap.commit) } catch { throw .store(error) }
            }
            do { try a.check(commit, snapshot: snap, parent: parent, isMerge: isMerge, registrars: policy.registrars) } catch { throw .rule(error) }
            // Judged by the policies of the organisation version it was made under.
            if let vid = snap.trailers[Authority.trailer].flatMap(ObjectID.init(hex:)), vid != a.head.id {
                var judge = self
                do { judge.policy = try LifecyclePolicy(get: { try? a.version(vid).organisation.policy($0) ?? nil }) } catch { throw .rule(error) }
                return try judge.verifyRules(received: snap, isMerge: isMerge, parent: parent)
            }
        }
        try verifyRules(received: snap, isMerge: isMerge, parent: parent)
    }

    func verifyRules(received snap: Snapshot, isMerge: Bool, parent: Snapshot?) throws(ContractStoreError) {
        if isMerge {
            do { try Invariants.check(snap.state, previous: nil, policy: policy) } catch {
                if snap.conflicts.contains(where: { $0.path == error.rule }) { return }
                throw .rule(ContractError(error.path, "\(error.message) (a merge may break an invariant only when it records the break as a conflict)", rule: error.rule))
            }
            return
        }
        let t = snap.trailers
        let status = snap.state.contract.status
        let needsAuthority = parent.map { $0.state.contract.status != status } ?? (status != .draft)
        let claimed = t["Accord-Role"].flatMap(Role.init(code:))
        if claimed == nil, needsAuthority {
            throw .rule(ContractError("status", "moves to \(status.code), but the commit has no valid Accord-Role trailer: whose authority it uses is unknown", rule: "invariant 8"))
        }
        // A commit that moves nothing in the lifecycle needs no authority (a plain git commit, say).
        let role = claimed ?? .salesRep
        let actor = Actor(name: snap.author?.name ?? "", email: snap.author?.email ?? "", role: role, office: t["Accord-Office"] ?? "", replica: t["Accord-Replica"] ?? "")
        var action: Action?
        if let code = t["Accord-Action"] {
            guard let a = Action(code: code) else { throw .rule(ContractError("", "Accord-Action '\(code)' is not a lifecycle action", rule: "invariant 8")) }
            action = a
        }
        _ = try checkCommit(snap.state, CommitClaims(action: action, actor: actor, changeAgreement: t["Accord-Change-Agreement"], conflicts: snap.conflicts),
                            parent: parent)
    }

    /// Invariant 8 on every commit, whoever writes it: the status moves only by a lifecycle action
    /// the author's role may take, to the status that action leads to. Two exceptions: resolving a
    /// stored status conflict picks one of its values, and a contract registered past draft (an
    /// import) needs a registrar's role (its reviews are checked by `Invariants`).
    func checkTransition(_ new: Status, _ change: CommitClaims, parent: Snapshot?) throws(ContractStoreError) {
        func refuse(_ why: String) -> ContractStoreError { .rule(ContractError("status", why, rule: "invariant 8")) }
        guard let p = parent else {
            if new != .draft, !policy.registrars.contains(change.actor.role) {
                throw refuse("a contract enters as draft; registering one that is already \(new.code) (\(new.label)) needs the role \(policy.registrars.map(\.code).sorted().joined(separator: " or ")), not \(change.actor.role.code)")
            }
            return
        }
        let old = p.state.contract.status
        guard let action = change.action else {
            guard old != new else { return }
            let statusConflict = p.conflicts.first { $0.path == "status" }
            let sides = ([statusConflict?.base] + (statusConflict?.candidates.map(\.value) ?? [])).compactMap { $0?.string }
            if sides.contains(new.code) { return }
            throw refuse("changes from \(old.code) to \(new.code) only through a lifecycle command (submit, approve, reject, sign, start, complete, terminate, archive, cancel)")
        }
        let next: Status
        do { next = try Lifecycle.check(action, contract: p.state.contract, actor: change.actor, policy: policy) } catch { throw .rule(error) }
        guard next == new else { throw refuse("\(action.code) moves a \(old.code) contract to \(next.code), not to \(new.code)") }
    }

    /// Separation of duties (`LifecyclePolicy.separationOfDuties`), across the commits of one
    /// review round (from the round's submit to now, along first parents): the submitter approves
    /// no stage of it, and one person (by email) approves at most one stage of it. A reject or a
    /// withdrawal ends a round; the next submit starts a new one.
    func checkDuties(_ claims: CommitClaims, parent: Snapshot?) throws(ContractStoreError) {
        guard policy.separationOfDuties, claims.action == .approve, let p = parent, p.state.contract.status.isReview else { return }
        let me = claims.actor.email.lowercased()
        guard !me.isEmpty else { return }
        func refuse(_ why: String) -> ContractStoreError { .rule(ContractError("status", why, rule: "separation of duties")) }
        var walker = History(objects: repository.objects)
        var next: ObjectID? = p.commit
        do {
            while let id = next {
                let commit = try walker.commit(id)
                let action = Trailers.parse(commit.messageText)["Accord-Action"]
                let mine = commit.author.email.lowercased() == me
                switch action {
                case "approve"? where mine:
                    throw refuse("\(claims.actor.email) already approved a stage of this review round (commit \(id.hex.prefix(12)): \(commit.summary)); one person approves at most one stage per round")
                case "submit"?:
                    if mine { throw refuse("\(claims.actor.email) submitted this review round (commit \(id.hex.prefix(12))); the submitter approves no stage of it") }
                    return
                case "reject"?, "withdraw"?: return
                default: break
                }
                next = commit.parents.first
            }
        } catch let e as ContractStoreError { throw e }
        catch let e as StoreError { throw .store(e) }
        catch { throw .store(.invalidInput("\(error)")) }
    }

    /// Invariant 9, across commits: a change agreement authorises one change. It is named only
    /// by a commit that changes frozen fields, and by one commit in the contract's history.
    func checkAgreementUse(_ ref: String, _ c: Contract, parent: Snapshot?) throws(ContractStoreError) {
        guard let p = parent, p.state.contract.status.isFrozen, !Invariants.frozenChanges(p.state.contract, c).isEmpty else {
            throw .rule(ContractError("records[\(ref)]", "this change touches no frozen field; --change-agreement is only for changing frozen fields of a signed contract", rule: "invariant 9"))
        }
        var walker = History(objects: repository.objects)
        do {
            for id in try walker.walk(from: [p.commit], order: .topological) {
                let commit = try walker.commit(id)
                if Trailers.parse(commit.messageText)["Accord-Change-Agreement"] == ref {
                    throw ContractStoreError.rule(ContractError("records[\(ref)]", "change agreement \(ref) was already applied by commit \(id.hex.prefix(12)) (\(commit.summary)); a further change to frozen fields needs a new, approved agreement", rule: "invariant 9"))
                }
            }
        } catch let e as ContractStoreError { throw e }
        catch let e as StoreError { throw .store(e) }
        catch { throw .store(.invalidInput("\(error)")) }
    }

    /// Invariant 14: a renewal names a contract of this repository; warn on a gap or an overlap.
    func renewalWarnings(_ c: Contract, parent: Snapshot?) throws(ContractStoreError) -> [String] {
        guard c.signKind == .renewal, let old = c.renews, !old.isEmpty else { return [] }
        // Warn when the link or the renewal's start is set or changes (dates usually come at signing).
        if let p = parent?.state.contract, p.renews == old, p.signKind == .renewal,
           p.effectiveDate == c.effectiveDate, p.signDate == c.signDate { return [] }
        guard Invariants.validNumber(old), let head = try head(old) ?? pendingContracts[old] else {
            throw .rule(ContractError("renews", "'\(old)' is not a contract in this repository", rule: "invariant 14"))
        }
        let previous = try load(commit: head).state.contract
        guard let end = previous.expiryDate?.date, let start = c.effectiveDate ?? c.signDate else { return [] }
        if start.daysSinceEpoch > end.daysSinceEpoch + 1 {
            return ["renewal \(c.number) starts \(start), \(start.daysSinceEpoch - end.daysSinceEpoch - 1) days after \(old) expires (\(end)): a gap"]
        }
        if start <= end { return ["renewal \(c.number) starts \(start), before \(old) expires (\(end)): the two overlap"] }
        return []
    }

    func writeTree(_ s: ContractState, attachments: [String: ObjectID], conflicts: [Conflict]) throws -> ObjectID {
        let db = repository.objects
        var root: [TreeEntry] = []
        if !conflicts.isEmpty {
            root.append(TreeEntry(mode: .regular, name: "conflicts.json", id: try db.write(type: .blob, payload: Array(Conflict.file(conflicts).utf8))))
        }
        root.append(TreeEntry(mode: .regular, name: "contract.json", id: try db.write(type: .blob, payload: Array(s.contract.canonicalJSON.utf8))))
        if !s.records.isEmpty {
            var entries: [TreeEntry] = []
            for r in s.records {
                entries.append(TreeEntry(mode: .regular, name: r.fileName, id: try db.write(type: .blob, payload: Array(r.json.canonical.utf8))))
            }
            root.append(TreeEntry(mode: .directory, name: "records", id: try db.write(.tree(try Tree(entries: entries)))))
        }
        if !attachments.isEmpty {
            let entries = attachments.map { TreeEntry(mode: .regular, name: $0.key, id: $0.value) }
            root.append(TreeEntry(mode: .directory, name: "attachments", id: try db.write(.tree(try Tree(entries: entries)))))
        }
        return try db.write(.tree(try Tree(entries: root)))
    }
}

/// git-style trailers at the end of a commit message ("Key: value" lines).
public enum Trailers {
    public static func message(summary: String, details: [String], trailers: [(String, String)]) -> String {
        var m = summary.replacingOccurrences(of: "\n", with: " ") + "\n"
        if !details.isEmpty { m += "\n" + details.joined(separator: "\n") + "\n" }
        m += "\n" + trailers.map { "\($0.0): \($0.1.replacingOccurrences(of: "\n", with: " "))" }.joined(separator: "\n") + "\n"
        return m
    }

    /// The `Key: value` lines of the message's last paragraph (if there are two or more
    /// paragraphs and every line of the last has a colon). Byte-level: every history step and
    /// every cold `accord list` row parses one.
    public static func parse(_ message: String) -> [String: String] {
        let u = Array(message.utf8)
        var end = u.count
        while end > 0, u[end - 1] == 0x0A { end -= 1 }
        var k = end - 1
        while k > 0, !(u[k] == 0x0A && u[k - 1] == 0x0A) { k -= 1 }
        guard k > 0, u[..<(k - 1)].contains(where: { $0 != 0x0A }) else { return [:] }
        var out: [String: String] = [:]
        var line = k + 1
        while line < end {
            var stop = line
            while stop < end, u[stop] != 0x0A { stop += 1 }
            defer { line = stop + 1 }
            if stop == line { continue }
            guard let colon = u[line..<stop].firstIndex(of: UInt8(ascii: ":")) else { return [:] }
            var v = colon + 1, w = stop
            while v < w, u[v] == 0x20 || u[v] == 0x09 { v += 1 }
            while w > v, u[w - 1] == 0x20 || u[w - 1] == 0x09 { w -= 1 }
            out[String(decoding: u[line..<colon], as: UTF8.self)] = String(decoding: u[v..<w], as: UTF8.self)
        }
        return out
    }
}
