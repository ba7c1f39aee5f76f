import Foundation
import Testing

/// `accord list` reads a derived cache of ledger rows keyed by head commit; it must never show a
/// stale row, and a damaged or missing cache must only cost time.
@Suite struct LedgerCacheTests {
    @Test func listFollowsEveryChangeAndSurvivesADamagedCache() throws {
        let r = ContractRepo()
        r.ok("salesRep", "new", "HT-L1", "--type", "sales", "buyer.name=甲公司", "totalAmount=100.00")
        r.ok("salesRep", "new", "HT-L2", "--type", "sales", "buyer.name=乙公司", "totalAmount=200.00")
        #expect(r.ok("salesRep", "list").contains("甲公司"))
        let cache = "\(r.gitDir)/accord/ledger-cache"
        #expect(FileManager.default.fileExists(atPath: cache), "list writes the cache")

        // A change moves the head: the next list shows the new value, not the cached one.
        r.ok("salesRep", "set", "HT-L1", "buyer.name=丙公司", "totalAmount=150.00")
        let after = r.ok("salesRep", "list", "--json")
        #expect(after.contains("丙公司") && after.contains("150.00"))
        #expect(!after.contains("甲公司"))

        // A new contract appears; a filter on a cached row still works.
        r.ok("salesRep", "new", "HT-L3", "--type", "service", "buyer.name=丁公司")
        #expect(r.ok("salesRep", "list").contains("丁公司"))
        #expect(r.ok("salesRep", "list", "--customer", "乙").contains("HT-L2"))

        // Garbage in the cache is ignored and rewritten; the answer is the same.
        let expected = r.ok("salesRep", "list", "--json")
        try Data("accord-ledger-cache 1\n{not json\nrandom bytes\n".utf8).write(to: URL(fileURLWithPath: cache))
        #expect(r.ok("salesRep", "list", "--json") == expected)
        try FileManager.default.removeItem(atPath: cache)
        #expect(r.ok("salesRep", "list", "--json") == expected)
    }
}
