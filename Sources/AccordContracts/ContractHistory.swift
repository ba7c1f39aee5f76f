import AccordObjects
import AccordStore

/// One step of a contract's history with what it changed.
public struct HistoryStep: Sendable {
    public var commit: ObjectID
    public var parents: [ObjectID]
    public var author: Identity
    public var summary: String
    public var trailers: [String: String]
    public var changes: [FieldChange]
}

extension ContractStore {
    /// The contract's history from `head`, newest first (first-parent changes per commit).
    /// `excluding`: commits to leave out (a merge's side leaves out what its bases reach); only
    /// the steps listed are loaded as contracts.
    public func history(from head: ObjectID, limit: Int = .max, excluding: Set<ObjectID> = []) throws(ContractStoreError) -> [HistoryStep] {
        var walker = History(objects: repository.objects)
        let ids: [ObjectID]
        do { ids = try walker.walk(from: [head], order: .topological, limit: limit).filter { !excluding.contains($0) } } catch { throw .store(error) }
        var snapshots: [ObjectID: Snapshot] = [:]
        func snap(_ id: ObjectID) throws(ContractStoreError) -> Snapshot {
            if let s = snapshots[id] { return s }
            let s = try load(commit: id)
            snapshots[id] = s
            return s
        }
        var steps: [HistoryStep] = []
        for id in ids {
            let c: Commit
            do { c = try walker.commit(id) } catch { throw .store(error) }
            let now = try snap(id)
            let before = try c.parents.first.map { (p) throws(ContractStoreError) in try snap(p) }
            steps.append(HistoryStep(commit: id, parents: c.parents, author: c.author, summary: String(c.summary),
                                     trailers: now.trailers, changes: FieldDiff.diff(before?.state, now.state)))
        }
        return steps
    }

    /// For every field path (and record), the step that last changed it.
    public func blame(from head: ObjectID) throws(ContractStoreError) -> (current: Snapshot, lines: [(path: String, value: JSON?, step: HistoryStep)]) {
        let steps = try history(from: head)
        let current = try load(commit: head)
        var last: [String: HistoryStep] = [:]
        for step in steps.reversed() { for change in step.changes { last[change.path] = step } }
        var lines: [(String, JSON?, HistoryStep)] = []
        for (path, value) in FieldPath.flatten(current.state.contract.json).sorted(by: { $0.key < $1.key }) {
            if let s = last[path] { lines.append((path, value, s)) }
        }
        for r in current.state.records.sorted(by: { $0.createdAt < $1.createdAt }) {
            if let s = last["records[\(r.id)]"] { lines.append(("records[\(r.id)]", .string(r.kind.code), s)) }
        }
        return (current, lines)
    }
}
