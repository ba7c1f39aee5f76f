/// One write of a field: the commit that set it, and who made it, in which role and office, when.
public struct FieldWrite: Hashable, Sendable {
    public var commit: String
    public var author: String?
    public var role: String?
    public var office: String?
    public var at: String?

    public init(commit: String, author: String? = nil, role: String? = nil, office: String? = nil, at: String? = nil) {
        self.commit = commit; self.author = author; self.role = role; self.office = office; self.at = at
    }

    public var json: JSON {
        var o: [String: JSON] = ["commit": .string(commit)]
        if let author { o["author"] = .string(author) }
        if let role { o["role"] = .string(role) }
        if let office { o["office"] = .string(office) }
        if let at { o["at"] = .string(at) }
        return .object(o)
    }

    init(json: JSON, path: String) throws(ContractError) {
        var r = try FieldReader(json, path: path)
        commit = try r.requiredString("commit")
        author = try r.string("author"); role = try r.string("role"); office = try r.string("office"); at = try r.string("at")
        try r.finish()
    }
}

/// One of the values a conflict holds, with every write that set it and that no other write has
/// seen (several replicas may have typed the same value: one candidate).
public struct ConflictCandidate: Hashable, Sendable {
    /// nil: the field (or keyed item) removed.
    public var value: JSON?
    /// Sorted by commit id; empty only for a value whose writes are unknown (an `invariant` or
    /// `records` conflict, or a conflict read from the format before candidates).
    public var writes: [FieldWrite]

    public init(value: JSON?, writes: [FieldWrite] = []) {
        self.value = value
        self.writes = Array(Set(writes)).sorted { $0.commit < $1.commit }
    }

    /// The most recent write (by time, then commit id), for display.
    public var latest: FieldWrite? {
        writes.max { (Int64($0.at ?? "") ?? 0, $0.commit) < (Int64($1.at ?? "") ?? 0, $1.commit) }
    }

    public var json: JSON { .object(["value": value ?? .null, "writes": .array(writes.map(\.json))]) }

    init(json: JSON, path: String) throws(ContractError) {
        var r = try FieldReader(json, path: path)
        let v = r.raw("value")
        var ws: [FieldWrite] = []
        if let list = r.raw("writes") {
            guard case let .array(items) = list else { throw ContractError("\(path).writes", "must be a list") }
            for (i, item) in items.enumerated() { ws.append(try FieldWrite(json: item, path: "\(path).writes[\(i)]")) }
        }
        try r.finish()
        self.init(value: v == .null ? nil : v, writes: ws)
    }

    /// A side of the format before candidates (`ours`/`theirs`: value, commit, author, role, at).
    init(legacy json: JSON, path: String) throws(ContractError) {
        var r = try FieldReader(json, path: path)
        let v = r.raw("value")
        let commit = try r.string("commit"), author = try r.string("author"), role = try r.string("role"), at = try r.string("at")
        try r.finish()
        self.init(value: v == .null ? nil : v, writes: commit.map { [FieldWrite(commit: $0, author: author, role: role, at: at)] } ?? [])
    }
}

/// A field a merge could not decide, kept in `conflicts.json` with every value that concurrent
/// writes left standing (a multi-value register), so nothing is lost and someone with the
/// authority can resolve it, possibly on another replica.
public struct Conflict: Hashable, Sendable {
    /// The field path (`totalAmount`, `lineItems[L1].quantity`), or `records.<what>`, `invariant N`.
    public var path: String
    /// Why this needs a person: the rule that could not decide.
    public var reason: String
    public var base: JSON?
    /// Two or more distinct values (none for an `invariant` conflict), in canonical order.
    public var candidates: [ConflictCandidate]

    public init(path: String, reason: String, base: JSON?, candidates: [ConflictCandidate]) {
        self.path = path; self.reason = reason; self.base = base
        self.candidates = candidates.sorted { Conflict.order($0.value) < Conflict.order($1.value) }
    }

    /// Canonical order of candidate values: a removal first, then by canonical JSON.
    public static func order(_ v: JSON?) -> String { v.map { "1" + $0.canonical } ?? "0" }

    /// A conflict on a contract field (a register), as opposed to `records.*` and `invariant N`.
    public var isField: Bool { !path.hasPrefix("records.") && !path.hasPrefix("invariant") }

    public var json: JSON {
        .object(["path": .string(path), "reason": .string(reason), "base": base ?? .null, "candidates": .array(candidates.map(\.json))])
    }

    public init(json: JSON, path p: String) throws(ContractError) {
        var r = try FieldReader(json, path: p)
        let path = try r.requiredString("path")
        let reason = try r.string("reason") ?? ""
        let b = r.raw("base")
        var cands: [ConflictCandidate] = []
        if let list = r.raw("candidates") {
            guard case let .array(items) = list else { throw ContractError("\(p).candidates", "must be a list") }
            for (i, item) in items.enumerated() { cands.append(try ConflictCandidate(json: item, path: "\(p).candidates[\(i)]")) }
        } else if let o = r.raw("ours"), let t = r.raw("theirs") {
            cands = [try ConflictCandidate(legacy: o, path: "\(p).ours"), try ConflictCandidate(legacy: t, path: "\(p).theirs")]
        } else {
            throw ContractError(p, "a conflict needs 'candidates'")
        }
        try r.finish()
        self.init(path: path, reason: reason, base: b == .null ? nil : b, candidates: cands)
    }

    /// Whether `a` names `b`, something inside it, or something it is inside: a write at one of
    /// them touches the other (setting `buyer` touches `buyer.phone`; deleting an item touches
    /// its fields).
    public static func overlaps(_ a: String, _ b: String) -> Bool {
        a == b || inside(b, a) || inside(a, b)
    }

    /// Whether `path` is strictly inside `container` (`lineItems[L1].quantity` in `lineItems[L1]`).
    public static func inside(_ path: String, _ container: String) -> Bool {
        path.hasPrefix(container + ".") || path.hasPrefix(container + "[")
    }

    /// The conflicts left once the one at `path` is resolved. A choice at a path settles every
    /// conflict recorded there and every one inside it (choosing or deleting a whole line item
    /// decides its fields too).
    public static func remaining(_ conflicts: [Conflict], afterResolving path: String) -> [Conflict] {
        conflicts.filter { $0.path != path && !inside($0.path, path) }
    }

    /// `conflicts.json`: a list sorted by path (canonical JSON, like contract.json).
    public static func file(_ conflicts: [Conflict]) -> String {
        JSON.array(conflicts.sorted { ($0.path, $0.json.canonical) < ($1.path, $1.json.canonical) }.map(\.json)).canonical
    }

    public static func parseFile(_ text: String) throws(ContractError) -> [Conflict] {
        let doc: JSON
        do { doc = try JSON.parse(text) } catch { throw ContractError("conflicts.json", error.description) }
        guard case let .array(items) = doc else { throw ContractError("conflicts.json", "must be a list") }
        var out: [Conflict] = []
        for (i, item) in items.enumerated() { out.append(try Conflict(json: item, path: "conflicts[\(i)]")) }
        return out
    }
}
