#if canImport(Glibc)
import Glibc
#endif
import AccordStore

/// Buffered standard output: one write(2) per 64 KiB, not per line (cat-file --batch prints a lot).
final class Output {
    nonisolated(unsafe) static let stdout = Output(fd: 1)
    nonisolated(unsafe) static let stderr = Output(fd: 2, buffered: false)

    let fd: Int32
    let buffered: Bool
    private var buffer: [UInt8] = []

    init(fd: Int32, buffered: Bool = true) {
        self.fd = fd; self.buffered = buffered
        buffer.reserveCapacity(1 << 16)
    }

    func write(_ bytes: some Collection<UInt8>) {
        buffer.append(contentsOf: bytes)
        if !buffered || buffer.count >= 1 << 16 { flush() }
    }

    func write(_ s: String) { write(s.utf8) }
    func line(_ s: String) { write(s.utf8); write(CollectionOfOne(0x0A)) }

    func flush() {
        var done = 0
        while done < buffer.count {
            let n = buffer.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, $0.count - done) }
            if n <= 0 { if errno == EINTR { continue }; break } // a closed pipe: drop output, like git
            done += n
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Color only for a terminal, and never when NO_COLOR is set (https://no-color.org).
    var useColor: Bool { isatty(fd) == 1 && (getenv("NO_COLOR").map { String(cString: $0).isEmpty } ?? true) }

    /// Text from another replica made safe for a terminal: control characters (escape sequences,
    /// carriage returns, backspaces) shown as `\u{1B}`-style escapes; tabs and newlines kept.
    static func escaped(_ s: String) -> String { escaped(s, oneLine: false) }

    /// `escaped`, for text shown on one line (a field in a row, a name): newlines and tabs are
    /// shown as escapes too, so a value cannot start a line of its own that looks like output.
    static func oneLine(_ s: String) -> String { escaped(s, oneLine: true) }

    /// Control characters (C0 but tab and newline, unless `oneLine`; DEL; C1) as `\u{…}`, and with
    /// `oneLine` newline and tab as `\n` and `\t`. Text with none (nearly all) is returned as
    /// is after one pass over its bytes: `list` prints tens of thousands of fields.
    static func escaped(_ s: String, oneLine: Bool) -> String {
        var clean = true, afterC2 = false
        for b in s.utf8 {
            if (b < 0x20 && (oneLine || (b != 0x09 && b != 0x0A))) || b == 0x7F || (afterC2 && b >= 0x80 && b <= 0x9F) { clean = false; break }
            afterC2 = b == 0xC2
        }
        if clean { return s }
        var out = ""
        for u in s.unicodeScalars {
            let v = u.value
            if oneLine && v == 0x0A { out += "\\n" } else if oneLine && v == 0x09 { out += "\\t" }
            else if (v < 0x20 && v != 0x09 && v != 0x0A) || v == 0x7F || (0x80...0x9F).contains(v) {
                out += "\\u{\(String(v, radix: 16, uppercase: true))}"
            } else { out.unicodeScalars.append(u) }
        }
        return out
    }

    func paint(_ s: String, _ code: String) -> String { useColor ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }
}

/// Progress on stderr for long work, only when stderr is a terminal (like git's progress meter).
struct Progress {
    let title: String
    let enabled: Bool = isatty(2) == 1
    func update(_ done: Int, _ total: Int) {
        guard enabled, total > 0 else { return }
        let pct = done * 100 / total
        Output.stderr.write("\r\(title): \(pct)% (\(done)/\(total))" + (done >= total ? ", done.\n" : ""))
    }
}
