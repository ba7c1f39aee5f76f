import AccordObjects
import AccordStore
import AccordTrust
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A configured remote: `remote.NAME.url`, a path to another Accord repository (bare or not)
/// or to a bundle file.
public struct Remote: Sendable, Equatable {
    public var name: String
    public var url: String

    public init(name: String, url: String) { self.name = name; self.url = url }

    /// Remote names: what git allows in `refs/remotes/NAME/`, kept simple.
    public static func validateName(_ name: String) throws {
        guard !name.isEmpty, name.utf8.count <= 100,
              name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }),
              !name.hasPrefix("."), !name.hasPrefix("-"), !name.contains(".."), !name.hasSuffix(".lock") else {
            throw TransportError.badRemote("'\(name)' is not a valid remote name: use letters, digits, '-', '_' and '.'")
        }
    }

    /// Every remote in the repository's config, in the order configured.
    public static func all(in repo: Repository) -> [Remote] {
        var out: [Remote] = []
        for e in repo.config.entries where e.section == "remote" && e.key == "url" {
            guard let n = e.subsection else { continue }
            if let i = out.firstIndex(where: { $0.name == n }) { out[i].url = e.value } else { out.append(Remote(name: n, url: e.value)) }
        }
        return out
    }

    public static func named(_ name: String, in repo: Repository) -> Remote? {
        repo.config.get("remote.\(name).url").map { Remote(name: name, url: $0) }
    }

    public static func add(_ name: String, url: String, to repo: Repository) throws {
        try validateName(name)
        guard named(name, in: repo) == nil else { throw TransportError.badRemote("remote \(name) already exists") }
        if SmartHTTPRemote.isHTTP(url) {
            // Checked now (no token in it), stored as given.
            let http = try SmartHTTPRemote(url: url, environment: [:])
            try repo.setConfig("remote.\(name).url", http.url)
            return
        }
        try repo.setConfig("remote.\(name).url", absolutePath(url))
    }

    /// Removes the remote's config and its remote-tracking refs.
    public static func remove(_ name: String, from repo: Repository) throws {
        guard named(name, in: repo) != nil else { throw TransportError.badRemote("no such remote: '\(name)'") }
        try repo.removeConfigSection("remote", subsection: name)
        FeedPosition(remote: name).forget(in: repo) // a remote added again under this name starts afresh
        // One batch: a tracking ref that moved meanwhile (a fetch racing) is left, as before.
        _ = try repo.refs.deleteAll(try repo.refs.list(prefix: "refs/remotes/\(name)/").map { ($0.name, .value($0.id)) })
    }

    /// True if the remote's url names a bundle file rather than a repository.
    public var isBundle: Bool { !isHTTP && Remote.isBundlePath(url) }

    /// True if the remote is reached over http(s) (a hub, or git http-backend).
    public var isHTTP: Bool { SmartHTTPRemote.isHTTP(url) }

    /// The HTTP remote, with the caller's token and CA settings (`http.sslCAInfo`).
    public func http(in repo: Repository, environment: [String: String]) throws -> SmartHTTPRemote {
        try SmartHTTPRemote(url: url, environment: environment, caFile: repo.config.get("http.sslCAInfo"))
    }

    public static func isBundlePath(_ path: String) -> Bool {
        !FileIO.isDirectory(path) && (FileIO.exists(path) || path.hasSuffix(".bundle"))
    }

    /// Opens the repository at the remote's path (`PATH/.accord` or a bare `PATH`).
    public func open() throws -> Repository {
        try Remote.openRepository(at: url)
    }

    public static func openRepository(at path: String) throws -> Repository {
        guard FileIO.isDirectory(path) else {
            throw TransportError.badRemote("'\(path)' does not appear to be an accord repository (no such directory)")
        }
        do throws(StoreError) {
            if FileIO.exists("\(path)/.accord/HEAD") { return try Repository(gitDir: "\(path)/.accord") }
            return try Repository(gitDir: path)
        } catch { let e = error
            throw TransportError.badRemote("'\(path)' does not appear to be an accord repository: \(e.description)")
        }
    }

    /// `path` made absolute against the current directory (so a remote keeps working from anywhere).
    public static func absolutePath(_ path: String) -> String {
        if path.hasPrefix("/") { return normalized(path) }
        var buf = [CChar](repeating: 0, count: 4096)
        guard getcwd(&buf, buf.count) != nil else { return path }
        let cwd = String(decoding: buf.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return normalized(cwd + "/" + path)
    }

    static func normalized(_ path: String) -> String {
        var parts: [Substring] = []
        for c in path.split(separator: "/") {
            if c == "." || c.isEmpty { continue }
            if c == "..", !parts.isEmpty { parts.removeLast(); continue }
            parts.append(c)
        }
        return "/" + parts.joined(separator: "/")
    }
}

/// What happened to one ref in a fetch, push or unbundle.
public struct RefChange: Sendable, Equatable {
    public enum Status: String, Sendable {
        case new, fastForward = "fast-forward", forced = "forced-update", upToDate = "up-to-date"
        case deleted, rejected
    }
    /// The ref on the other side (`refs/contracts/C-1`).
    public var remoteRef: String
    /// The ref that moved (or would have) here, or on the remote for a push.
    public var ref: String
    public var old: ObjectID?
    public var new: ObjectID?
    public var status: Status
    public var reason: String?
    /// Rejected because the commits it would add are not valid contracts here (`ContractCheck`):
    /// unlike a lost race, trying again will not help until the sender fixes them.
    public var invalidContract = false
    /// Rejected because the other side moved meanwhile (the ref changed under the transfer, or
    /// it is no longer a fast-forward): fetching and trying again can succeed. A ref refused for
    /// any other reason (a lock held there, an I/O error) is not, and is reported as is.
    public var lostRace = false
    /// For `refs/accord/organisation`: what became of the receiver's own organisation ref, and
    /// the root pinned if this was the first organisation it received.
    public var organisation: OrganisationStore.Received?
    public var pinnedRoot: ObjectID?

    public init(remoteRef: String, ref: String, old: ObjectID?, new: ObjectID?, status: Status, reason: String? = nil) {
        self.remoteRef = remoteRef; self.ref = ref; self.old = old; self.new = new; self.status = status; self.reason = reason
    }
}

/// The outcome of a fetch, push, clone or unbundle.
public struct TransferReport: Sendable, Equatable {
    public var changes: [RefChange]
    /// Objects sent in the pack (0 when nothing was missing).
    public var objects: Int
    public var packID: ObjectID?
    public var rejected: [RefChange] { changes.filter { $0.status == .rejected } }

    public init(changes: [RefChange] = [], objects: Int = 0, packID: ObjectID? = nil) {
        self.changes = changes; self.objects = objects; self.packID = packID
    }
}
