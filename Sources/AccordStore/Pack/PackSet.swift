import AccordObjects

/// A pack in `objects/pack` that cannot be opened (truncated, wrong checksum, bad index), kept
/// so that its objects are reported as damaged instead of silently missing.
public struct DamagedPack: Sendable {
    public let name: String
    public let packPath: String
    public let indexPath: String
    /// The index, when it is readable on its own: it says which objects the damage hides.
    public let index: PackIndex?
    public let error: StoreError
}

/// The packs in `objects/pack`: every `pack-*.idx` that has its `.pack`.
/// A pack whose files cannot be opened is not read from, but it is remembered (`damaged`): a read
/// of an object it lists fails as corrupt, naming the pack, fsck reports it, and gc refuses to
/// repack (and so delete) it. Errors in an open pack's content surface when its objects are read.
public final class PackSet: @unchecked Sendable {
    public let directory: String
    public let maxObjectSize: Int

    private let lock = StoreMutex()
    private var readers: [PackReader] = []
    private var names: [String] = []
    private var byName: [String: PackReader] = [:]
    private var damagedPacks: [DamagedPack] = []
    /// Packs that failed to open, with the reason.
    public var damaged: [DamagedPack] { lock.lock(); defer { lock.unlock() }; return damagedPacks }

    public init(directory: String, maxObjectSize: Int) {
        self.directory = directory
        self.maxObjectSize = maxObjectSize
        _ = reloadIfChanged()
    }

    private func snapshot() -> [PackReader] {
        lock.lock(); defer { lock.unlock() }
        return readers
    }

    /// The open packs (newest scan).
    public var packs: [PackReader] { snapshot() }

    public func contains(_ id: ObjectID) -> Bool {
        for r in snapshot() where r.contains(id) { return true }
        return false
    }

    public func read(_ id: ObjectID) throws(StoreError) -> (type: ObjectType, payload: [UInt8])? {
        for r in snapshot() { if let o = try r.read(id) { return o } }
        return nil
    }

    public func header(_ id: ObjectID) throws(StoreError) -> (type: ObjectType, size: Int)? {
        for r in snapshot() { if let h = try r.header(id) { return h } }
        return nil
    }

    /// Why `id`, found in no readable pack, cannot be trusted to be absent: the damaged pack whose
    /// index lists it, or else a damaged pack whose index cannot be read. Nil if no pack is damaged.
    public func damage(hiding id: ObjectID) -> StoreError? {
        let bad = damaged
        if let d = bad.first(where: { $0.index?.contains(id) == true }) {
            return .corruptObject(id, "it is in pack \(d.packPath), which cannot be read: \(d.error)")
        }
        if let d = bad.first(where: { $0.index == nil }) {
            return .corruptPack(path: d.indexPath, "object \(id) is in no readable pack, and this index cannot be read: \(d.error)")
        }
        return nil
    }

    /// Rescans the directory if packs were added or removed; true if anything changed.
    public func reloadIfChanged() -> Bool {
        let listing = FileIO.list(directory)
        let present = Set(listing)
        let idxNames = listing.filter { $0.hasPrefix("pack-") && $0.hasSuffix(".idx") }
            .map { String($0.dropLast(4)) }
            .filter { present.contains($0 + ".pack") }
            .sorted()
        lock.lock()
        if idxNames == names { lock.unlock(); return false }
        let keep = byName
        lock.unlock()
        var fresh: [PackReader] = []
        var freshByName: [String: PackReader] = [:]
        var bad: [DamagedPack] = []
        for n in idxNames {
            if let r = keep[n] { fresh.append(r); freshByName[n] = r; continue }
            let packPath = "\(directory)/\(n).pack", indexPath = "\(directory)/\(n).idx"
            do throws(StoreError) {
                let r = try PackReader(packPath: packPath, indexPath: indexPath, maxObjectSize: maxObjectSize)
                fresh.append(r); freshByName[n] = r
            } catch {
                bad.append(DamagedPack(name: n, packPath: packPath, indexPath: indexPath,
                                       index: try? PackIndex(path: indexPath), error: error))
            }
        }
        lock.lock()
        readers = fresh
        byName = freshByName
        // Remember failures too, so an unreadable pack does not trigger a rescan on every miss.
        names = idxNames
        damagedPacks = bad
        lock.unlock()
        return true
    }

    public func allIDs() -> [ObjectID] {
        var out: [ObjectID] = []
        for r in snapshot() { out.append(contentsOf: r.allIDs()) }
        return out
    }
}

extension PackSet {
    /// Checks every pack's checksums, offsets and CRCs (and with `readObjects`, every object);
    /// one message per problem, packs that could not even be opened included.
    public func verifyAll(readObjects: Bool = true) -> [String] {
        _ = reloadIfChanged()
        var problems = damaged.map { "\($0.packPath): \($0.error)" }
        for r in packs {
            do throws(StoreError) { try r.verify(readObjects: readObjects) } catch { problems.append(error.description) }
        }
        return problems
    }
}
