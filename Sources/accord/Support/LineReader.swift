#if canImport(Glibc)
import Glibc
#endif

/// Reads standard input line by line with a large buffer (no per-line syscalls).
struct LineReader {
    private var buffer = [UInt8](repeating: 0, count: 1 << 16)
    private var start = 0, end = 0, eof = false
    let fd: Int32 = 0

    /// The next line without its newline, or nil at end of input.
    mutating func next() -> [UInt8]? {
        var line: [UInt8] = []
        while true {
            if start < end {
                if let nl = buffer[start..<end].firstIndex(of: 0x0A) {
                    line.append(contentsOf: buffer[start..<nl])
                    start = nl + 1
                    return line
                }
                line.append(contentsOf: buffer[start..<end])
                start = end
            }
            if eof { return line.isEmpty ? nil : line }
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 { if errno == EINTR { continue }; eof = true; continue }
            if n == 0 { eof = true; continue }
            start = 0; end = n
        }
    }

    /// All of standard input.
    static func readAll(limit: Int = 1 << 30) throws -> [UInt8] {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress!, $0.count) }
            if n < 0 { if errno == EINTR { continue }; break }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
            if out.count > limit { throw ValidationErrorText("standard input is larger than \(limit) bytes") }
        }
        return out
    }
}

struct ValidationErrorText: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
