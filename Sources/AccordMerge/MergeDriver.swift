import AccordObjects
import AccordStore
import AccordContracts

/// Merges another line of a contract's history into the local one: fast-forward when possible,
/// otherwise a structured three-way merge committed with two parents (conflicts included).
public struct MergeDriver {
    public let store: ContractStore
    public let policy: MergePolicy

    init(store: ContractStore, policy: MergePolicy) { self.store = store; self.policy = policy }

    public init(store: ContractStore) throws(ContractStoreError) {
        self.store = store
        // The organisation's accord.merge.* once adopted, else this repository's config.
        do { policy = try MergePolicy(entries: store.policySettings(under: "accord.merge.")) } catch { throw .rule(error) }
    }

    public enum Outcome: Equatable, Sendable {
        case upToDate
        case fastForward(ObjectID)
        /// `conflicts`: all the merged contract holds; `new`: those this merge recorded (the others
        /// were stored on a side already and travel on).
        case merged(ObjectID, conflicts: Int, new: Int, notes: [String])
    }

    /// Brings `theirs` into the contract `number` (whose local head is `ours`, or none).
    public func merge(_ number: String, theirs: ObjectID, actor: Actor, author: Identity) throws(ContractStoreError) -> Outcome {
        let planned = try prepare(number, ours: try store.head(number), theirs: theirs, actor: actor, author: author)
        if let update = planned.update {
            do { try store.repository.refs.update(update.name, to: update.new, expected: update.expected, who: author, message: update.message) }
            catch { throw .store(error) }
        }
        return planned.outcome
    }

    /// The merge of `theirs` into the contract whose head is `ours` (nil: not here yet), with
    /// every object written but the ref not moved: the returned update moves it, with
    /// compare-and-swap on `ours` (a pull moves all its contracts in one batch).
    public func prepare(_ number: String, ours: ObjectID?, theirs: ObjectID, actor: Actor,
                        author: Identity) throws(ContractStoreError) -> (outcome: Outcome, update: RefUpdate?) {
        let ref = ContractStore.refName(number)
        // A contract merges only its own history: checked on the snapshot of theirs each path
        // loads anyway (a version already merged here is in our history, so it is ours).
        func sameContract(_ snap: Snapshot) throws(ContractStoreError) {
            let other = snap.state.contract.number
            guard other == number else {
                throw .rule(ContractError("number", "\(theirs.hex.prefix(12)) is a version of contract \(other), not of \(number): a contract merges only its own history", rule: "invariant 1"))
            }
        }
        guard let ours else {
            try sameContract(try store.load(commit: theirs)) // strictly valid before it becomes ours
            return (.fastForward(theirs), RefUpdate(ref, to: theirs, expected: .absent, message: "merge: new contract \(number)"))
        }
        // The merge bases answer all three questions: theirs is a base (already merged), ours
        // is (fast-forward), or neither (merge from them). The paint-down walk behind them costs
        // what the two sides diverge by, where "is A an ancestor of B" walks all of B's history
        // when the answer is no (the common case of a pull: 900 fast-forwards).
        var history = History(objects: store.repository.objects)
        let bases: [ObjectID]
        do { bases = try history.mergeBases(ours, theirs) } catch { throw .store(error) }
        if bases.contains(theirs) { return (.upToDate, nil) }
        if bases.contains(ours) {
            try sameContract(try store.load(commit: theirs))
            return (.fastForward(theirs), RefUpdate(ref, to: theirs, expected: .value(ours),
                                                    message: "merge \(theirs.hex.prefix(12)): fast-forward"))
        }

        let oursSnap = try store.load(commit: ours), theirsSnap = try store.load(commit: theirs)
        try sameContract(theirsSnap)
        let base = try virtualBase(bases, &history)
        // Everything the bases reach is what both sides share; each side's writes are its own
        // commits beyond that.
        let shared: Set<ObjectID>
        do { shared = Set(try history.walk(from: bases)) } catch { throw .store(error) }
        var log = WriteLog(store: store)
        let oursWrites = try log.side(from: ours, excluding: shared, &history)
        let theirsWrites = try log.side(from: theirs, excluding: shared, &history)
        let ancestry = Ancestry(objects: store.repository.objects)
        let engine = ContractMerge(policy: policy, lifecycle: store.policy) { ancestry.isAncestor($0, $1) }
        let result: MergeResult
        do {
            result = try engine.merge(base: base.map { MergeInput(state: $0.state, conflicts: $0.conflicts) },
                                      ours: MergeInput(state: oursSnap.state, conflicts: oursSnap.conflicts, writes: oursWrites),
                                      theirs: MergeInput(state: theirsSnap.state, conflicts: theirsSnap.conflicts, writes: theirsWrites))
        } catch { throw .rule(ContractError("", error.description, rule: "merge")) }
        let known = Set((oursSnap.conflicts + theirsSnap.conflicts).map(\.json.canonical))
        let new = result.conflicts.filter { !known.contains($0.json.canonical) }
        var change = ContractStore.Change(state: result.state,
                                          summary: "Merge \(theirs.hex.prefix(12)) into \(number)"
                                              + (result.conflicts.isEmpty ? "" : ": \(result.conflicts.count) conflict\(result.conflicts.count == 1 ? "" : "s")"),
                                          actor: actor, author: author)
        change.details = result.notes + result.conflicts.map { c in
            "conflict: \(c.path): \(c.reason)" + (c.candidates.isEmpty ? "" : " (\(c.candidates.map { FieldDiff.show($0.value) }.joined(separator: " | ")))")
                + (known.contains(c.json.canonical) ? " [carried]" : "")
        }
        change.conflicts = result.conflicts
        change.mergeParent = theirs
        change.existingAttachmentBlobs = theirsSnap.attachmentBlobs
        let (id, _) = try store.write(change, parent: oursSnap)
        return (.merged(id, conflicts: result.conflicts.count, new: new.count, notes: result.notes),
                RefUpdate(ref, to: id, expected: .value(ours), message: change.summary))
    }

    /// One base: itself, with the conflicts it carries (a conflict the base had and one side no
    /// longer has was resolved there, and stays resolved). Several (criss-cross): merged into a
    /// virtual base in memory, as git's recursive strategy does; where the bases disagree, the
    /// virtual base keeps their common value, and its conflicts are the bases' conflicts combined
    /// as a merge carries them (those of any base, minus those one base resolved since their own
    /// base). The inner merges' new conflicts are not kept: neither side has recorded them.
    func virtualBase(_ bases: [ObjectID], _ history: inout History) throws(ContractStoreError) -> (state: ContractState, conflicts: [Conflict])? {
        guard let first = bases.first else { return nil }
        var acc = try store.load(commit: first)
        var accState = acc.state, accConflicts = acc.conflicts
        for other in bases.dropFirst() {
            let next = try store.load(commit: other)
            let inner: [ObjectID]
            do { inner = try history.mergeBases(acc.commit, other) } catch { throw .store(error) }
            let innerBase = try inner.first.map { (c) throws(ContractStoreError) in try store.load(commit: c) }
            do {
                let r = try ContractMerge(policy: MergePolicy(), lifecycle: store.policy)
                    .merge(base: innerBase.map { MergeInput(state: $0.state) }, ours: MergeInput(state: accState), theirs: MergeInput(state: next.state))
                accState = r.state
            } catch { throw .rule(ContractError("", error.description, rule: "merge")) }
            accConflicts = ContractMerge.carried(base: innerBase?.conflicts ?? [], ours: accConflicts, theirs: next.conflicts)
            acc = next
        }
        return (accState, accConflicts)
    }
}
