import Foundation
import Testing
import SQLiteProbe

/// `accord list` reads the reports' facts in the query index, keyed by head commit; it must
/// never show a stale row, and a damaged or missing index must only cost time.
@Suite struct ListIndexTests {
    @Test func listFollowsEveryChangeAndSurvivesADamagedIndex() throws {
        let r = ContractRepo()
        r.ok("salesRep", "new", "HT-L1", "--type", "sales", "buyer.name=甲公司", "totalAmount=100.00")
        r.ok("salesRep", "new", "HT-L2", "--type", "sales", "buyer.name=乙公司", "totalAmount=200.00")
        #expect(r.ok("salesRep", "list").contains("甲公司"))
        let index = "\(r.gitDir)/accord/index.sqlite"
        let rows = try SQLiteProbe.int(index, "SELECT count(*) FROM facts")
        #expect(rows == 2, "list writes one row per contract")

        // A change moves the head: the next list shows the new value, not the cached one.
        r.ok("salesRep", "set", "HT-L1", "buyer.name=丙公司", "totalAmount=150.00")
        let after = r.ok("salesRep", "list", "--json")
        #expect(after.contains("丙公司") && after.contains("150.00"))
        #expect(!after.contains("甲公司"))

        // A new contract appears; a filter on a cached row still works.
        r.ok("salesRep", "new", "HT-L3", "--type", "service", "buyer.name=丁公司")
        #expect(r.ok("salesRep", "list").contains("丁公司"))
        #expect(r.ok("salesRep", "list", "--customer", "乙").contains("HT-L2"))

        // Damaged rows are read again; garbage for the index is replaced; the answer is the same.
        let expected = r.ok("salesRep", "list", "--json")
        try SQLiteProbe.execute(index, "UPDATE facts SET facts = x'0573616c6573' WHERE number = 'HT-L1'; UPDATE facts SET facts = 'text' WHERE number = 'HT-L2'")
        #expect(r.ok("salesRep", "list", "--json") == expected)
        try Data("random bytes, not SQLite\n".utf8).write(to: URL(fileURLWithPath: index))
        #expect(r.ok("salesRep", "list", "--json") == expected)
        try FileManager.default.removeItem(atPath: index)
        #expect(r.ok("salesRep", "list", "--json") == expected)
    }
}
