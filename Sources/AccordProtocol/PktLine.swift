/// git's pkt-line framing (gitprotocol-common(5)): four hex digits of length (counting
/// themselves) and the payload; `0000` flush, `0001` delimiter, `0002` response end.
public enum Pkt: Equatable, Sendable {
    case data([UInt8])
    case flush
    case delim
    case responseEnd

    /// The largest pkt-line git sends or accepts: 65520 bytes in all, 65516 of payload.
    public static let maxLength = 65520
    public static let maxPayload = maxLength - 4

    /// The payload as text without its trailing LF (nil for special packets).
    public var text: String? {
        guard case let .data(d) = self else { return nil }
        return String(decoding: d.last == 0x0A ? d.dropLast() : d[...], as: UTF8.self)
    }
}

public enum PktLine {
    private static let hex = Array("0123456789abcdef".utf8)

    /// Appends one data packet (the payload must be at most `Pkt.maxPayload` bytes).
    public static func append(_ payload: some Collection<UInt8>, to out: inout [UInt8]) {
        precondition(payload.count <= Pkt.maxPayload, "pkt-line payload too long")
        let n = payload.count + 4
        out.append(hex[(n >> 12) & 15]); out.append(hex[(n >> 8) & 15]); out.append(hex[(n >> 4) & 15]); out.append(hex[n & 15])
        out.append(contentsOf: payload)
    }

    /// Appends a text line, LF-terminated as git writes them.
    public static func append(line: String, to out: inout [UInt8]) {
        append(Array(line.utf8) + [0x0A], to: &out)
    }

    /// The packet that starts at `at` in `bytes` and how many bytes it takes, or nil when the
    /// bytes end before it does (the one reading of git's framing, for whole buffers and streams).
    static func decode(_ bytes: [UInt8], at: Int) throws(ProtocolError) -> (pkt: Pkt, size: Int)? {
        guard bytes.count - at >= 4 else { return nil }
        var n = 0
        for c in bytes[at..<at + 4] {
            switch c {
            case 0x30...0x39: n = n * 16 + Int(c) - 0x30
            case 0x61...0x66: n = n * 16 + Int(c) - 0x61 + 10
            case 0x41...0x46: n = n * 16 + Int(c) - 0x41 + 10
            default: throw .malformed("bad pkt-line length '\(PktReader.printable(bytes[at..<at + 4]))' at byte \(at)")
            }
        }
        switch n {
        case 0: return (.flush, 4)
        case 1: return (.delim, 4)
        case 2: return (.responseEnd, 4)
        case 3: throw .malformed("pkt-line length 3 at byte \(at) is invalid")
        default:
            guard n <= Pkt.maxLength else { throw .malformed("pkt-line of \(n) bytes at byte \(at) exceeds git's limit of \(Pkt.maxLength)") }
            guard bytes.count - at >= n else { return nil }
            return (.data(Array(bytes[at + 4..<at + n])), n)
        }
    }

    public static func flush(_ out: inout [UInt8]) { out.append(contentsOf: Array("0000".utf8)) }
    public static func delim(_ out: inout [UInt8]) { out.append(contentsOf: Array("0001".utf8)) }

    public static func encode(lines: [String], flush: Bool = true) -> [UInt8] {
        var out: [UInt8] = []
        for l in lines { append(line: l, to: &out) }
        if flush { PktLine.flush(&out) }
        return out
    }
}

/// Reads pkt-lines from a complete buffer (an HTTP body), with a limit on the number of packets.
public struct PktReader {
    public let bytes: [UInt8]
    public private(set) var offset: Int
    private var count = 0
    public let maxPackets: Int

    public init(_ bytes: [UInt8], offset: Int = 0, maxPackets: Int = 1 << 20) {
        self.bytes = bytes; self.offset = offset; self.maxPackets = maxPackets
    }

    public var atEnd: Bool { offset >= bytes.count }

    /// The bytes after the last packet read (a push's pack follows its commands).
    public var rest: ArraySlice<UInt8> { bytes[min(offset, bytes.count)...] }

    /// The next packet, or nil at the end of the buffer.
    public mutating func next() throws(ProtocolError) -> Pkt? {
        guard offset < bytes.count else { return nil }
        guard let (pkt, size) = try PktLine.decode(bytes, at: offset) else {
            guard bytes.count - offset >= 4 else { throw .malformed("a pkt-line length is cut short at byte \(offset)") }
            throw .malformed("pkt-line at byte \(offset) is cut short: only \(bytes.count - offset) remain of the bytes its length gives")
        }
        count += 1
        guard count <= maxPackets else { throw .limit("more than \(maxPackets) pkt-lines in one request") }
        offset += size
        return pkt
    }

    /// The next packet, which must exist.
    public mutating func expect(_ what: String) throws(ProtocolError) -> Pkt {
        guard let p = try next() else { throw .malformed("the message ends before \(what)") }
        return p
    }

    static func printable(_ s: some Collection<UInt8>) -> String {
        String(s.map { $0 >= 0x20 && $0 < 0x7F ? Character(UnicodeScalar($0)) : "?" })
    }
}

/// A message that does not follow the protocol, or exceeds a limit. Worded for the other side.
public enum ProtocolError: Error, Equatable, CustomStringConvertible, Sendable {
    case malformed(String)
    case unsupported(String)
    case limit(String)

    public var description: String {
        switch self {
        case let .malformed(s): return "protocol error: \(s)"
        case let .unsupported(s): return "unsupported: \(s)"
        case let .limit(s): return "limit exceeded: \(s)"
        }
    }
}
