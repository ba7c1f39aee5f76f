/// The four git object types, with their names and their pack type codes.
public enum ObjectType: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case commit = 1, tree = 2, blob = 3, tag = 4

    public var name: String {
        switch self {
        case .commit: "commit"
        case .tree: "tree"
        case .blob: "blob"
        case .tag: "tag"
        }
    }

    public init?(name: some StringProtocol) {
        switch name {
        case "commit": self = .commit
        case "tree": self = .tree
        case "blob": self = .blob
        case "tag": self = .tag
        default: return nil
        }
    }

    /// Pack type code (1…4), as in pack entry headers.
    public var packCode: UInt8 { rawValue }

    public var description: String { name }
}
