import AccordObjects
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Repacks a repository into a single pack (like `git gc` / `git repack -adf` without pruning):
/// every object the repository has — loose or packed, reachable or not — goes into one new
/// pack. Only after that pack and its index are durable are the old packs and the now-packed
/// loose objects deleted, so a crash at any moment leaves every object readable.
public struct GarbageCollector {
    public struct Report: Sendable, Equatable {
        public var pack: PackWriter.Result?
        public var objects: Int
        public var removedLoose: Int
        public var removedPacks: Int
        /// Temp files (and staging directories) of killed writes, removed once an hour old.
        public var removedTemporaries: Int = 0
    }

    public var options: PackWriter.Options

    public init(options: PackWriter.Options = PackWriter.Options()) { self.options = options }

    @discardableResult
    public func run(repository repo: Repository,
                    progress: ((_ phase: String, _ done: Int, _ total: Int) -> Void)? = nil) throws(StoreError) -> Report {
        let db = repo.objects
        let packDir = "\(db.directory)/pack"
        _ = db.packs.reloadIfChanged()
        // Repacking replaces every old pack: one that cannot be read would be deleted with
        // whatever objects it still holds. Refuse, and leave the repair to a person.
        if let d = db.packs.damaged.first {
            throw .corruptPack(path: d.packPath, "cannot be read (\(d.error)); gc would delete it, so nothing was changed. Run accord fsck, then restore the pack from another replica or move it aside")
        }
        // What killed writes left, an hour old or more: the fan-out directories they kept are
        // then removed with the loose objects below.
        let removedTemporaries = Self.removeStaleTemporaries(repo)
        let oldPacks = FileIO.list(packDir).filter { $0.hasPrefix("pack-") && $0.hasSuffix(".idx") }.map { String($0.dropLast(4)) }
        let looseBefore = db.loose.allIDs()
        let all = Set(db.packs.allIDs()).union(looseBefore)
        progress?("Counting objects", all.count, all.count)

        // Path names from the trees reachable from every ref, for the delta sort.
        let named = Self.namedObjects(repo, progress: progress)
        var inputs: [PackWriter.Input] = []
        inputs.reserveCapacity(all.count)
        var included = Set<ObjectID>()
        for (id, name) in named where all.contains(id) && included.insert(id).inserted {
            inputs.append(PackWriter.Input(id: id, name: name))
        }
        for id in all.sorted() where included.insert(id).inserted { inputs.append(PackWriter.Input(id: id)) }
        included = []

        var report = Report(pack: nil, objects: inputs.count, removedLoose: 0, removedPacks: 0, removedTemporaries: removedTemporaries)
        if !inputs.isEmpty {
            let result = try PackWriter.write(inputs, from: db, to: packDir, options: options, progress: progress)
            report.pack = result
            let newName = FileIO.dirname(of: result.indexPath) == packDir
                ? String(result.indexPath.dropFirst(packDir.count + 1).dropLast(4)) : ""
            // The new pack is durable; make sure it really has everything before deleting anything.
            let newPack = try PackReader(packPath: result.packPath, indexPath: result.indexPath, maxObjectSize: db.packs.maxObjectSize)
            for i in inputs where !newPack.contains(i.id) {
                throw .corruptPack(path: result.packPath, "new pack is missing object \(i.id); nothing was deleted")
            }
            // Old packs: index first, so a pack is never listed without its data.
            for (n, old) in oldPacks.enumerated() where old != newName && !FileIO.exists("\(packDir)/\(old).keep") {
                for ext in ["idx", "pack", "rev", "bitmap"] { FileIO.remove("\(packDir)/\(old).\(ext)") }
                report.removedPacks += 1
                progress?("Removing old packs", n + 1, oldPacks.count)
            }
            for (n, id) in looseBefore.enumerated() where newPack.contains(id) {
                db.loose.remove(id)
                report.removedLoose += 1
                if n % 1000 == 0 { progress?("Removing loose objects", n, looseBefore.count) }
            }
            progress?("Removing loose objects", looseBefore.count, looseBefore.count)
            for dir in FileIO.list(db.directory) where dir.utf8.count == 2 && dir.utf8.allSatisfy({ ObjectID.hexValue($0) != nil }) {
                rmdir("\(db.directory)/\(dir)") // only succeeds when empty
            }
            _ = db.packs.reloadIfChanged()
        }
        for lock in repo.refs.lockFiles() { _ = LockFile.takeOverIfAbandoned(lock) } // only killed accord processes' locks
        try repo.refs.packAll(peel: { id in Self.peel(id, db) })
        return report
    }

    /// How old a temp file must be before gc removes it: an hour, longer than any write of
    /// Accord's takes. (`git gc` waits `gc.pruneExpire`, two weeks by default, for its own;
    /// `git prune` run alone removes them whatever their age.)
    public static let temporaryExpiry = 3600

    /// Temp files of atomic writes and staging directories of transfers, with their age in
    /// seconds: every `tmp_*` name where Accord (and git) make them: the git directory (lock
    /// seeds, new ref values, config), `accord/` (the ledger cache), `objects/` and its fan-out
    /// directories (`tmp_obj_*`, loose objects), `objects/pack/` (`tmp_pack_*`, `tmp_idx_*`);
    /// a hub's push quarantines (`objects/incoming-*`) and packs made for fetches
    /// (`accord/hub/tmp/upload_*`) that a killed hub left.
    public static func temporaryFiles(_ repo: Repository) -> [(path: String, age: Int)] {
        let objects = repo.objects.directory
        var dirs = [(repo.gitDir, "tmp_"), ("\(repo.gitDir)/accord", "tmp_"), (objects, "tmp_"), ("\(objects)/pack", "tmp_"),
                    (objects, "incoming-"), ("\(repo.gitDir)/accord/hub/tmp", "upload_")]
        for dir in FileIO.list(objects) where dir.utf8.count == 2 && dir.utf8.allSatisfy({ ObjectID.hexValue($0) != nil }) {
            dirs.append(("\(objects)/\(dir)", "tmp_"))
        }
        return dirs.flatMap { aged(in: $0.0, prefix: $0.1) }.sorted { $0.path < $1.path }
    }

    /// The entries of `dir` whose names start with `prefix`, with their age in seconds.
    public static func aged(in dir: String, prefix: String) -> [(path: String, age: Int)] {
        let now = Int(time(nil))
        var found: [(String, Int)] = []
        for name in FileIO.list(dir) where name.hasPrefix(prefix) {
            var st = stat()
            let path = "\(dir)/\(name)"
            guard lstat(path, &st) == 0 else { continue }
            #if canImport(Darwin)
            let mtime = Int(st.st_mtimespec.tv_sec)
            #else
            let mtime = Int(st.st_mtim.tv_sec)
            #endif
            found.append((path, max(0, now - mtime)))
        }
        return found
    }

    /// Removes the temp files killed processes left (older than `temporaryExpiry`); the count.
    @discardableResult
    public static func removeStaleTemporaries(_ repo: Repository) -> Int {
        var removed = 0
        for (path, age) in temporaryFiles(repo) where age > temporaryExpiry {
            FileIO.removeTree(path) // a staging directory of an interrupted transfer goes whole
            removed += 1
        }
        return removed
    }

    /// The id a tag finally points at (following tags of tags); nil for non-tags.
    static func peel(_ id: ObjectID, _ db: ObjectDatabase) -> ObjectID? {
        var cur = id
        var peeled = false
        for _ in 0..<100 {
            guard let h = try? db.header(cur), h.type == .tag, let tag = try? db.readTag(cur) else { break }
            cur = tag.object
            peeled = true
        }
        return peeled ? cur : nil
    }

    /// Objects reachable from the refs and HEAD with the path they were first seen at.
    /// Unreadable objects are skipped: names are only a hint for delta grouping.
    static func namedObjects(_ repo: Repository, progress: ((String, Int, Int) -> Void)?) -> [(ObjectID, String?)] {
        let db = repo.objects
        var starts: [ObjectID] = []
        if let refs = try? repo.refs.list() { starts = refs.map(\.id) }
        if let head = try? repo.refs.resolve("HEAD") { starts.append(head) }
        var seen = Set<ObjectID>()
        var out: [(ObjectID, String?)] = []
        var commits: [ObjectID] = []
        var trees: [(ObjectID, String)] = []
        var nextReport = 0
        for s in starts where seen.insert(s).inserted { commits.append(s) }
        while let id = commits.popLast() {
            out.append((id, nil))
            guard let h = try? db.header(id) else { continue }
            switch h.type {
            case .commit:
                guard let c = try? db.readCommit(id) else { continue }
                if seen.insert(c.tree).inserted { trees.append((c.tree, "")) }
                for p in c.parents where seen.insert(p).inserted { commits.append(p) }
            case .tag:
                guard let t = try? db.readTag(id) else { continue }
                if seen.insert(t.object).inserted { commits.append(t.object) }
            case .tree:
                trees.append((id, ""))
                out.removeLast()
            case .blob:
                break
            }
            // Walk trees as we go, keeping memory bounded to the pending stack.
            while let (tid, path) = trees.popLast() {
                out.append((tid, path.isEmpty ? nil : path))
                guard let tree = try? db.readTree(tid) else { continue }
                for e in tree.entries where e.mode != .gitlink && seen.insert(e.id).inserted {
                    let p = path.isEmpty ? e.nameString : "\(path)/\(e.nameString)"
                    if e.mode.isDirectory { trees.append((e.id, p)) } else { out.append((e.id, p)) }
                }
            }
            if out.count >= nextReport { progress?("Finding names", out.count, 0); nextReport = out.count + 5000 }
        }
        return out
    }
}
