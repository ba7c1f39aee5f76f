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
    private var fd: Int32
    private var done = false

    public init(path: String) throws(StoreError) {
        self.path = path
        self.lockPath = path + ".lock"
        let dir = FileIO.dirname(of: path)
        if !FileIO.isDirectory(dir) { try FileIO.makeDirectories(dir) }
        fd = open(lockPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if fd < 0 {
            let e = errno
            // deinit runs even though init throws: it must not unlink a lock that is someone else's.
            done = true
            if e == EEXIST { throw .lockHeld(path: lockPath) }
            throw .io(op: "create lock", path: lockPath, errno: e)
        }
    }

    /// Writes `bytes` as the new content, makes it durable, and renames it into place.
    public func commit(_ bytes: [UInt8]) throws(StoreError) {
        precondition(!done, "lock already released")
        done = true
        do throws(StoreError) {
            try bytes.withBytes { (p) throws(StoreError) in try FileIO.writeAll(fd, p, path: lockPath) }
            if fsync(fd) != 0 { throw StoreError.io(op: "fsync", path: lockPath, errno: errno) }
        } catch {
            close(fd); unlink(lockPath); throw error
        }
        close(fd)
        if rename(lockPath, path) != 0 {
            let e = errno; unlink(lockPath); throw .io(op: "rename into place", path: path, errno: e)
        }
        FileIO.fsyncDirectory(FileIO.dirname(of: path))
    }

    /// Gives up the lock, leaving the target untouched.
    public func rollback() {
        guard !done else { return }
        done = true
        close(fd)
        unlink(lockPath)
    }

    deinit { rollback() }
}
