import AccordObjects
#if canImport(Glibc)
import Glibc
#endif

/// Loose objects: `objects/xx/yyyy…`, each a zlib stream of `"<type> <size>\0" + payload`.
public struct LooseObjects: Sendable {
    public let directory: String
    /// Objects declaring more than this many bytes are refused before inflating.
    public let maxObjectSize: Int
    /// fsync each new object before it becomes visible (`accord.fsyncObjectFiles`, default true).
    public let durable: Bool
    /// Directories whose new entries are not yet fsynced; shared by copies of this value.
    private let unsynced = UnsyncedDirectories()

    public init(directory: String, maxObjectSize: Int, durable: Bool) {
        self.directory = directory; self.maxObjectSize = maxObjectSize; self.durable = durable
    }

    /// Makes every object written so far durable, directory entries included. Each object file
    /// is fsynced before its rename; the directories are synced here, once per batch (as git's
    /// batch fsync mode), and must be before any ref points at the new objects.
    public func flush() {
        guard durable else { return }
        for dir in unsynced.take() { FileIO.fsyncDirectory(dir) }
    }

    public func path(of id: ObjectID) -> String {
        let hex = id.hex
        return "\(directory)/\(hex.prefix(2))/\(hex.dropFirst(2))"
    }

    public func contains(_ id: ObjectID) -> Bool { FileIO.exists(path(of: id)) }

    /// Reads and verifies an object; nil if there is no loose copy.
    public func read(_ id: ObjectID) throws(StoreError) -> (type: ObjectType, payload: [UInt8])? {
        let p = path(of: id)
        guard let compressed = try FileIO.read(p, limit: maxObjectSize + 4096) else { return nil }
        return try compressed.withBytes { (c) throws(StoreError) in try LooseObjects.decode(c, id: id, limit: maxObjectSize) }
    }

    /// Reads only the type and size from the header (inflates a few bytes).
    public func header(_ id: ObjectID) throws(StoreError) -> (type: ObjectType, size: Int)? {
        guard let compressed = try FileIO.read(path(of: id), limit: maxObjectSize + 4096) else { return nil }
        var head: [UInt8] = []
        do throws(Zlib.Error) {
            _ = try compressed.withBytes { (c) throws(Zlib.Error) in
                try Zlib.inflate(c, limit: Int.max) { (chunk) throws(Zlib.Error) in
                    // The header ends within 64 bytes (parseHeader looks no further): stop there,
                    // even when no NUL comes (a stream of 'a's would otherwise inflate to the end).
                    head.append(contentsOf: chunk.prefix(64))
                    if head.count >= 64 || head.contains(0) { throw .trailingData }
                }
            }
        } catch .trailingData {
        } catch { throw .corruptObject(id, error.description) }
        let (type, size, _) = try LooseObjects.parseHeader(head[...], id: id, limit: maxObjectSize)
        return (type, size)
    }

    static func parseHeader(_ head: ArraySlice<UInt8>, id: ObjectID?, limit: Int) throws(StoreError) -> (ObjectType, Int, Int) {
        let oid = id ?? .zero
        guard let nul = head.prefix(64).firstIndex(of: 0) else { throw .corruptObject(oid, "bad object header: no NUL in the first 64 bytes") }
        guard let sp = head[..<nul].firstIndex(of: 0x20) else { throw .corruptObject(oid, "bad object header: no space") }
        guard let type = ObjectType(name: String(decoding: head[head.startIndex..<sp], as: UTF8.self)) else {
            throw .corruptObject(oid, "bad object header: unknown type '\(String(decoding: head[head.startIndex..<sp].prefix(20), as: UTF8.self))'")
        }
        let digits = head[(sp + 1)..<nul]
        guard !digits.isEmpty, digits.count <= 18, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              digits.count == 1 || digits.first != 0x30,
              let size = Int(String(decoding: digits, as: UTF8.self)) else {
            throw .corruptObject(oid, "bad object header: bad size '\(String(decoding: digits.prefix(20), as: UTF8.self))'")
        }
        if size > limit { throw .objectTooLarge(id, size: size, limit: limit) }
        return (type, size, nul + 1 - head.startIndex)
    }

    /// Inflates, parses the header, checks the size and the hash.
    static func decode(_ compressed: UnsafeRawBufferPointer, id: ObjectID, limit: Int) throws(StoreError) -> (type: ObjectType, payload: [UInt8]) {
        var raw: [UInt8] = []
        var declared: (ObjectType, Int, Int)?
        do throws(Zlib.Error) {
            let used = try Zlib.inflate(compressed, limit: limit + 64) { (chunk) throws(Zlib.Error) in
                raw.append(contentsOf: chunk)
                if declared == nil, let h = try? parseHeader(raw[...], id: id, limit: limit) {
                    declared = h
                    raw.reserveCapacity(h.1 + h.2)
                }
                if let d = declared, raw.count > d.1 + d.2 { throw .corrupt("more data than the header declares") }
            }
            if used != compressed.count { throw Zlib.Error.trailingData }
        } catch {
            if case .tooLarge = error, declared == nil { _ = try parseHeader(raw[...], id: id, limit: limit) }
            throw .corruptObject(id, error.description)
        }
        let (type, size, headerLength) = try parseHeader(raw[...], id: id, limit: limit)
        guard raw.count - headerLength == size else {
            throw .corruptObject(id, "header declares \(size) bytes but \(raw.count - headerLength) follow")
        }
        let actual = raw.withUnsafeBytes { ObjectHasher.digest($0) }
        guard actual == id else { throw .corruptObject(id, "hash mismatch (content hashes to \(actual))") }
        raw.removeFirst(headerLength)
        return (type, raw)
    }

    /// Writes an object unless it is already there. Atomic: temp file, optional fsync, rename.
    @discardableResult
    public func write(type: ObjectType, payload: UnsafeRawBufferPointer, knownID: ObjectID? = nil) throws(StoreError) -> ObjectID {
        let id = knownID ?? ObjectHasher.id(type: type, payload: payload)
        let final = path(of: id)
        if FileIO.exists(final) { return id }
        var raw = Array("\(type.name) \(payload.count)\0".utf8)
        raw.append(contentsOf: payload)
        let compressed = Zlib.deflate(raw, level: 1)
        let dir = FileIO.dirname(of: final)
        if !FileIO.isDirectory(dir) {
            try FileIO.makeDirectories(dir)
            unsynced.insert(directory) // the new fan-out directory's own entry
        }
        // Objects are immutable: read-only like git's. A concurrent writer of the same id wins the
        // rename race harmlessly, since both files have the same content. The temp file is named
        // as git names its own (objects/xx/tmp_obj_*): git fsck ignores it, git prune removes it.
        try FileIO.writeAtomically(final, compressed, mode: 0o444, durable: durable, syncDirectory: false, tempPrefix: "tmp_obj_")
        unsynced.insert(dir)
        return id
    }

    /// Every loose object id (scans the 256 fan-out directories).
    public func allIDs() -> [ObjectID] {
        var ids: [ObjectID] = []
        for dir in FileIO.list(directory) where dir.utf8.count == 2 && dir.utf8.allSatisfy({ ObjectID.hexValue($0) != nil }) {
            for name in FileIO.list("\(directory)/\(dir)") where name.utf8.count == 62 {
                if let id = ObjectID(hex: dir + name) { ids.append(id) }
            }
        }
        return ids
    }

    public func remove(_ id: ObjectID) { FileIO.remove(path(of: id)) }
}

/// A locked set of directory paths awaiting fsync.
final class UnsyncedDirectories: @unchecked Sendable {
    private var dirs: Set<String> = []
    private let mutex = StoreMutex()
    func insert(_ d: String) { mutex.withLock { _ = dirs.insert(d) } }
    /// Removes and returns every pending directory, deepest first (a fan-out dir before objects/).
    func take() -> [String] {
        mutex.withLock {
            let out = dirs.sorted { $0.count > $1.count }
            dirs.removeAll()
            return out
        }
    }
}
