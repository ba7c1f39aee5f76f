import AccordObjects

/// Commit-graph algorithms: walks, merge bases, reachability. Commits are read through a
/// per-walk cache, so each is decoded once.
public struct History: Sendable {
    public let objects: ObjectDatabase
    private var cache: [ObjectID: Commit] = [:]

    public init(objects: ObjectDatabase) { self.objects = objects }

    public mutating func commit(_ id: ObjectID) throws(StoreError) -> Commit {
        if let c = cache[id] { return c }
        let c = try objects.readCommit(id)
        cache[id] = c
        return c
    }

    public enum Order: Sendable { case date, topological }

    /// Every commit reachable from `tips`, newest first. `.date`: by committer date (git log's
    /// default); `.topological`: additionally no parent before all of its children (`--topo-order`).
    public mutating func walk(from tips: [ObjectID], order: Order = .date, limit: Int = .max) throws(StoreError) -> [ObjectID] {
        var queue = DateQueue()
        var seen = Set<ObjectID>()
        var out: [ObjectID] = []
        for t in tips where seen.insert(t).inserted { queue.push(t, time: try commit(t).committer.seconds) }
        while let id = queue.pop() {
            out.append(id)
            if order == .date, out.count >= limit { break }
            for p in try commit(id).parents where seen.insert(p).inserted {
                queue.push(p, time: try commit(p).committer.seconds)
            }
        }
        guard order == .topological else { return out }
        // Kahn's algorithm over the walked set, taking ready commits in date order.
        var children: [ObjectID: Int] = [:]
        for id in out { for p in try commit(id).parents { children[p, default: 0] += 1 } }
        var ready = DateQueue()
        for id in out where children[id, default: 0] == 0 { ready.push(id, time: try commit(id).committer.seconds) }
        var sorted: [ObjectID] = []
        sorted.reserveCapacity(out.count)
        while let id = ready.pop() {
            sorted.append(id)
            if sorted.count >= limit { break }
            for p in try commit(id).parents {
                children[p, default: 1] -= 1
                if children[p] == 0 { ready.push(p, time: try commit(p).committer.seconds) }
            }
        }
        return sorted
    }

    /// True if `ancestor` is reachable from `descendant` (a commit is its own ancestor).
    public mutating func isAncestor(_ ancestor: ObjectID, of descendant: ObjectID) throws(StoreError) -> Bool {
        if ancestor == descendant { return true }
        // No date cut-off: field laptops have wrong clocks, and a wrong answer here loses merges.
        var queue = DateQueue()
        var seen: Set<ObjectID> = [descendant]
        queue.push(descendant, time: try commit(descendant).committer.seconds)
        while let id = queue.pop() {
            if id == ancestor { return true }
            for p in try commit(id).parents where seen.insert(p).inserted {
                queue.push(p, time: try commit(p).committer.seconds)
            }
        }
        return false
    }

    /// The best common ancestors of `a` and `b` (git merge-base --all): every common ancestor
    /// that is not an ancestor of another. Several in criss-cross histories; none if unrelated.
    public mutating func mergeBases(_ a: ObjectID, _ b: ObjectID) throws(StoreError) -> [ObjectID] {
        if a == b { return [a] }
        struct Flags: OptionSet { let rawValue: UInt8
            static let one = Flags(rawValue: 1), two = Flags(rawValue: 2), stale = Flags(rawValue: 4), result = Flags(rawValue: 8) }
        var flags: [ObjectID: Flags] = [a: .one, b: .two]
        var queue = DateQueue()
        queue.push(a, time: try commit(a).committer.seconds)
        queue.push(b, time: try commit(b).committer.seconds)
        var results: [ObjectID] = []
        // Paint down from both sides; a commit reached from both is a candidate, and everything
        // below a candidate is stale. Stop when only stale commits remain queued.
        while queue.hasNonStale(flags: { (flags[$0] ?? []).contains(.stale) == false }), let id = queue.pop() {
            var f = flags[id] ?? []
            let both: Flags = [.one, .two]
            if f.isSuperset(of: both) && !f.contains(.stale) {
                if !f.contains(.result) { f.insert(.result); results.append(id) }
                f.insert(.stale)
                flags[id] = f
            }
            let inherited = f.intersection([.one, .two, .stale])
            for p in try commit(id).parents {
                let pf = flags[p] ?? []
                if pf.isSuperset(of: inherited) { continue }
                flags[p] = pf.union(inherited)
                queue.push(p, time: try commit(p).committer.seconds)
            }
        }
        // Remove candidates reachable from other candidates.
        var best: [ObjectID] = []
        for c in results {
            var redundant = false
            for other in results where other != c {
                if try isAncestor(c, of: other) { redundant = true; break }
            }
            if !redundant { best.append(c) }
        }
        return best
    }

    /// Commits reachable from `wants` and not from `haves` (`git rev-list WANTS --not HAVES`),
    /// newest first, and the boundary: commits the haves reach that are parents of those.
    /// Both sides are walked together by date, as git does, and the walk stops once only had
    /// commits are queued: the cost follows what differs, not the length of the history. With
    /// right clocks the answer is exact. A wrong clock can stop the had side's walk before it
    /// reaches a commit already listed: such a commit stays listed (sent again, as git would),
    /// but nothing the haves do not reach is ever left out, and every parent of a listed commit
    /// is listed or in the boundary.
    public mutating func difference(wants: [ObjectID], haves: [ObjectID]) throws(StoreError) -> (commits: [ObjectID], boundary: [ObjectID]) {
        var had = Set<ObjectID>(), queued = Set<ObjectID>(), listed = Set<ObjectID>()
        var open = Set<ObjectID>() // queued and not had: the walk goes on while there is one
        var queue = DateQueue()
        var out: [ObjectID] = []
        for h in haves where had.insert(h).inserted && queued.insert(h).inserted {
            queue.push(h, time: try commit(h).committer.seconds)
        }
        for w in wants where !had.contains(w) && queued.insert(w).inserted {
            open.insert(w); queue.push(w, time: try commit(w).committer.seconds)
        }
        while !open.isEmpty, let id = queue.pop() {
            open.remove(id)
            let parents = try commit(id).parents
            if had.contains(id) {
                for p in parents where had.insert(p).inserted {
                    open.remove(p)
                    // Not queued yet, or already listed as wanted: walk it (again) as had.
                    if queued.insert(p).inserted || listed.contains(p) { queue.push(p, time: try commit(p).committer.seconds) }
                }
            } else if listed.insert(id).inserted {
                out.append(id)
                for p in parents where !had.contains(p) && queued.insert(p).inserted {
                    open.insert(p); queue.push(p, time: try commit(p).committer.seconds)
                }
            }
        }
        let commits = out.filter { !had.contains($0) }
        var boundary: [ObjectID] = []
        var inBoundary = Set<ObjectID>()
        for c in commits {
            for p in try commit(c).parents where had.contains(p) && inBoundary.insert(p).inserted { boundary.append(p) }
        }
        return (commits, boundary)
    }

    /// Every object reachable from `roots` (commits, their trees and blobs, tags), with the path
    /// each blob or tree was first reached by (for delta grouping when packing).
    public mutating func reachableObjects(from roots: [ObjectID]) throws(StoreError) -> [(id: ObjectID, type: ObjectType, path: String)] {
        var out: [(ObjectID, ObjectType, String)] = []
        var seen = Set<ObjectID>()
        var pending = roots
        var trees: [(ObjectID, String)] = []
        // Commits and tags first; trees are collected and marked seen by the tree walk below.
        while let id = pending.popLast() {
            if seen.contains(id) { continue }
            let (type, _) = try objects.header(id)
            if type == .tree { trees.append((id, "")); continue }
            seen.insert(id)
            switch type {
            case .commit:
                let c = try commit(id)
                out.append((id, .commit, ""))
                trees.append((c.tree, ""))
                pending += c.parents
            case .tag:
                out.append((id, .tag, ""))
                pending.append(try objects.readTag(id).object)
            case .blob, .tree: out.append((id, type, ""))
            }
        }
        while let (id, path) = trees.popLast() {
            guard seen.insert(id).inserted else { continue }
            out.append((id, .tree, path))
            for e in try objects.readTree(id).entries {
                let child = path.isEmpty ? e.nameString : "\(path)/\(e.nameString)"
                switch e.mode {
                case .directory: trees.append((e.id, child))
                case .gitlink: continue
                default:
                    if seen.insert(e.id).inserted {
                        guard objects.contains(e.id) else { throw .objectNotFound(e.id) }
                        out.append((e.id, .blob, child))
                    }
                }
            }
        }
        return out
    }
}

/// A max-heap of commits by time; ties pop in insertion order (as git's prio-queue).
struct DateQueue {
    private var heap: [(time: Int64, seq: Int, id: ObjectID)] = []
    private var seq = 0

    var isEmpty: Bool { heap.isEmpty }

    mutating func push(_ id: ObjectID, time: Int64) {
        seq += 1
        heap.append((time, seq, id))
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard before(heap[i], heap[parent]) else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> ObjectID? {
        guard let top = heap.first else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < heap.count, before(heap[l], heap[m]) { m = l }
                if r < heap.count, before(heap[r], heap[m]) { m = r }
                if m == i { break }
                heap.swapAt(i, m)
                i = m
            }
        }
        return top.id
    }

    func hasNonStale(flags isLive: (ObjectID) -> Bool) -> Bool { heap.contains { isLive($0.id) } }

    private func before(_ a: (time: Int64, seq: Int, id: ObjectID), _ b: (time: Int64, seq: Int, id: ObjectID)) -> Bool {
        a.time != b.time ? a.time > b.time : a.seq < b.seq
    }
}
