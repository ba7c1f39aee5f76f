import AccordContracts

/// Who last changed a field on one side of a merge, from that side's history since the base.
public struct ChangeInfo: Hashable, Sendable {
    public var commit: String
    public var author: String
    public var role: String
    public var office: String
    public var at: String
    public init(commit: String, author: String, role: String, office: String, at: String) {
        self.commit = commit; self.author = author; self.role = role; self.office = office; self.at = at
    }
}

public enum MergeSide: Sendable { case ours, theirs }

/// What one side brings to a merge.
public struct MergeInput: Sendable {
    public var state: ContractState
    public var conflicts: [Conflict]
    /// Statuses this side went through after the base, in order (its last is its status).
    public var statusPath: [Status]
    public init(state: ContractState, conflicts: [Conflict] = [], statusPath: [Status] = []) {
        self.state = state; self.conflicts = conflicts; self.statusPath = statusPath
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

/// The structured three-way merge of one contract (domain.md §5). Symmetric: where it cannot
/// decide, the document keeps the base value and `conflicts.json` keeps both sides, so
/// merge(a, b) and merge(b, a) give the same document and the same conflicts (sides swapped).
public struct ContractMerge {
    public let policy: MergePolicy
    public let lifecycle: LifecyclePolicy
    /// Who last changed `path` on a side (nil if unknown).
    public let changer: (MergeSide, String) -> ChangeInfo?

    public init(policy: MergePolicy = MergePolicy(), lifecycle: LifecyclePolicy = LifecyclePolicy(),
                changer: @escaping (MergeSide, String) -> ChangeInfo? = { _, _ in nil }) {
        self.policy = policy; self.lifecycle = lifecycle; self.changer = changer
    }

    static let keyedLists: Set<String> = ["lineItems", "paymentMilestones", "schedule", "progressPlan"]
    static let textFields: Set<String> = [
        "subject", "customerCredit", "scope", "qualityStandard", "acceptanceStandard", "serviceTerms", "afterSales",
        "responsibilities", "confidentiality", "breachLiability", "terminationConditions", "paymentMethod", "deliveryMethod",
        "risk.points", "trackingPlan.goal", "trackingPlan.riskPoints", "trackingPlan.measures",
    ]
    /// Fields frozen once signed (domain.md §2): everything not editable after signing.
    static func isFrozen(_ top: String) -> Bool { !Invariants.editableAfterSigning.contains(top) && top != "number" }

    /// Conflicts already recorded on either side travel on, minus those either side resolved: a
    /// conflict the base had and one side no longer has was resolved there. Symmetric; each
    /// conflict once, sorted.
    public static func carried(base: [Conflict], ours: [Conflict], theirs: [Conflict]) -> [Conflict] {
        let o = Set(ours.map(\.json.canonical)), t = Set(theirs.map(\.json.canonical))
        let resolved = Set(base.map(\.json.canonical)).subtracting(o.intersection(t))
        var out: [String: Conflict] = [:]
        for c in ours + theirs where !resolved.contains(c.json.canonical) { out[c.json.canonical] = c }
        return out.values.sorted { ($0.path, $0.json.canonical) < ($1.path, $1.json.canonical) }
    }

    public func merge(base: MergeInput?, ours: MergeInput, theirs: MergeInput) throws(MergeError) -> MergeResult {
        var m = Merger(owner: self, conflicts: [], notes: [])
        m.ownerName = (base ?? ours).state.contract.owner
        // Derived values (line amounts) are never merged, only recomputed: comparing them would
        // report a second, unresolvable conflict beside every quantity or price conflict.
        let bj = base.map { Contract.droppingDerived($0.state.contract.json) }?.object ?? [:]
        var oj = Contract.droppingDerived(ours.state.contract.json).object ?? [:]
        var tj = Contract.droppingDerived(theirs.state.contract.json).object ?? [:]
        if base == nil {
            m.conflict("number", nil, oj["number"], tj["number"], "the same contract number was created on two replicas; head office assigns final numbers")
        }
        // Status: lifecycle-aware.
        let status = m.status(base?.state.contract.status, ours, theirs)
        // A frozen field edited on one side while the other side signed: a person decides.
        let baseFrozen = base?.state.contract.status.isFrozen ?? false
        if !baseFrozen {
            for (signer, editor, editorJSON) in [(ours, MergeSide.theirs, tj), (theirs, MergeSide.ours, oj)] where signer.state.contract.status.isFrozen {
                for key in editorJSON.keys.sorted() where ContractMerge.isFrozen(key) && key != "status" && editorJSON[key] != bj[key] {
                    m.forced[key] = editor
                }
            }
        }
        oj["status"] = nil; tj["status"] = nil
        var bjNoStatus = bj; bjNoStatus["status"] = nil
        guard case var .object(merged)? = m.value("", .object(bjNoStatus), .object(oj), .object(tj)) else {
            throw .unmergeable("the contract documents are not objects")
        }
        merged["status"] = .string(status.code)
        var contract: Contract
        do { contract = try Contract(json: Contract.droppingDerived(.object(merged))) }
        catch { throw .unmergeable("the merged contract is invalid: \(error)") }
        contract.status = status
        let records = try m.records(base?.state.records ?? [], ours.state.records, theirs.state.records)
        let state = ContractState(contract: contract, records: records)
        var conflicts = ContractMerge.carried(base: base?.conflicts ?? [], ours: ours.conflicts, theirs: theirs.conflicts)
        conflicts += m.conflicts
        // Invariants that fail only after the merge (receipts above the total, …) go to a person.
        do { try Invariants.check(state, previous: nil, policy: lifecycle) } catch {
            let rule = error.rule.isEmpty ? "invariant" : error.rule
            conflicts.append(Conflict(path: rule, reason: error.description, base: nil,
                                      ours: ConflictSide(value: nil), theirs: ConflictSide(value: nil)))
        }
        var unique: [String: Conflict] = [:]
        for c in conflicts { unique[c.path + "\u{0}" + c.json.canonical] = c }
        return MergeResult(state: state, conflicts: unique.values.sorted { ($0.path, $0.json.canonical) < ($1.path, $1.json.canonical) },
                           notes: m.notes)
    }
}

/// The recursive, rule-driven part of a merge.
struct Merger {
    let owner: ContractMerge
    var conflicts: [Conflict]
    var notes: [String]
    /// Top-level fields that must be surfaced, with the side that edited them.
    var forced: [String: MergeSide] = [:]

    func side(_ s: MergeSide, _ path: String, _ v: JSON?) -> ConflictSide {
        let info = owner.changer(s, path) ?? owner.changer(s, String(path.prefix { $0 != "." && $0 != "[" }))
        return ConflictSide(value: v, commit: info?.commit, author: info?.author, role: info?.role, at: info?.at)
    }

    /// Records a conflict; the document keeps the base value (or, with no base, the smaller of the
    /// two in canonical order), so the result does not depend on which side is "ours".
    @discardableResult
    mutating func conflict(_ path: String, _ b: JSON?, _ o: JSON?, _ t: JSON?, _ reason: String) -> JSON? {
        conflicts.append(Conflict(path: path, reason: reason, base: b, ours: side(.ours, path, o), theirs: side(.theirs, path, t)))
        if let b { return b }
        switch (o, t) {
        case let (x?, y?): return x.canonical <= y.canonical ? x : y
        default: return o ?? t
        }
    }

    mutating func value(_ path: String, _ b: JSON?, _ o: JSON?, _ t: JSON?) -> JSON? {
        let top = String(path.prefix { $0 != "." && $0 != "[" })
        if let editor = forced[top], path == top {
            let edited = editor == .ours ? o : t
            if edited != b {
                return conflict(path, b, o, t, "\(top) is frozen: it was edited on one side while the other side signed the contract")
            }
        }
        if o == t { return o }
        if o == b { return t }
        if t == b { return o }
        let shape = path.replacingOccurrences(of: #"\[[^\]]*\]"#, with: "[]", options: .regularExpression)
        if path == "attachments" { return attachments(b, o, t) }
        if ContractMerge.keyedLists.contains(path) { return keyedList(path, b, o, t) }
        if path == "deliverables" { return stringSet(b, o, t) }
        if case .object? = o, case .object? = t, b == nil || b?.object != nil { return object(path, b, o, t) }
        if ContractMerge.textFields.contains(shape), case let .string(os)? = o, case let .string(ts)? = t {
            let bs = b?.string ?? ""
            if let mergedText = TextMerge.merge(base: bs, ours: os, theirs: ts) { return .string(mergedText) }
            // Overlapping edits: a configured policy may still decide.
            return scalar(path, b, o, t, reason: "both sides changed the same lines of this clause")
        }
        return scalar(path, b, o, t)
    }

    mutating func scalar(_ path: String, _ b: JSON?, _ o: JSON?, _ t: JSON?,
                         reason: String = "both sides changed it to different values") -> JSON? {
        if let rule = owner.policy.rule(for: path) {
            let oi = owner.changer(.ours, path), ti = owner.changer(.theirs, path)
            let (oWins, tWins): (Bool, Bool)
            switch rule {
            case .headOffice:
                oWins = oi.map { MergePolicy.headOfficeRoles.contains($0.role) } ?? false
                tWins = ti.map { MergePolicy.headOfficeRoles.contains($0.role) } ?? false
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
        return conflict(path, b, o, t, reason)
    }

    /// The contract's responsible rep (at the base), for the `owner` rule.
    var ownerName: String = ""

    mutating func object(_ path: String, _ b: JSON?, _ o: JSON?, _ t: JSON?) -> JSON? {
        let bo = b?.object ?? [:], oo = o?.object ?? [:], to = t?.object ?? [:]
        var out: [String: JSON] = [:]
        for k in Set(bo.keys).union(oo.keys).union(to.keys).sorted() {
            let p = path.isEmpty ? k : "\(path).\(k)"
            if let v = value(p, bo[k], oo[k], to[k]) { out[k] = v }
        }
        return .object(out)
    }

    /// Line items, milestones, plans: by id. Additions from both sides are kept; an edit against
    /// a deletion conflicts; both edited: field by field.
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
            let p = "\(path)[\(id)]"
            let (bi, oi, ti) = (bm[id], om[id], tm[id])
            if bi != nil, (oi == nil) != (ti == nil) {
                let kept = oi ?? ti
                if kept != bi {
                    if let v = conflict(p, bi, oi, ti, "edited on one side and deleted on the other") { out.append(v) }
                }
                continue // deleted on one side, untouched on the other: deleted
            }
            if let v = value(p, bi, oi, ti) { out.append(v) }
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
        if os == ts { return os }
        let op = Merger.path(b, o.statusPath, os), tp = Merger.path(b, t.statusPath, ts)
        if tp.count > op.count, Array(tp.prefix(op.count)) == op { return ts }
        if op.count > tp.count, Array(op.prefix(tp.count)) == tp { return os }
        let keep = b ?? (os.code <= ts.code ? os : ts)
        // The two paths in a fixed order, so the reason is the same whichever side merges.
        let paths = [op, tp].map { "(" + $0.map(\.code).joined(separator: "→") + ")" }.sorted()
        conflict("status", b.map { .string($0.code) }, .string(os.code), .string(ts.code),
                 "divergent lifecycle paths \(paths[0]) and \(paths[1])")
        return keep
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
            conflict("records.\(key)", nil, .string(ro.id), .string(rt.id), "two decisions on one question were made on different replicas")
        }
        return byID.values.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }
}

private extension JSON {
    /// An attachment's blob id (empty if it has none).
    var blobText: String { self["blob"]?.string ?? "" }
}
