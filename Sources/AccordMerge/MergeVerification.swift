import AccordObjects
import AccordStore
import AccordContracts

/// What a receiver checks of a merge commit beyond its own state: that it is the merge of its
/// parents. A merge commit could otherwise carry edits no rule checked (a frozen field, a
/// status, a record), since a merge is not a lifecycle step with an author's authority.
extension MergeDriver {
    /// A contract merges only its own history: `theirs` must be a version of `number`.
    public func checkSameContract(_ number: String, theirs: ObjectID) throws(ContractStoreError) {
        let blobs = try store.fieldBlobs(commit: theirs)
        let doc = try store.contractDocument(blob: blobs.contract, of: theirs)
        let other = doc.document["number"]?.string ?? "?"
        guard other == number else {
            throw .rule(ContractError("number", "\(theirs.hex.prefix(12)) is a version of contract \(other), not of \(number): a contract merges only its own history", rule: "invariant 1"))
        }
    }

    /// Re-runs the merge of the merge commit `id`'s two parents with this replica's rules
    /// (domain.md §5 and its accord.merge.* policy) and returns the paths where the commit's
    /// content differs from that merge: contract fields, `records[ID]`, `conflicts.json`,
    /// `attachments/NAME`. Empty: the commit is the merge of its parents.
    public func recompute(merge id: ObjectID, number: String) throws(ContractStoreError) -> [String] {
        let db = store.repository.objects
        let commit: Commit
        do { commit = try db.readCommit(id) } catch { throw .store(error) }
        guard commit.parents.count == 2 else {
            return ["parents (a contract merge has two parents; this commit has \(commit.parents.count))"]
        }
        try checkSameContract(number, theirs: commit.parents[0])
        let actor = Actor(name: commit.author.name, email: commit.author.email, role: .contractAdmin, office: "", replica: "")
        // Written only to compare trees: unsigned, outside the organisation's checks (the
        // received commit itself was checked by them).
        let recomputing = MergeDriver(store: store.forRecomputing(), policy: policy)
        let planned = try recomputing.prepare(number, ours: commit.parents[0], theirs: commit.parents[1], actor: actor, author: commit.author)
        let expected: ObjectID
        switch planned.outcome {
        case let .merged(m, _, _, _): expected = m
        case let .fastForward(to): expected = to
        case .upToDate: expected = commit.parents[0]
        }
        let expectedTree: ObjectID
        do { expectedTree = try db.readCommit(expected).tree } catch { throw .store(error) }
        if expectedTree == commit.tree { return [] }
        let want = try store.load(commit: expected), got = try store.load(commit: id)
        var paths = FieldDiff.diff(want.state, got.state).map(\.path)
        for (name, blob) in want.attachmentBlobs where got.attachmentBlobs[name] != blob { paths.append("attachments/\(name)") }
        for name in got.attachmentBlobs.keys where want.attachmentBlobs[name] == nil { paths.append("attachments/\(name)") }
        if Conflict.file(want.conflicts) != Conflict.file(got.conflicts) { paths.append("conflicts.json") }
        return paths.isEmpty ? ["the tree (\(commit.tree.hex.prefix(12)), expected \(expectedTree.hex.prefix(12)))"] : paths
    }
}
