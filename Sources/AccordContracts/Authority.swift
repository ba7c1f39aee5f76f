import AccordObjects
import AccordSigning
import AccordStore
import AccordTrust
import Foundation

/// Who may make a commit, proven rather than claimed: once a repository has an organisation
/// (`refs/accord/organisation`), every contract commit it writes or receives must be signed by an
/// active key of a person of the organisation version the commit names (its
/// `Accord-Organisation` trailer, a version this repository holds), act in a role that person
/// holds, for an office of theirs when the role is office-bound, and carry records only in that
/// person's name and role. A key revoked in this repository's own version signs nothing new.
/// Commits of the baseline (the contract heads when the organisation was adopted, and their
/// history) stay valid unsigned.
public final class Authority: @unchecked Sendable {
    public let organisations: OrganisationStore
    /// This repository's current version: its policies are the ones applied.
    public let head: OrgVersion
    public let root: ObjectID
    /// Each version of this repository's history by its position (0: the root).
    private let trusted: [ObjectID: Int]
    private let lock = NSLock()
    private var versions: [ObjectID: OrgVersion] = [:]
    private var baselineCommits: [String: Set<ObjectID>] = [:]
    private var rootBaseline: [String: ObjectID]?

    /// nil when the repository has no organisation (it has not adopted one: its commits are not
    /// checked for signatures, and its config holds its policies).
    public init?(repository: Repository) throws(TrustError) {
        organisations = OrganisationStore(repository: repository)
        let chain = try organisations.chain()
        guard let h = chain.first, let r = chain.last else { return nil }
        head = try organisations.read(h)
        root = r
        trusted = Dictionary(uniqueKeysWithValues: chain.reversed().enumerated().map { ($1, $0) })
        versions[h] = head
    }

    public static let trailer = "Accord-Organisation"
    static let rule = "authority"

    /// The version `id` of this repository's organisation history.
    public func version(_ id: ObjectID) throws(TrustError) -> OrgVersion {
        if let v = lock.withLock({ versions[id] }) { return v }
        guard trusted[id] != nil else {
            throw .refused("it was made under organisation version \(id.hex.prefix(12)), which is not in this repository's organisation history (fetch the organisation first, or it is not this organisation's)")
        }
        let v = try organisations.read(id)
        lock.withLock { versions[id] = v }
        return v
    }

    /// Whether `id` is a commit of contract `number` as it stood when the organisation was adopted.
    func isBaseline(_ id: ObjectID, number: String) throws(TrustError) -> Bool {
        if let known = lock.withLock({ baselineCommits[number] }) { return known.contains(id) }
        let baseline: [String: ObjectID]
        if let b = lock.withLock({ rootBaseline }) { baseline = b } else { baseline = try organisations.read(root).baseline }
        lock.withLock { rootBaseline = baseline }
        // The adopted head itself (a clone checks every contract's): no walk needed.
        if baseline[number] == id { return true }
        var commits: Set<ObjectID> = []
        if let tip = baseline[number], organisations.repository.objects.contains(tip) {
            var history = History(objects: organisations.repository.objects)
            do { commits = Set(try history.walk(from: [tip], order: .topological)) } catch { throw .store("the baseline of \(number): \(error.description)") }
        }
        lock.withLock { baselineCommits[number] = commits }
        return commits.contains(id)
    }

    /// The checks of one received commit of contract `snapshot` (its trailers and author as the
    /// commit has them). A commit being written here is checked by `checkActor` before it exists.
    /// `registrars`: the roles that register an existing contract with its records (an import):
    /// such a commit may carry records of other people, each a person of the organisation in a
    /// role they hold; every other commit's new records are its signer's.
    public func check(_ commit: Commit, snapshot snap: Snapshot, parent: Snapshot?, isMerge: Bool,
                      registrars: Set<Role> = []) throws(ContractError) {
        func refuse(_ why: String) -> ContractError { ContractError("", why, rule: Authority.rule) }
        let number = snap.state.contract.number
        let what = "commit \(snap.commit.hex.prefix(12))"
        // Only a commit that could not pass as made under the organisation (unsigned, or naming
        // no version) is looked up in the baseline: the lookup reads the adopted heads' history.
        if commit.signature == nil || snap.trailers[Authority.trailer] == nil {
            do {
                if try isBaseline(snap.commit, number: number) { return }
            } catch { throw refuse(error.description) }
        }
        guard commit.signature != nil else {
            throw refuse("\(what) is not signed: since this repository adopted its organisation (root \(root.hex.prefix(12))), every commit must be signed by its author's key")
        }
        let key: SSHPublicKey
        do { key = try OrganisationStore.signer(of: commit, what) } catch { throw refuse(error.description) }
        guard let vhex = snap.trailers[Authority.trailer], let vid = ObjectID(hex: vhex) else {
            throw refuse("\(what) names no organisation version (an \(Authority.trailer) trailer): under whose rules it was made is unknown")
        }
        let v: OrgVersion
        do { v = try version(vid) } catch { throw refuse("\(what): \(error.description)") }
        if let p = parent?.trailers[Authority.trailer].flatMap(ObjectID.init(hex:)), let before = trusted[p], let now = trusted[vid], now < before {
            throw refuse("\(what) names organisation version \(vid.hex.prefix(12)), older than the version its parent was made under (\(p.hex.prefix(12))): a commit cannot go back to an older organisation")
        }
        try checkActor(key: key, author: commit.author.email, role: snap.trailers["Accord-Role"], office: snap.trailers["Accord-Office"] ?? "",
                       version: v, state: snap.state, parent: parent, isMerge: isMerge, registrars: registrars, what: what)
    }

    /// Whether the holder of `key` may make this commit under version `v`: an active key of a
    /// person who is its author, in a role they hold, for one of their offices if the role is
    /// office-bound, with records in their own name (a registrar's import excepted). A writer
    /// calls it before it writes anything; a receiver after the signature is verified.
    public func checkActor(key: SSHPublicKey, author: String, role code: String?, office: String, version v: OrgVersion,
                           state: ContractState, parent: Snapshot?, isMerge: Bool, registrars: Set<Role>, what: String) throws(ContractError) {
        func refuse(_ why: String) -> ContractError { ContractError("", why, rule: Authority.rule) }
        let vid = v.id
        guard let holder = v.organisation.holder(of: key) else {
            throw refuse("\(what) is signed by key \(key.fingerprint), which belongs to no person of the organisation (version \(vid.hex.prefix(12)))")
        }
        let person = holder.person
        guard holder.active else {
            throw refuse("\(what) is signed by key \(key.fingerprint) of \(person.email), revoked in the organisation version it names (\(vid.hex.prefix(12)))")
        }
        if let now = head.organisation.holder(of: key), !now.active {
            throw refuse("\(what) is signed by key \(key.fingerprint) of \(now.person.email), revoked in this repository's organisation (version \(head.id.hex.prefix(12))): a revoked key signs nothing new")
        }
        guard author.lowercased() == person.email.lowercased() else {
            throw refuse("\(what) names \(author) as its author, but it is signed by the key of \(person.email)")
        }
        if isMerge { return } // a merge carries no edits of its own: it is recomputed, not authorised
        guard let code, let role = Role(code: code) else {
            throw refuse("\(what) names no valid role (an Accord-Role trailer)")
        }
        guard person.roles.contains(role.code) else {
            throw refuse("\(person.email) acts as \(role.code) (\(role.label)), a role they do not hold in the organisation (their roles: \(person.roles.filter { $0 != Organisation.administrator }.joined(separator: ", ")))")
        }
        if !Role.headOffice.contains(role) {
            guard person.offices.contains(office) else {
                throw refuse("\(person.email) acts for office '\(office)', which is not one of their offices (\(person.offices.joined(separator: ", ")))")
            }
            for c in [parent?.state.contract, state.contract].compactMap({ $0 }) where !person.offices.contains(c.office) {
                throw refuse("contract \(c.number) belongs to office '\(c.office)'; \(person.email), as \(role.code), acts only on the contracts of their offices (\(person.offices.joined(separator: ", ")))")
            }
        }
        let before = Set(parent?.state.records.map(\.id) ?? [])
        if parent == nil, registrars.contains(role) {
            for r in state.records {
                guard let author = Authority.email(in: r.author).flatMap(v.organisation.person(email:)), author.roles.contains(r.role.code) else {
                    throw refuse("record \(r.id) (\(r.kind.code)) of the contract \(person.email) registers names '\(r.author)' as \(r.role.code), who is not a person of the organisation holding that role")
                }
            }
            return
        }
        for r in state.records where !before.contains(r.id) {
            guard Authority.email(in: r.author)?.lowercased() == person.email.lowercased() else {
                throw refuse("record \(r.id) (\(r.kind.code)) claims the author '\(r.author)', but the commit is signed by \(person.email): a record is its signer's")
            }
            guard r.role == role else {
                throw refuse("record \(r.id) (\(r.kind.code)) claims the role \(r.role.code), but the commit acts as \(role.code)")
            }
        }
    }

    /// The address in `Name <email>`.
    static func email(in author: String) -> String? {
        guard let open = author.lastIndex(of: "<"), let close = author.lastIndex(of: ">"), open < close else { return nil }
        return String(author[author.index(after: open)..<close])
    }
}
