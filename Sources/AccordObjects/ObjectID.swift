import Crypto

/// A SHA-256 object id (git's `extensions.objectformat = sha256`).
///
/// Stored as four big-endian words so that equality, hashing and ordering are cheap;
/// ordering matches the byte order git uses to sort pack indexes.
public struct ObjectID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public static let byteCount = 32
    public static let hexCount = 64

    public let w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    public init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        self.w0 = w0; self.w1 = w1; self.w2 = w2; self.w3 = w3
    }

    /// Reads 32 raw bytes. The caller guarantees `raw.count >= 32`.
    public init(raw: UnsafeRawBufferPointer) {
        precondition(raw.count >= 32)
        func word(_ at: Int) -> UInt64 {
            var v: UInt64 = 0
            for i in 0..<8 { v = (v << 8) | UInt64(raw[at + i]) }
            return v
        }
        self.init(w0: word(0), w1: word(8), w2: word(16), w3: word(24))
    }

    /// Reads 32 raw bytes from a byte collection; nil when there are fewer than 32.
    public init?<C: Collection>(bytes: C) where C.Element == UInt8 {
        guard bytes.count == 32 else { return nil }
        let array = Array(bytes)
        self = array.withUnsafeBytes { ObjectID(raw: $0) }
    }

    /// Parses 64 lowercase or uppercase hex digits.
    public init?<S: StringProtocol>(hex: S) {
        let utf8 = hex.utf8
        if let parsed = utf8.withContiguousStorageIfAvailable({ ObjectID(hexBytes: UnsafeRawBufferPointer($0)) }) {
            guard let id = parsed else { return nil }
            self = id
            return
        }
        guard let id = Array(utf8).withUnsafeBytes({ ObjectID(hexBytes: $0) }) else { return nil }
        self = id
    }

    /// Parses 64 hex digits from raw bytes, without allocating (hot in cat-file --batch).
    public init?(hexBytes b: UnsafeRawBufferPointer) {
        guard b.count == 64 else { return nil }
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        for w in 0..<4 {
            var v: UInt64 = 0
            for i in (w * 16)..<(w * 16 + 16) {
                guard let d = ObjectID.hexValue(b[i]) else { return nil }
                v = (v << 4) | UInt64(d)
            }
            switch w { case 0: words.0 = v; case 1: words.1 = v; case 2: words.2 = v; default: words.3 = v }
        }
        self.init(w0: words.0, w1: words.1, w2: words.2, w3: words.3)
    }

    /// The id of no object (all zeros), used by git for "ref does not exist".
    public static let zero = ObjectID(w0: 0, w1: 0, w2: 0, w3: 0)
    public var isZero: Bool { self == .zero }

    @inline(__always)
    public static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// The first byte, used for pack-index fan-out tables and loose-object directories.
    public var firstByte: UInt8 { UInt8(truncatingIfNeeded: w0 >> 56) }

    public var bytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        out.withUnsafeMutableBytes { write(to: $0.baseAddress!) }
        return out
    }

    /// Writes the 32 raw bytes to `p`.
    @inline(__always)
    public func write(to p: UnsafeMutableRawPointer) {
        p.storeBytes(of: w0.bigEndian, toByteOffset: 0, as: UInt64.self)
        p.storeBytes(of: w1.bigEndian, toByteOffset: 8, as: UInt64.self)
        p.storeBytes(of: w2.bigEndian, toByteOffset: 16, as: UInt64.self)
        p.storeBytes(of: w3.bigEndian, toByteOffset: 24, as: UInt64.self)
    }

    public var hex: String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        return String(unsafeUninitializedCapacity: 64) { buf in
            var i = 0
            for w in [w0, w1, w2, w3] {
                var shift: UInt64 = 60
                for _ in 0..<16 {
                    buf[i] = digits[Int((w >> shift) & 0xF)]
                    i += 1
                    shift &-= 4
                }
            }
            return 64
        }
    }

    /// Appends the 64 hex digits to a byte buffer (no String round trip; used on hot output paths).
    public func appendHex(to out: inout [UInt8]) {
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: 64))
        out.withUnsafeMutableBufferPointer { buf in
            var i = start
            for w in [w0, w1, w2, w3] {
                var shift: UInt64 = 60
                for _ in 0..<16 {
                    let d = UInt8(truncatingIfNeeded: (w >> shift) & 0xF)
                    buf[i] = d < 10 ? 0x30 + d : 0x57 + d
                    i += 1
                    shift &-= 4
                }
            }
        }
    }

    public var description: String { hex }

    public static func < (a: ObjectID, b: ObjectID) -> Bool {
        if a.w0 != b.w0 { return a.w0 < b.w0 }
        if a.w1 != b.w1 { return a.w1 < b.w1 }
        if a.w2 != b.w2 { return a.w2 < b.w2 }
        return a.w3 < b.w3
    }

    /// True when the hex form of this id starts with `prefix` (lowercase hex).
    public func hasHexPrefix(_ prefix: String) -> Bool { hex.hasPrefix(prefix.lowercased()) }
}

/// Hashes objects the way git does: SHA-256 over `"<type> <size>\0" + payload`.
public enum ObjectHasher {
    public static func id(type: ObjectType, payload: UnsafeRawBufferPointer) -> ObjectID {
        var h = SHA256()
        let header = Array("\(type.name) \(payload.count)\0".utf8)
        header.withUnsafeBytes { h.update(bufferPointer: $0) }
        h.update(bufferPointer: payload)
        return h.finalize().withUnsafeBytes { ObjectID(raw: $0) }
    }

    public static func id(type: ObjectType, payload: [UInt8]) -> ObjectID {
        payload.withUnsafeBytes { id(type: type, payload: $0) }
    }

    /// SHA-256 of arbitrary bytes (pack and index trailers).
    public static func digest(_ data: UnsafeRawBufferPointer) -> ObjectID {
        SHA256.hash(data: data).withUnsafeBytes { ObjectID(raw: $0) }
    }
}

/// Incremental SHA-256, for trailers computed while streaming (packs, indexes, bundles).
public struct StreamingHasher {
    private var h = SHA256()
    public init() {}
    public mutating func update(_ data: UnsafeRawBufferPointer) { h.update(bufferPointer: data) }
    public mutating func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { h.update(bufferPointer: $0) } }
    public func finalize() -> ObjectID { h.finalize().withUnsafeBytes { ObjectID(raw: $0) } }
}
