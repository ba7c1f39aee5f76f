import AccordTestSupport
import Testing
import Foundation
@testable import AccordSync
@testable import AccordMerge
import AccordContracts
import AccordStore
import AccordObjects

/// A criss-cross history has two best common ancestors; the merge uses a virtual base made from
/// both, so edits both earlier merges already agreed on do not come back as conflicts.
@Suite struct CrissCrossTests {
    let actor = Actor(name: "T", email: "t@x", role: .salesRep, office: "East", replica: "r")
    var clock: Int64 = 1_795_000_000
    func who(_ t: Int64) -> Identity { Identity(name: "T", email: "t@x", seconds: t, offsetMinutes: 480) }

    /// Commits `state` on `parent` (optionally as a merge with `other`) without depending on the ref.
    func commit(_ store: ContractStore, _ state: ContractState, parent: ObjectID?, merge other: ObjectID? = nil, conflicts: [Conflict] = [], t: Int64) throws -> ObjectID {
        let ref = ContractStore.refName(state.contract.number)
        if let parent {
            if let cur = try store.repository.refs.resolve(ref) {
                try store.repository.refs.update(ref, to: parent, expected: .value(cur), who: who(t), message: "test: move")
            }
        }
        var change = ContractStore.Change(state: state, summary: "step \(t)", actor: actor, author: who(t))
        change.mergeParent = other
        change.conflicts = conflicts
        let (id, _) = try store.commit(change, parent: try parent.map { try store.load(commit: $0) })
        return id
    }

    @Test func twoMergeBasesDoNotResurrectSettledEdits() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("criss-\(UUID().uuidString)").path
        let repo = try Repository.create(at: dir, bare: true)
        let store = try ContractStore(repository: repo)
        var rng = SeededRNG(state: 11)
        let base = Gen.contract(&rng, number: "HT-X1")
        let b0 = try commit(store, base, parent: nil, t: 1)
        var a = base; a.contract.buyer.phone = "021-AAAA"
        let a1 = try commit(store, a, parent: b0, t: 2)
        var b = base; b.contract.supervisor = "督办 B"
        let b1 = try commit(store, b, parent: b0, t: 3)
        // Both sides merge each other: the same content, two different merge commits.
        var both = base; both.contract.buyer.phone = "021-AAAA"; both.contract.supervisor = "督办 B"
        let m1 = try commit(store, both, parent: a1, merge: b1, t: 4)
        let m2 = try commit(store, both, parent: b1, merge: a1, t: 5)
        var history = History(objects: repo.objects)
        // Then each side edits something else.
        var a2s = both; a2s.contract.buyer.contact = "赵经理"
        let a2 = try commit(store, a2s, parent: m1, t: 6)
        // B now changes the phone that A set before the criss-cross (both merges kept A's value):
        // with either single base alone, one side of this looks like a clash.
        var b2s = both; b2s.contract.deliveryMethod = "自提"; b2s.contract.buyer.phone = "021-BBBB"
        let b2 = try commit(store, b2s, parent: m2, t: 7)
        let bases = try history.mergeBases(a2, b2)
        #expect(Set(bases) == [a1, b1], "criss-cross: two best common ancestors")
        // Merge b2 into a2 through the driver.
        try repo.refs.update(ContractStore.refName("HT-X1"), to: a2, expected: .any, who: who(8), message: "test")
        let outcome = try MergeDriver(store: store).merge("HT-X1", theirs: b2, actor: actor, author: who(9))
        try checkMerged(outcome, store)
        // And the other way round.
        try repo.refs.update(ContractStore.refName("HT-X1"), to: b2, expected: .any, who: who(10), message: "test")
        try checkMerged(try MergeDriver(store: store).merge("HT-X1", theirs: a2, actor: actor, author: who(11)), store)
    }

    func checkMerged(_ outcome: MergeDriver.Outcome, _ store: ContractStore) throws {
        guard case let .merged(id, conflicts, _, _) = outcome else { Issue.record("expected a merge, got \(outcome)"); return }
        #expect(conflicts == 0, "edits settled by both earlier merges must not conflict again")
        let merged = try store.load(commit: id).state.contract
        #expect(merged.buyer.phone == "021-BBBB")
        #expect(merged.supervisor == "督办 B")
        #expect(merged.buyer.contact == "赵经理")
        #expect(merged.deliveryMethod == "自提")
    }
}
