import AccordObjects
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Thin POSIX file helpers: whole-file reads, atomic writes, directories. Foundation's file APIs
/// cost more per call than the syscalls themselves, and loose objects are many small files.
public enum FileIO {
    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// Inode, size and modification time: changes whenever the file is replaced or rewritten.
    public static func identity(_ path: String) -> [Int]? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return identity(of: st)
    }

    static func identity(of st: stat) -> [Int] {
        [Int(st.st_ino), Int(st.st_size), Int(st.st_mtim.tv_sec), Int(st.st_mtim.tv_nsec)]
    }

    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Reads a whole file; `nil` if it does not exist. Refuses files above `limit` bytes.
    public static func read(_ path: String, limit: Int = 1 << 30) throws(StoreError) -> [UInt8]? {
        try readWithIdentity(path, limit: limit)?.bytes
    }

    /// Reads a whole file with the identity (as `identity(_:)` gives it) of the very file read,
    /// taken from the open descriptor: the two always belong together, even if the file is
    /// replaced meanwhile. `nil` if it does not exist.
    static func readWithIdentity(_ path: String, limit: Int = 1 << 30) throws(StoreError) -> (bytes: [UInt8], identity: [Int])? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw .io(op: "open", path: path, errno: errno)
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .io(op: "stat", path: path, errno: errno) }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw .io(op: "read", path: path, errno: EISDIR) }
        let size = Int(st.st_size)
        if size > limit { throw .invalidInput("'\(path)' is \(size) bytes, above the limit of \(limit)") }
        var buf = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + done, size - done) }
            if n < 0 { if errno == EINTR { continue }; throw .io(op: "read", path: path, errno: errno) }
            if n == 0 { buf.removeSubrange(done...); break } // shrank while reading
            done += n
        }
        return (buf, identity(of: st))
    }

    public static func readString(_ path: String) throws(StoreError) -> String? {
        try read(path).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Writes all of `data` to `fd`.
    public static func writeAll(_ fd: Int32, _ data: UnsafeRawBufferPointer, path: String) throws(StoreError) {
        var done = 0
        while done < data.count {
            let n = Glibc.write(fd, data.baseAddress! + done, data.count - done)
            if n < 0 { if errno == EINTR { continue }; throw .io(op: "write", path: path, errno: errno) }
            done += n
        }
    }

    /// Creates `dir` and its parents (mode 0777 & ~umask).
    public static func makeDirectories(_ dir: String) throws(StoreError) {
        if isDirectory(dir) { return }
        let parent = dirname(of: dir)
        if parent != dir, !parent.isEmpty { try makeDirectories(parent) }
        if mkdir(dir, 0o777) != 0, errno != EEXIST { throw .io(op: "create directory", path: dir, errno: errno) }
    }

    public static func dirname(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Makes a new file's directory entry durable.
    public static func fsyncDirectory(_ dir: String) {
        let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 { fsync(fd); close(fd) }
    }

    /// A temp-file name in `dir`: `prefix` and 12 random letters and digits, as git's
    /// `tmp_obj_XXXXXX` (git's `prune` and `fsck` recognise its temp files by the prefix alone).
    /// Files are created with it exclusively, so a name some other process picked is never shared.
    static func tempName(in dir: String, prefix: String) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)
        var suffix = [UInt8](repeating: 0, count: 12)
        var random = [UInt64.random(in: 0...UInt64.max), UInt64.random(in: 0...UInt64.max)] // 6 letters each
        for i in suffix.indices {
            suffix[i] = alphabet[Int(random[i / 6] % 62)]
            random[i / 6] /= 62
        }
        return "\(dir)/\(prefix)\(String(decoding: suffix, as: UTF8.self))"
    }

    /// Creates a new file under a fresh `tempName` (exclusively), open for writing.
    static func createTemporary(in dir: String, prefix: String, mode: mode_t) throws(StoreError) -> (path: String, fd: Int32) {
        while true {
            let path = tempName(in: dir, prefix: prefix)
            let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode)
            if fd >= 0 { return (path, fd) }
            if errno != EEXIST { throw .io(op: "create", path: path, errno: errno) }
        }
    }

    /// Writes `data` to a new `tmp_*` file in `dir`, fsynced and closed, for a rename into place.
    /// Returns its path and its identity (as `identity(_:)` gives it). On failure nothing is left.
    static func writeTemporary(in dir: String, _ data: UnsafeRawBufferPointer, mode: mode_t = 0o644,
                               prefix: String = "tmp_", durable: Bool = true) throws(StoreError) -> (path: String, identity: [Int]) {
        let (tmp, fd) = try createTemporary(in: dir, prefix: prefix, mode: mode)
        var st = stat()
        do throws(StoreError) {
            try writeAll(fd, data, path: tmp)
            if durable, fsync(fd) != 0 { throw StoreError.io(op: "fsync", path: tmp, errno: errno) }
            if fstat(fd, &st) != 0 { throw StoreError.io(op: "stat", path: tmp, errno: errno) }
        } catch {
            close(fd); unlink(tmp); throw error
        }
        if close(fd) != 0 { let e = errno; unlink(tmp); throw .io(op: "close", path: tmp, errno: e) }
        return (tmp, identity(of: st))
    }

    /// Atomically replaces `path` with `data`: temp file in the same directory, fsync, rename.
    /// A reader sees the old content or the new, never a part.
    /// With `syncDirectory: false` the caller fsyncs the directory itself later (batched writes).
    /// `tempPrefix`: how the temp file's name starts (`tmp_obj_` for loose objects, as git names
    /// its own).
    public static func writeAtomically(_ path: String, _ data: UnsafeRawBufferPointer, mode: mode_t = 0o644,
                                       durable: Bool = true, syncDirectory: Bool = true, tempPrefix: String = "tmp_") throws(StoreError) {
        let dir = dirname(of: path)
        let (tmp, _) = try writeTemporary(in: dir, data, mode: mode, prefix: tempPrefix, durable: durable)
        FaultPoint.hit("temp-written", target: path) // killed with the new content in its temp file
        if rename(tmp, path) != 0 {
            let e = errno; unlink(tmp); throw .io(op: "rename into place", path: path, errno: e)
        }
        if durable && syncDirectory { fsyncDirectory(dir) }
    }

    public static func writeAtomically(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644, durable: Bool = true,
                                       syncDirectory: Bool = true, tempPrefix: String = "tmp_") throws(StoreError) {
        try bytes.withBytes { (p) throws(StoreError) in
            try writeAtomically(path, p, mode: mode, durable: durable, syncDirectory: syncDirectory, tempPrefix: tempPrefix)
        }
    }

    /// Cuts a partial last line (bytes after the last newline) off the file open as `fd`, so
    /// that the next append starts on a line boundary. Returns the file's size after.
    static func cutPartialLastLine(_ fd: Int32, path: String) throws(StoreError) -> Int {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .io(op: "stat", path: path, errno: errno) }
        let size = Int(st.st_size)
        var end = size
        var chunk = [UInt8](repeating: 0, count: 4096)
        while end > 0 {
            let want = end == size ? 1 : min(chunk.count, end) // the last byte first: almost always a newline
            let start = end - want
            let n = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress, want, off_t(start)) }
            if n < 0 { if errno == EINTR { continue }; throw .io(op: "read", path: path, errno: errno) }
            guard n == want else { throw .io(op: "read", path: path, errno: EIO) }
            if let i = chunk[0..<n].lastIndex(of: 0x0A) {
                let keep = start + i + 1
                if keep == size { return size }
                guard ftruncate(fd, off_t(keep)) == 0 else { throw .io(op: "truncate", path: path, errno: errno) }
                return keep
            }
            end = start
        }
        if size > 0, ftruncate(fd, 0) != 0 { throw .io(op: "truncate", path: path, errno: errno) } // one partial line and nothing else
        return 0
    }

    /// Reserves `count` bytes of disk at `offset` of the file open as `fd` without changing its
    /// size (`fallocate` with `FALLOC_FL_KEEP_SIZE`), so that writing them later cannot fail for
    /// lack of space: a full disk fails here instead. Does nothing where the system or the file
    /// system cannot reserve (the later write may then still fail).
    static func reserve(_ fd: Int32, at offset: Int, count: Int, path: String) throws(StoreError) {
        guard let fallocate = fallocateFunction else { return }
        while fallocate(fd, 0x01 /* FALLOC_FL_KEEP_SIZE */, off_t(offset), off_t(count)) != 0 {
            let e = errno
            if e == EINTR { continue }
            if e == ENOSPC || e == EDQUOT || e == EFBIG { throw .io(op: "reserve space in", path: path, errno: e) }
            return // EOPNOTSUPP, ENOSYS, EINVAL: not supported here
        }
    }

    /// Linux's `fallocate`, which Glibc's Swift module does not declare (it needs _GNU_SOURCE).
    nonisolated(unsafe) private static let fallocateFunction: (@convention(c) (Int32, Int32, off_t, off_t) -> Int32)? = {
        guard let symbol = dlsym(nil, "fallocate") else { return nil } // nil: RTLD_DEFAULT
        return unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32, off_t, off_t) -> Int32).self)
    }()

    /// Names in a directory (without `.` and `..`); empty if it does not exist.
    public static func list(_ dir: String) -> [String] { listEntries(dir).map(\.name) }

    /// Names in a directory with whether each is a directory (from the entry's type, so no
    /// stat per name on file systems that report it); empty if it does not exist.
    public static func listEntries(_ dir: String) -> [(name: String, isDirectory: Bool)] {
        guard let d = opendir(dir) else { return [] }
        defer { closedir(d) }
        var entries: [(String, Bool)] = []
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            switch Int32(e.pointee.d_type) {
            case Int32(DT_DIR): entries.append((name, true))
            case Int32(DT_UNKNOWN), Int32(DT_LNK): entries.append((name, isDirectory("\(dir)/\(name)")))
            default: entries.append((name, false))
            }
        }
        return entries
    }

    public static func remove(_ path: String) { unlink(path) }

    /// Removes a file, or a directory with everything in it (not following symbolic links).
    public static func removeTree(_ path: String) {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            for name in list(path) { removeTree("\(path)/\(name)") }
            rmdir(path)
        } else {
            unlink(path)
        }
    }
}

/// A read-only memory map of a whole file (packs and their indexes).
public final class MappedFile: @unchecked Sendable {
    public let path: String
    public let bytes: UnsafeRawBufferPointer

    public init(path: String) throws(StoreError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(op: "open", path: path, errno: errno) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .io(op: "stat", path: path, errno: errno) }
        let size = Int(st.st_size)
        if size == 0 { bytes = UnsafeRawBufferPointer(start: nil, count: 0); return }
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw .io(op: "map", path: path, errno: errno)
        }
        bytes = UnsafeRawBufferPointer(start: p, count: size)
    }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }
}
