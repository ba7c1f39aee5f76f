import AccordObjects
import AccordStore
import AccordSync

/// A sync with a hub through its changes feed: the replica keeps the last sequence number it
/// fetched; a sync asks for the changes since then (one small request), fetches only the refs
/// they name, and stops there when nothing changed on either side. Without a usable position
/// (first sync, or a hub with another feed) it fetches every ref and starts from the feed's end
/// as it was before that fetch.
final class FeedSync {
    let remote: Remote
    let repository: Repository
    let http: SmartHTTPRemote
    let who: Identity
    let quiet: Bool
    let position: FeedPosition
    /// The changes since our position, once asked; nil: the position cannot be used.
    private var page: ChangesFeedPage?
    private var start: ChangesFeedPage?
    private var at: (feed: String, seq: Int)?
    private var rounds = 0

    init(remote: Remote, repository: Repository, who: Identity, quiet: Bool) throws {
        self.remote = remote
        self.repository = repository
        self.who = who
        self.quiet = quiet
        http = try remote.http(in: repository, environment: Session.environment)
        position = FeedPosition(remote: remote.name)
        at = position.load(in: repository)
        try ask()
    }

    private func ask() throws {
        guard let at else { return }
        let p = try http.changes(since: at.seq, wait: nil)
        page = p.feed == at.feed && p.last >= at.seq ? p : nil
    }

    /// The newest change per ref.
    private var latest: [ChangesFeedPage.Change] {
        var byRef: [String: ChangesFeedPage.Change] = [:]
        for c in page?.changes ?? [] { byRef[c.ref] = c }
        return byRef.values.sorted { $0.ref < $1.ref }
    }

    /// True when the hub has nothing new for us and we have nothing it lacks: every contract's
    /// head is the one we last fetched from it.
    func nothingNew() throws -> Bool {
        guard let page, page.changes.isEmpty else { return false }
        return try !localChanges()
    }

    /// True if a contract's head here is not the one last fetched from the hub (work to push).
    func localChanges() throws -> Bool {
        try repository.refs.firstDifference(under: "refs/contracts/", from: "refs/remotes/\(remote.name)/contracts/") != nil
    }

    /// The fetch of a pull: the refs the feed names (a contract that left our view loses its
    /// tracking ref), or everything.
    func fetch() throws -> (TransferReport, String, String) {
        let progress = TransferText.progress(quiet: quiet)
        rounds += 1
        if rounds > 1 { try ask() } // another round: the hub moved since we asked
        guard page != nil else {
            start = try http.changes(since: nil, wait: nil)
            return (try Transfer.fetch(into: repository, http: http, remoteName: remote.name, who: who, progress: progress), remote.url, remote.name)
        }
        var only: [(name: String, id: ObjectID)] = []
        for c in latest {
            if c.visible, let id = c.id { only.append((c.ref, id)); continue }
            // Gone from our view (moved to another office): the tracking ref goes; our own ref
            // stays if it holds work the hub has not seen.
            guard let tracking = Transfer.trackingRef(for: c.ref, remote: remote.name), tracking.hasPrefix("refs/remotes/"),
                  let old = try repository.refs.resolve(tracking) else { continue }
            try repository.refs.delete(tracking, expected: .value(old))
            if try repository.refs.resolve(c.ref) == old { try repository.refs.delete(c.ref, expected: .value(old)) }
        }
        return (try Transfer.fetch(into: repository, http: http, remoteName: remote.name, who: who, only: only, progress: progress), remote.url, remote.name)
    }

    /// After a sync that went through: our position is where the feed was before we fetched.
    func saveReached() throws {
        guard let p = page ?? start else { return }
        try position.save(p.feed, p.last, in: repository)
    }
}
