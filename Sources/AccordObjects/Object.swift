/// A decoded object of any type.
public enum Object: Hashable, Sendable {
    case blob([UInt8])
    case tree(Tree)
    case commit(Commit)
    case tag(Tag)

    public var type: ObjectType {
        switch self {
        case .blob: .blob
        case .tree: .tree
        case .commit: .commit
        case .tag: .tag
        }
    }

    public func encoded() -> [UInt8] {
        switch self {
        case let .blob(b): b
        case let .tree(t): t.encoded()
        case let .commit(c): c.encoded()
        case let .tag(t): t.encoded()
        }
    }

    public var id: ObjectID { ObjectHasher.id(type: type, payload: encoded()) }

    /// Strictly decodes `payload` as `type`; blobs are any bytes.
    public static func decode(type: ObjectType, payload: [UInt8]) throws(ObjectError) -> Object {
        switch type {
        case .blob: return .blob(payload)
        case .tree: return .tree(try Tree.decode(payload))
        case .commit: return .commit(try Commit.decode(payload))
        case .tag: return .tag(try Tag.decode(payload))
        }
    }

    /// Checks syntax only (what fsck does for each object), without keeping the decoded value.
    public static func validate(type: ObjectType, payload: UnsafeRawBufferPointer) throws(ObjectError) {
        switch type {
        case .blob: return
        case .tree: _ = try Tree.decode(payload)
        case .commit: _ = try Commit.decode(payload)
        case .tag: _ = try Tag.decode(payload)
        }
    }
}
