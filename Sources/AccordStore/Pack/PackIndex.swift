import AccordObjects

/// A pack index, version 2 (`pack-*.idx`), memory-mapped. The layout is checked on open
/// (magic, version, fan-out monotonic, sizes consistent), so lookups never read out of bounds.
public final class PackIndex: @unchecked Sendable {
    public let path: String
    let file: MappedFile
    /// Number of objects.
    public let count: Int
    let namesStart: Int
    let crcStart: Int
    let offsetsStart: Int
    let largeStart: Int
    let largeCount: Int
    /// The trailer of the pack this index describes.
    public let packChecksum: ObjectID

    public init(path: String) throws(StoreError) {
        self.path = path
        file = try MappedFile(path: path)
        let b = file.bytes
        let h = PackFormat.hashSize
        func bad(_ why: String) -> StoreError { .corruptPack(path: path, why) }
        guard b.count >= 8 + 1024 + 2 * h else { throw bad("index is truncated (\(b.count) bytes)") }
        guard Array(b[0..<4]) == PackFormat.idxMagic else { throw bad("not a version 2 pack index (bad magic)") }
        let version = PackFormat.be32(b, 4)
        guard version == 2 else { throw bad("unsupported pack index version \(version)") }
        var prev: UInt32 = 0
        for i in 0..<256 {
            let v = PackFormat.be32(b, 8 + 4 * i)
            guard v >= prev else { throw bad("fan-out table is not monotonic at entry \(i) (\(v) after \(prev))") }
            prev = v
        }
        let n = Int(prev)
        namesStart = 8 + 1024
        crcStart = namesStart + n * h
        offsetsStart = crcStart + 4 * n
        largeStart = offsetsStart + 4 * n
        let fixedEnd = largeStart + 2 * h
        guard b.count >= fixedEnd else { throw bad("index is truncated: \(n) objects need at least \(fixedEnd) bytes, file has \(b.count)") }
        guard (b.count - fixedEnd) % 8 == 0 else { throw bad("index has \(b.count) bytes, which does not match \(n) objects") }
        largeCount = (b.count - fixedEnd) / 8
        count = n
        packChecksum = PackFormat.id(b, b.count - 2 * h)
    }

    @inline(__always)
    public func id(at i: Int) -> ObjectID { PackFormat.id(file.bytes, namesStart + 32 * i) }

    public func crc(at i: Int) -> UInt32 { PackFormat.be32(file.bytes, crcStart + 4 * i) }

    /// The pack offset of entry `i` (a large-offset reference is checked against the table).
    public func offset(at i: Int) throws(StoreError) -> Int {
        let v = PackFormat.be32(file.bytes, offsetsStart + 4 * i)
        if v & 0x8000_0000 == 0 { return Int(v) }
        let li = Int(v & 0x7FFF_FFFF)
        guard li < largeCount else {
            throw .corruptPack(path: path, "object \(id(at: i)) has large-offset index \(li), but the table has \(largeCount) entries")
        }
        let o = PackFormat.be64(file.bytes, largeStart + 8 * li)
        guard o < UInt64(Int.max) else { throw .corruptPack(path: path, "object \(id(at: i)) has offset \(o), out of range") }
        return Int(o)
    }

    /// Position of `id` in the sorted table, by binary search inside its fan-out bucket.
    public func position(of id: ObjectID) -> Int? {
        let fb = Int(id.firstByte)
        let b = file.bytes
        var lo = fb == 0 ? 0 : Int(PackFormat.be32(b, 8 + 4 * (fb - 1)))
        var hi = Int(PackFormat.be32(b, 8 + 4 * fb))
        while lo < hi {
            let mid = (lo &+ hi) >> 1
            let m = self.id(at: mid)
            if m == id { return mid }
            if m < id { lo = mid + 1 } else { hi = mid }
        }
        return nil
    }

    public func contains(_ id: ObjectID) -> Bool { position(of: id) != nil }

    public func allIDs() -> [ObjectID] { (0..<count).map { id(at: $0) } }

    /// Checks the index trailer hash, the sort order and the fan-out buckets.
    public func verify() throws(StoreError) {
        let b = file.bytes
        let h = PackFormat.hashSize
        let actual = ObjectHasher.digest(UnsafeRawBufferPointer(rebasing: b[0..<(b.count - h)]))
        let stored = PackFormat.id(b, b.count - h)
        guard actual == stored else { throw .corruptPack(path: path, "index checksum mismatch (stored \(stored), computed \(actual))") }
        var prev: ObjectID?
        for i in 0..<count {
            let cur = id(at: i)
            if let p = prev, !(p < cur) { throw .corruptPack(path: path, "index entries not sorted at \(i) (\(cur))") }
            let fb = Int(cur.firstByte)
            let lo = fb == 0 ? 0 : Int(PackFormat.be32(b, 8 + 4 * (fb - 1)))
            let hi = Int(PackFormat.be32(b, 8 + 4 * fb))
            guard i >= lo, i < hi else { throw .corruptPack(path: path, "object \(cur) is outside its fan-out bucket") }
            prev = cur
        }
    }
}
