import Foundation
import Testing
import SQLiteProbe

extension HeadOffice {
@Suite struct ReportCacheTests {
    /// The reports' facts in the query index are derived data: with them, without them, or
    /// damaged, the reports and the to-do queue print the same; a contract whose head moved is
    /// read again, and only its row is rewritten.
    @Test func cacheNeverChangesAFigure() throws {
        let r = ContractRepo()
        for f in ContractRepo.fixtureFiles.sorted(by: { $0.hasSuffix("closed.json") && !$1.hasSuffix("closed.json") }) { r.ok("contractAdmin", "import", f) }
        let cache = "\(r.gitDir)/accord/index.sqlite"
        let commands = [["report", "ledger", "--as-of", "2026-12-01", "--json"], ["report", "overdue", "--as-of", "2026-12-01", "--json"],
                        ["report", "expiring", "--as-of", "2027-01-15", "--json"], ["todo", "--as-of", "2026-12-01", "--json"],
                        ["remind", "--as-of", "2026-12-01", "--json"], ["list", "--json"],
                        ["report", "monthly", "--period", "2025-01-01..2026-12-31", "--json"], ["report", "performance", "--as-of", "2026-12-01", "--json"]]
        func outputs() -> [String] { commands.map { r.run("management", $0).out } }
        try? FileManager.default.removeItem(atPath: cache)
        let cold = outputs()
        #expect(FileManager.default.fileExists(atPath: cache), "the first report writes the index")
        let count = try SQLiteProbe.int(cache, "SELECT count(*) FROM facts")
        #expect(count == 24, "one row per fixture contract")
        #expect(outputs() == cold, "from the index")
        // Rows that do not read, or that name another head, are misses, not figures.
        try SQLiteProbe.execute(cache, """
            UPDATE facts SET facts = substr(facts, 1, length(facts) - 1) WHERE number = 'HT-2026-009';
            UPDATE facts SET facts = 'not a row' WHERE number = 'HT-2026-011';
            UPDATE facts SET head = '00' || substr(head, 3) WHERE number = 'HT-2026-012';
            INSERT INTO facts(number, head, facts) VALUES ('HT-GONE', 'x', x'00');
            """)
        #expect(outputs() == cold, "damaged rows are read again")
        let goneRows = try SQLiteProbe.int(cache, "SELECT count(*) FROM facts WHERE number = 'HT-GONE'")
        #expect(goneRows == 0, "a contract gone loses its row")
        for garbage in ["", "some other format\n"] {
            try? FileManager.default.removeItem(atPath: cache)
            FileManager.default.createFile(atPath: cache, contents: Data(garbage.utf8))
            #expect(outputs() == cold, "a damaged index is rebuilt: \(garbage.prefix(30))")
        }
        // A cached line with a figure changed but the right head would be trusted: the cache is
        // keyed by head, so a new commit (a receipt) is what makes a contract be read again.
        func rowid(_ n: String) throws -> Int? { try SQLiteProbe.int(cache, "SELECT rowid FROM facts WHERE number = '\(n)'") }
        let (other, moved) = (try rowid("HT-2026-010"), try rowid("HT-2026-009"))
        #expect(other != nil && moved != nil)
        r.ok("finance", "record", "HT-2026-009", "paymentReceipt", "date=2026-09-01", "amount=39120.00", "milestone=M2")
        let rows = ReportJSON(r, ["overdue", "--as-of", "2026-12-01"]).rows("milestones")
        #expect(try rowid("HT-2026-010") == other, "a contract whose head did not move keeps its row")
        #expect(try rowid("HT-2026-009") != moved, "the moved contract's row is written again")
        #expect(!rows.contains { $0["number"] as? String == "HT-2026-009" }, "M2 is paid now")
        let ledger = ReportJSON(r, ["ledger", "--as-of", "2026-12-01"]).rows()
        #expect(ledger.first { $0["number"] as? String == "HT-2026-009" }?["received"] as? String == "58680.00")
    }
}
}
