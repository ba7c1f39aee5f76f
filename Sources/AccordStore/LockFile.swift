import AccordObjects
#if canImport(Glibc)
import Glibc
#endif

/// git's lock protocol: whoever creates `<path>.lock` (the name must not exist) is the only
/// writer of `<path>` until the lock's name is gone again; the new content replaces `<path>`
/// with one rename. A crash leaves the old file or the new one intact, and a stale `.lock`.
///
/// Stale locks of Accord's own killed processes are taken over, safely, because an Accord lock
/// is never without its marker, at any moment a kill can stop its holder:
///
/// - The lock's name is made with `link` from a seed file (`tmp_lock_*` in `tempDirectory`) that
///   already holds `marker` and is already flocked: the name appears with its marker and its
///   flock, or not at all (`link` fails on an existing name exactly as `O_CREAT|O_EXCL` does).
/// - The lock file is never written again. New content goes into a temp file of its own
///   (`tmp_*` in `tempDirectory`), fsynced, and renamed over `<path>` while the lock is still
///   held (`install`); only then is the lock's name removed (`commit`, `rollback`).
///
/// The kernel drops the flock when its holder dies, so a `.lock` that holds the marker and can
/// be flocked is abandoned: `<path>` holds either the old content or the new, complete, and the
/// lock can go. Any other `.lock` (git's, which has no marker; one whose holder is alive) is never
/// touched and is reported as held. Left-over seeds and temp files are `tmp_*` files, which gc
/// removes after an hour.
///
/// `tempDirectory` must be on the file system of `<path>` (for `link` and `rename`) and must not
/// be a directory of loose refs, where a temp file would read as a ref: for refs it is the git
/// directory; by default it is the directory of `<path>` (config, HEAD, packed-refs).
public final class LockFile {
    public let path: String
    public let lockPath: String
    /// Where this lock's seed and its new content's temp file are made.
    let tempDirectory: String
    /// The content of every Accord lock, from the moment its name exists.
    static let marker: [UInt8] = Array("accord lock: held while this process runs\n".utf8)
    /// True from taking the lock until its name is removed: only then is the name ours to remove
    /// (an init that fails must never unlink someone else's lock).
    private var held = false
    /// The flocked file this lock's name is a link to, kept (and so flocked) until the name is gone.
    private var seed: LockSeed?

    /// Takes `<path>.lock` with a seed of its own.
    public convenience init(path: String, tempDirectory: String? = nil) throws(StoreError) {
        let dir = tempDirectory ?? FileIO.dirname(of: path)
        let seed = try LockSeed(in: dir)
        defer { seed.remove() } // the lock's name keeps the file (and the seed object, the flock)
        try self.init(path: path, linkingTo: seed, tempDirectory: dir)
    }

    /// Takes `<path>.lock` as a hard link to `seed`, a flocked file holding the marker: a batch
    /// links all its locks to one seed, which costs no inode per lock.
    init(path: String, linkingTo seed: LockSeed, tempDirectory: String) throws(StoreError) {
        self.path = path
        self.lockPath = path + ".lock"
        self.tempDirectory = tempDirectory
        FaultPoint.hit("lock-seeded", target: path) // killed with only a seed: a tmp_lock_* file
        try LockFile.take(lockPath) { link(seed.path, $0) == 0 }
        self.seed = seed
        held = true
        FaultPoint.hit("lock-linked", target: path) // killed holding the lock, its seed's name still there
    }

    /// Creates the lock's name with `create` (which fails on an existing name), taking over an
    /// abandoned Accord lock once.
    private static func take(_ lockPath: String, _ create: (String) -> Bool) throws(StoreError) {
        let dir = FileIO.dirname(of: lockPath)
        if !FileIO.isDirectory(dir) { try FileIO.makeDirectories(dir) }
        var tookOver = false
        while !create(lockPath) {
            let e = errno
            if e == EEXIST, !tookOver, takeOverIfAbandoned(lockPath) { tookOver = true; continue }
            if e == EEXIST { throw .lockHeld(path: lockPath) }
            throw .io(op: "create lock", path: lockPath, errno: e)
        }
    }

    /// Removes `lockPath` if it is an Accord lock whose holder is gone; true if it did (or if
    /// the lock went away meanwhile: the caller may try to take it again).
    public static func takeOverIfAbandoned(_ lockPath: String) -> Bool {
        withAbandoned(lockPath, remove: true) ?? true
    }

    /// True if `lockPath` is an Accord lock whose holder is gone (a killed process).
    public static func isAbandoned(_ lockPath: String) -> Bool {
        withAbandoned(lockPath, remove: false) ?? false
    }

    /// True if `lockPath` exists and is not an Accord lock (git's, or another program's): no
    /// Accord process will release it, and it is never taken over. False for an Accord lock, held
    /// or abandoned, and for a lock that is gone.
    public static func isForeign(_ lockPath: String) -> Bool {
        let fd = open(lockPath, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return errno != ENOENT }
        defer { close(fd) }
        var buf = [UInt8](repeating: 0, count: marker.count + 1)
        let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        return !(n == marker.count && buf.prefix(n).elementsEqual(marker))
    }

    /// Checks (and with `remove`, unlinks) an abandoned lock; nil if there is no file.
    private static func withAbandoned(_ lockPath: String, remove: Bool) -> Bool? {
        let fd = open(lockPath, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return errno == ENOENT ? nil : false }
        defer { close(fd) } // releases the flock only after the name is gone
        var buf = [UInt8](repeating: 0, count: marker.count + 1)
        let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n == marker.count, buf.prefix(n).elementsEqual(marker) else { return false }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { return false } // its holder is alive
        // Still the file at that name? Another process may have taken it over and locked anew.
        var mine = stat(), named = stat()
        guard fstat(fd, &mine) == 0, lstat(lockPath, &named) == 0, mine.st_ino == named.st_ino, mine.st_dev == named.st_dev else {
            return false
        }
        return remove ? unlink(lockPath) == 0 : true
    }

    /// Replaces the target with `bytes`, durably, keeping the lock: a temp file in
    /// `tempDirectory`, fsynced, renamed over the target. Returns the written file's identity
    /// (as `FileIO.identity` gives it), taken before the rename so that it is this content's even
    /// if another writer replaces the file right after. The lock stays held until `rollback`
    /// (the caller may still have to finish what the lock protects, as a batch deleting the loose
    /// refs packed-refs now holds). `syncDirectory: false`: the caller fsyncs the directory once
    /// for many targets.
    @discardableResult
    public func install(_ bytes: [UInt8], syncDirectory: Bool = true) throws(StoreError) -> [Int] {
        precondition(held, "lock already released")
        let (tmp, identity) = try bytes.withBytes { (p) throws(StoreError) in try FileIO.writeTemporary(in: tempDirectory, p) }
        FaultPoint.hit("lock-temp-written", target: path) // killed with the new content in a temp file
        if rename(tmp, path) != 0 {
            let e = errno; unlink(tmp); throw .io(op: "rename into place", path: path, errno: e)
        }
        if syncDirectory { FileIO.fsyncDirectory(FileIO.dirname(of: path)) }
        FaultPoint.hit("lock-installed", target: path) // killed after the new content is in place, still holding the lock
        return identity
    }

    /// `install`, then releases the lock. On failure the lock is released and the target is
    /// as it was.
    @discardableResult
    public func commit(_ bytes: [UInt8], syncDirectory: Bool = true) throws(StoreError) -> [Int] {
        defer { rollback() }
        return try install(bytes, syncDirectory: syncDirectory)
    }

    /// Releases the lock: removes its name, then lets the flock go. After `install` this is the
    /// end of a successful update; without it, the target is untouched.
    public func rollback() {
        guard held else { return }
        held = false
        unlink(lockPath) // before the flock goes (with the seed): no one takes over a live name
        seed = nil
    }

    deinit { rollback() }
}

/// The flocked file that Accord locks are hard links to: it holds `LockFile.marker` before any
/// lock's name links to it and stays flocked until the last lock linked to it is released (each
/// holds a reference), so that every such lock reads as held while this process runs and as
/// abandoned once it is killed. Its own name (`tmp_lock_*`) is removed as soon as the locks are
/// taken; one a killed process left behind is removed by gc after an hour.
final class LockSeed {
    let path: String
    private let fd: Int32
    init(in dir: String) throws(StoreError) {
        let (path, fd) = try FileIO.createTemporary(in: dir, prefix: "tmp_lock_", mode: 0o644)
        self.path = path
        self.fd = fd
        do throws(StoreError) {
            // A new file no one else knows: only a system out of locks refuses. Without the flock
            // the lock would look abandoned while its holder runs, so that is an error.
            while flock(fd, LOCK_EX | LOCK_NB) != 0 {
                if errno != EINTR { throw StoreError.io(op: "flock", path: path, errno: errno) }
            }
            try LockFile.marker.withBytes { (p) throws(StoreError) in try FileIO.writeAll(fd, p, path: path) }
        } catch { unlink(path); close(fd); throw error }
    }
    /// Removes the name; the locks linked to it stay held until this object goes away.
    func remove() { FileIO.remove(path) }
    deinit { remove(); close(fd) }
}
