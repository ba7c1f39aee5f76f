import Foundation
import Testing
import AccordObjects
import AccordStore
@testable import AccordContracts
@testable import AccordReports

/// The reports' facts (what `list`, the reports and `todo` read) are cached in the query index
/// as one binary row per contract. Contracts not in it are read on every core; the facts must be
/// those of reading each contract alone, in number order; a cached row must decode to exactly
/// what was encoded, and any damaged row must be a miss, never a figure.
@Suite struct FactsIndexTests {
    @Test func parallelColdReadGivesTheSerialFactsAndNamesDamage() throws {
        let dir = FileManager.default.temporaryDirectory.path + "/accord-facts-\(UUID().uuidString)"
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
        let (cold, none) = try ReportSource.facts(store)
        #expect(none.isEmpty)
        #expect(cold.map(\.number) == numbers.sorted())
        for f in cold {
            let head = try #require(try store.head(f.number))
            let alone = ContractFacts(snapshot: try store.load(commit: head))
            #expect(f.head == head && f.encoded == alone.encoded, "\(f.number)")
        }
        // Warm: the same facts, every field, from the index.
        let (warm, _) = try ReportSource.facts(store)
        #expect(warm.map(\.encoded) == cold.map(\.encoded))
        #expect(warm.map(\.head) == cold.map(\.head))

        // One contract's blob damaged (a valid object that is not a contract): that contract is
        // named as a failure, the others are still read.
        let victim = numbers[37]
        let snap = try store.load(victim)
        let bad = try repo.objects.write(type: .blob, payload: Array("{\"number\": 1}\n".utf8))
        var entries = try repo.objects.readTree(try repo.objects.readCommit(snap.commit).tree).entries
        entries = entries.map { $0.nameString == "contract.json" ? TreeEntry(mode: .regular, name: "contract.json", id: bad) : $0 }
        let tree = try repo.objects.write(.tree(try Tree(entries: entries)))
        let broken = try repo.objects.write(.commit(Commit(tree: tree, parents: [snap.commit], author: who, committer: who, message: "damage\n")))
        try repo.refs.update(ContractStore.refName(victim), to: broken, who: who, message: "damage")
        let (rest, failures) = try ReportSource.facts(store)
        #expect(failures.map(\.number) == [victim])
        #expect(rest.map(\.number) == numbers.sorted().filter { $0 != victim })
    }

    /// Every field survives the row encoding; every truncation, and any byte added, is a miss.
    @Test func theRowEncodingIsExactAndStrict() throws {
        let head = try #require(ObjectID(hex: String(repeating: "ab", count: 32)))
        var all = try Fixtures.entries.map { ContractFacts(snapshot: Snapshot(commit: head, state: try Fixtures.state($0), attachmentBlobs: [:], trailers: [:])) }
        // What fixtures lack: a submitter, conflicts, negative and large amounts, an open-ended expiry.
        all[0].submitter = Person(name: "李四", email: "li@example.com")
        all[0].conflictPaths = ["buyer.phone", "lineItems[L1].spec"]
        all[1].received = Dec(micros: -123_456_789); all[1].total = Dec(micros: 999_999_999_999_999_990_000)
        all[2].expiry = .openEnded
        all[3].closed = LifecycleDates(completed: try CivilDate.parse("2026-11-30"), terminated: try CivilDate.parse("1969-12-31"))
        #expect(all.contains { !$0.events.deliveries.isEmpty } && all.contains { !$0.events.acceptances.isEmpty }
                && all.contains { !$0.events.monthlyRecords.isEmpty } && all.contains { !$0.events.complaints.isEmpty }
                && all.contains { $0.receipts.contains { $0.milestone != nil } }, "the fixtures exercise every event list")
        for f in all {
            let bytes = f.encoded
            let back = try #require(bytes.withUnsafeBytes { ContractFacts(number: f.number, head: head, encoded: $0) }, "\(f.number)")
            #expect(back.encoded == bytes)
            #expect(back.status == f.status && back.total == f.total && back.received == f.received && back.expiry == f.expiry
                    && back.buyer == f.buyer && back.submitter == f.submitter && back.conflictPaths == f.conflictPaths
                    && back.lines == f.lines && back.milestones == f.milestones && back.pending == f.pending
                    && back.receipts.map(\.amount) == f.receipts.map(\.amount) && back.receipts.map(\.milestone) == f.receipts.map(\.milestone)
                    && back.events == f.events && back.closed == f.closed, "\(f.number)")
            for cut in 0..<bytes.count {
                #expect(Array(bytes[..<cut]).withUnsafeBytes { ContractFacts(number: f.number, head: head, encoded: $0) } == nil, "\(f.number) cut at \(cut)")
            }
            #expect((bytes + [0]).withUnsafeBytes { ContractFacts(number: f.number, head: head, encoded: $0) } == nil)
        }
        // A string that is not UTF-8, and a status no build knows, are misses too.
        var w = FactsWriter(); w.string("sales"); w.count(2); w.bytes += [0xC3, 0x28]
        #expect(w.bytes.withUnsafeBytes { ContractFacts(number: "X", head: head, encoded: $0) } == nil)
        var bytes = all[0].encoded
        bytes[1] = UInt8(ascii: "Z") // the type code's first letter
        #expect(bytes.withUnsafeBytes { ContractFacts(number: "X", head: head, encoded: $0) } == nil)
    }
}
