import AccordObjects

/// Every failure of the store, worded for the person who has to fix it: what, where, and how.
public enum StoreError: Error, Equatable, CustomStringConvertible {
    case io(op: String, path: String, errno: Int32)
    case notARepository(String)
    case alreadyExists(String)
    case badConfig(path: String, line: Int, reason: String)
    case unsupportedRepository(String)
    case objectNotFound(ObjectID)
    case corruptObject(ObjectID, String)
    case objectTooLarge(ObjectID?, size: Int, limit: Int)
    case wrongType(ObjectID, expected: ObjectType, actual: ObjectType)
    case corruptPack(path: String, String)
    case badRefName(String, String)
    case refNotFound(String)
    case lockHeld(path: String)
    case staleValue(ref: String, expected: ObjectID?, actual: ObjectID?)
    case badRevision(String)
    case ambiguousRevision(String)
    case invalidInput(String)
    /// Not moved because another ref of the same atomic batch was refused.
    case atomicRefused

    public var description: String {
        switch self {
        case let .io(op, path, e):
            return "cannot \(op) '\(path)': \(String(cString: strerror(e)))"
        case let .notARepository(p):
            return "not an accord repository (or any parent up to /): \(p)\nhint: run 'accord init', or set ACCORD_DIR"
        case let .alreadyExists(p): return "'\(p)' already exists"
        case let .badConfig(path, line, reason): return "bad config line \(line) in \(path): \(reason)"
        case let .unsupportedRepository(why): return "unsupported repository: \(why)"
        case let .objectNotFound(id): return "object \(id) not found"
        case let .corruptObject(id, why): return "object \(id) is corrupt: \(why)"
        case let .objectTooLarge(id, size, limit):
            return "object \(id.map(\.hex) ?? "") declares \(size) bytes, above the limit of \(limit)"
        case let .wrongType(id, expected, actual): return "object \(id) is a \(actual), not a \(expected)"
        case let .corruptPack(path, why): return "pack \(path) is corrupt: \(why)"
        case let .badRefName(name, why): return "'\(name)' is not a valid ref name: \(why)"
        case let .refNotFound(name): return "ref '\(name)' not found"
        case .atomicRefused: return "atomic push failed: another ref of the push was refused"
        case let .lockHeld(path):
            return """
            unable to create '\(path)': file exists.
            Another accord or git process seems to be running in this repository.
            If no such process is running (one may have been killed), remove the file and try again:
              rm '\(path)'
            """
        case let .staleValue(ref, expected, actual):
            return "cannot update ref '\(ref)': expected \(expected?.hex ?? "it to not exist"), but it is \(actual?.hex ?? "missing")"
        case let .badRevision(r): return "bad revision '\(r)'"
        case let .ambiguousRevision(r): return "short object id \(r) is ambiguous"
        case let .invalidInput(m): return m
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
