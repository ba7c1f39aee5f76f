import AccordContracts

/// What one side of a merge wrote since the commits both sides share: every write commit in its
/// range (the commits the other side does not have), what each touched, and which of them each
/// has seen. A write supersedes the writes of the same field in its ancestry, so a side's
/// unsuperseded writes of a field are the range writes touching it that no later range write
/// touching it has seen.
public struct SideWrites: Sendable {
    public struct Entry: Sendable {
        public var write: FieldWrite
        /// Field paths the commit set, removed, or whose conflict it settled.
        public var touched: [String]
        /// A signing: it confirms every frozen field's value (domain.md §2, "frozen once signed").
        public var touchesFrozen: Bool
        /// The status it moved to, for a lifecycle move.
        public var status: Status?
        /// Keyed items it deleted (`lineItems[L2]`): a deletion is a value of the item, not of
        /// its fields, whose writes it only supersedes.
        public var deleted: [String]
        public init(write: FieldWrite, touched: [String], touchesFrozen: Bool = false, status: Status? = nil, deleted: [String] = []) {
            self.write = write; self.touched = touched; self.touchesFrozen = touchesFrozen; self.status = status; self.deleted = deleted
        }

        /// Whether this write deleted an item `path` is inside.
        func deletes(inside path: String) -> Bool { deleted.contains { Conflict.inside(path, $0) } }
    }

    /// Newest first (topological order).
    public var entries: [Entry]
    /// For each entry's commit, the range commits in its ancestry.
    public var seen: [String: Set<String>]

    public init(entries: [Entry], seen: [String: Set<String>]) {
        self.entries = entries; self.seen = seen
    }

    func touches(_ e: Entry, _ path: String) -> Bool {
        if e.touchesFrozen, path != "status", ContractMerge.isFrozen(ContractMerge.top(path)) { return true }
        return e.touched.contains { Conflict.overlaps($0, path) }
    }

    /// Whether this side wrote `path` (or something inside or around it) since the shared commits.
    public func wrote(_ path: String) -> Bool { entries.contains { touches($0, path) } }

    /// This side's unsuperseded writes of `path` since the shared commits.
    public func writes(_ path: String) -> [FieldWrite] { maximal(path).map(\.write) }

    /// Of those, the ones that set a value at `path`, and the deletions of an item around it.
    public func split(_ path: String) -> (values: [FieldWrite], deletions: [FieldWrite]) {
        let m = maximal(path)
        return (m.filter { !$0.deletes(inside: path) }.map(\.write), m.filter { $0.deletes(inside: path) }.map(\.write))
    }

    func maximal(_ path: String) -> [Entry] {
        let all = entries.filter { touches($0, path) }
        return all.filter { e in !all.contains { $0.write.commit != e.write.commit && seen[$0.write.commit]?.contains(e.write.commit) == true } }
    }

    /// The statuses this side's lifecycle moves went to, oldest first, without repeats.
    public var statusPath: [Status] {
        var out: [Status] = []
        for e in entries.reversed() { if let s = e.status, out.last != s { out.append(s) } }
        return out
    }
}
