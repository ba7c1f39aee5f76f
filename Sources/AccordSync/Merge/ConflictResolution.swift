import AccordObjects
import AccordContracts

/// Which value settles a conflict.
public enum ResolutionChoice: Sendable, Equatable {
    case ours, theirs
    /// A value of the person's own (nil: remove the field).
    case value(JSON?)
    /// No side: an `invariant N` conflict, settled once the data satisfies the invariant.
    case fixed

    var label: String {
        switch self { case .ours: "ours"; case .theirs: "theirs"; case .value: "value"; case .fixed: "accepted" }
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
    /// every invariant (the store checks when the change is committed).
    public static func change(_ snap: Snapshot, paths: [String], choice: ResolutionChoice,
                              actor: Actor, author: Identity, message: String? = nil) throws(ResolutionError) -> ContractStore.Change {
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
            if path.hasPrefix("invariant") {
                guard choice == .fixed else {
                    throw ResolutionError("an invariant conflict has no sides to pick: fix the data, then resolve it without --ours/--theirs/--value")
                }
            } else if path.hasPrefix("records.") {
                switch choice {
                case .ours: what = "ours (\(FieldDiff.show(conflict.ours.value)))"
                case .theirs: what = "theirs (\(FieldDiff.show(conflict.theirs.value)))"
                default: throw ResolutionError("pick the decision that stands: --ours or --theirs")
                }
            } else {
                guard choice != .fixed else { throw ResolutionError("give --ours, --theirs or --value for \(path)") }
                if FieldPath.isInsideMissingItem(path, of: contract.json) {
                    what = "moot (the item was deleted since)" // nothing is left to set
                } else {
                    contract = try apply(path, chosen(choice, conflict), to: contract)
                }
            }
            remaining = Conflict.remaining(remaining, afterResolving: path)
            described.append("\(path): \(what)")
            details += ["\(path) base: \(FieldDiff.show(conflict.base))", "\(path) ours: \(FieldDiff.show(conflict.ours.value))",
                        "\(path) theirs: \(FieldDiff.show(conflict.theirs.value))"]
        }
        var change = ContractStore.Change(state: ContractState(contract: contract, records: snap.state.records),
                                          summary: "Resolve \(described.joined(separator: ", ")) of \(number)" + (message.map { ": \($0)" } ?? ""),
                                          actor: actor, author: author)
        change.conflicts = remaining
        change.details = details
        return change
    }

    static func chosen(_ choice: ResolutionChoice, _ conflict: Conflict) -> JSON? {
        switch choice {
        case .ours: conflict.ours.value
        case .theirs: conflict.theirs.value
        case let .value(v): v
        case .fixed: nil
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
        // The chosen side removed it and it is already gone: nothing to change.
        if value == nil, FieldPath.get(path, in: contract.json) == nil { return contract }
        do {
            let doc = try FieldPath.set(path, to: value, in: contract.json)
            return try Contract(json: Contract.droppingDerived(doc))
        } catch { throw ResolutionError(error.description) }
    }
}
