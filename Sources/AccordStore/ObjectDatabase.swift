import AccordObjects

/// All objects of a repository: loose objects first-written, packs for the rest.
/// Every read is verified against its id.
public final class ObjectDatabase: @unchecked Sendable {
    public let directory: String
    public let loose: LooseObjects
    public let packs: PackSet
    /// Databases read after this one (git's alternates): a quarantine reads through to the
    /// repository it belongs to, while what it receives stays apart until it is accepted.
    public let alternates: [ObjectDatabase]

    public init(objectsDir: String, maxObjectSize: Int, durable: Bool, alternates: [ObjectDatabase] = []) {
        directory = objectsDir
        loose = LooseObjects(directory: objectsDir, maxObjectSize: maxObjectSize, durable: durable)
        packs = PackSet(directory: "\(objectsDir)/pack", maxObjectSize: maxObjectSize)
        self.alternates = alternates
    }

    /// Makes all objects written through this database durable (see `LooseObjects.flush`).
    /// Call before pointing a ref at new objects; also done when the database goes away.
    public func flush() { loose.flush() }

    deinit { loose.flush() }

    /// Whether the object is here. A miss re-lists the pack directory (another process may have
    /// packed it since); `rescan: false` skips that where a wrong "no" only costs a re-send,
    /// e.g. asking which of 10,000 wanted objects a repository lacks.
    public func contains(_ id: ObjectID, rescan: Bool = true) -> Bool {
        packs.contains(id) || loose.contains(id) || (rescan && packs.reloadIfChanged() && packs.contains(id))
            || alternates.contains { $0.contains(id, rescan: rescan) }
    }

    /// Reads and verifies an object; throws `objectNotFound` if it is nowhere, or a corruption
    /// error if a pack that cannot be opened may hold it (see `PackSet.damage(hiding:)`).
    public func read(_ id: ObjectID) throws(StoreError) -> (type: ObjectType, payload: [UInt8]) {
        if let o = try packs.read(id) { return o }
        if let o = try loose.read(id) { return o }
        // Another process may have packed it (and removed the loose copy) since we looked.
        if packs.reloadIfChanged(), let o = try packs.read(id) { return o }
        for a in alternates where a.contains(id) { return try a.read(id) }
        throw packs.damage(hiding: id) ?? .objectNotFound(id)
    }

    public func header(_ id: ObjectID) throws(StoreError) -> (type: ObjectType, size: Int) {
        if let h = try packs.header(id) { return h }
        if let h = try loose.header(id) { return h }
        if packs.reloadIfChanged(), let h = try packs.header(id) { return h }
        for a in alternates where a.contains(id) { return try a.header(id) }
        throw packs.damage(hiding: id) ?? .objectNotFound(id)
    }

    public func read(_ id: ObjectID, as expected: ObjectType) throws(StoreError) -> [UInt8] {
        let (type, payload) = try read(id)
        guard type == expected else { throw .wrongType(id, expected: expected, actual: type) }
        return payload
    }

    public func readCommit(_ id: ObjectID) throws(StoreError) -> Commit { try decoded(id, .commit, Commit.decode) }
    public func readTree(_ id: ObjectID) throws(StoreError) -> Tree { try decoded(id, .tree, Tree.decode) }
    public func readTag(_ id: ObjectID) throws(StoreError) -> Tag { try decoded(id, .tag, Tag.decode) }

    private func decoded<T>(_ id: ObjectID, _ type: ObjectType,
                            _ decode: ([UInt8]) throws(ObjectError) -> T) throws(StoreError) -> T {
        let bytes = try read(id, as: type)
        do throws(ObjectError) { return try decode(bytes) } catch { throw .corruptObject(id, error.description) }
    }

    /// Writes an object (loose) unless it already exists anywhere. Trees, commits and tags are
    /// checked before they are written, so a malformed object never enters the store.
    @discardableResult
    public func write(type: ObjectType, payload: [UInt8]) throws(StoreError) -> ObjectID {
        try payload.withBytes { (p) throws(StoreError) -> ObjectID in
            let id = ObjectHasher.id(type: type, payload: p)
            do throws(ObjectError) { try Object.validate(type: type, payload: p) } catch { throw .corruptObject(id, error.description) }
            if packs.contains(id) { return id }
            return try loose.write(type: type, payload: p, knownID: id)
        }
    }

    @discardableResult
    public func write(_ object: Object) throws(StoreError) -> ObjectID {
        try write(type: object.type, payload: object.encoded())
    }

    /// Every object id, loose and packed, without duplicates.
    public func allIDs() -> [ObjectID] {
        var seen = Set(packs.allIDs())
        for id in loose.allIDs() { seen.insert(id) }
        return Array(seen)
    }
}
