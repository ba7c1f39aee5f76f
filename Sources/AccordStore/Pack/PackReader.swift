import AccordObjects

/// One parsed pack entry header.
struct PackEntry {
    /// 1…4 for whole objects, 6 OFS_DELTA, 7 REF_DELTA.
    var code: UInt8
    /// Declared inflated size (of the object, or of the delta data).
    var size: Int
    /// Where the zlib stream starts.
    var dataStart: Int
    /// OFS_DELTA: the base's offset.
    var baseOffset: Int = 0
    /// REF_DELTA: the base's id.
    var baseID: ObjectID = .zero
}

/// The bytes of a pack (memory-mapped) and the logic to decode entries and resolve delta chains.
/// Shared by `PackReader` (with an index) and `PackIndexer` (building one).
final class PackData: @unchecked Sendable {
    let path: String
    let file: MappedFile
    let maxObjectSize: Int
    /// The object count from the header.
    let count: Int
    /// End of entry data (start of the trailer).
    let dataEnd: Int

    private let lock = StoreMutex()
    /// Delta-base cache, direct-mapped by offset (as git's delta_base_cache is hashed): O(1) per
    /// lookup and insert; a colliding insert replaces the slot's occupant.
    private var cache = [(offset: Int, type: ObjectType, payload: [UInt8])?](repeating: nil, count: PackData.cacheSlots)
    private var cacheBytes = 0
    private var evictCursor = 0
    static let cacheLimitBytes = 96 << 20
    static let cacheSlots = 16384

    @inline(__always) static func slot(_ offset: Int) -> Int { Int(truncatingIfNeeded: (UInt(bitPattern: offset) &* 0x9E37_79B9_7F4A_7C15) >> 50) }

    init(path: String, maxObjectSize: Int) throws(StoreError) {
        self.path = path
        self.maxObjectSize = maxObjectSize
        file = try MappedFile(path: path)
        let b = file.bytes
        guard b.count >= PackFormat.packHeaderSize + PackFormat.hashSize else {
            throw .corruptPack(path: path, "pack is truncated (\(b.count) bytes)")
        }
        guard Array(b[0..<4]) == PackFormat.packMagic else { throw .corruptPack(path: path, "not a pack file (bad signature)") }
        let version = PackFormat.be32(b, 4)
        guard version == 2 || version == 3 else { throw .corruptPack(path: path, "unsupported pack version \(version)") }
        count = Int(PackFormat.be32(b, 8))
        dataEnd = b.count - PackFormat.hashSize
    }

    var trailer: ObjectID { PackFormat.id(file.bytes, dataEnd) }

    func computedChecksum() -> ObjectID {
        ObjectHasher.digest(UnsafeRawBufferPointer(rebasing: file.bytes[0..<dataEnd]))
    }

    func fail(_ why: String, offset: Int? = nil, id: ObjectID? = nil) -> StoreError {
        var where_ = ""
        if let id { where_ += "object \(id)" }
        if let offset { where_ += (where_.isEmpty ? "" : " ") + "at offset \(offset)" }
        return .corruptPack(path: path, where_.isEmpty ? why : "\(where_): \(why)")
    }

    /// Parses the entry header at `offset`.
    func entry(at offset: Int, id: ObjectID? = nil) throws(StoreError) -> PackEntry {
        let b = file.bytes
        guard offset >= PackFormat.packHeaderSize, offset < dataEnd else {
            throw fail("entry offset is outside the pack data (\(PackFormat.packHeaderSize)..<\(dataEnd))", offset: offset, id: id)
        }
        var i = offset
        var c = b[i]; i += 1
        let code = (c >> 4) & 7
        var size = Int(c & 0x0F)
        var shift = 4
        while c & 0x80 != 0 {
            guard i < dataEnd else { throw fail("truncated entry header", offset: offset, id: id) }
            guard shift <= 56 else { throw fail("entry size header too long", offset: offset, id: id) }
            c = b[i]; i += 1
            size |= Int(c & 0x7F) << shift
            shift += 7
        }
        guard size >= 0 else { throw fail("entry size overflows", offset: offset, id: id) }
        var e = PackEntry(code: code, size: size, dataStart: i)
        switch code {
        case 1...4: break
        case PackFormat.ofsDelta:
            guard i < dataEnd else { throw fail("truncated delta offset", offset: offset, id: id) }
            c = b[i]; i += 1
            var dist = Int(c & 0x7F)
            while c & 0x80 != 0 {
                guard i < dataEnd else { throw fail("truncated delta offset", offset: offset, id: id) }
                guard dist < (1 << 55) else { throw fail("delta base offset overflows", offset: offset, id: id) }
                c = b[i]; i += 1
                dist = ((dist + 1) << 7) | Int(c & 0x7F)
            }
            guard dist > 0, dist <= offset - PackFormat.packHeaderSize else {
                throw fail("delta base distance \(dist) points outside the pack", offset: offset, id: id)
            }
            e.baseOffset = offset - dist
            e.dataStart = i
        case PackFormat.refDelta:
            guard dataEnd - i >= 32 else { throw fail("truncated delta base id", offset: offset, id: id) }
            e.baseID = PackFormat.id(b, i)
            e.dataStart = i + 32
        default:
            throw fail("unknown entry type \(code)", offset: offset, id: id)
        }
        return e
    }

    /// Inflates an entry's data, which must be exactly its declared size.
    func inflate(_ e: PackEntry, offset: Int, id: ObjectID?) throws(StoreError) -> (bytes: [UInt8], consumed: Int) {
        let limit = e.code <= 4 ? maxObjectSize : maxObjectSize + maxObjectSize / 2 + 1024
        guard e.size <= limit else {
            if e.code <= 4 { throw .objectTooLarge(id, size: e.size, limit: maxObjectSize) }
            throw fail("delta data of \(e.size) bytes is above the limit", offset: offset, id: id)
        }
        let input = UnsafeRawBufferPointer(rebasing: file.bytes[e.dataStart..<dataEnd])
        do throws(Zlib.Error) {
            let r = try Zlib.inflateExact(input, size: e.size)
            return (r.output, r.consumed)
        } catch {
            throw fail(error.description, offset: offset, id: id)
        }
    }

    private func cached(_ offset: Int) -> (type: ObjectType, payload: [UInt8])? {
        lock.lock(); defer { lock.unlock() }
        guard let c = cache[PackData.slot(offset)], c.offset == offset else { return nil }
        return (c.type, c.payload)
    }

    private func remember(_ offset: Int, _ type: ObjectType, _ payload: [UInt8]) {
        guard payload.count <= PackData.cacheLimitBytes / 8 else { return }
        lock.lock(); defer { lock.unlock() }
        let i = PackData.slot(offset)
        if let old = cache[i] { cacheBytes -= old.payload.count }
        cache[i] = (offset, type, payload)
        cacheBytes += payload.count
        // Over the byte limit: empty other slots round-robin until under it.
        while cacheBytes > PackData.cacheLimitBytes {
            evictCursor = (evictCursor + 1) % PackData.cacheSlots
            if evictCursor != i, let old = cache[evictCursor] { cacheBytes -= old.payload.count; cache[evictCursor] = nil }
        }
    }

    /// The object at `offset`, resolving delta chains iteratively.
    /// - Parameter refBase: finds the offset (in this pack) or the content (elsewhere) of a REF_DELTA base.
    func object(at offset: Int, id: ObjectID?,
                refBase: (ObjectID) throws(StoreError) -> RefBase?) throws(StoreError) -> (type: ObjectType, payload: [UInt8]) {
        if let c = cached(offset) { return c }
        // Walk down to a whole object (or a cached one), remembering the deltas on the way.
        var chain: [(offset: Int, entry: PackEntry)] = []
        var visited: Set<Int> = []
        var cur = offset
        var base: (type: ObjectType, payload: [UInt8])
        walk: while true {
            if !chain.isEmpty, let c = cached(cur) { base = c; break walk }
            guard visited.insert(cur).inserted else { throw fail("delta chain loops back to offset \(cur)", offset: offset, id: id) }
            guard chain.count < PackFormat.maxChainDepth else {
                throw fail("delta chain is longer than \(PackFormat.maxChainDepth)", offset: offset, id: id)
            }
            let e = try entry(at: cur, id: cur == offset ? id : nil)
            if e.code <= 4 {
                guard let t = ObjectType(rawValue: e.code) else { throw fail("bad type", offset: cur, id: id) }
                let data = try inflate(e, offset: cur, id: cur == offset ? id : nil)
                base = (t, data.bytes)
                if cur != offset { remember(cur, t, data.bytes) }
                break walk
            }
            chain.append((cur, e))
            if e.code == PackFormat.ofsDelta {
                cur = e.baseOffset
            } else {
                switch try refBase(e.baseID) {
                case let .offset(o)?: cur = o
                case let .object(t, p)?: base = (t, p); break walk
                case nil: throw fail("delta base \(e.baseID) is not available", offset: cur, id: id)
                }
            }
        }
        // Apply the deltas from the innermost outwards.
        while let (off, e) = chain.popLast() {
            let delta = try inflate(e, offset: off, id: off == offset ? id : nil)
            let result: [UInt8]
            do throws(Delta.Error) {
                result = try delta.bytes.withBytes { (d) throws(Delta.Error) in
                    try base.payload.withBytes { (bp) throws(Delta.Error) in try Delta.apply(d, base: bp, limit: maxObjectSize) }
                }
            } catch {
                if case let .tooLarge(s, l) = error { throw .objectTooLarge(off == offset ? id : nil, size: s, limit: l) }
                throw fail(error.description, offset: off, id: off == offset ? id : nil)
            }
            base = (base.type, result)
            if !chain.isEmpty { remember(off, base.type, result) }
        }
        return base
    }

    /// Type (following deltas to their base) and size (from the delta header) without inflating whole objects.
    func header(at offset: Int, id: ObjectID?,
                refBase: (ObjectID) throws(StoreError) -> RefBase?) throws(StoreError) -> (type: ObjectType, size: Int) {
        let top = try entry(at: offset, id: id)
        var size = top.size
        if top.code > 4 {
            // Only the delta's size header is needed: inflate a few bytes.
            var head: [UInt8] = []
            let input = UnsafeRawBufferPointer(rebasing: file.bytes[top.dataStart..<dataEnd])
            do throws(Zlib.Error) {
                _ = try Zlib.inflate(input, limit: Int.max) { (chunk) throws(Zlib.Error) in
                    head.append(contentsOf: chunk.prefix(32))
                    if head.count >= 20 { throw .trailingData }
                }
            } catch .trailingData {
            } catch { throw fail(error.description, offset: offset, id: id) }
            do throws(Delta.Error) {
                size = try head.withBytes { (h) throws(Delta.Error) in try Delta.sizes(h).target }
            } catch { throw fail(error.description, offset: offset, id: id) }
        }
        var e = top
        var cur = offset
        var depth = 0
        while e.code > 4 {
            depth += 1
            guard depth <= PackFormat.maxChainDepth else { throw fail("delta chain is too long or loops", offset: offset, id: id) }
            if e.code == PackFormat.ofsDelta {
                cur = e.baseOffset
            } else {
                switch try refBase(e.baseID) {
                case let .offset(o)?: cur = o
                case let .object(t, _)?: return (t, size)
                case nil: throw fail("delta base \(e.baseID) is not available", offset: cur, id: id)
                }
            }
            e = try entry(at: cur, id: nil)
        }
        guard let t = ObjectType(rawValue: e.code) else { throw fail("bad type", offset: cur, id: id) }
        return (t, size)
    }

    /// The raw extent of the entry at `offset` (header + compressed data), by inflating it.
    func entryEnd(at offset: Int) throws(StoreError) -> Int {
        let e = try entry(at: offset)
        let used = try inflate(e, offset: offset, id: nil).consumed
        return e.dataStart + used
    }
}

enum RefBase {
    case offset(Int)
    case object(ObjectType, [UInt8])
}

/// A pack with its index: reads objects by id, each verified against its id.
public final class PackReader: @unchecked Sendable {
    public let index: PackIndex
    let data: PackData
    public var packPath: String { data.path }
    public var maxObjectSize: Int { data.maxObjectSize }

    /// Where REF_DELTA bases outside the pack are read from (a thin pack); nil for normal packs.
    let externalBases: ObjectDatabase?

    public init(packPath: String, indexPath: String, maxObjectSize: Int, externalBases: ObjectDatabase? = nil) throws(StoreError) {
        self.externalBases = externalBases
        index = try PackIndex(path: indexPath)
        data = try PackData(path: packPath, maxObjectSize: maxObjectSize)
        guard data.count == index.count else {
            throw .corruptPack(path: packPath, "pack has \(data.count) objects, its index \(indexPath) lists \(index.count)")
        }
        guard data.trailer == index.packChecksum else {
            throw .corruptPack(path: packPath, "pack checksum \(data.trailer) does not match the one recorded in \(indexPath)")
        }
    }

    public var count: Int { index.count }

    private let offsetsLock = StoreMutex()
    private var offsetsCache: [Int]?
    /// Every entry's offset, ascending (where each entry ends; for pack reuse). Computed once.
    func sortedOffsets() throws(StoreError) -> [Int] {
        offsetsLock.lock(); defer { offsetsLock.unlock() }
        if let offsetsCache { return offsetsCache }
        var out: [Int] = []
        out.reserveCapacity(count)
        for i in 0..<count { out.append(try index.offset(at: i)) }
        out.sort()
        offsetsCache = out
        return out
    }

    public func contains(_ id: ObjectID) -> Bool { index.position(of: id) != nil }
    public func allIDs() -> [ObjectID] { index.allIDs() }

    private func refBase(_ id: ObjectID) throws(StoreError) -> RefBase? {
        guard let p = index.position(of: id) else {
            guard let externalBases, let o = try? externalBases.read(id) else { return nil }
            return .object(o.type, o.payload)
        }
        return .offset(try index.offset(at: p))
    }

    /// Reads and verifies an object; nil if this pack does not have it.
    public func read(_ id: ObjectID) throws(StoreError) -> (type: ObjectType, payload: [UInt8])? {
        guard let p = index.position(of: id) else { return nil }
        let o = try data.object(at: try index.offset(at: p), id: id, refBase: refBase)
        let actual = ObjectHasher.id(type: o.type, payload: o.payload)
        guard actual == id else {
            throw .corruptPack(path: packPath, "object \(id) hashes to \(actual)")
        }
        return o
    }

    public func header(_ id: ObjectID) throws(StoreError) -> (type: ObjectType, size: Int)? {
        guard let p = index.position(of: id) else { return nil }
        return try data.header(at: try index.offset(at: p), id: id, refBase: refBase)
    }

    /// Checks the pack and index trailers, every entry's CRC and that every object reads back
    /// and hashes to its id.
    /// - Parameter readObjects: also inflate and hash every object. fsck passes false because it
    ///   reads every object itself; checksums, offsets and CRCs are always checked.
    public func verify(readObjects: Bool = true, progress: ((Int, Int) -> Void)? = nil) throws(StoreError) {
        try index.verify()
        let computed = data.computedChecksum()
        guard computed == data.trailer else {
            throw .corruptPack(path: packPath, "pack checksum mismatch (stored \(data.trailer), computed \(computed))")
        }
        var byOffset: [(offset: Int, pos: Int)] = []
        byOffset.reserveCapacity(count)
        for i in 0..<count { byOffset.append((try index.offset(at: i), i)) }
        byOffset.sort { $0.offset < $1.offset }
        for (k, e) in byOffset.enumerated() {
            let id = index.id(at: e.pos)
            if k > 0, byOffset[k - 1].offset == e.offset {
                throw .corruptPack(path: index.path, "objects \(index.id(at: byOffset[k - 1].pos)) and \(id) share offset \(e.offset)")
            }
            let end = k + 1 < byOffset.count ? byOffset[k + 1].offset : data.dataEnd
            guard e.offset >= PackFormat.packHeaderSize, end <= data.dataEnd, e.offset < end else {
                throw .corruptPack(path: packPath, "object \(id) has a bad offset \(e.offset)")
            }
            let crc = PackFormat.crc32(UnsafeRawBufferPointer(rebasing: data.file.bytes[e.offset..<end]))
            guard crc == index.crc(at: e.pos) else {
                throw .corruptPack(path: packPath, "object \(id) at offset \(e.offset): CRC mismatch")
            }
            if readObjects { _ = try read(id) }
            progress?(k + 1, count)
        }
    }
}
