import AccordContracts
import AccordObjects
import AccordStore
import AccordSync
import AccordTrust
import Foundation

/// What the hub keeps, behind the few operations its protocol logic needs, so that another
/// engine can serve it later: refs (read, and moved only by `receive`, each with
/// compare-and-swap), objects (packs written for fetches, pushes received behind a quarantine),
/// the changes feed, the token hashes, the organisation.
public protocol HubStorage: AnyObject, Sendable {
    /// A name for logs and errors (the repository's path).
    var name: String { get }
    var feed: ChangesFeed { get }
    var tokens: TokenStore { get }
    /// The organisation's current version.
    func organisation() throws -> Organisation
    func refs(prefix: String) throws -> [(name: String, id: ObjectID)]
    /// Something that changes whenever a contract or organisation ref may have moved, cheap to
    /// read (nil: unknown, and the hub then relies on its own pushes and its start-up check).
    func refsStamp() -> String?
    func resolve(_ ref: String) throws -> ObjectID?
    /// The object a tag names (nil if `id` is not a readable tag).
    func peel(_ id: ObjectID) -> ObjectID?
    /// The office of the contract at each commit (nil where it does not read as a contract).
    func offices(of commits: [ObjectID]) -> [String?]
    /// Writes a pack of what is reachable from `wants` and not from the `haves` held here;
    /// returns its path (the caller removes it and its directory).
    func writePack(wants: [ObjectID], haves: [ObjectID]) throws -> String
    /// A push: objects behind a quarantine, every check, then each ref by compare-and-swap.
    /// `authorize` sees each command with a view through the quarantine and the office of the
    /// contract it would leave.
    func receive(_ commands: [PushReceiver.Command], pack: UnsafeRawBufferPointer, who: Identity, atomic: Bool, source: String,
                 authorize: @escaping (_ command: PushReceiver.Command, _ newOffice: String?) -> String?,
                 beforeRefUpdate: ((String) -> Void)?) throws -> PushReceiver.Result
}

/// The hub's storage in a bare Accord repository (git's files format), with its state under
/// `<gitDir>/accord/hub/`.
public final class RepositoryHubStorage: HubStorage, @unchecked Sendable {
    public let repository: Repository
    public let feed: ChangesFeed
    public let tokens: TokenStore
    public var name: String { repository.gitDir }

    public init(repository: Repository) throws {
        self.repository = repository
        tokens = TokenStore(gitDir: repository.gitDir)
        feed = try ChangesFeed(gitDir: repository.gitDir)
        // What a killed hub left (quarantines, packs made for fetches), an hour old or more.
        GarbageCollector.removeStaleTemporaries(repository)
    }

    /// The version last read, by its id: every request authenticates against the organisation,
    /// and reading a version (a root holds the baseline of every contract) costs more than a
    /// request should.
    private let organisationLock = NSLock()
    private var lastOrganisation: (id: ObjectID, organisation: Organisation)?

    public func organisation() throws -> Organisation {
        let store = OrganisationStore(repository: repository)
        guard let head = try store.head() else {
            throw HubService.Failure(500, "\(repository.gitDir) has no organisation (refs/accord/organisation): a hub knows its callers from it; run 'accord org init' there first")
        }
        if let known = organisationLock.withLock({ lastOrganisation }), known.id == head { return known.organisation }
        let organisation = try store.read(head).organisation
        organisationLock.withLock { lastOrganisation = (head, organisation) }
        return organisation
    }

    public func refs(prefix: String) throws -> [(name: String, id: ObjectID)] { try repository.refs.list(prefix: prefix) }

    /// packed-refs and the directories of loose contract and organisation refs: a ref moved by
    /// any process renames a file into one of those directories (changing its modification time)
    /// or rewrites packed-refs.
    public func refsStamp() -> String? {
        var out = ""
        for p in ["packed-refs", "refs/contracts", "refs/accord"] {
            var st = stat()
            if stat("\(repository.gitDir)/\(p)", &st) == 0 {
                out += "\(st.st_ino):\(st.st_size):\(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec);"
            } else { out += "-;" }
        }
        return out
    }
    public func resolve(_ ref: String) throws -> ObjectID? { try repository.refs.resolve(ref) }
    public func peel(_ id: ObjectID) -> ObjectID? { try? repository.objects.readTag(id).object }

    /// One contract store for all of them (opening one reads the organisation's history: once
    /// per commit, a first start on 10,000 contracts took minutes), the contracts read on every core.
    public func offices(of commits: [ObjectID]) -> [String?] {
        guard !commits.isEmpty, let store = try? ContractStore(repository: repository) else { return commits.map { _ in nil } }
        return Parallel.map(commits.count) { i in try? store.load(commit: commits[i]).state.contract.office }
    }

    public func writePack(wants: [ObjectID], haves: [ObjectID]) throws -> String {
        let common = haves.filter { repository.objects.contains($0, rescan: false) }
        let selection = try ObjectSelection.missing(in: repository.objects, wants: wants, common: common)
        let dir = "\(repository.gitDir)/accord/hub/tmp"
        try FileIO.makeDirectories(dir)
        let written = try PackWriter.write(selection.objects, from: repository.objects, to: PackTransfer.temporaryName(in: dir, prefix: "upload_"), options: .upload)
        return written.packPath
    }

    public func receive(_ commands: [PushReceiver.Command], pack: UnsafeRawBufferPointer, who: Identity, atomic: Bool, source: String,
                        authorize: @escaping (_ command: PushReceiver.Command, _ newOffice: String?) -> String?,
                        beforeRefUpdate: ((String) -> Void)?) throws -> PushReceiver.Result {
        var options = PushReceiver.Options(atomic: atomic)
        options.source = source
        options.beforeRefUpdate = beforeRefUpdate
        options.foreignLock = { _ in "the ref is locked on the hub by another program (a lock accord does not take over); its administrator must look" }
        // One contract store per view (a new view only when the push brings an organisation
        // version), not one per command: opening it reads the organisation's history.
        var opened: (view: Repository, store: ContractStore?)?
        options.authorize = { command, view in
            if opened?.view !== view { opened = (view, try? ContractStore(repository: view)) }
            return authorize(command, command.new.flatMap { try? opened?.store?.load(commit: $0).state.contract.office })
        }
        return try PushReceiver.receive(commands, pack: pack, into: repository, who: who, options: options)
    }
}
