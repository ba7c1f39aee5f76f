import AccordObjects
import AccordStore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The hub's changes feed: every ref update it accepts gets the next sequence number, as
/// CouchDB's `_changes` does. Kept in `<gitDir>/accord/hub/feed`: a header line with the feed's id
/// (a new hub, a new id: a client's number from another feed means nothing here), then one line
/// per change, appended and fsynced after the refs moved. A hub killed between a ref update and
/// its line loses nothing: on start the feed is reconciled with the refs, and every ref whose
/// value differs from the feed's last word on it gets a line.
public final class ChangesFeed: @unchecked Sendable {
    public struct Entry: Sendable, Equatable {
        public var seq: Int
        public var ref: String
        public var id: ObjectID?
        /// The contract's office after the change, and before it (a contract that moved office
        /// is seen by both: it leaves one view and enters the other).
        public var office: String
        public var previousOffice: String
    }

    public let path: String
    public private(set) var feedID = ""
    private var entries: [Entry] = []
    private var last: [String: Int] = [:] // ref → index of its newest entry
    private var refOf: [ObjectID: String] = [:] // every value a ref had → that ref
    private let lock = NSLock()
    private let changed = NSCondition()

    public init(gitDir: String) throws {
        path = "\(gitDir)/accord/hub/feed"
        try load()
    }

    public var lastSeq: Int { lock.withLock { entries.last?.seq ?? 0 } }

    private func load() throws {
        try FileIO.makeDirectories(FileIO.dirname(of: path))
        guard let bytes = try FileIO.read(path, limit: 1 << 31) else {
            feedID = UUID().uuidString.lowercased()
            try FileIO.writeAtomically(path, Array("accord-feed 1 \(feedID)\n".utf8), mode: 0o600)
            return
        }
        var lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        guard let head = lines.first, head.hasPrefix("accord-feed 1 ") else {
            throw StoreError.invalidInput("\(path): not an accord feed (its first line is not 'accord-feed 1 ID')")
        }
        feedID = String(head.dropFirst("accord-feed 1 ".count))
        lines.removeFirst()
        // After the last newline: nothing, or a line cut short by a kill, which is dropped and cut
        // off the file (so the next line is not glued to it); the reconciliation on start writes
        // the change again.
        if !lines.isEmpty { lines.removeLast() }
        if bytes.last != 0x0A, let end = bytes.lastIndex(of: 0x0A) {
            guard truncate(path, off_t(end + 1)) == 0 else { throw StoreError.io(op: "cut the partial last line of", path: path, errno: errno) }
        }
        for (n, line) in lines.enumerated() {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard f.count == 5, let seq = Int(f[0]) else { throw StoreError.invalidInput("\(path) line \(n + 2) is not 'seq\\tref\\tid\\toffice\\tpreviousOffice'") }
            let e = Entry(seq: seq, ref: f[1], id: ObjectID(hex: f[2]), office: f[3], previousOffice: f[4])
            last[e.ref] = entries.count
            if let id = e.id { refOf[id] = e.ref }
            entries.append(e)
        }
    }

    /// The ref that once had the value `id` (the newest such), if the feed recorded it.
    public func ref(of id: ObjectID) -> String? { lock.withLock { refOf[id] } }

    /// The office the feed last recorded for `ref`.
    public func office(of ref: String) -> String? {
        lock.withLock { last[ref].map { entries[$0].office } }
    }

    /// Records accepted updates (ref, new value, office now, office before), durably. An update
    /// the feed already says (a catch-up that saw a push's ref move before the push wrote its
    /// line) is not written twice.
    public func append(_ changes: [(ref: String, id: ObjectID?, office: String, previousOffice: String)]) throws {
        guard !changes.isEmpty else { return }
        try lock.withLock {
            var seq = entries.last?.seq ?? 0
            var text = ""
            var fresh: [Entry] = []
            for c in changes {
                if let k = last[c.ref], entries[k].id == c.id, entries[k].office == c.office { continue }
                seq += 1
                fresh.append(Entry(seq: seq, ref: c.ref, id: c.id, office: c.office, previousOffice: c.previousOffice))
                text += "\(seq)\t\(c.ref)\t\(c.id?.hex ?? "-")\t\(Self.clean(c.office))\t\(Self.clean(c.previousOffice))\n"
            }
            guard !fresh.isEmpty else { return }
            let fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
            guard fd >= 0 else { throw StoreError.io(op: "open the feed", path: path, errno: errno) }
            defer { close(fd) }
            let bytes = Array(text.utf8)
            try bytes.withUnsafeBytes { try FileIO.writeAll(fd, $0, path: path) }
            guard fsync(fd) == 0 else { throw StoreError.io(op: "fsync", path: path, errno: errno) }
            for e in fresh {
                last[e.ref] = entries.count
                if let id = e.id { refOf[id] = e.ref }
                entries.append(e)
            }
        }
        changed.lock(); changed.broadcast(); changed.unlock()
    }

    static func clean(_ s: String) -> String { String(s.map { $0 == "\t" || $0 == "\n" ? " " : $0 }) }

    /// The changes after `since`; with `wait` seconds, waits for one if there is none yet.
    /// `poll` runs before each look (at least once a second while waiting): the hub's catch-up
    /// with ref moves made behind its back.
    public func changes(since: Int, wait: Double = 0, poll: () -> Void = {}) -> [Entry] {
        let deadline = Date().addingTimeInterval(min(max(wait, 0), 300))
        while true {
            poll()
            let found: [Entry] = lock.withLock {
                // Sequence numbers only grow: the first entry after `since` by bisection (a sync
                // with nothing new does not walk the whole feed).
                var lo = 0, hi = entries.count
                while lo < hi { let mid = (lo + hi) / 2; if entries[mid].seq > since { hi = mid } else { lo = mid + 1 } }
                return Array(entries[lo...])
            }
            if !found.isEmpty || Date() >= deadline { return found }
            changed.lock()
            _ = changed.wait(until: min(deadline, Date().addingTimeInterval(1)))
            changed.unlock()
        }
    }

    /// What differs between the refs and the feed's last word on each (a hub killed after moving
    /// a ref and before writing its line, or a ref moved behind the hub's back).
    public func drift(refs: [String: ObjectID]) -> [(ref: String, id: ObjectID?)] {
        lock.withLock {
            var out: [(String, ObjectID?)] = []
            for (ref, id) in refs.sorted(by: { $0.key < $1.key }) where last[ref].map({ entries[$0].id }) != id { out.append((ref, id)) }
            for (ref, i) in last where refs[ref] == nil && entries[i].id != nil { out.append((ref, nil)) }
            return out
        }
    }
}
