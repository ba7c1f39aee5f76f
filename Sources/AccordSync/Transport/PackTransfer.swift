import AccordObjects
import AccordStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Moving objects between repositories as one pack, and receiving a pack safely.
///
/// Receiving: the pack's bytes go to `objects/pack/tmp_pack_*` in the receiver; `PackIndexer`
/// parses and hashes every object and writes `tmp_idx_*`; every commit, tree and tag is decoded
/// strictly and every object they name must be in the pack or already in the receiver. Only then
/// are the pack and its index renamed to `pack-<checksum>.{pack,idx}` (pack first). Anything that
/// fails removes the temp files; a killed process leaves only `tmp_*` files, which no reader
/// looks at and `gc` removes after an hour. Refs are moved by the callers, after this returns.
public enum PackTransfer {
    public struct Received: Sendable, Equatable {
        /// The installed pack's checksum; nil when there was nothing to send.
        public var packID: ObjectID?
        public var objects: Int
    }

    /// Packs `objects` from `source` (with deltas, never thin) and receives the pack into `receiver`.
    public static func send(_ objects: [PackWriter.Input], from source: ObjectDatabase, to receiver: Repository,
                            tips: [ObjectID] = [], progress: ((_ phase: String, _ done: Int, _ total: Int) -> Void)? = nil) throws -> Received {
        guard !objects.isEmpty else { return Received(packID: nil, objects: 0) }
        let packDir = "\(receiver.objects.directory)/pack"
        if !FileIO.isDirectory(packDir) { try FileIO.makeDirectories(packDir) }
        // The sender's side: PackWriter writes into a staging directory of the receiver (same
        // file system), and only the pack's bytes are handed over; the receiver builds its own index.
        let stage = tempName(packDir, "tmp_pack_stage_")
        try FileIO.makeDirectories(stage)
        defer { FileIO.removeTree(stage) }
        let written = try PackWriter.write(objects, from: source, to: stage, options: .transfer, progress: progress)
        let tmpPack = tempName(packDir, "tmp_pack_")
        guard rename(written.packPath, tmpPack) == 0 else {
            throw StoreError.io(op: "move received pack to", path: tmpPack, errno: errno)
        }
        return try receive(tmpPack: tmpPack, into: receiver, tips: tips, install: true, progress: progress)
    }

    /// Receives pack bytes (a bundle's payload): written to a temp file in the receiver, then
    /// indexed, validated and installed as `send` does.
    public static func receive(bytes: UnsafeRawBufferPointer, into receiver: Repository,
                               tips: [ObjectID] = [], allowThin: Bool = false, install: Bool = true,
                               progress: ((_ phase: String, _ done: Int, _ total: Int) -> Void)? = nil) throws -> Received {
        let packDir = "\(receiver.objects.directory)/pack"
        if !FileIO.isDirectory(packDir) { try FileIO.makeDirectories(packDir) }
        let tmpPack = tempName(packDir, "tmp_pack_")
        let fd = open(tmpPack, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o444)
        guard fd >= 0 else { throw StoreError.io(op: "create", path: tmpPack, errno: errno) }
        do {
            try FileIO.writeAll(fd, bytes, path: tmpPack)
            guard fsync(fd) == 0 else { throw StoreError.io(op: "fsync", path: tmpPack, errno: errno) }
            close(fd)
        } catch {
            close(fd); FileIO.remove(tmpPack); throw error
        }
        return try receive(tmpPack: tmpPack, into: receiver, tips: tips, allowThin: allowThin, install: install, progress: progress)
    }

    /// Indexes, validates and installs the pack at `tmpPack` (a temp file in the receiver's
    /// `objects/pack`). Removes it on failure.
    /// `tips` (the refs about to point into the pack) must be in the pack or the receiver; with
    /// `install: false` the pack is only checked (bundle verify) and removed.
    static func receive(tmpPack: String, into receiver: Repository, tips: [ObjectID], allowThin: Bool = false,
                        install: Bool, progress: ((_ phase: String, _ done: Int, _ total: Int) -> Void)?) throws -> Received {
        let packDir = FileIO.dirname(of: tmpPack)
        let tmpIdx = tempName(packDir, "tmp_idx_")
        var installed = false
        defer { if !installed { FileIO.remove(tmpPack); FileIO.remove(tmpIdx) } }
        FaultPoint.hit("after-temp-pack")
        let maxSize = receiver.objects.packs.maxObjectSize
        let indexed: PackIndexer.Result
        // Each object is checked as the indexer hashes it: the pack is read once.
        var validation = Validation()
        do throws(StoreError) {
            indexed = try PackIndexer.index(packPath: tmpPack, indexPath: tmpIdx,
                                            bases: allowThin ? receiver.objects : nil,
                                            maxObjectSize: maxSize, progress: progress, inspect: { id, type, payload throws(StoreError) in
                                                try validation.add(id, type, payload)
                                            })
        } catch {
            throw rejection(error)
        }
        let thin = indexed.externalBases > 0
        do { try validation.finish(receiver: receiver.objects, tips: tips) } catch let e as StoreError { throw rejection(e) }
        let reader: PackReader
        do throws(StoreError) {
            reader = try PackReader(packPath: tmpPack, indexPath: tmpIdx, maxObjectSize: maxSize, externalBases: thin ? receiver.objects : nil)
        } catch {
            throw rejection(error)
        }
        FaultPoint.hit("after-index")
        guard install else { return Received(packID: indexed.packChecksum, objects: indexed.count) }
        if thin {
            // A thin pack (git's bundles have deltas against prerequisites) cannot be read on its
            // own, and PackIndexer does not complete it: its objects are stored loose instead.
            for id in reader.allIDs() {
                guard let (type, payload) = try reader.read(id) else { throw StoreError.objectNotFound(id) }
                try receiver.objects.write(type: type, payload: payload)
            }
            receiver.objects.flush()
            return Received(packID: nil, objects: indexed.count)
        }
        let base = "\(packDir)/pack-\(indexed.packChecksum.hex)"
        if FileIO.exists(base + ".idx") && FileIO.exists(base + ".pack") {
            // The same pack arrived before (an interrupted run installed it): nothing to add.
            _ = receiver.objects.packs.reloadIfChanged()
            return Received(packID: indexed.packChecksum, objects: indexed.count)
        }
        guard rename(tmpPack, base + ".pack") == 0 else { throw StoreError.io(op: "rename into place", path: base + ".pack", errno: errno) }
        guard rename(tmpIdx, base + ".idx") == 0 else {
            let e = errno
            FileIO.remove(base + ".pack")
            throw StoreError.io(op: "rename into place", path: base + ".idx", errno: e)
        }
        installed = true
        FileIO.fsyncDirectory(packDir)
        _ = receiver.objects.packs.reloadIfChanged()
        return Received(packID: indexed.packChecksum, objects: indexed.count)
    }

    /// A pack that fails its checks is the sender's fault; a local write or read that fails (a
    /// full disk) is not, and is reported as itself.
    private static func rejection(_ error: StoreError) -> Error {
        if case .io = error { return error }
        return TransportError.rejectedPack("the received pack does not verify: \(error.description)")
    }

    /// The checks of a received pack beyond the indexer's (every object hashes to its id): every
    /// commit, tree and tag decodes strictly, and everything they point to is in the pack or in
    /// the receiver with the right type. `add` sees each object as the indexer hashes it;
    /// `finish` checks the links once all are known.
    struct Validation {
        var types: [ObjectID: ObjectType] = [:]
        var links: [(from: ObjectID, to: ObjectID, type: ObjectType?, what: String)] = []

        mutating func add(_ id: ObjectID, _ type: ObjectType, _ payload: [UInt8]) throws(StoreError) {
            types[id] = type
            if type == .blob { return }
            let object: Object
            do throws(ObjectError) { object = try Object.decode(type: type, payload: payload) } catch {
                throw StoreError.corruptObject(id, error.description)
            }
            switch object {
            case .blob: break
            case let .tree(t):
                for e in t.entries where e.mode != .gitlink { links.append((id, e.id, e.mode.objectType, "entry '\(e.nameString)'")) }
            case let .commit(c):
                links.append((id, c.tree, .tree, "tree"))
                for p in c.parents { links.append((id, p, .commit, "parent")) }
            case let .tag(t):
                links.append((id, t.object, t.targetType, "tagged object"))
            }
        }

        func finish(receiver db: ObjectDatabase, tips: [ObjectID]) throws {
            for t in tips where types[t] == nil && !db.contains(t) {
                throw TransportError.rejectedPack("a ref would point to \(t.hex), which is neither in the pack nor in the receiving repository")
            }
            for l in links {
                let actual: ObjectType
                if let t = types[l.to] {
                    actual = t
                } else if db.contains(l.to) {
                    actual = try db.header(l.to).type
                } else {
                    throw TransportError.rejectedPack("object \(l.from.hex) names \(l.what) \(l.to.hex), which is neither in the pack nor in the receiving repository")
                }
                if let expected = l.type, expected != actual {
                    throw TransportError.rejectedPack("object \(l.from.hex) names \(l.what) \(l.to.hex) as a \(expected), but it is a \(actual)")
                }
            }
        }
    }

    nonisolated(unsafe) private static var counter: UInt64 = 0

    /// A name for a temporary file or directory in `dir` that no other process or call uses.
    public static func temporaryName(in dir: String, prefix: String) -> String { tempName(dir, prefix) }

    static func tempName(_ dir: String, _ prefix: String) -> String {
        counter &+= 1
        return "\(dir)/\(prefix)\(getpid())_\(counter)_\(UInt32.random(in: 0...UInt32.max))"
    }
}

/// Errors of transfers, worded for the user.
public enum TransportError: Error, CustomStringConvertible, Equatable {
    case rejectedPack(String)
    case badRemote(String)
    case badBundle(String)
    case missingPrerequisites([ObjectID])
    /// A bundle `--since` revisions that already reach every ref: nothing to write (not a failure).
    case nothingNew

    public var description: String {
        switch self {
        case let .rejectedPack(why): return "pack rejected, nothing was changed: \(why)"
        case let .badRemote(why): return why
        case let .badBundle(why): return "bad bundle, nothing was changed: \(why)"
        case let .missingPrerequisites(ids):
            return "the bundle needs \(ids.count == 1 ? "a commit" : "\(ids.count) commits") this repository does not have, nothing was changed:\n"
                + ids.map { "  \($0.hex)" }.joined(separator: "\n")
        case .nothingNew: return "nothing new: every ref is reachable from --since; no bundle was written"
        }
    }
}
