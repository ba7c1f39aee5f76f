/// Why an object's bytes were refused. Descriptions are meant for people: what, and where.
public enum ObjectError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformed(ObjectType, String)
    case badHeader(String)
    case sizeMismatch(declared: Int, actual: Int)

    public var description: String {
        switch self {
        case let .malformed(type, why): "malformed \(type): \(why)"
        case let .badHeader(why): "bad object header: \(why)"
        case let .sizeMismatch(declared, actual): "object header declares \(declared) bytes but \(actual) follow"
        }
    }
}
