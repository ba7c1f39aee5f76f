import Foundation
import Testing
import AccordObjects
import AccordStore
@testable import AccordContracts

/// The ledger reads uncached contracts on every core; the rows must be those of reading each
/// contract alone, in number order, and a damaged contract must fail the whole ledger.
@Suite struct LedgerTests {
    @Test func parallelColdReadGivesTheSerialRowsAndFailsOnDamage() throws {
        let dir = FileManager.default.temporaryDirectory.path + "/accord-ledger-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let repo = try Repository.create(at: dir, bare: true)
        let store = try ContractStore(repository: repo)
        let actor = Actor(name: "T", email: "t@x", role: .contractAdmin, office: "HQ", replica: "r")
        let who = Identity(name: "T", email: "t@x", seconds: 1_790_000_000, offsetMinutes: 480)
        let bases = try Fixtures.entries.map { try Fixtures.state($0) }.filter { $0.contract.renews == nil && $0.contract.attachments.isEmpty }
        var numbers: [String] = []
        for copy in 0..<9 {
            for var s in bases {
                s.contract.number += "-\(copy)"
                try store.commit(ContractStore.Change(state: s, summary: "import", actor: actor, author: who), parent: nil)
                numbers.append(s.contract.number)
            }
        }
        #expect(numbers.count >= 64) // enough for the parallel path
        let rows = try store.ledger()
        #expect(rows.map(\.number) == numbers.sorted())
        for r in rows {
            let head = try #require(try store.head(r.number))
            #expect(r == LedgerRow(number: r.number, snapshot: try store.load(commit: head)), "\(r.number)")
        }
        // Warm: the same rows from the cache.
        #expect(try store.ledger() == rows)

        // One contract's blob damaged (a valid object that is not a contract), cache removed: an error, not a short list.
        let victim = numbers[37]
        let snap = try store.load(victim)
        let bad = try repo.objects.write(type: .blob, payload: Array("{\"number\": 1}\n".utf8))
        var entries = try repo.objects.readTree(try repo.objects.readCommit(snap.commit).tree).entries
        entries = entries.map { $0.nameString == "contract.json" ? TreeEntry(mode: .regular, name: "contract.json", id: bad) : $0 }
        let tree = try repo.objects.write(.tree(try Tree(entries: entries)))
        let broken = try repo.objects.write(.commit(Commit(tree: tree, parents: [snap.commit], author: who, committer: who, message: "damage\n")))
        try repo.refs.update(ContractStore.refName(victim), to: broken, who: who, message: "damage")
        unlink("\(repo.gitDir)/accord/ledger-cache")
        #expect(throws: ContractStoreError.self) { try store.ledger() }
    }
}
