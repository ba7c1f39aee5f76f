import AccordObjects
#if canImport(Glibc)
import Glibc
#endif

/// git's lock protocol: create `<path>.lock` exclusively, write the new content into it, then
/// rename it over `<path>`. Whoever holds the lock is the only writer; a crash leaves the old file
/// intact and a stale `.lock` that later writers report (never silently remove).
public final class LockFile {
    public let path: String
    public let lockPath: String
    private var done = false
    private var linked = false

    /// Takes the lock. The file is not kept open: a batch holds thousands of locks, and
    /// creating files while thousands are open is many times slower (and bounded by the fd limit).
    public init(path: String) throws(StoreError) {
        self.path = path
        self.lockPath = path + ".lock"
        let dir = FileIO.dirname(of: path)
        if !FileIO.isDirectory(dir) { try FileIO.makeDirectories(dir) }
        let fd = open(lockPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if fd < 0 {
            let e = errno
            // deinit runs even though init throws: it must not unlink a lock that is someone else's.
            done = true
            if e == EEXIST { throw .lockHeld(path: lockPath) }
            throw .io(op: "create lock", path: lockPath, errno: e)
        }
        close(fd)
    }

    /// Takes the lock as a hard link to `seed`, an empty file of the same repository: for locks
    /// that are only ever released, never committed (the refs of a batch written into
    /// packed-refs). `link` fails on an existing name exactly as an exclusive create does, but
    /// allocates no inode, which on some file systems costs more than everything else a
    /// 2,000-ref batch does.
    public init(path: String, linkingTo seed: String) throws(StoreError) {
        self.path = path
        self.lockPath = path + ".lock"
        self.linked = true
        let dir = FileIO.dirname(of: path)
        if !FileIO.isDirectory(dir) { try FileIO.makeDirectories(dir) }
        if link(seed, lockPath) != 0 {
            let e = errno
            done = true
            if e == EEXIST { throw .lockHeld(path: lockPath) }
            throw .io(op: "create lock", path: lockPath, errno: e)
        }
    }

    /// Writes `bytes` as the new content, makes it durable, and renames it into place. Returns
    /// the written file's identity (as `FileIO.identity` gives it), taken before the rename so
    /// that it is this content's even if another writer replaces the file right after.
    /// `syncDirectory: false`: the caller fsyncs the directory once for many locks.
    @discardableResult
    public func commit(_ bytes: [UInt8], syncDirectory: Bool = true) throws(StoreError) -> [Int] {
        precondition(!done, "lock already released")
        precondition(!linked, "a linked lock cannot be committed")
        done = true
        let fd = open(lockPath, O_WRONLY | O_TRUNC | O_CLOEXEC)
        guard fd >= 0 else { let e = errno; unlink(lockPath); throw .io(op: "open lock", path: lockPath, errno: e) }
        var st = stat()
        do throws(StoreError) {
            try bytes.withBytes { (p) throws(StoreError) in try FileIO.writeAll(fd, p, path: lockPath) }
            if fsync(fd) != 0 { throw StoreError.io(op: "fsync", path: lockPath, errno: errno) }
            if fstat(fd, &st) != 0 { throw StoreError.io(op: "stat", path: lockPath, errno: errno) }
        } catch {
            close(fd); unlink(lockPath); throw error
        }
        close(fd)
        if rename(lockPath, path) != 0 {
            let e = errno; unlink(lockPath); throw .io(op: "rename into place", path: path, errno: e)
        }
        if syncDirectory { FileIO.fsyncDirectory(FileIO.dirname(of: path)) }
        return FileIO.identity(of: st)
    }

    /// Gives up the lock, leaving the target untouched.
    public func rollback() {
        guard !done else { return }
        done = true
        unlink(lockPath)
    }

    deinit { rollback() }
}
