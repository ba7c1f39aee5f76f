import AccordContracts
import Yams

/// YAML documents as JSON values. Scalars keep their text (an amount never becomes a Double);
/// the contract reader then checks each value's type.
enum YAMLSubset {
    struct ParseError: Error, CustomStringConvertible { let description: String }

    /// How deeply a document may nest (mappings and sequences), as the JSON reader allows.
    static let maxDepth = 64

    static func parse(_ text: String) throws -> JSON {
        // The YAML library recurses once per level while composing, before any check of ours
        // could run: a document nested thousands deep would overflow the stack. Bound the depth
        // by scanning the text first.
        try NestingScan.check(Array(text.utf8), limit: maxDepth)
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch { throw ParseError(description: "not valid YAML: \(error)") }
        guard let node else { throw ParseError(description: "empty YAML document") }
        var budget = 200_000 // aliases can multiply a small file ("billion laughs"): cap the expansion
        return try convert(node, path: "", depth: 0, budget: &budget)
    }

    static func convert(_ node: Node, path: String, depth: Int, budget: inout Int) throws -> JSON {
        guard depth < maxDepth else { throw ParseError(description: "\(path): nested too deeply (at most \(maxDepth) levels)") }
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

/// An upper bound on the nesting of a YAML document, from its text alone (no recursion), so that
/// a document too deep for the composer is refused before it reaches it.
///
/// A nested node starts either on a more indented line (block style), or on the same line after
/// an indicator (`- - x`, `- key: value`, `? key`), or inside a flow collection (`[[…]]`,
/// `{a: {…}}`). The scan follows exactly these, outside comments, quoted scalars (which may span
/// lines) and block scalars (`|`, `>`): each line's depth is its parent line's depth, plus one,
/// plus the indicators on it, plus the flow collections open on it. That overcounts (a key and
/// its mapping are counted on every line) but never by more than a small factor, and it
/// undercounts by at most one, so `check` uses a generous bound here; the exact limit is applied
/// while converting the composed document.
enum NestingScan {
    struct TooDeep: Error, CustomStringConvertible {
        let line: Int, limit: Int
        var description: String { "line \(line): nested too deeply (YAML input may nest at most \(limit) levels)" }
    }

    /// Throws `YAMLSubset.ParseError` if the document may nest deeper than about `limit` levels.
    static func check(_ text: [UInt8], limit: Int) throws {
        if let line = deepLine(text, bound: limit * 3) {
            throw YAMLSubset.ParseError(description: TooDeep(line: line, limit: limit).description)
        }
    }

    /// The first line (1-based) whose depth bound exceeds `bound`, or nil.
    static func deepLine(_ text: [UInt8], bound: Int) -> Int? {
        let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t"), hash = UInt8(ascii: "#")
        var stack: [(indent: Int, depth: Int)] = [] // open block lines
        var flow = 0                                 // open flow collections
        var quote: UInt8?                            // inside a '…' or "…" scalar
        var blockScalar: Int?                        // skipping a block scalar's lines deeper than this
        var lineNo = 0
        var start = 0
        while start <= text.count {
            var end = start
            while end < text.count, text[end] != 0x0A { end += 1 }
            lineNo += 1
            defer { start = end + 1 }
            var stop = end
            if stop > start, text[stop - 1] == 0x0D { stop -= 1 }
            var indent = 0
            while start + indent < stop, text[start + indent] == space { indent += 1 }
            let blank = start + indent == stop || text[start + indent] == hash || text[start + indent] == tab && isBlank(text, start + indent, stop)
            if let b = blockScalar {
                if blank || indent > b { continue }
                blockScalar = nil
            }
            let blockLine = quote == nil && flow == 0
            var base: Int
            if blockLine {
                if blank || (indent == 0 && text[start] == UInt8(ascii: "%")) { continue }
                while let top = stack.last, top.indent > indent { stack.removeLast() }
                if let top = stack.last, top.indent == indent { stack.removeLast() }
                base = (stack.last?.depth ?? 0) + 1
            } else {
                base = (stack.last?.depth ?? 0) + 1
            }
            var tokens = 0, deepestFlow = flow
            var nodeStart = blockLine
            var i = start + indent
            func next(_ k: Int) -> UInt8? { k < stop ? text[k] : nil }
            func endsToken(_ k: Int) -> Bool { guard let c = next(k) else { return true }; return c == space || c == tab }
            scan: while i < stop {
                let c = text[i]
                if let q = quote {
                    if q == UInt8(ascii: "'") {
                        if c == q { if next(i + 1) == q { i += 2; continue }; quote = nil; nodeStart = false }
                    } else if c == UInt8(ascii: "\\") {
                        i += 2; continue
                    } else if c == q { quote = nil; nodeStart = false }
                    i += 1; continue
                }
                if c == space || c == tab { i += 1; continue }
                if c == hash, i == start || text[i - 1] == space || text[i - 1] == tab { break scan }
                if nodeStart {
                    switch c {
                    case UInt8(ascii: "-"), UInt8(ascii: "?"), UInt8(ascii: ":"):
                        if endsToken(i + 1) { tokens += 1; i += 1; continue scan }
                    case UInt8(ascii: "["), UInt8(ascii: "{"):
                        flow += 1; deepestFlow = max(deepestFlow, flow); i += 1; continue scan
                    case UInt8(ascii: "'"), UInt8(ascii: "\""):
                        quote = c; i += 1; continue scan
                    case UInt8(ascii: "|"), UInt8(ascii: ">"):
                        if flow == 0 { blockScalar = indent; break scan }
                    case UInt8(ascii: "&"), UInt8(ascii: "!"):
                        while i < stop, text[i] != space, text[i] != tab { i += 1 } // an anchor or tag: the node follows
                        continue scan
                    default: break
                    }
                    nodeStart = false
                }
                if flow > 0 {
                    switch c {
                    case UInt8(ascii: "["), UInt8(ascii: "{"): flow += 1; deepestFlow = max(deepestFlow, flow); nodeStart = true
                    case UInt8(ascii: "]"), UInt8(ascii: "}"): flow = max(0, flow - 1)
                    case UInt8(ascii: ","): nodeStart = true
                    case UInt8(ascii: ":"): tokens += 1; nodeStart = true
                    default: break
                    }
                } else if c == UInt8(ascii: ":"), endsToken(i + 1) {
                    tokens += 1; nodeStart = true
                }
                i += 1
            }
            if base + tokens + deepestFlow > bound { return lineNo }
            if blockLine { stack.append((indent, base + tokens)) }
            if end >= text.count { break }
        }
        return nil
    }

    private static func isBlank(_ text: [UInt8], _ from: Int, _ to: Int) -> Bool {
        var k = from
        while k < to, text[k] == UInt8(ascii: " ") || text[k] == UInt8(ascii: "\t") { k += 1 }
        return k == to || text[k] == UInt8(ascii: "#")
    }
}
