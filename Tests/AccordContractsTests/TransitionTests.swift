import Foundation
import Testing
import AccordObjects
import AccordStore
@testable import AccordContracts

/// Invariant 8 is the store's, not only the CLI's: every commit, whoever writes it, moves the
/// status only by a lifecycle action its role may take, and a contract registered past draft has
/// a registrar's role and the approvals its status implies.
@Suite struct TransitionTests {
    static func store() throws -> (ContractStore, String) {
        let dir = FileManager.default.temporaryDirectory.path + "/accord-transition-\(UUID().uuidString)"
        return (try ContractStore(repository: try Repository.create(at: dir, bare: true)), dir)
    }

    static func actor(_ role: Role) -> Actor { Actor(name: "T", email: "t@x", role: role, office: "HQ", replica: "r") }
    static let who = Identity(name: "T", email: "t@x", seconds: 1_790_000_000, offsetMinutes: 480)

    static func change(_ s: ContractState, _ role: Role, _ action: Action? = nil) -> ContractStore.Change {
        var c = ContractStore.Change(state: s, summary: "step", actor: actor(role), author: who)
        c.action = action
        return c
    }

    /// The store's refusal, as the contract error it carries.
    static func refusal(_ body: () throws -> Void) -> ContractError? {
        do { try body() } catch let ContractStoreError.rule(e) { return e } catch { Issue.record("unexpected \(error)") }
        return nil
    }

    @Test func statusMovesOnlyByAnAuthorisedAction() throws {
        let (store, dir) = try Self.store()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let draft = try InvariantTests.draft()
        try store.commit(Self.change(draft, .salesRep), parent: nil)
        let parent = try store.load(draft.contract.number)
        var submitted = draft; submitted.contract.status = .initialReview

        // No action: a status edit is refused.
        let e1 = Self.refusal { try store.commit(Self.change(submitted, .salesRep), parent: parent) }
        #expect(e1?.rule == "invariant 8" && e1?.path == "status" && e1?.message.contains("lifecycle command") == true, "\(String(describing: e1))")
        // An action the role may not take.
        let e2 = Self.refusal { try store.commit(Self.change(submitted, .legal, .submit), parent: parent) }
        #expect(e2?.rule == "invariant 8" && e2?.message.contains("legal") == true, "\(String(describing: e2))")
        // An action that leads elsewhere.
        var skipped = draft; skipped.contract.status = .approved
        let e3 = Self.refusal { try store.commit(Self.change(skipped, .salesRep, .submit), parent: parent) }
        #expect(e3?.rule == "invariant 8" && e3?.message.contains("initialReview") == true, "\(String(describing: e3))")
        #expect(try store.head(draft.contract.number) == parent.commit, "nothing moved")
        // The right action by the right role.
        try store.commit(Self.change(submitted, .salesRep, .submit), parent: parent)
        #expect(try store.load(draft.contract.number).state.contract.status == .initialReview)
    }

    @Test func registeringPastDraftNeedsARegistrarAndTheApprovals() throws {
        let (store, dir) = try Self.store()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let approved = try InvariantTests.approved()
        // A sales rep may create drafts, not register an approved contract.
        let e1 = Self.refusal { try store.commit(Self.change(approved, .salesRep), parent: nil) }
        #expect(e1?.rule == "invariant 8" && e1?.message.contains("contractAdmin") == true, "\(String(describing: e1))")
        // Contract administration may, but not without the reviews the status implies.
        var unreviewed = approved; unreviewed.records.removeAll { $0.kind == .review && $0.text("stage") == "secondReview" }
        let e2 = Self.refusal { try store.commit(Self.change(unreviewed, .contractAdmin), parent: nil) }
        #expect(e2?.rule == "invariant 8" && e2?.message.contains("secondReview") == true, "\(String(describing: e2))")
        var atFinal = unreviewed; atFinal.contract.status = .finalReview
        let e3 = Self.refusal { try store.commit(Self.change(atFinal, .contractAdmin), parent: nil) }
        #expect(e3?.rule == "invariant 8" && e3?.message.contains("secondReview") == true, "\(String(describing: e3))")
        #expect(try store.head(approved.contract.number) == nil)
        var atSecond = unreviewed; atSecond.contract.status = .secondReview; atSecond.contract.number += "-2"
        try store.commit(Self.change(atSecond, .contractAdmin), parent: nil) // initial review approved: fine
        try store.commit(Self.change(approved, .contractAdmin), parent: nil)
    }
}
