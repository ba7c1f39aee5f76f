import AccordObjects
import AccordStore
import AccordContracts

/// Reads a side's writes from its history: which commits since the shared ones set which fields
/// (domain.md §5: a write supersedes the writes it has seen).
///
/// A non-merge commit writes every field it changes, every field whose conflict it settles, and,
/// when it signs, every frozen field (the signed value is a value someone vouched for). A merge
/// commit writes only what it decided itself: a field that differs from both parents and holds
/// no conflict (lines of a clause combined), or one a configured policy decided. A merge that
/// simply carries one side's value writes nothing: the value's writes are that side's.
struct WriteLog {
    let store: ContractStore
    private var snapshots: [ObjectID: Snapshot] = [:]
    private var flattened: [ObjectID: [String: JSON]] = [:]

    init(store: ContractStore) { self.store = store }

    mutating func snapshot(_ id: ObjectID) throws(ContractStoreError) -> Snapshot {
        if let s = snapshots[id] { return s }
        let s = try store.load(commit: id)
        snapshots[id] = s
        return s
    }

    mutating func leaves(_ id: ObjectID) throws(ContractStoreError) -> [String: JSON] {
        if let f = flattened[id] { return f }
        let f = FieldPath.flatten(Contract.droppingDerived(try snapshot(id).state.contract.json))
        flattened[id] = f
        return f
    }

    /// The writes of the commits reachable from `tip` and not in `shared`.
    mutating func side(from tip: ObjectID, excluding shared: Set<ObjectID>, _ history: inout History) throws(ContractStoreError) -> SideWrites {
        let range: [ObjectID]
        do { range = try history.walk(from: [tip], order: .topological).filter { !shared.contains($0) } } catch { throw .store(error) }
        let inRange = Set(range)
        var seen: [String: Set<String>] = [:]
        var entries: [SideWrites.Entry] = []
        // Oldest first, so each commit's parents are done before it.
        for id in range.reversed() {
            let commit: Commit
            do { commit = try history.commit(id) } catch { throw .store(error) }
            var mine = Set<String>()
            for p in commit.parents where inRange.contains(p) { mine.insert(p.hex); mine.formUnion(seen[p.hex] ?? []) }
            seen[id.hex] = mine
            let snap = try snapshot(id)
            let write = FieldWrite(commit: id.hex, author: commit.author.name, role: snap.trailers["Accord-Role"],
                                   office: snap.trailers["Accord-Office"], at: String(commit.author.seconds))
            var touched: [String] = []
            var signs = false
            var moved: Status?
            var deleted: [String] = []
            if commit.parents.count <= 1 {
                let parent = try commit.parents.first.map { (p) throws(ContractStoreError) in try snapshot(p) }
                if let p = parent { deleted = WriteLog.deletedItems(p.state.contract.json, snap.state.contract.json) }
                touched = FieldDiff.diff(parent?.state, snap.state).map(\.path).filter { !$0.hasPrefix("records[") }
                let kept = Set(snap.conflicts.map(\.path))
                touched += (parent?.conflicts ?? []).filter { $0.isField && !kept.contains($0.path) }.map(\.path)
                let old = parent?.state.contract.status, new = snap.state.contract.status
                if old != new {
                    moved = new
                    signs = new.isFrozen && !(old?.isFrozen ?? false)
                }
                if let p = parent, p.conflicts.contains(where: { $0.path == "status" }), !kept.contains("status") { moved = new }
            } else {
                let mine = try leaves(id)
                var parents: [[String: JSON]] = []
                for p in commit.parents { parents.append(try leaves(p)) }
                let conflicted = snap.conflicts.filter(\.isField).map(\.path)
                for path in Set(mine.keys).union(parents.flatMap(\.keys)).sorted()
                where parents.allSatisfy({ $0[path] != mine[path] }) && !conflicted.contains(where: { Conflict.overlaps($0, path) }) {
                    touched.append(path)
                }
                touched += WriteLog.decidedPaths(commit.messageText)
            }
            if !touched.isEmpty || signs || moved != nil {
                entries.append(SideWrites.Entry(write: write, touched: touched, touchesFrozen: signs, status: moved, deleted: deleted))
            }
        }
        return SideWrites(entries: entries.reversed(), seen: seen)
    }

    /// The keyed items (`lineItems[L2]`) `old` has and `new` no longer has.
    static func deletedItems(_ old: JSON, _ new: JSON) -> [String] {
        var out: [String] = []
        for list in ContractMerge.keyedLists.sorted() {
            let kept = Set((new[list]?.array ?? []).compactMap { $0["id"]?.string })
            for id in (old[list]?.array ?? []).compactMap({ $0["id"]?.string }) where !kept.contains(id) { out.append("\(list)[\(id)]") }
        }
        return out
    }

    /// The paths a merge commit's message says the merge decided: by a policy
    /// (`policy RULE: PATH = VALUE (…)`) or by the lifecycle (`lifecycle: status = VALUE (…)`).
    static func decidedPaths(_ message: String) -> [String] {
        message.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("policy ") || line.hasPrefix("lifecycle: "), let colon = line.firstIndex(of: ":"),
                  let eq = line.range(of: " = ", range: colon..<line.endIndex) else { return nil }
            return String(line[line.index(after: colon)..<eq.lowerBound].drop { $0 == " " })
        }
    }
}

/// Ancestry between write commits, each commit's ancestors walked once.
final class Ancestry: @unchecked Sendable {
    private var history: History
    private var ancestors: [String: Set<String>] = [:]
    init(objects: ObjectDatabase) { history = History(objects: objects) }

    /// Whether `a` is a strict ancestor of `b` (hex ids); false when either is unknown.
    func isAncestor(_ a: String, _ b: String) -> Bool {
        guard a != b else { return false }
        if let set = ancestors[b] { return set.contains(a) }
        guard let id = ObjectID(hex: b), let walked = try? history.walk(from: [id]) else { return false }
        let set = Set(walked.map(\.hex))
        ancestors[b] = set
        return set.contains(a)
    }
}
