import AccordStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A temporary directory beside a result being built (a clone, a bundle), renamed or moved into
/// place only when the result is complete, so a partial result is never mistaken for a whole one.
///
/// Its name is recognisable, `<prefix><pid>_<counter>_<random>` (`.tmp_clone_…`, `.tmp_bundle_…`),
/// and its creator holds an advisory `flock` on it for as long as it runs. A directory left by a
/// killed process (its pid gone and its flock free) is removed by the next run that makes one
/// with the same prefix in the same place (`sweep`); one still in use is never touched, and since
/// every name is new, a leftover never blocks anything.
final class TempSibling {
    let path: String
    private var fd: Int32

    /// Creates the directory in `parent` (which must exist) and locks it.
    init(in parent: String, prefix: String) throws {
        TempSibling.counter &+= 1
        path = "\(parent)/\(prefix)\(getpid())_\(TempSibling.counter)_\(UInt32.random(in: 0...UInt32.max))"
        guard mkdir(path, 0o755) == 0 else { throw StoreError.io(op: "create directory", path: path, errno: errno) }
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { let e = errno; rmdir(path); throw StoreError.io(op: "open", path: path, errno: e) }
        flock(fd, LOCK_EX | LOCK_NB) // a new directory: no one else can hold it
    }

    /// Removes the directory and everything in it (after a failure, or once its content has moved).
    func remove() {
        FileIO.removeTree(path)
        if fd >= 0 { close(fd); fd = -1 }
    }

    deinit { if fd >= 0 { close(fd) } }

    nonisolated(unsafe) private static var counter: UInt64 = 0

    /// Removes the `prefix` directories in `parent` that a killed process left: their pid is not
    /// running and their flock is free. Anything else is left alone.
    static func sweep(_ parent: String, prefix: String) {
        for name in FileIO.list(parent) where name.hasPrefix(prefix) {
            // The pid is the first all-digit part (older versions named files `<prefix>file_<pid>_…`).
            let parts = name.dropFirst(prefix.count).split(separator: "_")
            guard let pidText = parts.first(where: { !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
                  let pid = pid_t(pidText), pid > 0 else { continue }
            if pid == getpid() || kill(pid, 0) == 0 || errno == EPERM { continue } // alive (or not ours to judge)
            let path = "\(parent)/\(name)"
            let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { continue }
            FileIO.removeTree(path)
        }
    }
}
