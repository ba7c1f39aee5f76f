import Testing
@testable import AccordMerge
import AccordContracts
import AccordObjects
import AccordTestSupport

/// A path inside a container that is itself in conflict (an item kept on one side, deleted on
/// another) waits for the container: resolving the inner path first, then choosing the item's
/// stored value, silently brought back the value the first resolution replaced (found by the
/// register property test, seed 165, with terms frozen from submission).
@Suite struct ResolutionOrderTests {
    static func snapshot() throws -> Snapshot {
        var rng = SeededRNG(seed: 7)
        let state = Gen.contract(&rng, number: "HT-R1")
        let item = FieldPath.get("lineItems[L1]", in: Contract.droppingDerived(state.contract.json))
        let itemConflict = Conflict(path: "lineItems[L1]", reason: "kept with edits on one side, deleted on the other", base: item,
                                    candidates: [ConflictCandidate(value: nil), ConflictCandidate(value: item)])
        let quantity = Conflict(path: "lineItems[L1].quantity", reason: "both sides changed it", base: .number("1"),
                                candidates: [ConflictCandidate(value: .number("5")), ConflictCandidate(value: .number("6"))])
        let id = try #require(ObjectID(hex: String(repeating: "ab", count: 32)))
        return Snapshot(commit: id, state: state, attachmentBlobs: [:], trailers: [:], conflicts: [itemConflict, quantity])
    }

    static let actor = Actor(name: "孙丽", email: "admin@example.cn", role: .contractAdmin, office: "总部", replica: "r")
    static let author = Identity(name: "孙丽", email: "admin@example.cn", seconds: 1_767_225_600, offsetMinutes: 480)

    @Test func theInnerPathWaitsForItsContainer() throws {
        let snap = try Self.snapshot()
        #expect {
            try ConflictResolution.change(snap, paths: ["lineItems[L1].quantity"], choice: .pick(1), actor: Self.actor, author: Self.author)
        } throws: { "\($0)".contains("inside lineItems[L1], which is itself in conflict: resolve lineItems[L1] first") }
    }

    @Test func theContainerFirstDecidesItsInsideOrLeavesItToResolve() throws {
        let snap = try Self.snapshot()
        // Deleting the item makes its quantity moot: both conflicts are settled.
        let deleted = try ConflictResolution.change(snap, paths: ["lineItems[L1]"], choice: .pick(1), actor: Self.actor, author: Self.author)
        #expect(deleted.conflicts == [])
        #expect(!deleted.state.contract.lineItems.contains { $0.id == "L1" })
        // Both at once, with one choice, is allowed too (the caller names them together).
        let together = try ConflictResolution.change(snap, paths: ["lineItems[L1]", "lineItems[L1].quantity"], choice: .pick(2),
                                                     actor: Self.actor, author: Self.author)
        #expect(together.conflicts == [])
    }
}
