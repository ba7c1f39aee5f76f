import AccordContracts

public enum MergeSide: Sendable { case ours, theirs }

/// What one side brings to a merge.
public struct MergeInput: Sendable {
    public var state: ContractState
    public var conflicts: [Conflict]
    /// Statuses this side went through after the base, in order (its last is its status); used
    /// only when `writes` is not given.
    public var statusPath: [Status]
    /// What this side wrote since the shared commits (from its history). Without it the merge
    /// infers writes from values: a field differing from the base was written, a base conflict a
    /// side no longer has was settled there, a signing confirms the frozen fields.
    public var writes: SideWrites?
    public init(state: ContractState, conflicts: [Conflict] = [], statusPath: [Status] = [], writes: SideWrites? = nil) {
        self.state = state; self.conflicts = conflicts; self.statusPath = statusPath; self.writes = writes
    }
}

public struct MergeResult: Sendable {
    public var state: ContractState
    public var conflicts: [Conflict]
    /// Automatic resolutions and notes, for the merge commit message.
    public var notes: [String]
}

public enum MergeError: Error, Equatable, CustomStringConvertible {
    /// The same record id with different content on two sides: records are never edited.
    case recordIntegrity(String)
    case unmergeable(String)
    public var description: String {
        switch self {
        case let .recordIntegrity(id): "record \(id) differs between the two sides; records are append-only, so one replica's data is corrupt"
        case let .unmergeable(why): "cannot merge: \(why)"
        }
    }
}

/// The structured merge of one contract (domain.md §5), by writes: a field's value is decided by
/// the writes no other write has seen. A field only one side wrote takes that side's value; both
/// sides' unsuperseded writes of one value agree; several values are a conflict holding every one
/// of them (a multi-value register), united with the conflicts the sides already store, minus
/// the candidates the other side's writes have seen. Symmetric: merge(a, b) and merge(b, a) give
/// the same document and the same conflicts.
public struct ContractMerge {
    public let policy: MergePolicy
    public let lifecycle: LifecyclePolicy
    /// Whether commit `a` is an ancestor of commit `b` (hex ids): a write at `b` has seen `a`.
    public let isAncestor: (String, String) -> Bool

    public init(policy: MergePolicy = MergePolicy(), lifecycle: LifecyclePolicy = LifecyclePolicy(),
                isAncestor: @escaping (String, String) -> Bool = { _, _ in false }) {
        self.policy = policy; self.lifecycle = lifecycle; self.isAncestor = isAncestor
    }

    static let keyedLists: Set<String> = ["lineItems", "paymentMilestones", "schedule", "progressPlan"]
    static let textFields: Set<String> = [
        "subject", "customerCredit", "scope", "qualityStandard", "acceptanceStandard", "serviceTerms", "afterSales",
        "responsibilities", "confidentiality", "breachLiability", "terminationConditions", "paymentMethod", "deliveryMethod",
        "risk.points", "trackingPlan.goal", "trackingPlan.riskPoints", "trackingPlan.measures",
    ]
    /// Fields frozen once signed (domain.md §2): everything not editable after signing.
    static func isFrozen(_ top: String) -> Bool { !Invariants.editableAfterSigning.contains(top) && top != "number" }
    /// The top-level field of a path (`buyer` of `buyer.phone`).
    static func top(_ path: String) -> String { String(path.prefix { $0 != "." && $0 != "[" }) }
    /// Whether a text field is merged line by line.
    public static func isText(_ path: String) -> Bool {
        textFields.contains(path.replacingOccurrences(of: #"\[[^\]]*\]"#, with: "[]", options: .regularExpression))
    }

    /// Conflicts that are not field registers (`records.*`, `invariant N`) travel on, minus those
    /// either side resolved: one the base had and one side no longer has was resolved there.
    public static func carried(base: [Conflict], ours: [Conflict], theirs: [Conflict]) -> [Conflict] {
        let o = Set(ours.map(\.json.canonical)), t = Set(theirs.map(\.json.canonical))
        let resolved = Set(base.map(\.json.canonical)).subtracting(o.intersection(t))
        var out: [String: Conflict] = [:]
        for c in ours + theirs where !resolved.contains(c.json.canonical) { out[c.json.canonical] = c }
        return out.values.sorted { ($0.path, $0.json.canonical) < ($1.path, $1.json.canonical) }
    }

    public func merge(base: MergeInput?, ours: MergeInput, theirs: MergeInput) throws(MergeError) -> MergeResult {
        var m = Merger(owner: self, base: base, ours: ours, theirs: theirs)
        let bj = base.map { Contract.droppingDerived($0.state.contract.json) }?.object ?? [:]
        var oj = Contract.droppingDerived(ours.state.contract.json).object ?? [:]
        var tj = Contract.droppingDerived(theirs.state.contract.json).object ?? [:]
        if base == nil {
            _ = m.conflict("number", nil, [ConflictCandidate(value: oj["number"]), ConflictCandidate(value: tj["number"])],
                           "the same contract number was created on two replicas; head office assigns final numbers")
        }
        // Status: lifecycle-aware.
        let status = m.status(base?.state.contract.status, ours, theirs)
        oj["status"] = nil; tj["status"] = nil
        var bjNoStatus = bj; bjNoStatus["status"] = nil
        guard case var .object(merged)? = m.object("", .object(bjNoStatus), .object(oj), .object(tj)) else {
            throw .unmergeable("the contract documents are not objects")
        }
        merged["status"] = .string(status.code)
        var contract: Contract
        do { contract = try Contract(json: Contract.droppingDerived(.object(merged))) }
        catch { throw .unmergeable("the merged contract is invalid: \(error)") }
        contract.status = status
        let records = try m.records(base?.state.records ?? [], ours.state.records, theirs.state.records)
        let state = ContractState(contract: contract, records: records)
        // `records.*` conflicts travel on; `invariant N` ones are decided again on the merged data.
        func decisions(_ cs: [Conflict]) -> [Conflict] { cs.filter { $0.path.hasPrefix("records.") } }
        var conflicts = ContractMerge.carried(base: decisions(base?.conflicts ?? []), ours: decisions(ours.conflicts), theirs: decisions(theirs.conflicts))
        conflicts += m.conflicts
        // A stored register the walk did not reach (its field is gone from every document) is
        // kept as it is: no value is dropped unseen.
        for side in [MergeSide.ours, .theirs] {
            for (path, c) in m.stored[side] ?? [:] where !m.visited.contains(path) && !m.dropped.contains(path) { conflicts.append(c) }
        }
        // Invariants that fail only after the merge (receipts above the total, …) go to a person.
        do { try Invariants.check(state, previous: nil, policy: lifecycle) } catch {
            let rule = error.rule.isEmpty ? "invariant" : error.rule
            conflicts.append(Conflict(path: rule, reason: error.description, base: nil, candidates: []))
            // Still broken: those the sides carry stay until a person has fixed the data.
            conflicts += (ours.conflicts + theirs.conflicts).filter { $0.path.hasPrefix("invariant") }
        }
        var unique: [String: Conflict] = [:]
        for c in conflicts { unique[c.path + "\u{0}" + c.json.canonical] = c }
        return MergeResult(state: state, conflicts: unique.values.sorted { ($0.path, $0.json.canonical) < ($1.path, $1.json.canonical) },
                           notes: m.notes.sorted())
    }
}

/// The recursive, rule-driven part of a merge.
struct Merger {
    let owner: ContractMerge
    let base: MergeInput?
    let sides: [MergeSide: MergeInput]
    /// Each side's stored field conflicts, by path.
    let stored: [MergeSide: [String: Conflict]]
    let baseStored: [String: Conflict]
    var conflicts: [Conflict] = []
    var notes: [String] = []
    /// Stored conflicts the walk decided (carried, united, settled) or dropped with the side that
    /// no longer needs them.
    var visited: Set<String> = []
    var dropped: Set<String> = []
    /// The side that signed the contract since the base while the other did not: the value it
    /// signed stands in the document while a conflicting frozen field waits for a person.
    let signer: MergeSide?
    /// The contract's responsible rep (at the base), for the `owner` rule.
    let ownerName: String

    init(owner: ContractMerge, base: MergeInput?, ours: MergeInput, theirs: MergeInput) {
        self.owner = owner; self.base = base
        sides = [.ours: ours, .theirs: theirs]
        func index(_ cs: [Conflict]) -> [String: Conflict] {
            var out: [String: Conflict] = [:]
            for c in cs where c.isField {
                // Two records of one path (written before registers): one register of all their values.
                if let prior = out[c.path] {
                    out[c.path] = Conflict(path: c.path, reason: min(prior.reason, c.reason), base: prior.base ?? c.base,
                                           candidates: Merger.group(prior.candidates + c.candidates))
                } else { out[c.path] = c }
            }
            return out
        }
        stored = [.ours: index(ours.conflicts), .theirs: index(theirs.conflicts)]
        baseStored = index(base?.conflicts ?? [])
        let baseFrozen = base?.state.contract.status.isFrozen ?? false
        let of = ours.state.contract.status.isFrozen, tf = theirs.state.contract.status.isFrozen
        signer = baseFrozen || of == tf ? nil : (of ? .ours : .theirs)
        ownerName = (base ?? ours).state.contract.owner
    }

    func doc(_ side: MergeSide) -> JSON { sides[side]?.state.contract.json ?? .null }

    /// Whether `side` wrote `path` since the shared commits.
    func wrote(_ side: MergeSide, _ path: String) -> Bool {
        guard let input = sides[side] else { return false }
        if let w = input.writes { return w.wrote(path) }
        // Inferred from values (no history given).
        let bdoc = base?.state.contract.json ?? .null
        if FieldPath.get(path, in: input.state.contract.json) != FieldPath.get(path, in: bdoc) { return true }
        if path == "status", input.statusPath.contains(where: { $0 != base?.state.contract.status }) { return true }
        if baseStored.keys.contains(where: { Conflict.overlaps($0, path) }),
           baseStored.filter({ Conflict.overlaps($0.key, path) }).values.contains(where: { b in stored[side]?[b.path] != b }) { return true }
        if path != "status", ContractMerge.isFrozen(ContractMerge.top(path)), input.state.contract.status.isFrozen,
           !(base?.state.contract.status.isFrozen ?? false) { return true }
        return false
    }

    /// `side`'s unsuperseded writes of `path` since the shared commits. A deletion the side
    /// still holds as a candidate of a conflict around `path` (an item deleted against edited)
    /// is that conflict's, not a write of a value at `path`.
    func writes(_ side: MergeSide, _ path: String) -> [FieldWrite] {
        guard let log = sides[side]?.writes else { return [] }
        if Merger.isItem(path) { return log.writes(path) } // a deletion is a value of the item
        let deletions = Set(self.deletions(side, path).map(\.commit))
        return log.split(path).values.filter { !deletions.contains($0.commit) }
    }

    /// The deletions of an item around `path` a side made or holds as a conflict's candidate:
    /// they supersede the writes of `path` they have seen, and set no value of it.
    func deletions(_ side: MergeSide, _ path: String) -> [FieldWrite] {
        let around = (stored[side] ?? [:]).values.filter { Conflict.inside(path, $0.path) }
        return (sides[side]?.writes?.split(path).deletions ?? []) + around.flatMap { $0.candidates.filter { $0.value == nil }.flatMap(\.writes) }
    }

    /// Without histories: whether a stored value of the other side is superseded by `side`'s
    /// write of `path` (a side that wrote the field saw what the base stored there).
    func superseded(_ write: FieldWrite, by side: MergeSide, _ path: String) -> Bool {
        guard wrote(side, path) else { return false }
        return baseStored[path]?.candidates.contains { $0.writes.contains(write) } ?? false
    }

    /// The stored conflicts of `side` at or inside `path`, taken with that side's value.
    mutating func take(_ side: MergeSide, _ path: String, _ v: JSON?) -> JSON? {
        let other: MergeSide = side == .ours ? .theirs : .ours
        for (p, c) in stored[side] ?? [:] where p == path || Conflict.inside(p, path) {
            conflicts.append(c); visited.insert(p)
        }
        for p in (stored[other] ?? [:]).keys where p == path || Conflict.inside(p, path) { dropped.insert(p) }
        return v
    }

    func storedInside(_ side: MergeSide, _ path: String) -> [Conflict] {
        (stored[side] ?? [:]).filter { path.isEmpty || Conflict.inside($0.key, path) }.values.sorted { $0.path < $1.path }
    }

    /// Candidates grouped by value, their writes united, in canonical order.
    static func group(_ cs: [ConflictCandidate]) -> [ConflictCandidate] {
        var byValue: [String: ConflictCandidate] = [:]
        for c in cs {
            let k = Conflict.order(c.value)
            byValue[k] = ConflictCandidate(value: c.value, writes: (byValue[k]?.writes ?? []) + c.writes)
        }
        return byValue.values.sorted { Conflict.order($0.value) < Conflict.order($1.value) }
    }

    /// Records a conflict holding `candidates` (distinct values). The document keeps the signed
    /// value of a frozen field when one side signed, else the base value, else the first value in
    /// canonical order, so the result does not depend on which side is "ours".
    mutating func conflict(_ path: String, _ b: JSON?, _ candidates: [ConflictCandidate], _ reason: String) -> JSON? {
        let cands = Merger.group(candidates)
        conflicts.append(Conflict(path: path, reason: reason, base: b, candidates: cands))
        if let s = signer, path != "status", ContractMerge.isFrozen(ContractMerge.top(path)) {
            return FieldPath.get(path, in: doc(s))
        }
        if let b { return b }
        return cands.first { $0.value != nil }?.value
    }

    /// A side's own value at `path`, as a candidate with its writes.
    func candidate(_ side: MergeSide, _ path: String, _ v: JSON?) -> ConflictCandidate {
        ConflictCandidate(value: v, writes: writes(side, path))
    }

    mutating func value(_ path: String, _ b: JSON?, _ o: JSON?, _ t: JSON?) -> JSON? {
        if stored[.ours]?[path] != nil || stored[.theirs]?[path] != nil { return register(path, b, o, t) }
        let wo = wrote(.ours, path), wt = wrote(.theirs, path)
        if wo != wt { return wo ? take(.ours, path, o) : take(.theirs, path, t) }
        if o == t, storedInside(.ours, path) == storedInside(.theirs, path) { return take(.ours, path, o) }
        // Both sides wrote here (or neither did, yet they differ): by the field's rule.
        if path == "attachments" { return attachments(b, o, t) }
        if path == "deliverables" { return stringSet(b, o, t) }
        if ContractMerge.keyedLists.contains(path) { return keyedList(path, b, o, t) }
        if case .object? = o, case .object? = t, b == nil || b?.object != nil { return object(path, b, o, t) }
        if ContractMerge.isText(path), case let .string(os)? = o, case let .string(ts)? = t {
            // Lines combine only when both sides changed lines of the base: a side that wrote the
            // base's text again (after choosing it in a conflict, say) meant that whole text.
            if o != b, t != b, let mergedText = TextMerge.merge(base: b?.string ?? "", ours: os, theirs: ts) { return .string(mergedText) }
            // Overlapping edits: a configured policy may still decide.
            return scalar(path, b, o, t, reason: "both sides changed the same lines of this clause")
        }
        if b != nil, (o == nil) != (t == nil), Merger.isItem(path), sides.values.allSatisfy({ $0.writes != nil }) {
            // Deleted on one side, edited on the other: the item's register (its fields' own
            // conflicts meet the deletion there).
            var items: [(side: MergeSide, value: JSON?, write: FieldWrite?)] = []
            for (side, v) in [(MergeSide.ours, o), (.theirs, t)] { for w in writes(side, path) { items.append((side, v, w)) } }
            return itemRegister(path, b, o, t, items)
        }
        if b != nil, (o == nil) != (t == nil), path.hasSuffix("]") {
            return conflict(path, b, [candidate(.ours, path, o), candidate(.theirs, path, t)], "edited on one side and deleted on the other")
        }
        return scalar(path, b, o, t)
    }

    /// A field either side stores a conflict for: every stored candidate and each side's own new
    /// write, minus those a write of the other side has seen. One value left settles it.
    mutating func register(_ path: String, _ b: JSON?, _ o: JSON?, _ t: JSON?) -> JSON? {
        visited.insert(path)
        var items: [(side: MergeSide, value: JSON?, write: FieldWrite?)] = []
        for (side, v) in [(MergeSide.ours, o), (.theirs, t)] {
            if let c = stored[side]?[path] {
                for cand in c.candidates {
                    if cand.writes.isEmpty { items.append((side, cand.value, nil)) }
                    for w in cand.writes { items.append((side, cand.value, w)) }
                }
            } else if wrote(side, path) {
                let ws = writes(side, path)
                // Only deletions of an item around it: the side holds no value of its own here.
                if ws.isEmpty, sides[side]?.writes != nil, !deletions(side, path).isEmpty { continue }
                if ws.isEmpty { items.append((side, v, nil)) }
                for w in ws { items.append((side, v, w)) }
            }
        }
        // A write is dropped when another write in the set has seen it (with histories), or, with
        // values only, when the other side wrote the field after seeing what the base stored.
        let historied = sides.values.allSatisfy { $0.writes != nil }
        // Deletions of an item around the field supersede what they saw without being values of it.
        let superseders = items.compactMap(\.write) + (Merger.isItem(path) ? [] : deletions(.ours, path) + deletions(.theirs, path))
        let kept = items.filter { item in
            guard let w = item.write else { return true }
            if historied {
                return !superseders.contains { o in o.commit != w.commit && owner.isAncestor(w.commit, o.commit) }
            }
            let other: MergeSide = item.side == .ours ? .theirs : .ours
            if stored[other]?[path]?.candidates.contains(where: { $0.writes.contains(w) }) == true { return true } // both still hold it
            return !superseded(w, by: other, path)
        }
        if Merger.isItem(path) { return itemRegister(path, b, o, t, kept) }
        let cands = Merger.group(kept.map { ConflictCandidate(value: $0.value, writes: $0.write.map { [$0] } ?? []) })
        // Conflicts inside the field (an item's quantity) travel with their side's value while it
        // still stands (its candidate shows the value the document keeps); they go with it.
        for side in [MergeSide.ours, .theirs] {
            let stands = kept.contains { $0.side == side } && (cands.count > 1 || cands.first?.value == (side == .ours ? o : t))
            for c in storedInside(side, path) {
                if stands { conflicts.append(c); visited.insert(c.path) } else { dropped.insert(c.path) }
            }
        }
        if cands.count == 1, let only = cands.first {
            notes.append("conflict at \(path) settled: every other value was superseded; \(FieldDiff.show(only.value)) stands")
            return only.value
        }
        guard !cands.isEmpty else { return b }
        let reasons = [stored[.ours]?[path]?.reason, stored[.theirs]?[path]?.reason].compactMap { $0 }
        let bases = [stored[.ours]?[path], stored[.theirs]?[path]].compactMap { $0 }.map(\.base)
        let keptBase = bases.min { Conflict.order($0) < Conflict.order($1) } ?? b
        return conflict(path, keptBase, cands, reasons.min() ?? "concurrent writes left different values")
    }

    /// A keyed list item (`lineItems[L2]`): its register is "deleted" against "present", never
    /// two versions of the item, whose fields have registers of their own. The present value is
    /// the sides' present versions merged field by field.
    static func isItem(_ path: String) -> Bool {
        guard path.hasSuffix("]"), let open = path.lastIndex(of: "[") else { return false }
        return ContractMerge.keyedLists.contains(String(path[..<open]))
    }

    mutating func itemRegister(_ path: String, _ b: JSON?, _ o: JSON?, _ t: JSON?,
                               _ kept: [(side: MergeSide, value: JSON?, write: FieldWrite?)]) -> JSON? {
        let deletions = kept.filter { $0.value == nil }, presences = kept.filter { $0.value != nil }
        // Each side's present version: its stored candidate, or its own value.
        func version(_ side: MergeSide) -> JSON? {
            guard presences.contains(where: { $0.side == side }) else { return nil }
            if stored[side]?[path] != nil { return presences.first { $0.side == side }?.value }
            return side == .ours ? o : t
        }
        let vo = version(.ours), vt = version(.theirs)
        var present: JSON?
        switch (vo, vt) {
        case let (x?, y?):
            present = object(path, b, x, y) // also when equal: their fields' conflicts meet
        case let (x?, nil):
            // Its fields' conflicts still meet the other side's writes (a deletion that saw one).
            present = object(path, b, x, x)
        case let (nil, y?):
            present = object(path, b, y, y)
        case (nil, nil): present = nil
        }
        for side in [MergeSide.ours, .theirs] { for c in storedInside(side, path) where !visited.contains(c.path) { dropped.insert(c.path) } }
        guard let present else {
            notes.append("conflict at \(path) settled: every edit was superseded; the item stays deleted")
            return nil
        }
        guard !deletions.isEmpty else {
            if stored[.ours]?[path] != nil || stored[.theirs]?[path] != nil {
                notes.append("conflict at \(path) settled: every deletion was superseded; the item stays")
            }
            return present
        }
        let reasons = [stored[.ours]?[path]?.reason, stored[.theirs]?[path]?.reason].compactMap { $0 }
        return conflict(path, b, [ConflictCandidate(value: nil, writes: deletions.compactMap(\.write)),
                                  ConflictCandidate(value: present, writes: presences.compactMap(\.write))],
                        reasons.min() ?? "edited on one side and deleted on the other")
    }

    mutating func scalar(_ path: String, _ b: JSON?, _ o: JSON?, _ t: JSON?,
                         reason: String = "both sides changed it to different values") -> JSON? {
        if o == t { return o }
        if let rule = owner.policy.rule(for: path) {
            let oi = writes(.ours, path).max { ($0.at ?? "", $0.commit) < ($1.at ?? "", $1.commit) }
            let ti = writes(.theirs, path).max { ($0.at ?? "", $0.commit) < ($1.at ?? "", $1.commit) }
            let (oWins, tWins): (Bool, Bool)
            switch rule {
            case .headOffice:
                oWins = oi.map { MergePolicy.headOfficeRoles.contains($0.role ?? "") } ?? false
                tWins = ti.map { MergePolicy.headOfficeRoles.contains($0.role ?? "") } ?? false
            case .owner:
                oWins = oi.map { $0.author == ownerName } ?? false
                tWins = ti.map { $0.author == ownerName } ?? false
            }
            if oWins != tWins {
                let (winner, info) = oWins ? (o, oi) : (t, ti)
                notes.append("policy \(rule.rawValue): \(path) = \(FieldDiff.show(winner)) (by \(info?.author ?? "?"), \(info?.role ?? "?"), \(info?.commit.prefix(12) ?? "?"))")
                return winner
            }
        }
        return conflict(path, b, [candidate(.ours, path, o), candidate(.theirs, path, t)], reason)
    }

    mutating func object(_ path: String, _ b: JSON?, _ o: JSON?, _ t: JSON?) -> JSON? {
        let bo = b?.object ?? [:], oo = o?.object ?? [:], to = t?.object ?? [:]
        var out: [String: JSON] = [:]
        for k in Set(bo.keys).union(oo.keys).union(to.keys).sorted() {
            let p = path.isEmpty ? k : "\(path).\(k)"
            if let v = value(p, bo[k], oo[k], to[k]) { out[k] = v }
        }
        return .object(out)
    }

    /// Line items, milestones, plans: by id, each item by its writes. Additions from both sides
    /// are kept; an edit against a deletion conflicts; both edited: field by field.
    mutating func keyedList(_ path: String, _ b: JSON?, _ o: JSON?, _ t: JSON?) -> JSON? {
        func byID(_ v: JSON?) -> ([String], [String: JSON]) {
            var order: [String] = [], map: [String: JSON] = [:]
            for item in v?.array ?? [] { if let id = item["id"]?.string { order.append(id); map[id] = item } }
            return (order, map)
        }
        let (border, bm) = byID(b), (_, om) = byID(o), (_, tm) = byID(t)
        var ids = border
        ids += Set(om.keys).union(tm.keys).subtracting(border).sorted()
        var out: [JSON] = []
        for id in ids {
            if let v = value("\(path)[\(id)]", bm[id], om[id], tm[id]) { out.append(v) }
        }
        return out.isEmpty ? nil : .array(out)
    }

/// Attachments: union by content id; a removal on one side removes it.
    func attachments(_ b: JSON?, _ o: JSON?, _ t: JSON?) -> JSON? {
        func byBlob(_ v: JSON?) -> [String: JSON] {
            Dictionary((v?.array ?? []).compactMap { a in a["blob"]?.string.map { ($0, a) } }, uniquingKeysWith: { x, y in x.canonical <= y.canonical ? x : y })
        }
        let bm = byBlob(b), om = byBlob(o), tm = byBlob(t)
        let removed = Set(bm.keys).subtracting(om.keys).union(Set(bm.keys).subtracting(tm.keys))
        var all = om.merging(tm) { x, y in x.canonical <= y.canonical ? x : y }
        for r in removed { all[r] = nil }
        var out = all.values.sorted { ($0["name"]?.string ?? "", $0.blobText) < ($1["name"]?.string ?? "", $1.blobText) }
        // Two replicas attached different files under one name: keep both. The smallest blob id
        // keeps the name, the others get their blob id in it (`scan~1a2b3c4d.pdf`): the same
        // result whichever side merges, and nothing is lost.
        var taken = Set(out.compactMap { $0["name"]?.string })
        var kept: String?
        for i in out.indices {
            guard case var .object(o) = out[i], let name = o["name"]?.string else { continue }
            if name != kept { kept = name; continue } // sorted by name: the first of each name keeps it
            let unique = Self.uniqueName(name, blob: out[i].blobText, taken: taken)
            taken.insert(unique)
            o["name"] = .string(unique)
            out[i] = .object(o)
        }
        out.sort { ($0["name"]?.string ?? "", $0.blobText) < ($1["name"]?.string ?? "", $1.blobText) }
        return out.isEmpty ? nil : .array(out)
    }

    /// `name` with the first characters of the blob id before its extension, long enough to be free.
    static func uniqueName(_ name: String, blob: String, taken: Set<String>) -> String {
        let dot = name.lastIndex(of: ".").flatMap { $0 == name.startIndex ? nil : $0 }
        let stem = dot.map { String(name[..<$0]) } ?? name, ext = dot.map { String(name[$0...]) } ?? ""
        for length in stride(from: 8, through: blob.count, by: 8) {
            let candidate = "\(stem)~\(blob.prefix(length))\(ext)"
            if !taken.contains(candidate) { return candidate }
        }
        return "\(stem)~\(blob)\(ext)"
    }

    /// A list of strings as a set: additions from both, removals from either.
    func stringSet(_ b: JSON?, _ o: JSON?, _ t: JSON?) -> JSON? {
        let bs = (b?.array ?? []).compactMap(\.string), os = (o?.array ?? []).compactMap(\.string), ts = (t?.array ?? []).compactMap(\.string)
        let removed = Set(bs).subtracting(os).union(Set(bs).subtracting(ts))
        var out: [String] = []
        for s in bs + os + ts.sorted() where !removed.contains(s) && !out.contains(s) { out.append(s) }
        return out.isEmpty ? nil : .array(out.map { .string($0) })
    }

    /// Status: if one side's path extends the other's, take the longer; divergent paths conflict.
    /// The paths are compared, not just the end points: a side whose status went away and came
    /// back to the base's (submitted, then rejected to draft) did move, and against an approval
    /// on the other side that is a conflict.
    mutating func status(_ b: Status?, _ o: MergeInput, _ t: MergeInput) -> Status {
        let os = o.state.contract.status, ts = t.state.contract.status
        let bv = b.map { JSON.string($0.code) }
        if stored[.ours]?["status"] != nil || stored[.theirs]?["status"] != nil {
            let v = register("status", bv, .string(os.code), .string(ts.code))
            return v?.string.flatMap(Status.init(code:)) ?? b ?? os
        }
        let wo = wrote(.ours, "status"), wt = wrote(.theirs, "status")
        if wo != wt { return wo ? os : ts }
        if os == ts { return os }
        let op = Merger.path(b, o.writes?.statusPath ?? o.statusPath, os), tp = Merger.path(b, t.writes?.statusPath ?? t.statusPath, ts)
        // One path extends the other: the merge decides for the longer (a write of its own).
        for (long, short, st) in [(tp, op, ts), (op, tp, os)] where long.count > short.count && Array(long.prefix(short.count)) == short {
            notes.append("lifecycle: status = \(st.code) (the path \(long.map(\.code).joined(separator: "→")) extends \(short.map(\.code).joined(separator: "→")))")
            return st
        }
        // The two paths in a fixed order, so the reason is the same whichever side merges.
        let paths = [op, tp].map { "(" + $0.map(\.code).joined(separator: "→") + ")" }.sorted()
        let kept = conflict("status", bv, [candidate(.ours, "status", .string(os.code)), candidate(.theirs, "status", .string(ts.code))],
                            "divergent lifecycle paths \(paths[0]) and \(paths[1])")
        return kept?.string.flatMap(Status.init(code:)) ?? b ?? (os.code <= ts.code ? os : ts)
    }

    /// A side's statuses from the base on: the base's status, then the side's path since the base
    /// (or just its status when no path was given), without repeats, ending at its status.
    static func path(_ b: Status?, _ given: [Status], _ current: Status) -> [Status] {
        var out: [Status] = []
        for s in (b.map { [$0] } ?? []) + given + [current] where out.last != s { out.append(s) }
        return out
    }

    /// Records: union by id. Two decisions on one question (a review stage, a deviation report,
    /// a change request, a termination) are surfaced.
    mutating func records(_ b: [Record], _ o: [Record], _ t: [Record]) throws(MergeError) -> [Record] {
        var byID: [String: Record] = [:]
        for r in b + o + t {
            if let existing = byID[r.id], existing != r { throw .recordIntegrity(r.id) }
            byID[r.id] = r
        }
        let baseIDs = Set(b.map(\.id))
        let newO = o.filter { !baseIDs.contains($0.id) }, newT = t.filter { !baseIDs.contains($0.id) }
        func questions(_ rs: [Record]) -> [String: Record] {
            var q: [String: Record] = [:]
            for r in rs {
                switch r.kind {
                case .review: q["review[\(r.text("stage") ?? "")\(r.text("subject").map { ":" + $0 } ?? "")]"] = r
                case .leaderDecision: q["leaderDecision[\(r.text("report") ?? "")]"] = r
                case .executionResult: q["executionResult[\(r.text("report") ?? "")]"] = r
                case .changeAgreement: q["changeAgreement[\(r.text("request") ?? "")]"] = r
                case .terminationRequest: q["terminationRequest"] = r
                default: break
                }
            }
            return q
        }
        let qo = questions(newO), qt = questions(newT)
        for key in Set(qo.keys).intersection(qt.keys).sorted() {
            guard let ro = qo[key], let rt = qt[key], ro.id != rt.id else { continue }
            _ = conflict("records.\(key)", nil, [ConflictCandidate(value: .string(ro.id)), ConflictCandidate(value: .string(rt.id))],
                         "two decisions on one question were made on different replicas")
        }
        return byID.values.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }
}

private extension JSON {
    /// An attachment's blob id (empty if it has none).
    var blobText: String { self["blob"]?.string ?? "" }
}
