import AccordObjects
import AccordStore
import AccordTrust

/// Fetch and push over HTTP(S): the same decisions as between two repositories on this machine
/// (`Transfer.fetch`'s plan and checks, `PushPlan`), with git's smart protocol carrying the refs
/// and the pack.
extension Transfer {
    /// The refs a fetch takes: contracts, tags and the organisation.
    static let fetchedPrefixes = ["refs/contracts/", "refs/tags/", OrganisationStore.ref]

    /// Fetches from an HTTP remote. `only`: just these remote refs with the values given (from
    /// the changes feed; no listing of every ref); nil: every ref the remote lists for us.
    public static func fetch(into local: Repository, http remote: SmartHTTPRemote, remoteName: String, who: Identity,
                             prune: Bool = false, only: [(name: String, id: ObjectID)]? = nil,
                             progress: TransferProgress? = nil, storingHeads: String? = nil) throws -> TransferReport {
        let refs = try only ?? remote.lsRefs(prefixes: fetchedPrefixes).filter { r in fetchedPrefixes.contains { r.name.hasPrefix($0) } }.map { ($0.name, $0.id) }
        return try fetch(into: local, refs: refs, remoteName: remoteName, who: who, prune: prune && only == nil, storingHeads: storingHeads) { wants, haves in
            try remote.fetchPack(wants: wants, haves: haves, into: local, progress: progress)
        }
    }

    /// Pushes to an HTTP remote: its advertisement says where its refs are; `PushPlan` decides
    /// as for a local push; the hub checks and answers per ref.
    public static func push(from local: Repository, http remote: SmartHTTPRemote, remoteName: String, who: Identity,
                            options: PushOptions = PushOptions()) throws -> TransferReport {
        let advertised = try remote.receivePackAdvertisement().refs
        var theirs: [String: ObjectID] = [:], theirTags: [String: ObjectID] = [:]
        for r in advertised where r.name.hasPrefix("refs/contracts/") { theirs[r.name] = r.id }
        for r in advertised where r.name.hasPrefix("refs/tags/") && !r.name.hasSuffix("^{}") { theirTags[r.name] = r.id }
        let theirOrg = advertised.first { $0.name == OrganisationStore.ref }?.id
        let plan = try PushPlan(local: local, theirs: theirs, theirTags: theirTags, theirOrganisation: theirOrg, only: options.refs)
        guard !plan.commands.isEmpty else { return plan.report([], objects: 0) }
        let tips = Set(advertised.map(\.id))
        let common = tips.filter { local.objects.contains($0, rescan: false) }.sorted()
        let pack = try plan.pack(from: local, common: common, has: { tips.contains($0) }, tamper: options.tamper, progress: options.progress)
        let changes = try remote.push(plan.commands, pack: pack, atomic: false, progress: options.progress)
        let report = plan.report(changes.map { ($0.ref, $0) }, objects: 0)
        plan.updateTracking(local, report, remoteName: remoteName, who: who)
        return report
    }
}

extension Transfer {
    /// Pushes to a configured remote, on this machine or over HTTP.
    public static func push(from local: Repository, to remote: Remote, environment: [String: String], who: Identity,
                            options: PushOptions = PushOptions()) throws -> TransferReport {
        if remote.isHTTP {
            return try push(from: local, http: remote.http(in: local, environment: environment), remoteName: remote.name, who: who, options: options)
        }
        return try push(from: local, to: remote.open(), remoteName: remote.name, who: who, options: options)
    }
}

/// Where a replica is in a hub's changes feed: `<gitDir>/accord/feeds/<remote>` holds the feed's
/// id and the last sequence number whose changes this replica has fetched.
public struct FeedPosition: Sendable {
    public let remote: String
    public init(remote: String) { self.remote = remote }

    func path(_ repo: Repository) -> String { "\(repo.gitDir)/accord/feeds/\(remote)" }

    public func load(in repo: Repository) -> (feed: String, seq: Int)? {
        guard let text = try? FileIO.readString(path(repo)) else { return nil }
        let f = text.split(separator: " ")
        guard f.count == 2, let n = Int(f[1].filter { $0.isNumber }) else { return nil }
        return (String(f[0]), n)
    }

    public func save(_ feed: String, _ seq: Int, in repo: Repository) throws {
        try FileIO.makeDirectories(FileIO.dirname(of: path(repo)))
        try FileIO.writeAtomically(path(repo), Array("\(feed) \(seq)\n".utf8))
    }

    public func forget(in repo: Repository) { FileIO.remove(path(repo)) }
}
