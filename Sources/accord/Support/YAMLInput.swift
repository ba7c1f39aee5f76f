import AccordContracts
import Yams

/// YAML documents as JSON values. Scalars keep their text (an amount never becomes a Double);
/// the contract reader then checks each value's type.
enum YAMLSubset {
    struct ParseError: Error, CustomStringConvertible { let description: String }

    static func parse(_ text: String) throws -> JSON {
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch { throw ParseError(description: "not valid YAML: \(error)") }
        guard let node else { throw ParseError(description: "empty YAML document") }
        var budget = 200_000 // aliases can multiply a small file ("billion laughs"): cap the expansion
        return try convert(node, path: "", depth: 0, budget: &budget)
    }

    static func convert(_ node: Node, path: String, depth: Int, budget: inout Int) throws -> JSON {
        guard depth < 64 else { throw ParseError(description: "\(path): nested too deeply") }
        budget -= 1
        guard budget > 0 else { throw ParseError(description: "document expands to too many values (aliases?)") }
        switch node {
        case let .scalar(s):
            if s.style != .plain { return .string(s.string) }
            // YAML 1.2 core schema for plain scalars (compose leaves tags unresolved): null and
            // booleans by their spelling; everything else stays text, numbers included, so an
            // amount keeps its exact digits and the contract reader checks its type.
            switch s.string {
            case "", "~", "null", "Null", "NULL": return .null
            case "true", "True", "TRUE": return .bool(true)
            case "false", "False", "FALSE": return .bool(false)
            default: return .string(s.string)
            }
        case let .mapping(m):
            var o: [String: JSON] = [:]
            for (k, v) in m {
                guard case let .scalar(ks) = k else { throw ParseError(description: "\(path): keys must be plain text") }
                if o[ks.string] != nil { throw ParseError(description: "\(path): duplicate key '\(ks.string)'") }
                o[ks.string] = try convert(v, path: path.isEmpty ? ks.string : "\(path).\(ks.string)", depth: depth + 1, budget: &budget)
            }
            return .object(o)
        case let .sequence(seq):
            var out: [JSON] = []
            for (i, v) in seq.enumerated() { out.append(try convert(v, path: "\(path)[\(i)]", depth: depth + 1, budget: &budget)) }
            return .array(out)
        }
    }
}
