import AccordObjects
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a pack (v2, OFS_DELTA) and its idx v2 from objects in an `ObjectDatabase`.
///
/// Delta selection follows git: objects are sorted by (type, hash of the path name, size
/// descending) and each is tried against the previous `window` objects of the same type,
/// keeping the smallest delta that is under half the object's size. Objects are streamed:
/// only the window's contents are in memory, and entries are written as they are decided.
public struct PackWriter {
    public struct Options: Sendable {
        public var window: Int
        public var depth: Int
        public var compressionLevel: Int32
        /// Copy what is already stored in a pack as it is stored (`PackReuse`): for transfers.
        /// gc leaves it off, so a repack reads (and verifies) every object and searches deltas anew.
        public var reuse: Bool
        /// Write the idx beside the pack (and the CRCs it holds), and fsync the pack: off only for
        /// a pack that is sent and deleted, never stored (a hub's answer to a fetch).
        public var stored: Bool
        public init(window: Int = 10, depth: Int = 50, compressionLevel: Int32 = 6, reuse: Bool = false, stored: Bool = true) {
            self.window = window; self.depth = depth; self.compressionLevel = compressionLevel; self.reuse = reuse; self.stored = stored
        }
        /// For a transfer: git's defaults, reusing packed objects.
        public static let transfer = Options(reuse: true)
        /// For a pack that only goes out over the wire: as `transfer`, without an idx or fsync.
        public static let upload = Options(reuse: true, stored: false)
    }

    public struct Result: Sendable, Equatable {
        /// The pack checksum, which also names the files.
        public var packID: ObjectID
        public var packPath: String
        /// Empty when the options say the pack is not stored (no idx written).
        public var indexPath: String
        public var count: Int
    }

    /// One object to pack, with the path it was found at (for grouping similar files).
    public struct Input: Sendable {
        public var id: ObjectID
        public var name: String?
        public init(id: ObjectID, name: String? = nil) { self.id = id; self.name = name }
    }

    /// git's `pack_name_hash`: the last characters of the path weigh most.
    public static func nameHash(_ name: String?) -> UInt32 {
        guard let name else { return 0 }
        var hash: UInt32 = 0
        for c in name.utf8 {
            if c == 0x20 || (c >= 0x09 && c <= 0x0D) { continue }
            hash = (hash >> 2) &+ (UInt32(c) << 24)
        }
        return hash
    }

    struct Item {
        var id: ObjectID
        var type: ObjectType
        var size: Int
        var hash: UInt32
        var order: Int
    }

    struct Slot {
        var type: ObjectType
        var content: [UInt8]
        var index: DeltaIndex?
        var offset: Int
        var depth: Int
    }

    /// Writes `objects` (duplicates ignored) into `directory` as `pack-<checksum>.pack/.idx`.
    /// Durable and atomic: temp files are fsynced, then the pack is renamed into place, then the idx.
    public static func write(_ objects: [Input], from db: ObjectDatabase, to directory: String,
                             options: Options = Options(),
                             progress: ((_ phase: String, _ done: Int, _ total: Int) -> Void)? = nil) throws(StoreError) -> Result {
        var seen = Set<ObjectID>()
        let unique = objects.filter { seen.insert($0.id).inserted }
        seen = []
        let reuse = options.reuse ? PackReuse(unique, db: db) : nil
        let ordinary = reuse?.rest ?? unique
        // 1. Sizes and types of what is not copied, for the sort.
        var items: [Item] = []
        items.reserveCapacity(ordinary.count)
        let report = ProgressThrottle(progress)
        for (n, o) in ordinary.enumerated() {
            let h = try db.header(o.id)
            items.append(Item(id: o.id, type: h.type, size: h.size, hash: nameHash(o.name), order: n))
            report("Counting objects", items.count, ordinary.count)
        }
        items.sort { a, b in
            if a.type != b.type { return a.type.rawValue > b.type.rawValue }
            if a.hash != b.hash { return a.hash > b.hash }
            if a.size != b.size { return a.size > b.size }
            return a.order < b.order
        }
        if !FileIO.isDirectory(directory) { try FileIO.makeDirectories(directory) }

        // 2. Stream the pack to a temp file.
        let out = try PackFileWriter(directory: directory, prefix: "tmp_pack_", crc: options.stored)
        var entries: [(id: ObjectID, offset: Int, crc: UInt32)] = []
        entries.reserveCapacity(unique.count)
        do throws(StoreError) {
            var header: [UInt8] = PackFormat.packMagic
            PackFormat.appendBE32(2, to: &header)
            PackFormat.appendBE32(UInt32(unique.count), to: &header)
            try out.append(header)
            if let reuse { try copy(reuse, to: out, entries: &entries, report: report, total: unique.count) }
            let copied = entries.count
            let deflater = Deflater(level: options.compressionLevel)
            var window: [Slot] = []
            window.reserveCapacity(options.window + 1)
            var entryHeader: [UInt8] = []
            for (k, item) in items.enumerated() {
                let content = try db.read(item.id)
                guard content.type == item.type, content.payload.count == item.size else {
                    throw .corruptObject(item.id, "changed while it was being packed")
                }
                // Delta search against the window (newest first).
                var best: (slot: Int, delta: [UInt8])?
                var maxSize = item.size / 2 - PackFormat.hashSize
                if options.window > 0 && maxSize > 0 {
                    for s in stride(from: window.count - 1, through: 0, by: -1) {
                        let base = window[s]
                        guard base.type == item.type, base.depth < options.depth else { continue }
                        let baseSize = base.content.count
                        if baseSize < item.size / 32 { continue }
                        if abs(baseSize - item.size) >= maxSize { continue }
                        if base.index == nil { window[s].index = DeltaIndex(base: base.content) }
                        guard let index = window[s].index else { continue }
                        if let d = content.payload.withUnsafeBytes({ index.delta(to: $0, maxSize: maxSize) }) {
                            best = (s, d)
                            maxSize = d.count - 1
                            if maxSize <= 0 { break }
                        }
                    }
                }
                let offset = out.position
                entryHeader.removeAll(keepingCapacity: true)
                var depth = 0
                out.beginEntry()
                if let best {
                    let base = window[best.slot]
                    depth = base.depth + 1
                    PackFormat.encodeEntryHeader(type: PackFormat.ofsDelta, size: best.delta.count, into: &entryHeader)
                    PackFormat.encodeOffsetDelta(offset - base.offset, into: &entryHeader)
                    try out.append(entryHeader)
                    try best.delta.withBytes { (d) throws(StoreError) in try out.compress(d, with: deflater) }
                } else {
                    PackFormat.encodeEntryHeader(type: item.type.packCode, size: item.size, into: &entryHeader)
                    try out.append(entryHeader)
                    try content.payload.withBytes { (p) throws(StoreError) in try out.compress(p, with: deflater) }
                }
                entries.append((item.id, offset, out.entryCRC))
                if options.window > 0 {
                    if window.count == options.window { window.removeFirst() }
                    window.append(Slot(type: item.type, content: content.payload, index: nil, offset: offset, depth: depth))
                }
                report("Writing objects", copied + k + 1, unique.count)
            }
            let checksum = try out.finish(durable: options.stored)
            guard options.stored else {
                let path = "\(directory)/pack-\(checksum.hex).pack"
                if rename(out.tempPath, path) != 0 { throw .io(op: "rename into place", path: path, errno: errno) }
                report.finish("Writing objects", unique.count, unique.count)
                return Result(packID: checksum, packPath: path, indexPath: "", count: unique.count)
            }
            // 3. The index, then both files into place: pack first, so an idx never names a missing pack.
            let idx = PackFormat.buildIndex(entries, packChecksum: checksum)
            let base = "\(directory)/pack-\(checksum.hex)"
            let (idxTmp, _) = try idx.withBytes { (p) throws(StoreError) in
                try FileIO.writeTemporary(in: directory, p, mode: 0o444, prefix: "tmp_idx_")
            }
            if rename(out.tempPath, base + ".pack") != 0 {
                let e = errno; FileIO.remove(idxTmp); throw .io(op: "rename into place", path: base + ".pack", errno: e)
            }
            if rename(idxTmp, base + ".idx") != 0 {
                let e = errno; FileIO.remove(idxTmp); throw .io(op: "rename into place", path: base + ".idx", errno: e)
            }
            FileIO.fsyncDirectory(directory)
            report.finish("Writing objects", unique.count, unique.count)
            return Result(packID: checksum, packPath: base + ".pack", indexPath: base + ".idx", count: unique.count)
        } catch {
            out.abandon()
            throw error
        }
    }
}

extension PackWriter {
    /// Writes the entries `reuse` copies: a whole object byte for byte, a delta with its base's
    /// offset in the new pack (its base was copied before it).
    static func copy(_ reuse: PackReuse, to out: PackFileWriter, entries: inout [(id: ObjectID, offset: Int, crc: UInt32)],
                     report: ProgressThrottle, total: Int) throws(StoreError) {
        var byID: [ObjectID: Int] = [:]
        var bySource: [[Int: Int]] = Array(repeating: [:], count: reuse.readers.count)
        var header: [UInt8] = []
        for c in reuse.copies {
            let bytes = reuse.readers[c.pack].data.file.bytes
            let offset = out.position
            out.beginEntry()
            if c.entry.code == PackFormat.ofsDelta || c.entry.code == PackFormat.refDelta {
                let base = c.entry.code == PackFormat.ofsDelta ? bySource[c.pack][c.entry.baseOffset] : byID[c.entry.baseID]
                guard let base else { throw .corruptObject(c.id, "its delta base was not packed before it") }
                header.removeAll(keepingCapacity: true)
                PackFormat.encodeEntryHeader(type: PackFormat.ofsDelta, size: c.entry.size, into: &header)
                PackFormat.encodeOffsetDelta(offset - base, into: &header)
                try out.append(header)
                try out.append(UnsafeRawBufferPointer(rebasing: bytes[c.entry.dataStart..<c.end]))
            } else {
                try out.append(UnsafeRawBufferPointer(rebasing: bytes[c.sourceOffset..<c.end]))
            }
            entries.append((c.id, offset, out.entryCRC))
            byID[c.id] = offset
            bySource[c.pack][c.sourceOffset] = offset
            report("Writing objects", entries.count, total)
        }
    }
}

/// Calls a progress closure at most every 1% (and at the end), so hot loops stay cheap.
final class ProgressThrottle {
    let body: ((String, Int, Int) -> Void)?
    var lastPhase = ""
    var next = 0
    init(_ body: ((String, Int, Int) -> Void)?) { self.body = body }
    @inline(__always)
    func callAsFunction(_ phase: String, _ done: Int, _ total: Int) {
        guard let body else { return }
        if phase != lastPhase { lastPhase = phase; next = 0 }
        if done >= next || done == total {
            body(phase, done, total)
            next = done + max(1, total / 100)
        }
    }
    func finish(_ phase: String, _ done: Int, _ total: Int) {
        if lastPhase != phase || next <= done { body?(phase, done, total) }
    }
}

/// A buffered, hashed, CRC-tracking writer for a pack's temp file.
final class PackFileWriter {
    let tempPath: String
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var hasher = StreamingHasher()
    private(set) var position = 0
    private(set) var entryCRC: UInt32 = 0
    private let crc: Bool
    private var closed = false

    /// `crc`: keep each entry's CRC (for an idx).
    init(directory: String, prefix: String, crc: Bool = true) throws(StoreError) {
        self.crc = crc
        (tempPath, fd) = try FileIO.createTemporary(in: directory, prefix: prefix, mode: 0o444)
        buffer.reserveCapacity(1 << 20)
    }

    func beginEntry() { entryCRC = 0 }

    func append(_ p: UnsafeRawBufferPointer) throws(StoreError) {
        if crc { entryCRC = PackFormat.crc32(p, initial: entryCRC) }
        buffer.append(contentsOf: p)
        position += p.count
        if buffer.count >= 1 << 20 { try flush() }
    }

    func append(_ bytes: [UInt8]) throws(StoreError) {
        try bytes.withBytes { (p) throws(StoreError) in try append(p) }
    }

    func compress(_ input: UnsafeRawBufferPointer, with deflater: Deflater) throws(StoreError) {
        var failure: StoreError?
        deflater.compress(input) { chunk in
            if failure != nil { return }
            do throws(StoreError) { try self.append(chunk) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    private func flush() throws(StoreError) {
        guard !buffer.isEmpty else { return }
        try buffer.withBytes { (p) throws(StoreError) in
            hasher.update(p)
            try FileIO.writeAll(fd, p, path: tempPath)
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes the trailer, fsyncs (if `durable`) and closes; returns the pack checksum.
    func finish(durable: Bool = true) throws(StoreError) -> ObjectID {
        try flush()
        let sum = hasher.finalize()
        try sum.bytes.withBytes { (p) throws(StoreError) in try FileIO.writeAll(fd, p, path: tempPath) }
        position += 32
        if durable { guard fsync(fd) == 0 else { throw .io(op: "fsync", path: tempPath, errno: errno) } }
        close(fd)
        closed = true
        return sum
    }

    func abandon() {
        if !closed { close(fd); closed = true }
        FileIO.remove(tempPath)
    }
}
