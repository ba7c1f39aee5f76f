import AccordObjects

/// git's delta format: `varint(source size) varint(target size)` then instructions:
/// copy (`1xxxxxxx` + offset/size bytes selected by the low 7 bits) from the base, or
/// insert (`0nnnnnnn`, 1…127 literal bytes). Opcode 0 is reserved.
public enum Delta {
    public enum Error: Swift.Error, Equatable, CustomStringConvertible {
        case malformed(String)
        case baseSizeMismatch(declared: Int, actual: Int)
        case tooLarge(Int, limit: Int)

        public var description: String {
            switch self {
            case let .malformed(m): "delta is malformed: \(m)"
            case let .baseSizeMismatch(d, a): "delta expects a base of \(d) bytes, the base has \(a)"
            case let .tooLarge(s, l): "delta result of \(s) bytes is above the limit of \(l)"
            }
        }
    }

    /// Reads a little-endian base-128 size at `i`.
    @inline(__always)
    static func readSize(_ d: UnsafeRawBufferPointer, _ i: inout Int) throws(Error) -> Int {
        var v = 0
        var shift = 0
        while true {
            guard i < d.count else { throw .malformed("truncated size header") }
            let c = d[i]; i += 1
            guard shift <= 56 else { throw .malformed("size header too long") }
            v |= Int(c & 0x7F) << shift
            shift += 7
            guard v >= 0, v <= Int(Int32.max) * 64 else { throw .malformed("size header out of range") }
            if c & 0x80 == 0 { return v }
        }
    }

    /// The (source, target) sizes declared by a delta's header.
    public static func sizes(_ delta: UnsafeRawBufferPointer) throws(Error) -> (source: Int, target: Int) {
        var i = 0
        let s = try readSize(delta, &i)
        let t = try readSize(delta, &i)
        return (s, t)
    }

    /// Applies `delta` to `base`. Every copy must lie inside the base, every insert inside the
    /// delta, and the result must be exactly the declared size.
    public static func apply(_ delta: UnsafeRawBufferPointer, base: UnsafeRawBufferPointer,
                             limit: Int = Int.max) throws(Error) -> [UInt8] {
        var i = 0
        let sourceSize = try readSize(delta, &i)
        let targetSize = try readSize(delta, &i)
        guard sourceSize == base.count else { throw .baseSizeMismatch(declared: sourceSize, actual: base.count) }
        guard targetSize <= limit else { throw .tooLarge(targetSize, limit: limit) }
        var failure: Error?
        let out = [UInt8](unsafeUninitializedCapacity: targetSize) { buf, initialized in
            initialized = 0
            let dst = UnsafeMutableRawPointer(buf.baseAddress)
            var o = 0
            let n = delta.count
            while i < n {
                let cmd = delta[i]; i += 1
                if cmd & 0x80 != 0 {
                    var off = 0, size = 0
                    for bit in 0..<4 where cmd & (1 << bit) != 0 {
                        guard i < n else { failure = .malformed("truncated copy instruction"); return }
                        off |= Int(delta[i]) << (8 * bit); i += 1
                    }
                    for bit in 0..<3 where cmd & (0x10 << bit) != 0 {
                        guard i < n else { failure = .malformed("truncated copy instruction"); return }
                        size |= Int(delta[i]) << (8 * bit); i += 1
                    }
                    if size == 0 { size = 0x10000 }
                    guard off + size <= base.count else {
                        failure = .malformed("copy of \(size) bytes at \(off) is outside the \(base.count)-byte base"); return
                    }
                    guard size <= targetSize - o else { failure = .malformed("copy overflows the declared result size \(targetSize)"); return }
                    dst!.advanced(by: o).copyMemory(from: base.baseAddress!.advanced(by: off), byteCount: size)
                    o += size
                } else if cmd != 0 {
                    let size = Int(cmd)
                    guard size <= n - i else { failure = .malformed("insert of \(size) bytes runs past the end of the delta"); return }
                    guard size <= targetSize - o else { failure = .malformed("insert overflows the declared result size \(targetSize)"); return }
                    dst!.advanced(by: o).copyMemory(from: delta.baseAddress!.advanced(by: i), byteCount: size)
                    o += size; i += size
                } else {
                    failure = .malformed("reserved opcode 0"); return
                }
            }
            guard o == targetSize else { failure = .malformed("result is \(o) bytes, \(targetSize) declared"); return }
            initialized = targetSize
        }
        if let failure { throw failure }
        return out
    }

    public static func apply(_ delta: [UInt8], base: [UInt8], limit: Int = Int.max) throws(Error) -> [UInt8] {
        try delta.withBytes { (d) throws(Error) in try base.withBytes { (b) throws(Error) in try apply(d, base: b, limit: limit) } }
    }

    /// Creates a delta turning `base` into `target`; nil if it would exceed `maxSize` bytes.
    public static func create(base: [UInt8], target: [UInt8], maxSize: Int = Int.max) -> [UInt8]? {
        let index = DeltaIndex(base: base)
        return target.withUnsafeBytes { index.delta(to: $0, maxSize: maxSize) }
    }
}

/// A block-hash index of a delta base (like git's diff-delta): the hash of every aligned
/// 16-byte block, so that targets can be matched against it with a rolling hash.
public final class DeltaIndex {
    static let block = 16
    static let mult: UInt32 = 0x01000193
    /// mult^16, to roll the oldest byte out.
    static let multPow: UInt32 = {
        var p: UInt32 = 1
        for _ in 0..<block { p = p &* mult }
        return p
    }()
    static let maxChain = 32

    public let base: [UInt8]
    private var heads: [Int32]
    private var next: [Int32]
    private let shift: UInt32
    private let mask: Int

    public init(base: [UInt8]) {
        self.base = base
        let blocks = base.count / DeltaIndex.block
        var bits = 4
        while (1 << bits) < blocks && bits < 28 { bits += 1 }
        mask = (1 << bits) - 1
        shift = UInt32(32 - bits)
        heads = [Int32](repeating: -1, count: 1 << bits)
        next = [Int32](repeating: -1, count: max(blocks, 1))
        guard blocks > 0 else { return }
        base.withUnsafeBufferPointer { b in
            heads.withUnsafeMutableBufferPointer { hd in
                next.withUnsafeMutableBufferPointer { nx in
                    // Insert from the end so that chains list earlier blocks first.
                    var k = blocks - 1
                    while k >= 0 {
                        let start = k * DeltaIndex.block
                        var h: UInt32 = 0
                        for j in 0..<DeltaIndex.block { h = h &* DeltaIndex.mult &+ UInt32(b[start + j]) }
                        let bucket = Int((h &* 0x9E37_79B1) >> shift) & mask
                        nx[k] = hd[bucket]
                        hd[bucket] = Int32(k)
                        k -= 1
                    }
                }
            }
        }
    }

    /// The delta from this base to `target`, or nil if it would be larger than `maxSize`.
    public func delta(to target: UnsafeRawBufferPointer, maxSize: Int = Int.max) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(min(maxSize == Int.max ? target.count / 2 + 64 : maxSize + 16, target.count + 64))
        Self.appendSize(base.count, &out)
        Self.appendSize(target.count, &out)
        let bs = DeltaIndex.block
        let n = target.count
        let ok: Bool = base.withUnsafeBufferPointer { bp in
            heads.withUnsafeBufferPointer { hd in
                next.withUnsafeBufferPointer { nx in
                    let b = UnsafeRawBufferPointer(bp)
                    var insertStart = 0 // start of pending literal bytes
                    var pos = 0
                    var h: UInt32 = 0
                    var hashValidAt = -1 // position whose window hash is in `h`
                    let canMatch = b.count >= bs
                    while pos + bs <= n && canMatch {
                        if hashValidAt != pos {
                            h = 0
                            for j in 0..<bs { h = h &* DeltaIndex.mult &+ UInt32(target[pos + j]) }
                            hashValidAt = pos
                        }
                        let bucket = Int((h &* 0x9E37_79B1) >> shift) & mask
                        var cand = Int(hd[bucket])
                        var bestLen = 0, bestOff = 0
                        var tries = 0
                        while cand >= 0 && tries < DeltaIndex.maxChain {
                            tries += 1
                            let boff = cand * bs
                            // extend forward
                            var len = 0
                            let maxLen = min(b.count - boff, n - pos)
                            while len < maxLen && b[boff + len] == target[pos + len] { len += 1 }
                            if len > bestLen { bestLen = len; bestOff = boff; if len == maxLen { break } }
                            cand = Int(nx[cand])
                        }
                        if bestLen >= bs {
                            // extend backward into the pending literals
                            var back = 0
                            while pos - back > insertStart && bestOff - back > 0
                                    && b[bestOff - back - 1] == target[pos - back - 1] { back += 1 }
                            let mStart = pos - back, mOff = bestOff - back, mLen = bestLen + back
                            Self.appendInserts(target, insertStart, mStart, &out)
                            Self.appendCopy(offset: mOff, length: mLen, &out)
                            if out.count > maxSize { return false }
                            pos = mStart + mLen
                            insertStart = pos
                            continue
                        }
                        // roll one byte
                        if pos + bs < n {
                            h = (h &* DeltaIndex.mult &+ UInt32(target[pos + bs])) &- DeltaIndex.multPow &* UInt32(target[pos])
                            hashValidAt = pos + 1
                        }
                        pos += 1
                        if pos - insertStart > maxSize { return false }
                    }
                    Self.appendInserts(target, insertStart, n, &out)
                    return out.count <= maxSize
                }
            }
        }
        return ok ? out : nil
    }

    static func appendSize(_ v: Int, _ out: inout [UInt8]) {
        var v = UInt64(v)
        while v >= 0x80 { out.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        out.append(UInt8(v))
    }

    @inline(__always)
    static func appendInserts(_ t: UnsafeRawBufferPointer, _ from: Int, _ to: Int, _ out: inout [UInt8]) {
        var i = from
        while i < to {
            let k = min(127, to - i)
            out.append(UInt8(k))
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: t[i..<(i + k)]))
            i += k
        }
    }

    @inline(__always)
    static func appendCopy(offset: Int, length: Int, _ out: inout [UInt8]) {
        var off = offset, left = length
        while left > 0 {
            let size = min(left, 0xFF_FFFF)
            var cmd: UInt8 = 0x80
            let at = out.count
            out.append(0)
            for bit in 0..<4 {
                let byte = UInt8(truncatingIfNeeded: off >> (8 * bit))
                if byte != 0 { cmd |= 1 << bit; out.append(byte) }
            }
            for bit in 0..<3 {
                let byte = UInt8(truncatingIfNeeded: size >> (8 * bit))
                if byte != 0 { cmd |= 0x10 << bit; out.append(byte) }
            }
            out[at] = cmd
            off += size; left -= size
        }
    }
}
