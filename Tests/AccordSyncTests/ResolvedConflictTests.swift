import AccordTestSupport
import Foundation
import Testing
import AccordObjects
import AccordStore
import AccordContracts
@testable import AccordSync
@testable import AccordMerge

/// A conflict one replica resolved stays resolved when it meets a replica that still carries it
/// (docs/merge.md, "Conflicts are data"): the merge drops a conflict the base had and one side no
/// longer has, which needs the base's real conflicts, also when the base is virtual (criss-cross).
@Suite struct ResolvedConflictTests {
    /// r2 merges a phone clash and pushes; r1 takes it, resolves it (ours) while r2 keeps editing
    /// another field; then both sync, in either order. `resolverMergesFirst`: r1 pulls r2's edit
    /// and merges it (ours = the resolution); otherwise r1 pushes first and r2 merges (theirs = it).
    @Test(arguments: [true, false]) func aResolutionSurvivesTheNextMerge(resolverMergesFirst: Bool) throws {
        let tmp = SyncTempDir()
        let hub = try Repository.create(at: "\(tmp.path)/hub.accord", bare: true)
        let r1Repo = try Repository.create(at: "\(tmp.path)/r1", bare: false)
        let r1 = try Replica("R1", repo: r1Repo, role: .contractAdmin, office: "总部")
        var rng = SeededRNG(state: 42)
        let n = "HT-R-1"
        try Sim.commit(r1, Gen.contract(&rng, number: n), parent: nil, summary: "Create \(n)")
        try Remote.add(Sim.remote, url: hub.gitDir, to: r1Repo)
        #expect(try Sim.push(r1, hub: hub).rejected.isEmpty)
        let (r2Repo, _) = try Transfer.clone(from: hub.gitDir, to: "\(tmp.path)/r2", bare: false, who: who)
        let r2 = try Replica("R2", repo: r2Repo, role: .salesRep, office: "华东办事处")

        // Both change the buyer's phone; r1 pushes first, so r2's pull records the conflict.
        try Sim.clash(r1, n, round: 1)
        #expect(try Sim.push(r1, hub: hub).rejected.isEmpty)
        try Sim.clash(r2, n, round: 1)
        let merged = try Sim.pull(r2, hub: hub)
        guard case let .merged(_, conflicts, _, _)? = merged.first(where: { $0.number == n })?.outcome else {
            Issue.record("r2 did not merge: \(merged)"); return
        }
        #expect(conflicts == 1)
        #expect(try r2.store.load(n).conflicts.map(\.path) == ["buyer.phone"])
        #expect(try Sim.push(r2, hub: hub).rejected.isEmpty)

        // r1 takes the conflicted merge and resolves it; r2 meanwhile edits another field.
        #expect(try Sim.pull(r1, hub: hub).first?.outcome == .fastForward(try #require(try r2.store.head(n))))
        #expect(try Sim.resolveAll(r1, n) == 1)
        let resolvedPhone = try r1.store.load(n).state.contract.buyer.phone
        var edited = try r2.store.load(n)
        edited.state.contract.supervisor = "督办 R2"
        try Sim.commit(r2, edited.state, parent: edited, summary: "supervisor on R2")

        let (first, second) = resolverMergesFirst ? (r2, r1) : (r1, r2)
        #expect(try Sim.push(first, hub: hub).rejected.isEmpty)
        let outcome = try Sim.pull(second, hub: hub).first { $0.number == n }?.outcome
        guard case let .merged(_, c, _, _)? = outcome else { Issue.record("expected a merge, got \(String(describing: outcome))"); return }
        #expect(c == 0, "the conflict r1 resolved came back")
        try Sim.syncUntilQuiescent([r1, r2], hub: hub)
        for r in [r1, r2] {
            #expect(try Sim.heads(r.repo) == Sim.heads(hub), "\(r.name) differs from the hub")
            let snap = try r.store.load(n)
            #expect(snap.conflicts.isEmpty, "\(r.name): \(snap.conflicts.map(\.path))")
            #expect(snap.state.contract.buyer.phone == resolvedPhone, "\(r.name): the resolution was lost")
            #expect(snap.state.contract.supervisor == "督办 R2")
        }
        expectClean([hub, r1Repo, r2Repo])
    }

    /// A criss-cross: a conflict recorded on one line (a1) reaches both merges of the criss-cross
    /// (m1, m2); A resolves it, B edits something else. The virtual base carries a1's conflict
    /// (the bases' conflicts combine as the sides' do in a merge), so A's resolution stands.
    /// With only the conflicts common to all bases, it would come back.
    @Test func aResolutionSurvivesACrissCrossMerge() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("criss-res-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let repo = try Repository.create(at: dir, bare: true)
        let store = try ContractStore(repository: repo)
        let cc = CrissCrossTests()
        var rng = SeededRNG(state: 12)
        let base = Gen.contract(&rng, number: "HT-X2")
        let b0 = try cc.commit(store, base, parent: nil, t: 1)
        let conflict = Conflict(path: "buyer.phone", reason: "both sides changed it to different values", base: .string("010-1234"),
                                ours: ConflictSide(value: .string("021-1111"), author: "A"), theirs: ConflictSide(value: .string("021-2222"), author: "X"))
        let a1 = try cc.commit(store, base, parent: b0, conflicts: [conflict], t: 2)
        var b = base; b.contract.supervisor = "督办 B"
        let b1 = try cc.commit(store, b, parent: b0, t: 3)
        let m1 = try cc.commit(store, b, parent: a1, merge: b1, conflicts: [conflict], t: 4)
        let m2 = try cc.commit(store, b, parent: b1, merge: a1, conflicts: [conflict], t: 5)
        var a2s = b; a2s.contract.buyer.phone = "021-1111"
        let a2 = try cc.commit(store, a2s, parent: m1, t: 6) // resolved: no conflicts left
        var b2s = b; b2s.contract.deliveryMethod = "自提"
        let b2 = try cc.commit(store, b2s, parent: m2, conflicts: [conflict], t: 7)
        var history = History(objects: repo.objects)
        #expect(Set(try history.mergeBases(a2, b2)) == [a1, b1])
        for (ours, theirs) in [(a2, b2), (b2, a2)] {
            try repo.refs.update(ContractStore.refName("HT-X2"), to: ours, expected: .any, who: cc.who(8), message: "test")
            let outcome = try MergeDriver(store: store).merge("HT-X2", theirs: theirs, actor: cc.actor, author: cc.who(9))
            guard case let .merged(id, conflicts, _, _) = outcome else { Issue.record("expected a merge, got \(outcome)"); continue }
            #expect(conflicts == 0, "the conflict A resolved came back")
            let merged = try store.load(commit: id).state.contract
            #expect(merged.buyer.phone == "021-1111" && merged.deliveryMethod == "自提" && merged.supervisor == "督办 B")
        }
    }

    /// The engine: a conflict in the base that one side dropped is dropped; one both still carry
    /// travels on; one new on a side travels on. The same either way round.
    @Test func carriedConflictsAreSymmetric() throws {
        func c(_ p: String) -> Conflict { Conflict(path: p, reason: "r", base: nil, ours: ConflictSide(value: .string("o")), theirs: ConflictSide(value: .string("t"))) }
        let (resolved, kept, newOurs, newTheirs) = (c("buyer.phone"), c("buyer.contact"), c("supervisor"), c("subject"))
        var rng = SeededRNG(state: 5)
        let s = Gen.contract(&rng, number: "HT-5")
        let base = MergeInput(state: s, conflicts: [resolved, kept])
        let ours = MergeInput(state: s, conflicts: [kept, newOurs]), theirs = MergeInput(state: s, conflicts: [resolved, kept, newTheirs])
        let ab = try ContractMerge().merge(base: base, ours: ours, theirs: theirs)
        let ba = try ContractMerge().merge(base: base, ours: theirs, theirs: ours)
        #expect(ab.conflicts.map(\.path) == ["buyer.contact", "subject", "supervisor"])
        #expect(ab.conflicts == ba.conflicts)
    }
}
