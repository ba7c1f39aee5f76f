import AccordObjects
#if canImport(Glibc)
import Glibc
#endif

/// One move of a batch: `name` to `new` if it holds `expected`, with its reflog message.
public struct RefUpdate: Sendable, Equatable {
    public var name: String
    public var new: ObjectID
    public var expected: RefExpectation
    public var message: String
    public init(_ name: String, to new: ObjectID, expected: RefExpectation = .any, message: String) {
        self.name = name; self.new = new; self.expected = expected; self.message = message
    }
}

extension RefStore {
    /// From this many moves on, a batch rewrites packed-refs once instead of writing and
    /// fsyncing a loose file per ref: a pull that moves 2,000 refs makes one durable ref write.
    public static let packedBatchThreshold = 32

    /// `packed-refs.lock`, waiting up to a second for another writer of packed-refs (a batch, a
    /// gc, a deletion) to finish, as git's `core.packedRefsTimeout` does, with git's backoff
    /// (`lock_file_timeout`): waits of about 1, 4, 9, 16… ms, each randomised by ±25%.
    func lockPackedRefs() throws(StoreError) -> LockFile {
        var waitedMicroseconds = 0, multiplier = 1, n = 1
        while true {
            do throws(StoreError) { return try lock("packed-refs") } catch {
                guard case .lockHeld = error, waitedMicroseconds < 1_000_000 else { throw error }
            }
            let wait = min(Int.random(in: 750...1250) * multiplier, 1_000_000 - waitedMicroseconds)
            usleep(UInt32(max(wait, 1)))
            waitedMicroseconds += wait
            multiplier = min(multiplier + 2 * n + 1, 1000)
            n += 1
        }
    }

    /// Moves refs together. Each ref keeps the guarantees of a single update: its own `.lock`, a
    /// compare-and-swap on the expected value read under that lock, a reflog entry. A ref whose
    /// lock is held or whose value moved is refused alone: its error is returned at its index
    /// (nil for every ref moved) and the others still move.
    ///
    /// Small batches write loose refs (each file fsynced, each directory once). Large ones hold
    /// every ref's lock and `packed-refs.lock`, write all new values into packed-refs (one
    /// fsync), then delete the loose files those values replace. Killed before the rename, every
    /// ref is as it was; after it, a ref whose loose file was not yet deleted still reads its old
    /// value: each ref is old or new, never torn. Tags are always written loose: packed-refs
    /// promises their peeled values, which are not known here. If `packed-refs.lock` stays taken,
    /// the whole batch fails (lockHeld).
    ///
    /// Reflog lines are prepared (space reserved, a partial last line cut off) before anything
    /// moves, so a full disk refuses a ref while nothing changed, and appended only after the
    /// refs moved and before their locks go: a kill leaves a reflog without an update that
    /// happened, never with one that did not. A large batch's lines are not fsynced one by one
    /// (git fsyncs no reflogs by default); the ref values are durable.
    ///
    /// `atomic` (a push with git's `atomic`): if any ref is refused before anything moved, none
    /// moves; each of the others is refused with `atomicRefused`.
    public func apply(_ updates: [RefUpdate], who: Identity, atomic: Bool = false) throws(StoreError) -> [StoreError?] {
        var results = [StoreError?](repeating: nil, count: updates.count)
        // `lock` is nil only for a ref of a large batch in an unshared repository: nobody else
        // writes there, and packed-refs.lock is held.
        struct Held { var index: Int; var target: String; var lock: LockFile?; var old: ObjectID? }
        // Large batches: packed-refs.lock first, held until the loose files packed-refs replaces
        // are gone. Every ref's lock is a link to one seed file.
        let packedLock = updates.count(where: { !$0.name.hasPrefix("refs/tags/") }) >= Self.packedBatchThreshold
            ? try lockPackedRefs() : nil
        defer { packedLock?.rollback() }
        let seed = try LockSeed(in: gitDir)
        var held: [Held] = []
        var targets = Set<String>()
        // A large batch lists its refs' directories (a hint here; listed again once the locks are held).
        let before = packedLock != nil ? LooseListing(gitDir: gitDir, of: updates.map(\.name)) : nil
        for (i, u) in updates.enumerated() {
            do throws(StoreError) {
                try RefName.validate(u.name)
                var target = u.name // updating HEAD moves the branch it points at
                if before?.files.contains(u.name) ?? true, case .symbolic? = try readLoose(u.name) { target = try resolvedName(u.name) }
                guard targets.insert(target).inserted else { throw .invalidInput("ref '\(target)' is updated twice in one batch") }
                let lock = unshared && packedLock != nil && !target.hasPrefix("refs/tags/") ? nil : try lock(target, linkingTo: seed)
                held.append(Held(index: i, target: target, lock: lock, old: nil))
                FaultPoint.hit("ref-locked") // killed holding the ref's lock, before anything is read or written
            } catch { results[i] = error }
        }
        seed.remove()
        guard !held.isEmpty else { return results }
        // Under packed-refs.lock one parse answers for every ref held; smaller batches look each
        // ref up as a single update does (binary search, no parse of a large file).
        let packed = packedLock != nil ? try freshPackedFile() : nil // read under packed-refs.lock
        // The held refs' loose files cannot change now: their locks (or, unshared, nobody) keep them.
        let listed = packedLock != nil ? LooseListing(gitDir: gitDir, of: held.map(\.target)) : nil

        let batchDirectories = RefStore.directories(of: held.map(\.target))
        var accepted: [Held] = []
        var clear = Set<String>() // directories known to be no ref
        for var h in held {
            do throws(StoreError) {
                h.old = try currentValue(h.target, packed: packed, loose: listed)
                try check(updates[h.index].expected, current: h.old, ref: h.target)
                if h.old == nil {
                    try checkNoDirectoryConflict(h.target, batch: targets, batchDirectories: batchDirectories, packed: packed,
                                                 loose: listed, clear: &clear)
                }
                accepted.append(h)
            } catch { results[h.index] = error; h.lock?.rollback() }
        }
        // Each ref's reflog lines (HEAD's too, for an update through HEAD), ready to append.
        var reflogs: [Int: [PendingReflog?]] = [:]
        accepted = accepted.filter { h in
            let u = updates[h.index]
            do throws(StoreError) {
                var lines = [try prepareReflog(h.target, old: h.old ?? .zero, new: u.new, who: who, message: u.message)]
                if h.target != u.name, u.name == "HEAD" {
                    lines.append(try prepareReflog("HEAD", old: h.old ?? .zero, new: u.new, who: who, message: u.message))
                }
                lines.removeAll { $0 == nil }
                reflogs[h.index] = lines
                return true
            } catch { results[h.index] = error; h.lock?.rollback(); return false }
        }
        if atomic, results.contains(where: { $0 != nil }) {
            for h in accepted { results[h.index] = .atomicRefused; h.lock?.rollback() }
            return results
        }
        let sync = packedLock == nil
        /// After the ref moved: its reflog lines, then its lock goes.
        func finish(_ h: Held) {
            for case let line? in reflogs[h.index] ?? [] { appendReflog(line, sync: sync) }
            h.lock?.rollback()
        }

        var loose = accepted
        if let packedLock {
            var refs = packed?.refs ?? [:] // as read under packed-refs.lock, held since
            let packed = accepted.filter { !$0.target.hasPrefix("refs/tags/") }
            loose = accepted.filter { $0.target.hasPrefix("refs/tags/") }
            for h in packed { refs[h.target] = PackedRef(id: updates[h.index].new, peeled: nil) }
            try installPacked(refs, under: packedLock)
            FaultPoint.hit("ref-batch-packed")
            for h in packed {
                let path = "\(gitDir)/\(h.target)"
                if listed?.files.contains(h.target) ?? true, unlink(path) != 0, errno != ENOENT {
                    results[h.index] = .io(op: "delete stale loose ref", path: path, errno: errno)
                    h.lock?.rollback() // it still reads its old value: no reflog line
                    continue
                }
                finish(h)
            }
        }
        var directories = Set<String>()
        var moved: [Held] = []
        for h in loose {
            do throws(StoreError) {
                guard let lock = h.lock else { continue } // never: a loose ref always has its lock
                try lock.install(Array((updates[h.index].new.hex + "\n").utf8), syncDirectory: false)
                directories.insert(FileIO.dirname(of: lock.path))
                moved.append(h)
            } catch { results[h.index] = error; h.lock?.rollback() }
        }
        for d in directories { FileIO.fsyncDirectory(d) } // the new values are durable before any reflog says so
        for h in moved { finish(h) }
        return results
    }
}
