import AccordObjects
import CZlib
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Constants and small helpers shared by the pack and pack-index code.
enum PackFormat {
    static let idxMagic: [UInt8] = [0xFF, 0x74, 0x4F, 0x63] // "\377tOc"
    static let packMagic: [UInt8] = Array("PACK".utf8)
    static let hashSize = 32
    static let packHeaderSize = 12
    /// Pack entry type codes beyond the four object types.
    static let ofsDelta: UInt8 = 6
    static let refDelta: UInt8 = 7
    /// Longest delta chain followed before giving up (a cycle or a hostile pack).
    static let maxChainDepth = 10_000

    @inline(__always)
    static func be32(_ p: UnsafeRawBufferPointer, _ at: Int) -> UInt32 {
        UInt32(bigEndian: p.loadUnaligned(fromByteOffset: at, as: UInt32.self))
    }

    @inline(__always)
    static func be64(_ p: UnsafeRawBufferPointer, _ at: Int) -> UInt64 {
        UInt64(bigEndian: p.loadUnaligned(fromByteOffset: at, as: UInt64.self))
    }

    /// Reads an id at `at`; the caller has checked `at + 32 <= p.count`.
    @inline(__always)
    static func id(_ p: UnsafeRawBufferPointer, _ at: Int) -> ObjectID {
        ObjectID(w0: be64(p, at), w1: be64(p, at + 8), w2: be64(p, at + 16), w3: be64(p, at + 24))
    }

    static func crc32(_ p: UnsafeRawBufferPointer, initial: UInt32 = 0) -> UInt32 {
        var crc = uLong(initial)
        var rest = p
        while !rest.isEmpty {
            let n = min(rest.count, 1 << 30)
            crc = CZlib.crc32(crc, rest.baseAddress!.assumingMemoryBound(to: Bytef.self), uInt(n))
            rest = UnsafeRawBufferPointer(rebasing: rest[n...])
        }
        return UInt32(truncatingIfNeeded: crc)
    }

    static func appendBE32(_ v: UInt32, to out: inout [UInt8]) {
        out.append(UInt8(truncatingIfNeeded: v >> 24)); out.append(UInt8(truncatingIfNeeded: v >> 16))
        out.append(UInt8(truncatingIfNeeded: v >> 8)); out.append(UInt8(truncatingIfNeeded: v))
    }

    static func appendID(_ id: ObjectID, to out: inout [UInt8]) {
        for w in [id.w0, id.w1, id.w2, id.w3] {
            for s in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: w >> UInt64(s))) }
        }
    }

    /// The entry header: type code and size (4 bits, then 7 per continuation byte).
    static func encodeEntryHeader(type: UInt8, size: Int, into out: inout [UInt8]) {
        var s = UInt64(size)
        var c = UInt8((type << 4) | UInt8(s & 0x0F))
        s >>= 4
        while s != 0 {
            out.append(c | 0x80)
            c = UInt8(s & 0x7F)
            s >>= 7
        }
        out.append(c)
    }

    /// OFS_DELTA's distance back to the base: big-endian base-128 with the "+1 per continuation" twist.
    static func encodeOffsetDelta(_ distance: Int, into out: inout [UInt8]) {
        var d = UInt64(distance)
        var tmp = [UInt8(d & 0x7F)]
        d >>= 7
        while d != 0 {
            d -= 1
            tmp.append(0x80 | UInt8(d & 0x7F))
            d >>= 7
        }
        out.append(contentsOf: tmp.reversed())
    }

    /// Builds an idx v2 file for `entries` (any order) of the pack whose trailer is `packChecksum`.
    static func buildIndex(_ entries: [(id: ObjectID, offset: Int, crc: UInt32)], packChecksum: ObjectID) -> [UInt8] {
        let sorted = entries.sorted { $0.id < $1.id }
        var out: [UInt8] = []
        out.reserveCapacity(8 + 1024 + sorted.count * 40 + 64)
        out.append(contentsOf: idxMagic)
        appendBE32(2, to: &out)
        var fan = [UInt32](repeating: 0, count: 256)
        for e in sorted { fan[Int(e.id.firstByte)] += 1 }
        var running: UInt32 = 0
        for i in 0..<256 { running += fan[i]; appendBE32(running, to: &out) }
        for e in sorted { appendID(e.id, to: &out) }
        for e in sorted { appendBE32(e.crc, to: &out) }
        var large: [UInt64] = []
        for e in sorted {
            if e.offset < 0x8000_0000 {
                appendBE32(UInt32(e.offset), to: &out)
            } else {
                appendBE32(0x8000_0000 | UInt32(large.count), to: &out)
                large.append(UInt64(e.offset))
            }
        }
        for l in large { appendBE32(UInt32(l >> 32), to: &out); appendBE32(UInt32(l & 0xFFFF_FFFF), to: &out) }
        appendID(packChecksum, to: &out)
        let check = out.withUnsafeBytes { ObjectHasher.digest($0) }
        appendID(check, to: &out)
        return out
    }
}

