import AccordObjects

/// Builds the idx v2 for a pack that arrived without one (as `git index-pack`): parses every
/// entry in order, checks the trailer, resolves deltas (REF_DELTA bases may be in the pack or,
/// for thin packs, in `bases`), hashes every object and writes the index. On any problem it
/// throws and writes nothing. `inspect` sees each object once, as it is hashed (a receiver
/// checks the objects there instead of reading the whole pack back).
public enum PackIndexer {
    public struct Result: Sendable, Equatable {
        public var packChecksum: ObjectID
        public var count: Int
        public var indexPath: String
        /// Objects whose delta base came from outside the pack (the pack is thin).
        public var externalBases: Int
    }

    public static func index(packPath: String, indexPath: String? = nil, bases: ObjectDatabase? = nil,
                             maxObjectSize: Int = Repository.defaultMaxObjectSize,
                             progress: ((_ phase: String, _ done: Int, _ total: Int) -> Void)? = nil,
                             inspect: ((_ id: ObjectID, _ type: ObjectType, _ payload: [UInt8]) throws(StoreError) -> Void)? = nil) throws(StoreError) -> Result {
        let data = try PackData(path: packPath, maxObjectSize: maxObjectSize)
        let computed = data.computedChecksum()
        guard computed == data.trailer else {
            throw .corruptPack(path: packPath, "pack checksum mismatch (stored \(data.trailer), computed \(computed)); the pack is truncated or damaged")
        }
        let report = ProgressThrottle(progress)
        // Pass 1: walk the entries in order.
        struct Pending { var offset: Int; var crc: UInt32 }
        var resolved: [(id: ObjectID, offset: Int, crc: UInt32)] = []
        var pending: [Pending] = []
        var offsetOfID: [ObjectID: Int] = [:]
        var offset = PackFormat.packHeaderSize
        let b = data.file.bytes
        for n in 0..<data.count {
            guard offset < data.dataEnd else {
                throw .corruptPack(path: packPath, "pack ends after \(n) of the \(data.count) objects its header declares")
            }
            let e = try data.entry(at: offset)
            let (bytes, used) = try data.inflate(e, offset: offset, id: nil)
            let end = e.dataStart + used
            let crc = PackFormat.crc32(UnsafeRawBufferPointer(rebasing: b[offset..<end]))
            if e.code <= 4, let t = ObjectType(rawValue: e.code) {
                let id = ObjectHasher.id(type: t, payload: bytes)
                guard offsetOfID.updateValue(offset, forKey: id) == nil else {
                    throw .corruptPack(path: packPath, "object \(id) appears twice")
                }
                try inspect?(id, t, bytes)
                resolved.append((id, offset, crc))
            } else {
                pending.append(Pending(offset: offset, crc: crc))
            }
            offset = end
            report("Indexing objects", n + 1, data.count)
        }
        guard offset == data.dataEnd else {
            throw .corruptPack(path: packPath, "\(data.dataEnd - offset) unexpected bytes after the last object")
        }
        // Pass 2: resolve deltas; REF_DELTA bases may only become known as others resolve.
        var externalBases = 0
        var done = 0
        while !pending.isEmpty {
            var stillPending: [Pending] = []
            var missing: ObjectID?
            for p in pending {
                var waiting = false
                let refBase = { (id: ObjectID) throws(StoreError) -> RefBase? in
                    if let o = offsetOfID[id] { return .offset(o) }
                    if let bases, let o = try? bases.read(id) { externalBases += 1; return .object(o.type, o.payload) }
                    waiting = true
                    missing = id
                    return nil
                }
                let obj: (type: ObjectType, payload: [UInt8])
                do throws(StoreError) {
                    obj = try data.object(at: p.offset, id: nil, refBase: refBase)
                } catch {
                    if waiting { stillPending.append(p); continue }
                    throw error
                }
                let id = ObjectHasher.id(type: obj.type, payload: obj.payload)
                guard offsetOfID.updateValue(p.offset, forKey: id) == nil else {
                    throw .corruptPack(path: packPath, "object \(id) appears twice")
                }
                try inspect?(id, obj.type, obj.payload)
                resolved.append((id, p.offset, p.crc))
                done += 1
                report("Resolving deltas", done, done + pending.count)
            }
            if stillPending.count == pending.count {
                throw .corruptPack(path: packPath, "\(pending.count) deltas have a base that is neither in the pack nor in the repository (first missing: \(missing.map(\.hex) ?? "?"))")
            }
            pending = stillPending
        }
        let idx = PackFormat.buildIndex(resolved, packChecksum: data.trailer)
        let out = indexPath ?? (packPath.hasSuffix(".pack") ? String(packPath.dropLast(5)) + ".idx" : packPath + ".idx")
        try FileIO.writeAtomically(out, idx, mode: 0o444)
        return Result(packChecksum: data.trailer, count: resolved.count, indexPath: out, externalBases: externalBases)
    }
}
