import AccordObjects
import AccordSigning
import AccordStore

/// One version of the organisation: a commit on `refs/accord/organisation` whose tree holds
/// `organisation.json` (and, in the root only, `baseline`: the contract heads that existed
/// when the repository adopted the organisation, trusted unsigned).
public struct OrgVersion: Sendable {
    public let id: ObjectID
    public let commit: Commit
    public let organisation: Organisation
    public let baseline: [String: ObjectID]
    public var parent: ObjectID? { commit.parents.first }
}

/// The organisation's history in one repository: reading versions, checking that a history is
/// a chain of versions each signed by an administrator of the one before, rooted in the pinned
/// root, and publishing or receiving new versions.
public struct OrganisationStore: Sendable {
    public static let ref = "refs/accord/organisation"
    /// The root this replica trusts (`accord.organisationRoot`), set by `org init`, by the first
    /// clone or fetch that brings an organisation, or by `clone --org-root`.
    public static let pinKey = "accord.organisationRoot"
    public static let baselineFile = "baseline"
    static let maxVersions = 1_000_000

    public let repository: Repository
    public init(repository: Repository) { self.repository = repository }

    public func head() throws(TrustError) -> ObjectID? {
        do { return try repository.refs.resolve(OrganisationStore.ref) } catch { throw .store(error.description) }
    }

    public func pinnedRoot() throws(TrustError) -> ObjectID? {
        guard let s = repository.config.get(OrganisationStore.pinKey) else { return nil }
        guard let id = ObjectID(hex: s) else { throw .invalid("\(OrganisationStore.pinKey) in \(repository.gitDir)/config is '\(s)', not an object id") }
        return id
    }

    /// Reads one version; its tree must hold exactly `organisation.json` (and `baseline` in a root).
    public func read(_ id: ObjectID) throws(TrustError) -> OrgVersion {
        let db = repository.objects
        do {
            let commit = try db.readCommit(id)
            let tree = try db.readTree(commit.tree)
            var org: Organisation?
            var baseline: [String: ObjectID] = [:]
            for e in tree.entries {
                switch (e.nameString, e.mode) {
                case (Organisation.fileName, .regular):
                    org = try Organisation(bytes: try db.read(e.id, as: .blob))
                case (OrganisationStore.baselineFile, .regular) where commit.parents.isEmpty:
                    baseline = try OrganisationStore.parseBaseline(try db.read(e.id, as: .blob))
                default:
                    throw TrustError.invalid("version \(id.hex.prefix(12)) holds '\(e.nameString)', which an organisation version does not")
                }
            }
            guard let org else { throw TrustError.invalid("version \(id.hex.prefix(12)) has no \(Organisation.fileName)") }
            return OrgVersion(id: id, commit: commit, organisation: org, baseline: baseline)
        } catch let e as TrustError {
            if case let .invalid(s) = e, !s.contains(id.hex.prefix(12)) { throw .invalid("version \(id.hex.prefix(12)): \(s)") }
            throw e
        } catch let e as StoreError { throw .store("organisation version \(id.hex.prefix(12)): \(e.description)") }
        catch { throw .store("organisation version \(id.hex.prefix(12)): \(error)") }
    }

    /// `<64 hex> <number>` per line, read over the bytes (a root adopted over 10,000 contracts
    /// holds 10,000 lines, and every contract store opened reads them).
    static func parseBaseline(_ bytes: [UInt8]) throws(TrustError) -> [String: ObjectID] {
        var out: [String: ObjectID] = [:]
        out.reserveCapacity(bytes.count / 80)
        var failedLine: Int?
        bytes.withUnsafeBytes { b in
            IDLines.forEach(b) { n, line in
                if line.isEmpty { return true }
                guard let (id, number) = IDLines.idAndName(line) else { failedLine = n; return false }
                out[number] = id
                return true
            }
        }
        if let failedLine { throw .invalid("baseline line \(failedLine) is not '<commit id> <contract number>'") }
        return out
    }

    static func baselineBytes(_ b: [String: ObjectID]) -> [UInt8] {
        Array(b.sorted { $0.key < $1.key }.map { "\($0.value.hex) \($0.key)\n" }.joined().utf8)
    }

    /// The key that signed `commit`; refuses an unsigned commit or a signature that does not verify.
    public static func signer(of commit: Commit, _ what: @autoclosure () -> String) throws(TrustError) -> SSHPublicKey {
        guard let sig = commit.signature else { throw .refused("\(what()) is not signed") }
        do { return try SSHSignature.verify(sig.armored, of: sig.payload) } catch {
            throw .refused("\(what()): its signature does not verify (the commit was changed after it was signed, or the signature is not one accord accepts): \(error)")
        }
    }

    /// The ids from the head back to the root (empty without an organisation).
    public func chain() throws(TrustError) -> [ObjectID] {
        guard let h = try head() else { return [] }
        var out: [ObjectID] = []
        var next: ObjectID? = h
        do {
            while let id = next {
                out.append(id)
                guard out.count <= OrganisationStore.maxVersions else { throw TrustError.invalid("more than \(OrganisationStore.maxVersions) versions") }
                next = try repository.objects.readCommit(id).parents.first
            }
        } catch let e as TrustError { throw e } catch { throw .store("the organisation's history: \(error)") }
        return out
    }

    /// Checks the versions from `tip` back to the first one in `trusted` (or to the root): a
    /// linear history, each version valid and signed by an active administrator of the version
    /// before it (the root by one of its own), the root being the pinned one. Returns the checked
    /// versions, newest first, and the trusted version the walk reached (nil: the root).
    public func verify(tip: ObjectID, trusted: Set<ObjectID>, root expectedRoot: ObjectID?) throws(TrustError) -> (versions: [OrgVersion], reached: ObjectID?) {
        var versions: [OrgVersion] = []
        var next: ObjectID? = tip
        var reached: ObjectID?
        while let id = next {
            if trusted.contains(id) { reached = id; break }
            guard repository.objects.contains(id) else { throw .refused("organisation version \(id.hex.prefix(12)) is missing") }
            let v = try read(id)
            guard v.commit.parents.count <= 1 else {
                throw .refused("organisation version \(id.hex.prefix(12)) has \(v.commit.parents.count) parents: the organisation's history is a single line, each version made from the one before")
            }
            versions.append(v)
            guard versions.count <= OrganisationStore.maxVersions else { throw .refused("more than \(OrganisationStore.maxVersions) organisation versions") }
            next = v.parent
            if next == nil, let want = expectedRoot, want != id {
                throw .refused("the organisation's history starts at root \(id.hex), not at the root this repository trusts (\(want.hex)): it is another organisation, or a replaced one")
            }
        }
        // Oldest first, so each version is judged by the one before it.
        var previous: Organisation?
        if let reached { previous = try read(reached).organisation }
        for v in versions.reversed() {
            try OrganisationStore.checkPublisher(v.commit, "organisation version \(v.id.hex.prefix(12))", judge: previous ?? v.organisation, isRoot: previous == nil)
            previous = v.organisation
        }
        return (versions, reached)
    }

    /// A version must be signed by an active administrator of `judge` (the version before it;
    /// the root is judged by itself) who is also its author.
    static func checkPublisher(_ commit: Commit, _ what: String, judge: Organisation, isRoot: Bool) throws(TrustError) {
        let key = try signer(of: commit, what)
        guard let holder = judge.holder(of: key), holder.active, holder.person.isAdministrator else {
            let who = judge.holder(of: key).map { "\($0.person.email)\($0.active ? "" : ", revoked")" } ?? "no person of the organisation"
            throw .refused("\(what) is signed by \(key.fingerprint) (\(who)), not by an active administrator of \(isRoot ? "the version itself (the root)" : "the version before it"); only an administrator publishes a new version")
        }
        guard commit.author.email.lowercased() == holder.person.email.lowercased() else {
            throw .refused("\(what): its author is \(commit.author.email), but it is signed by \(holder.person.email)")
        }
    }

    /// Publishes `org` as the next version (the first, with `baseline`, makes the root and pins it),
    /// signed with the repository's key; checked as any receiver checks it before the ref moves.
    @discardableResult
    public func publish(_ org: Organisation, baseline: [String: ObjectID]? = nil, summary: String, author: Identity) throws(TrustError) -> ObjectID {
        try org.validate()
        guard let signer = repository.signer else {
            throw .refused("publishing the organisation needs a signing key: run 'accord key generate', or set user.signingKey")
        }
        let parent = try head()
        let db = repository.objects
        do {
            try signer.ready()
            // Built and checked in memory first: a publisher who may not publish writes nothing.
            var blobs: [[UInt8]] = [org.encoded()]
            var entries = [TreeEntry(mode: .regular, name: Organisation.fileName, id: ObjectHasher.id(type: .blob, payload: blobs[0]))]
            if parent == nil, let baseline, !baseline.isEmpty {
                blobs.append(OrganisationStore.baselineBytes(baseline))
                entries.append(TreeEntry(mode: .regular, name: OrganisationStore.baselineFile, id: ObjectHasher.id(type: .blob, payload: blobs[1])))
            }
            let tree = Object.tree(try Tree(entries: entries))
            let commit = try Commit(tree: tree.id, parents: parent.map { [$0] } ?? [], author: author, committer: author,
                                    message: summary.replacingOccurrences(of: "\n", with: " ") + "\n").signed(by: signer)
            let judge = try parent.map { try read($0).organisation } ?? org
            try OrganisationStore.checkPublisher(commit, "the new organisation version", judge: judge, isRoot: parent == nil)
            for b in blobs { _ = try db.write(type: .blob, payload: b) }
            _ = try db.write(tree)
            let id = try db.write(.commit(commit))
            db.flush()
            _ = try verify(tip: id, trusted: parent.map { [$0] } ?? [], root: parent == nil ? nil : try pinnedRoot())
            try repository.refs.update(OrganisationStore.ref, to: id, expected: parent.map { .value($0) } ?? .absent,
                                       who: author, message: "organisation: \(summary)")
            if parent == nil { try repository.setConfig(OrganisationStore.pinKey, id.hex) }
            return id
        } catch let e as TrustError { throw e }
        catch let e as StoreError { throw .store(e.description) }
        catch { throw .store("\(error)") }
    }

    public enum Received: Equatable, Sendable {
        case upToDate
        /// This repository's version is newer; the incoming one is one of its ancestors.
        case behind
        case advanced(from: ObjectID?, to: ObjectID, versions: Int)
    }

    /// Takes an organisation version received from another replica: checked back to this
    /// repository's version (or the pinned root), it fast-forwards `refs/accord/organisation`.
    /// Without an organisation or a pin, the root received is pinned (trust on first use; `clone
    /// --org-root` pins one given out of band instead). `pinned` is set when that happened.
    /// `check`: why a version's content cannot be used here (its policies do not read), or nil;
    /// the layers above this module know the policies.
    public func receive(_ tip: ObjectID, who: Identity, from source: String,
                        check: (Organisation) -> String? = { _ in nil }) throws(TrustError) -> (Received, pinned: ObjectID?) {
        let (outcome, toPin) = try checkIncoming(tip, from: source, check: check)
        guard case .advanced(let local, _, _) = outcome else { return (outcome, nil) }
        var pinned: ObjectID?
        do {
            if let root = toPin {
                try repository.setConfig(OrganisationStore.pinKey, root.hex)
                pinned = root
            }
            try repository.refs.update(OrganisationStore.ref, to: tip, expected: local.map { .value($0) } ?? .absent,
                                       who: who, message: "organisation: from \(source)")
        } catch { throw .store(error.description) }
        return (outcome, pinned)
    }

    /// What `receive` would do with `tip`, without writing anything: the outcome, and the root
    /// to pin when this repository has none yet. Throws why the version is refused.
    public func checkIncoming(_ tip: ObjectID, from source: String,
                              check: (Organisation) -> String? = { _ in nil }) throws(TrustError) -> (Received, pin: ObjectID?) {
        let local = try head()
        if local == tip { return (.upToDate, nil) }
        let known = try chain()
        if known.contains(tip) { return (.behind, nil) }
        let pin = try pinnedRoot() ?? known.last
        let (versions, reached) = try verify(tip: tip, trusted: Set(known), root: pin)
        if let newest = versions.first, let why = check(newest.organisation) {
            throw .refused("organisation version \(newest.id.hex.prefix(12)) from \(source) cannot be used: \(why)")
        }
        if let local, reached != local {
            throw .refused("the organisation from \(source) (\(tip.hex.prefix(12))) does not build on this repository's version \(local.hex.prefix(12)): two administrators published concurrently, or one history was rewritten; an administrator must publish again from the newest version")
        }
        return (.advanced(from: local, to: tip, versions: versions.count), pin == nil ? versions.last?.id : nil)
    }
}
