import AccordObjects

/// The packs in `objects/pack`: every `pack-*.idx` that has its `.pack`.
/// A pack whose files cannot be opened is skipped at load time (a half-written pack from a
/// killed process, say); errors in a pack's content surface when its objects are read.
public final class PackSet: @unchecked Sendable {
    public let directory: String
    public let maxObjectSize: Int

    private let lock = StoreMutex()
    private var readers: [PackReader] = []
    private var names: [String] = []
    private var byName: [String: PackReader] = [:]
    /// Packs that failed to open, with the reason (for fsck / diagnostics).
    public private(set) var unreadable: [(name: String, error: StoreError)] = []

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
        var bad: [(String, StoreError)] = []
        for n in idxNames {
            if let r = keep[n] { fresh.append(r); freshByName[n] = r; continue }
            do throws(StoreError) {
                let r = try PackReader(packPath: "\(directory)/\(n).pack", indexPath: "\(directory)/\(n).idx",
                                       maxObjectSize: maxObjectSize)
                fresh.append(r); freshByName[n] = r
            } catch {
                bad.append((n, error))
            }
        }
        lock.lock()
        readers = fresh
        byName = freshByName
        // Remember failures too, so an unreadable pack does not trigger a rescan on every miss.
        names = idxNames
        unreadable = bad
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
        var problems = unreadable.map { "\(directory)/\($0.name).pack: \($0.error)" }
        for r in packs {
            do throws(StoreError) { try r.verify(readObjects: readObjects) } catch { problems.append(error.description) }
        }
        return problems
    }
}
