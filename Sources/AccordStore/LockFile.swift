import AccordObjects
#if canImport(Glibc)
import Glibc
#endif

/// git's lock protocol: create `<path>.lock` exclusively, write the new content into it, then
/// rename it over `<path>`. Whoever holds the lock is the only writer; a crash leaves the old file
/// intact and a stale `.lock`.
///
/// Stale locks of Accord's own killed processes are taken over, safely: until it is committed, an
/// Accord lock holds `marker` and its holder keeps an advisory `flock` on it, which the kernel
/// drops when the holder dies. A lock that holds the marker and can be flocked is therefore
/// abandoned. Anything else (git's locks, a lock being committed, a live holder) is never
/// touched and is reported as held.
public final class LockFile {
    public let path: String
    public let lockPath: String
    /// The content of an Accord lock until it is committed.
    static let marker: [UInt8] = Array("accord lock: held while this process runs\n".utf8)
    /// True from taking the lock until it is committed or released: only then is the name ours
    /// to remove (an init that fails must never unlink someone else's lock).
    private var held = false
    /// Open and flocked for a lock of its own; -1 for a lock linked to a batch's seed (the seed is flocked).
    private var fd: Int32 = -1
    /// A linked lock's seed, kept alive (and so flocked) until this lock's name is gone.
    private var seed: LockSeed?

    public init(path: String) throws(StoreError) {
        self.path = path
        self.lockPath = path + ".lock"
        var created: Int32 = -1
        try LockFile.take(lockPath) { lockPath in
            created = open(lockPath, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            return created >= 0
        }
        fd = created
        held = true
        flock(fd, LOCK_EX | LOCK_NB) // a new file: no one else can hold it
        do throws(StoreError) {
            try LockFile.marker.withBytes { (p) throws(StoreError) in try FileIO.writeAll(fd, p, path: lockPath) }
        } catch {
            rollback(); throw error
        }
    }

    /// Takes the lock as a hard link to `seed` (a batch's flocked marker file): for locks that
    /// are only ever released, never committed (the refs of a batch written into packed-refs).
    /// `link` fails on an existing name exactly as an exclusive create does, but allocates no
    /// inode, which on some file systems costs more than everything else a 2,000-ref batch does.
    init(path: String, linkingTo seed: LockSeed) throws(StoreError) {
        self.path = path
        self.lockPath = path + ".lock"
        try LockFile.take(lockPath) { link(seed.path, $0) == 0 }
        self.seed = seed
        held = true
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

    /// Checks (and with `remove`, unlinks) an abandoned lock; nil if there is no file.
    private static func withAbandoned(_ lockPath: String, remove: Bool) -> Bool? {
        let fd = open(lockPath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return errno == ENOENT ? nil : false }
        defer { close(fd) } // releases the flock only after the name is gone
        var buf = [UInt8](repeating: 0, count: marker.count + 1)
        let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n == marker.count, buf.prefix(n).elementsEqual(marker) else { return false }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { return false } // its holder is alive
        // Still the file at that name? Another process may have taken it over and locked anew.
        var mine = stat(), named = stat()
        guard fstat(fd, &mine) == 0, stat(lockPath, &named) == 0, mine.st_ino == named.st_ino, mine.st_dev == named.st_dev else {
            return false
        }
        return remove ? unlink(lockPath) == 0 : true
    }

    /// Writes `bytes` as the new content, makes it durable, and renames it into place. Returns
    /// the written file's identity (as `FileIO.identity` gives it), taken before the rename so
    /// that it is this content's even if another writer replaces the file right after.
    /// `syncDirectory: false`: the caller fsyncs the directory once for many locks.
    @discardableResult
    public func commit(_ bytes: [UInt8], syncDirectory: Bool = true) throws(StoreError) -> [Int] {
        precondition(held, "lock already released")
        precondition(fd >= 0, "a linked lock cannot be committed")
        held = false
        var st = stat()
        do throws(StoreError) {
            // The marker goes first: from here on the lock is never taken over.
            guard ftruncate(fd, 0) == 0, lseek(fd, 0, SEEK_SET) == 0 else { throw StoreError.io(op: "truncate", path: lockPath, errno: errno) }
            try bytes.withBytes { (p) throws(StoreError) in try FileIO.writeAll(fd, p, path: lockPath) }
            if fsync(fd) != 0 { throw StoreError.io(op: "fsync", path: lockPath, errno: errno) }
            if fstat(fd, &st) != 0 { throw StoreError.io(op: "stat", path: lockPath, errno: errno) }
        } catch {
            unlink(lockPath); close(fd); throw error
        }
        if rename(lockPath, path) != 0 {
            let e = errno; unlink(lockPath); close(fd); throw .io(op: "rename into place", path: path, errno: e)
        }
        close(fd)
        if syncDirectory { FileIO.fsyncDirectory(FileIO.dirname(of: path)) }
        return FileIO.identity(of: st)
    }

    /// Gives up the lock, leaving the target untouched.
    public func rollback() {
        guard held else { return }
        held = false
        unlink(lockPath) // before the flock goes (with the close, or with the seed): no one takes over a live name
        if fd >= 0 { close(fd) }
        seed = nil
    }

    deinit { rollback() }
}
