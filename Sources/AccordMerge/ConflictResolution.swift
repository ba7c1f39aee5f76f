import AccordObjects
import AccordStore
import AccordContracts

/// Which value settles a conflict.
public enum ResolutionChoice: Sendable, Equatable {
    /// Of a conflict with exactly two values: the one that came from the local side (the first
    /// parent) of the merge that recorded it, or the one from the other side.
    case ours, theirs
    /// The K-th value as `accord conflicts` numbers them (from 1).
    case pick(Int)
    /// A value of the person's own (nil: remove the field).
    case value(JSON?)
    /// No side: an `invariant N` conflict, settled once the data satisfies the invariant.
    case fixed

    var label: String {
        switch self {
        case .ours: "ours"
        case .theirs: "theirs"
        case let .pick(k): "value \(k)"
        case .value: "value"
        case .fixed: "accepted"
        }
    }
}

/// Why a resolution cannot be made; nothing is written.
public struct ResolutionError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ d: String) { description = d }
}

/// Settles stored conflicts of one contract in one commit: what `accord resolve` does, as a
/// library step so every caller (the CLI, tests, a hub) resolves the same way. Several paths may
/// be settled together, with the same choice, when they only make sense together (a quantity and
/// the totals and milestones that follow from it).
public enum ConflictResolution {
    /// The commit that settles `paths` of `snap` with `choice`. The contract must still pass
    /// every invariant (the store checks when the change is committed): choosing a value that
    /// changes a frozen field of a signed contract needs `changeAgreement`, as any such edit does.
    /// `store` locates "ours" and "theirs" in the history (needed only for those choices).
    public static func change(_ snap: Snapshot, paths: [String], choice: ResolutionChoice, actor: Actor, author: Identity,
                              message: String? = nil, changeAgreement: String? = nil,
                              store: ContractStore? = nil) throws(ResolutionError) -> ContractStore.Change {
        let number = snap.state.contract.number
        guard !paths.isEmpty else { throw ResolutionError("name the conflicting path(s) to resolve") }
        if case .value = choice, paths.count > 1 { throw ResolutionError("--value sets one path; resolve the others separately") }
        var contract = snap.state.contract
        var remaining = snap.conflicts
        var details: [String] = []
        var described: [String] = []
        for path in paths {
            guard let conflict = snap.conflicts.first(where: { $0.path == path }) else {
                throw ResolutionError("\(number) has no conflict at '\(path)'" + (snap.conflicts.isEmpty ? "" : " (conflicts: \(snap.conflicts.map(\.path).joined(separator: ", ")))"))
            }
            var what = choice.label
            // Inside a container that is itself in conflict (an item kept on one side and
            // deleted on another), the container comes first: its choice decides whether this
            // path exists at all, and choosing it later would replace what was chosen here.
            if let outer = snap.conflicts.first(where: { Conflict.inside(path, $0.path) }), !paths.contains(outer.path) {
                throw ResolutionError("\(path) is inside \(outer.path), which is itself in conflict: resolve \(outer.path) first (if it is kept, \(path) can be resolved next)")
            }
            if path.hasPrefix("invariant") {
                guard choice == .fixed else {
                    throw ResolutionError("an invariant conflict has no sides to pick: fix the data, then resolve it without --ours/--theirs/--pick/--value")
                }
            } else {
                guard choice != .fixed else { throw ResolutionError("give --pick K, --ours, --theirs or --value for \(path)") }
                let chosen = try value(choice, conflict, snap: snap, store: store)
                if path.hasPrefix("records.") {
                    if case .value = choice { throw ResolutionError("pick the decision that stands: --pick K (or --ours/--theirs)") }
                    what += " (\(FieldDiff.show(chosen)))"
                } else if FieldPath.isInsideMissingItem(path, of: contract.json) {
                    what = "moot (the item was deleted since)" // nothing is left to set
                } else {
                    contract = try apply(path, chosen, to: contract)
                    if case .value = choice {} else { what += " (\(FieldDiff.show(chosen)))" }
                }
            }
            remaining = Conflict.remaining(remaining, afterResolving: path)
            described.append("\(path): \(what)")
            details.append("\(path) base: \(FieldDiff.show(conflict.base))")
            for (i, c) in conflict.candidates.enumerated() {
                let who = c.latest.map { w in " (\([w.author, w.role].compactMap { $0 }.joined(separator: ", ")), \(w.commit.prefix(12)))" } ?? ""
                details.append("\(path) value \(i + 1): \(FieldDiff.show(c.value))\(who)")
            }
        }
        var change = ContractStore.Change(state: ContractState(contract: contract, records: snap.state.records),
                                          summary: "Resolve \(described.joined(separator: ", ")) of \(number)" + (message.map { ": \($0)" } ?? ""),
                                          actor: actor, author: author)
        change.conflicts = remaining
        change.details = details
        change.changeAgreement = changeAgreement
        return change
    }

    /// The value `choice` names for `conflict`.
    static func value(_ choice: ResolutionChoice, _ conflict: Conflict, snap: Snapshot, store: ContractStore?) throws(ResolutionError) -> JSON? {
        let n = conflict.candidates.count
        switch choice {
        case let .pick(k):
            guard (1...max(n, 1)).contains(k), n > 0 else { throw ResolutionError("\(conflict.path) has \(n) values; --pick takes 1 to \(n)") }
            return conflict.candidates[k - 1].value
        case .ours, .theirs:
            guard n == 2 else {
                throw ResolutionError("\(conflict.path) holds \(n) values, not two: choose one with --pick K (1 to \(n), as 'accord conflicts' numbers them)")
            }
            guard let store, let sides = sides(of: conflict, head: snap.commit, store: store) else {
                throw ResolutionError("cannot tell which value of \(conflict.path) is ours (it did not come from one merge's two sides): use --pick 1 or --pick 2")
            }
            return conflict.candidates[choice == .ours ? sides.ours : sides.theirs].value
        case let .value(v): return v
        case .fixed: return nil
        }
    }

    /// For a conflict of two values: which came from the local side (first parent) of the newest
    /// merge on the first-parent line that has them on different sides, and which from the other.
    public static func sides(of conflict: Conflict, head: ObjectID, store: ContractStore) -> (ours: Int, theirs: Int)? {
        guard conflict.candidates.count == 2 else { return nil }
        var history = History(objects: store.repository.objects)
        var current: ObjectID? = head
        var steps = 0
        while let id = current, steps < 10_000 {
            steps += 1
            guard let commit = try? history.commit(id) else { return nil }
            if commit.parents.count == 2 {
                let on = commit.parents.map { p in conflict.candidates.map { reaches(p, $0, conflict: conflict, &history, store) } }
                // ours only in the first parent, theirs only in the second.
                for (a, b) in [(0, 1), (1, 0)] where on[0][a] && !on[1][a] && on[1][b] && !on[0][b] { return (a, b) }
            }
            current = commit.parents.first
        }
        return nil
    }

    /// Whether `candidate` is in `commit`'s history: one of its writes is, or (a `records.*`
    /// conflict) the record it names is in that commit's contract.
    static func reaches(_ commit: ObjectID, _ candidate: ConflictCandidate, conflict: Conflict, _ history: inout History, _ store: ContractStore) -> Bool {
        if conflict.path.hasPrefix("records.") {
            guard let id = candidate.value?.string, let snap = try? store.load(commit: commit) else { return false }
            return snap.state.records.contains { $0.id == id }
        }
        return candidate.writes.contains { w in
            guard let wid = ObjectID(hex: w.commit) else { return false }
            return (try? history.isAncestor(wid, of: commit)) ?? false
        }
    }

    /// The contract with `value` at `path` (derived fields recomputed).
    static func apply(_ path: String, _ value: JSON?, to contract: Contract) throws(ResolutionError) -> Contract {
        var contract = contract
        if path == "status" {
            guard let code = value?.string, let st = Status(code: code) else { throw ResolutionError("status: \(FieldDiff.show(value)) is not a status") }
            contract.status = st
            return contract
        }
        if path == "number" {
            if value != .string(contract.number) { throw ResolutionError("number: a contract's number cannot change; create the other one under a new number") }
            return contract
        }
        // The chosen value is a removal and it is already gone: nothing to change.
        if value == nil, FieldPath.get(path, in: contract.json) == nil { return contract }
        do {
            let doc = try FieldPath.set(path, to: value, in: contract.json)
            return try Contract(json: Contract.droppingDerived(doc))
        } catch { throw ResolutionError(error.description) }
    }
}
