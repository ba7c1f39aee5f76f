/// The SSH wire encoding (RFC 4251 §5): uint32 big-endian, and strings as a uint32 length
/// followed by the bytes. Used by OpenSSH key files and SSHSIG signatures.
struct SSHWriter {
    var bytes: [UInt8] = []

    mutating func uint32(_ v: UInt32) {
        bytes += [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
    }
    mutating func string(_ s: [UInt8]) { uint32(UInt32(s.count)); bytes += s }
    mutating func string(_ s: String) { string(Array(s.utf8)) }
    mutating func raw(_ s: [UInt8]) { bytes += s }
}

/// Reads the SSH wire encoding, refusing anything truncated or oversized.
struct SSHReader {
    let bytes: [UInt8]
    var at = 0
    let what: String

    init(_ bytes: [UInt8], what: String) { self.bytes = bytes; self.what = what }

    var isAtEnd: Bool { at == bytes.count }

    mutating func raw(_ n: Int) throws(SigningError) -> [UInt8] {
        guard n >= 0, bytes.count - at >= n else { throw .malformed(what, "truncated at byte \(at)") }
        defer { at += n }
        return Array(bytes[at..<(at + n)])
    }
    mutating func uint32() throws(SigningError) -> UInt32 {
        let b = try raw(4)
        return UInt32(b[0]) << 24 | UInt32(b[1]) << 16 | UInt32(b[2]) << 8 | UInt32(b[3])
    }
    mutating func string() throws(SigningError) -> [UInt8] {
        let n = try uint32()
        guard n <= 1 << 20 else { throw .malformed(what, "a field of \(n) bytes at byte \(at - 4)") }
        return try raw(Int(n))
    }
    mutating func text() throws(SigningError) -> String {
        let s = try string()
        guard let t = String(validating: s, as: UTF8.self) else { throw .malformed(what, "a name that is not UTF-8 at byte \(at)") }
        return t
    }
}

/// What can go wrong reading keys and signatures: what it was and why.
public enum SigningError: Error, Equatable, CustomStringConvertible {
    case malformed(String, String)
    case unsupported(String)
    case badSignature(String)
    case io(String)

    public var description: String {
        switch self {
        case let .malformed(what, why): "\(what) is malformed: \(why)"
        case let .unsupported(why): why
        case let .badSignature(why): "bad signature: \(why)"
        case let .io(why): why
        }
    }
}
