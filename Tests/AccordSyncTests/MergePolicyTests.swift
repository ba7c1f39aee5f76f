import AccordTestSupport
import Testing
import Foundation
@testable import AccordSync
@testable import AccordMerge
import AccordContracts
import AccordStore
import AccordObjects

/// `accord.merge.<group> = headOffice|owner` decides a clash automatically, names the decision
/// in the merge commit, and leaves anything it cannot decide as a conflict.
@Suite struct MergePolicyTests {
    func who(_ name: String, _ t: Int64) -> Identity { Identity(name: name, email: "\(name)@x", seconds: t, offsetMinutes: 480) }

    /// A repository with one contract whose two branches change `breachLiability` (by `leftRole`)
    /// and (by `rightRole`); returns the store and the two heads.
    func diverged(policy: String?, leftRole: Role, rightRole: Role) throws -> (ContractStore, ObjectID, ObjectID, String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("policy-\(UUID().uuidString)").path
        let repo = try Repository.create(at: dir, bare: true)
        if let policy { try repo.setConfig("accord.merge.legalClauses", policy) }
        let store = try ContractStore(repository: repo)
        var rng = SeededRNG(state: 42)
        let base = Gen.contract(&rng, number: "HT-P1")
        let a0 = Actor(name: "Li Wei", email: "l@x", role: .salesRep, office: "East", replica: "r1")
        let (c0, _) = try store.commit(ContractStore.Change(state: base, summary: "create", actor: a0, author: who("Li Wei", 1_795_000_000)), parent: nil)
        let s0 = try store.load(commit: c0)
        var left = base; left.contract.breachLiability = "左：违约方赔偿全部损失。"
        var right = base; right.contract.breachLiability = "右：违约方赔偿直接损失。"
        let (l, _) = try store.commit(ContractStore.Change(state: left, summary: "left", actor: Actor(name: "L", email: "l@x", role: leftRole, office: "HQ", replica: "r1"),
                                                          author: who("L", 1_795_000_100)), parent: s0)
        // The right side is another line of history (as a fetched commit would be).
        let rightSnap = try commitDetached(store, right, parent: c0, actor: Actor(name: "R", email: "r@x", role: rightRole, office: "Field", replica: "r2"), when: 1_795_000_200)
        return (store, l, rightSnap, dir)
    }

    /// Writes a commit of `state` on top of `parent` without touching refs (as a fetched commit would be).
    func commitDetached(_ store: ContractStore, _ state: ContractState, parent: ObjectID, actor: Actor, when: Int64) throws -> ObjectID {
        let tmp = "refs/tmp/\(UUID().uuidString.prefix(8))"
        try store.repository.refs.update(tmp, to: parent, expected: .absent, who: who("t", when), message: "tmp")
        // Commit through a scratch store view: same repository, the contract ref temporarily elsewhere.
        let number = state.contract.number
        let ref = ContractStore.refName(number)
        let saved = try #require(try store.repository.refs.resolve(ref))
        try store.repository.refs.update(ref, to: parent, expected: .value(saved), who: who("t", when), message: "tmp")
        let (id, _) = try store.commit(ContractStore.Change(state: state, summary: "right", actor: actor, author: who(actor.name, when)),
                                       parent: try store.load(commit: parent))
        try store.repository.refs.update(ref, to: saved, expected: .value(id), who: who("t", when), message: "restore")
        try store.repository.refs.delete(tmp)
        return id
    }

    @Test func headOfficeWinsLegalClausesWhenConfigured() throws {
        let (store, _, theirs, _) = try diverged(policy: "headOffice", leftRole: .legal, rightRole: .salesRep)
        let driver = try MergeDriver(store: store)
        let outcome = try driver.merge("HT-P1", theirs: theirs, actor: Actor(name: "HQ", email: "h@x", role: .contractAdmin, office: "HQ", replica: "r1"),
                                       author: who("HQ", 1_795_000_300))
        guard case let .merged(id, conflicts, _, notes) = outcome else { Issue.record("expected a merge, got \(outcome)"); return }
        #expect(conflicts == 0)
        #expect(notes.contains { $0.contains("policy headOffice") && $0.contains("breachLiability") })
        let merged = try store.load(commit: id)
        #expect(merged.state.contract.breachLiability == "左：违约方赔偿全部损失。")
        #expect(try store.repository.objects.readCommit(id).messageText.contains("policy headOffice"))
    }

    @Test func withoutPolicyTheClashIsAConflict() throws {
        let (store, _, theirs, _) = try diverged(policy: nil, leftRole: .legal, rightRole: .salesRep)
        let outcome = try MergeDriver(store: store).merge("HT-P1", theirs: theirs, actor: Actor(name: "HQ", email: "h@x", role: .contractAdmin, office: "HQ", replica: "r1"),
                                                         author: who("HQ", 1_795_000_300))
        guard case let .merged(id, conflicts, _, _) = outcome else { Issue.record("expected a merge"); return }
        #expect(conflicts == 1)
        #expect(try store.load(commit: id).conflicts.map(\.path) == ["breachLiability"])
    }

    @Test func policyThatCannotTellTheSidesApartLeavesAConflict() throws {
        let (store, _, theirs, _) = try diverged(policy: "headOffice", leftRole: .legal, rightRole: .management)
        let outcome = try MergeDriver(store: store).merge("HT-P1", theirs: theirs, actor: Actor(name: "HQ", email: "h@x", role: .contractAdmin, office: "HQ", replica: "r1"),
                                                         author: who("HQ", 1_795_000_300))
        guard case let .merged(_, conflicts, _, notes) = outcome else { Issue.record("expected a merge"); return }
        #expect(conflicts == 1)
        #expect(notes.isEmpty)
    }

    @Test func badPolicyValueIsAClearError() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("policy-\(UUID().uuidString)").path
        let repo = try Repository.create(at: dir, bare: true)
        try repo.setConfig("accord.merge.legalClauses", "loudest")
        #expect(throws: ContractStoreError.self) { try MergeDriver(store: try ContractStore(repository: repo)) }
    }
}

/// git config keys are case-insensitive and the reader lowercases them: selectors must match anyway.
@Test func policySelectorsMatchWhateverTheCase() throws {
    let p = try MergePolicy(entries: [("legalclauses", "headOffice"), ("BUYER", "owner")])
    #expect(p.rule(for: "breachLiability") == .headOffice)
    #expect(p.rule(for: "disputeResolution.venue") == .headOffice)
    #expect(p.rule(for: "buyer.phone") == .owner)
    #expect(p.rule(for: "totalAmount") == nil)
}
