/// One side's value in a conflict, and who last changed it there, when.
public struct ConflictSide: Hashable, Sendable {
    public var value: JSON?
    public var commit: String?
    public var author: String?
    public var role: String?
    public var at: String?

    public init(value: JSON?, commit: String? = nil, author: String? = nil, role: String? = nil, at: String? = nil) {
        self.value = value; self.commit = commit; self.author = author; self.role = role; self.at = at
    }

    var json: JSON {
        var o: [String: JSON] = ["value": value ?? .null]
        if let commit { o["commit"] = .string(commit) }
        if let author { o["author"] = .string(author) }
        if let role { o["role"] = .string(role) }
        if let at { o["at"] = .string(at) }
        return .object(o)
    }

    init(json: JSON, path: String) throws(ContractError) {
        var r = try FieldReader(json, path: path)
        value = r.raw("value")
        commit = try r.string("commit"); author = try r.string("author"); role = try r.string("role"); at = try r.string("at")
        try r.finish()
    }
}

/// A field a merge could not decide, kept in `conflicts.json` with every competing value, so
/// nothing is lost and someone with the authority can resolve it (possibly on another replica).
public struct Conflict: Hashable, Sendable {
    /// The field path (`totalAmount`, `lineItems[L1].quantity`), or `records.<what>`, `invariant N`.
    public var path: String
    /// Why this needs a person: the rule that could not decide.
    public var reason: String
    public var base: JSON?
    public var ours: ConflictSide
    public var theirs: ConflictSide

    public init(path: String, reason: String, base: JSON?, ours: ConflictSide, theirs: ConflictSide) {
        self.path = path; self.reason = reason; self.base = base; self.ours = ours; self.theirs = theirs
    }

    /// The same conflict seen from the other side of the merge.
    public var swapped: Conflict { Conflict(path: path, reason: reason, base: base, ours: theirs, theirs: ours) }

    public var json: JSON {
        .object(["path": .string(path), "reason": .string(reason), "base": base ?? .null, "ours": ours.json, "theirs": theirs.json])
    }

    public init(json: JSON, path p: String) throws(ContractError) {
        var r = try FieldReader(json, path: p)
        path = try r.requiredString("path")
        reason = try r.string("reason") ?? ""
        base = r.raw("base")
        guard let o = r.raw("ours"), let t = r.raw("theirs") else { throw ContractError(p, "a conflict needs 'ours' and 'theirs'") }
        ours = try ConflictSide(json: o, path: "\(p).ours")
        theirs = try ConflictSide(json: t, path: "\(p).theirs")
        try r.finish()
    }

    /// The conflicts left once the one at `path` is resolved. A choice at a path settles every
    /// conflict recorded there (successive merges can record the same field more than once) and
    /// every one inside it (choosing or deleting a whole line item decides its fields too).
    public static func remaining(_ conflicts: [Conflict], afterResolving path: String) -> [Conflict] {
        conflicts.filter { $0.path != path && !$0.path.hasPrefix(path + ".") && !$0.path.hasPrefix(path + "[") }
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
