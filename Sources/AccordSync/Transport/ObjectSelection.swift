import AccordObjects
import AccordStore

/// Which objects a receiver is missing, decided the way git's have/want negotiation does it,
/// with both repositories on hand: the receiver's ref tips that the sender also has are the
/// common commits; everything reachable from them is on the receiver already.
public enum ObjectSelection {
    public struct Result: Sendable {
        /// The objects to send, with the path each tree or blob was first reached by.
        public var objects: [PackWriter.Input]
        /// Commits among `objects`.
        public var commits: Int
        /// Commits the receiver has that are parents of commits sent (a bundle's prerequisites).
        public var boundary: [ObjectID]
    }

    /// Objects reachable from `wants` and not reachable from `common`, all read from `db`.
    /// Every id in `common` must exist in `db` (ids that do not are ignored).
    public static func missing(in db: ObjectDatabase, wants: [ObjectID], common: [ObjectID]) throws -> Result {
        var history = History(objects: db)
        // 1. What the receiver has: the common tips, tags peeled to what they name.
        var haveObjects = Set<ObjectID>()
        var haveCommitTips: [ObjectID] = []
        var haveTreeRoots: [ObjectID] = []
        for c in common where db.contains(c) {
            var cur = c
            peel: for _ in 0..<64 {
                haveObjects.insert(cur)
                switch try db.header(cur).type {
                case .tag: cur = try db.readTag(cur).object
                case .commit: haveCommitTips.append(cur); break peel
                case .tree: haveTreeRoots.append(cur); break peel
                case .blob: break peel
                }
            }
        }

        // 2. Tags and loose trees or blobs among the wants; then the commits the receiver is
        // missing, walked from the wanted commits against the common ones.
        var out: [PackWriter.Input] = []
        var seen = Set<ObjectID>()
        var sendTrees: [(ObjectID, String)] = []
        var wantCommits: [ObjectID] = []
        var pending = wants
        while let id = pending.popLast() {
            guard !haveObjects.contains(id), seen.insert(id).inserted else { continue }
            switch try db.header(id).type {
            case .tag:
                out.append(PackWriter.Input(id: id))
                pending.append(try db.readTag(id).object)
            case .commit: seen.remove(id); wantCommits.append(id)
            case .tree: seen.remove(id); sendTrees.append((id, ""))
            case .blob: out.append(PackWriter.Input(id: id))
            }
        }
        let walk = try history.difference(wants: wantCommits, haves: haveCommitTips)
        for c in walk.commits {
            guard seen.insert(c).inserted else { continue }
            out.append(PackWriter.Input(id: c))
            sendTrees.append((try history.commit(c).tree, ""))
        }
        let boundary = walk.boundary
        let commits = walk.commits.count

        // 3. Trees and blobs the receiver has: those of the boundary commits (and peeled trees).
        var excluded = Set<ObjectID>()
        var trees = haveTreeRoots
        for b in boundary { trees.append(try history.commit(b).tree) }
        while let t = trees.popLast() {
            guard excluded.insert(t).inserted else { continue }
            for e in try db.readTree(t).entries where e.mode != .gitlink {
                if e.mode.isDirectory { trees.append(e.id) } else { excluded.insert(e.id) }
            }
        }

        // 4. Trees and blobs of the commits sent, minus those.
        while let (id, path) = sendTrees.popLast() {
            guard !excluded.contains(id), seen.insert(id).inserted else { continue }
            out.append(PackWriter.Input(id: id, name: path.isEmpty ? nil : path))
            for e in try db.readTree(id).entries where e.mode != .gitlink {
                let child = path.isEmpty ? e.nameString : "\(path)/\(e.nameString)"
                if e.mode.isDirectory {
                    sendTrees.append((e.id, child))
                } else if !excluded.contains(e.id), seen.insert(e.id).inserted {
                    guard db.contains(e.id) else { throw StoreError.objectNotFound(e.id) }
                    out.append(PackWriter.Input(id: e.id, name: child))
                }
            }
        }
        return Result(objects: out, commits: commits, boundary: boundary)
    }
}
