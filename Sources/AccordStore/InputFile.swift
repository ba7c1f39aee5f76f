#if canImport(Glibc)
import Glibc
#endif

extension FileIO {
    /// Reads a file named on the command line or in the configuration (an attachment, an import
    /// file, a bundle): only a regular file. It is opened with O_NONBLOCK, so a FIFO with no
    /// writer cannot make the open wait forever, then checked with fstat: a FIFO, a device
    /// (`/dev/zero` never ends), a socket or a directory is refused, naming what it is.
    /// `what` says what the file was meant to be ("the attachment"); nil if it does not exist.
    public static func readRegularFile(_ path: String, limit: Int, what: String) throws(StoreError) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw .io(op: "open \(what)", path: path, errno: errno)
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .io(op: "stat \(what)", path: path, errno: errno) }
        let kind: String? = switch st.st_mode & S_IFMT {
        case S_IFREG: nil
        case S_IFDIR: "a directory"
        case S_IFIFO: "a FIFO (named pipe)"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFSOCK: "a socket"
        default: "not a regular file"
        }
        if let kind { throw .invalidInput("'\(path)' is \(kind), not a regular file: \(what) must be a file") }
        let size = Int(st.st_size)
        if size > limit { throw .invalidInput("'\(path)' is \(size) bytes, above the limit of \(limit) for \(what)") }
        var buf = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + done, size - done) }
            if n < 0 { if errno == EINTR || errno == EAGAIN { continue }; throw .io(op: "read \(what)", path: path, errno: errno) }
            if n == 0 { buf.removeSubrange(done...); break } // shrank while reading
            done += n
        }
        return buf
    }
}
