/// Dotted field paths into a contract's JSON: `buyer.name`, `lineItems[L1].quantity` (list items
/// keyed by their `id`), `deliverables[0]` (plain lists by position).
public enum FieldPath {
    enum Step: Equatable { case key(String), id(String), index(Int) }

    static func parse(_ path: String) throws(ContractError) -> [Step] {
        var steps: [Step] = []
        var rest = Substring(path)
        while !rest.isEmpty {
            if rest.first == "." { rest = rest.dropFirst() }
            if rest.first == "[" {
                guard let close = rest.firstIndex(of: "]") else { throw ContractError(path, "unclosed '['") }
                let inner = String(rest[rest.index(after: rest.startIndex)..<close])
                guard !inner.isEmpty else { throw ContractError(path, "empty '[]'") }
                steps.append(Int(inner).map { .index($0) } ?? .id(inner))
                rest = rest[rest.index(after: close)...]
                continue
            }
            let end = rest.firstIndex(where: { $0 == "." || $0 == "[" }) ?? rest.endIndex
            let key = String(rest[..<end])
            guard !key.isEmpty else { throw ContractError(path, "empty field name") }
            steps.append(.key(key))
            rest = rest[end...]
        }
        guard !steps.isEmpty else { throw ContractError(path, "empty path") }
        return steps
    }

    /// Sets (or with nil removes) the value at `path`, creating objects and keyed items on the way.
    public static func set(_ path: String, to value: JSON?, in doc: JSON) throws(ContractError) -> JSON {
        try set(try parse(path)[...], value, doc, path)
    }

    static func set(_ steps: ArraySlice<Step>, _ value: JSON?, _ node: JSON?, _ path: String) throws(ContractError) -> JSON {
        guard let step = steps.first else { return value ?? .null }
        let rest = steps.dropFirst()
        switch step {
        case let .key(k):
            var o: [String: JSON]
            switch node {
            case nil, .null?: o = [:]
            case let .object(x)?: o = x
            default: throw ContractError(path, "'\(k)' is inside something that is not an object")
            }
            if rest.isEmpty && value == nil { o[k] = nil } else { o[k] = try set(rest, value, o[k], path) }
            return .object(o)
        case let .id(id):
            var a: [JSON]
            switch node {
            case nil, .null?: a = []
            case let .array(x)?: a = x
            default: throw ContractError(path, "[\(id)] applies to a list")
            }
            if let i = a.firstIndex(where: { $0["id"] == .string(id) }) {
                if rest.isEmpty && value == nil { a.remove(at: i) } else { a[i] = try set(rest, value, a[i], path) }
            } else {
                guard value != nil else { throw ContractError(path, "no item with id '\(id)'") }
                var item = try set(rest, value, .object(["id": .string(id)]), path)
                if case var .object(o) = item, o["id"] == nil { o["id"] = .string(id); item = .object(o) }
                a.append(item)
            }
            return .array(a)
        case let .index(i):
            guard case var .array(a)? = node else { throw ContractError(path, "[\(i)] applies to a list") }
            if i == a.count, value != nil { a.append(try set(rest, value, nil, path)); return .array(a) }
            guard a.indices.contains(i) else { throw ContractError(path, "index \(i) is out of range (the list has \(a.count) items)") }
            if rest.isEmpty && value == nil { a.remove(at: i) } else { a[i] = try set(rest, value, a[i], path) }
            return .array(a)
        }
    }

    /// Whether `path` names something inside a keyed list item (`lineItems[L1].quantity`) that
    /// `doc` no longer has: the item was deleted after a conflict on one of its fields was recorded.
    public static func isInsideMissingItem(_ path: String, of doc: JSON) -> Bool {
        guard let steps = try? parse(path) else { return false }
        return walk(steps, doc).missingContainer
    }

    /// The value at `path` in `doc` (nil when absent).
    public static func get(_ path: String, in doc: JSON) -> JSON? {
        guard let steps = try? parse(path) else { return nil }
        return walk(steps, doc).value
    }

    static func walk(_ steps: [Step], _ doc: JSON) -> (value: JSON?, missingContainer: Bool) {
        var node: JSON? = doc
        for (i, step) in steps.enumerated() {
            let last = i == steps.count - 1
            switch step {
            case let .key(k): node = node?.object?[k]
            case let .id(id):
                guard let item = node?.array?.first(where: { $0["id"] == .string(id) }) else { return (nil, !last) }
                node = item
            case let .index(n):
                guard let a = node?.array, a.indices.contains(n) else { return (nil, !last) }
                node = a[n]
            }
        }
        return (node, false)
    }

    /// Every leaf value by path (`lineItems[L1].quantity` → "5"); items keyed by id when they have one.
    public static func flatten(_ doc: JSON) -> [String: JSON] {
        var out: [String: JSON] = [:]
        func walk(_ node: JSON, _ path: String) {
            switch node {
            case let .object(o):
                if o.isEmpty && !path.isEmpty { out[path] = node }
                for (k, v) in o { walk(v, path.isEmpty ? k : "\(path).\(k)") }
            case let .array(a):
                if a.isEmpty { out[path] = node }
                for (i, v) in a.enumerated() {
                    if case let .string(id)? = v["id"] { walk(v, "\(path)[\(id)]") } else { walk(v, "\(path)[\(i)]") }
                }
            default: out[path] = node
            }
        }
        walk(doc, "")
        return out
    }

    /// Parses a command-line value for `path`: JSON if it looks like an object, list or quoted
    /// string; otherwise the text itself (the contract's strict reader checks its type).
    public static func value(fromArgument s: String) throws(ContractError) -> JSON? {
        if s.isEmpty { return nil }
        if let f = s.first, f == "{" || f == "[" || f == "\"" {
            do { return try JSON.parse(s) } catch { throw ContractError("", "value \(s.prefix(40)) is not valid JSON: \(error)") }
        }
        if s == "true" { return .bool(true) }
        if s == "false" { return .bool(false) }
        return .string(s)
    }
}

/// A field-level difference between two states of a contract.
public struct FieldChange: Hashable, Sendable {
    public enum Kind: String, Sendable { case added, removed, changed }
    public var kind: Kind
    public var path: String
    public var old: JSON?
    public var new: JSON?
}

public enum FieldDiff {
    /// Changes to contract fields (leaf by leaf), then records added or removed (by id).
    public static func diff(_ a: ContractState?, _ b: ContractState) -> [FieldChange] {
        let fa = a.map { FieldPath.flatten($0.contract.json) } ?? [:]
        let fb = FieldPath.flatten(b.contract.json)
        var out: [FieldChange] = []
        for path in Set(fa.keys).union(fb.keys).sorted(by: pathOrder) {
            switch (fa[path], fb[path]) {
            case let (x?, y?) where x != y: out.append(FieldChange(kind: .changed, path: path, old: x, new: y))
            case let (nil, y?): out.append(FieldChange(kind: .added, path: path, old: nil, new: y))
            case let (x?, nil): out.append(FieldChange(kind: .removed, path: path, old: x, new: nil))
            default: break
            }
        }
        let ra = Dictionary((a?.records ?? []).map { ($0.id, $0) }, uniquingKeysWith: { x, _ in x })
        let rb = Dictionary(b.records.map { ($0.id, $0) }, uniquingKeysWith: { x, _ in x })
        for r in b.records where ra[r.id] == nil {
            out.append(FieldChange(kind: .added, path: "records[\(r.id)]", old: nil, new: r.json))
        }
        for r in a?.records ?? [] where rb[r.id] == nil {
            out.append(FieldChange(kind: .removed, path: "records[\(r.id)]", old: r.json, new: nil))
        }
        for r in b.records { if let old = ra[r.id], old != r {
            out.append(FieldChange(kind: .changed, path: "records[\(r.id)]", old: old.json, new: r.json))
        } }
        return out
    }

    /// Sorts `lineItems[L10]` after `lineItems[L2]`'s siblings predictably: plain string order on
    /// the path, which keeps an item's fields together.
    static func pathOrder(_ a: String, _ b: String) -> Bool { a < b }

    /// One value as shown in a diff: strings bare, everything else as compact JSON.
    public static func show(_ v: JSON?) -> String {
        switch v {
        case nil: return "∅"
        case let .string(s)?: return s
        case let .number(n)?: return n
        case let .bool(b)?: return b ? "true" : "false"
        case .null?: return "null"
        case let v?: return compact(v)
        }
    }

    static func compact(_ v: JSON) -> String {
        switch v {
        case let .object(o): return "{" + o.keys.sorted().map { "\($0): \(show(o[$0]))" }.joined(separator: ", ") + "}"
        case let .array(a): return "[" + a.map(show).joined(separator: ", ") + "]"
        default: return show(v)
        }
    }
}
