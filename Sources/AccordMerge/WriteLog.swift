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

    /// What write detection needs of a commit: its fields (derived ones dropped), flattened, the
    /// status, and its stored conflicts; records are not read (they are not registers).
    struct Fields {
        var document: JSON
        var leaves: [String: JSON]
        var status: Status
        var conflicts: [Conflict]
        var trailers: [String: String]
    }
    private var fields: [ObjectID: Fields] = [:]
    // Consecutive commits share blobs (a record-only commit keeps contract.json): parse each once.
    private var documents: [ObjectID: (JSON, [String: JSON], Status)] = [:]
    private var conflictFiles: [ObjectID: [Conflict]] = [:]

    init(store: ContractStore) { self.store = store }

    /// `commit`: the commit `id` itself, when the caller has read it already.
    mutating func fields(_ id: ObjectID, commit known: Commit? = nil) throws(ContractStoreError) -> Fields {
        if let f = fields[id] { return f }
        let (commit, contractBlob, conflictsBlob) = try store.fieldBlobs(commit: id, known: known)
        let doc: (JSON, [String: JSON], Status)
        if let d = documents[contractBlob] { doc = d } else {
            let (document, status) = try store.contractDocument(blob: contractBlob, of: id)
            let json = Contract.droppingDerived(document)
            doc = (json, FieldPath.flatten(json), status)
            documents[contractBlob] = doc
        }
        var conflicts: [Conflict] = []
        if let cb = conflictsBlob {
            if let c = conflictFiles[cb] { conflicts = c } else {
                conflicts = try store.conflictsFile(blob: cb, of: id)
                conflictFiles[cb] = conflicts
            }
        }
        let f = Fields(document: doc.0, leaves: doc.1, status: doc.2, conflicts: conflicts, trailers: Trailers.parse(commit.messageText))
        fields[id] = f
        return f
    }

    /// The writes of the commits reachable from `tip` and not in `shared`.
    mutating func side(from tip: ObjectID, excluding shared: Set<ObjectID>, _ history: inout History) throws(ContractStoreError) -> SideWrites {
        // The range, newest first in topological order: a depth-first walk from the tip that
        // stops at shared commits, parents listed before their children, then reversed.
        var oldestFirst: [ObjectID] = []
        var visited: Set<ObjectID> = []
        var stack: [(ObjectID, Bool)] = [(tip, false)]
        while let (id, expanded) = stack.popLast() {
            if expanded { oldestFirst.append(id); continue }
            guard !shared.contains(id), visited.insert(id).inserted else { continue }
            stack.append((id, true))
            let parents: [ObjectID]
            do { parents = try history.commit(id).parents } catch { throw .store(error) }
            for p in parents.reversed() where !visited.contains(p) && !shared.contains(p) { stack.append((p, false)) }
        }
        let range = Array(oldestFirst.reversed())
        // Each range commit's range ancestors as a bit set, by position (oldest first).
        var position: [ObjectID: Int] = [:]
        for (i, id) in range.reversed().enumerated() { position[id] = i }
        let words = (range.count + 63) / 64
        var ancestors: [[UInt64]] = []
        ancestors.reserveCapacity(range.count)
        var entries: [SideWrites.Entry] = []
        // Oldest first, so each commit's parents are done before it.
        for id in range.reversed() {
            let commit: Commit
            do { commit = try history.commit(id) } catch { throw .store(error) }
            var mine = [UInt64](repeating: 0, count: words)
            for p in commit.parents {
                guard let ip = position[p] else { continue }
                mine[ip / 64] |= 1 << UInt64(ip % 64)
                for w in 0..<words { mine[w] |= ancestors[ip][w] }
            }
            ancestors.append(mine)
            let snap = try fields(id, commit: commit)
            let write = FieldWrite(commit: id.hex, author: commit.author.name, role: snap.trailers["Accord-Role"],
                                   office: snap.trailers["Accord-Office"], at: String(commit.author.seconds))
            var touched: [String] = []
            var signs = false
            var moved: Status?
            var deleted: [String] = []
            if commit.parents.count <= 1 {
                let parent = try commit.parents.first.map { (p) throws(ContractStoreError) in try fields(p) }
                let before = parent?.leaves ?? [:]
                for (path, v) in snap.leaves where before[path] != v { touched.append(path) }
                for path in before.keys where snap.leaves[path] == nil { touched.append(path) }
                if let p = parent { deleted = WriteLog.deletedItems(p.document, snap.document) }
                let kept = Set(snap.conflicts.map(\.path))
                touched += (parent?.conflicts ?? []).filter { $0.isField && !kept.contains($0.path) }.map(\.path)
                let old = parent?.status, new = snap.status
                if old != new {
                    moved = new
                    signs = new.isFrozen && !(old?.isFrozen ?? false)
                }
                if let p = parent, p.conflicts.contains(where: { $0.path == "status" }), !kept.contains("status") { moved = new }
            } else {
                let mine = snap.leaves
                var parents: [[String: JSON]] = []
                for p in commit.parents { parents.append(try fields(p).leaves) }
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
        var byHex: [String: Int] = [:]
        for (id, i) in position { byHex[id.hex] = i }
        return SideWrites(entries: entries.reversed(), position: byHex, ancestors: ancestors)
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
