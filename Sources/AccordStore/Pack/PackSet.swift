import AccordObjects

/// The packs in `objects/pack`. (Placeholder interface: reading and writing packs lands next.)
public final class PackSet: @unchecked Sendable {
    public let directory: String
    public let maxObjectSize: Int

    public init(directory: String, maxObjectSize: Int) {
        self.directory = directory
        self.maxObjectSize = maxObjectSize
    }

    public func contains(_ id: ObjectID) -> Bool { false }
    public func read(_ id: ObjectID) throws(StoreError) -> (type: ObjectType, payload: [UInt8])? { nil }
    public func header(_ id: ObjectID) throws(StoreError) -> (type: ObjectType, size: Int)? { nil }
    /// Rescans the directory if packs were added or removed; true if anything changed.
    public func reloadIfChanged() -> Bool { false }
    public func allIDs() -> [ObjectID] { [] }
}

extension PackSet {
    /// Checks every pack's checksums and objects; one message per problem.
    public func verifyAll() -> [String] { [] }
}
