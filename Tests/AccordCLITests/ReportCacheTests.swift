import Foundation
import Testing

extension HeadOffice {
@Suite struct ReportCacheTests {
    /// The report cache is derived data: with it, without it, or damaged, the reports and the
    /// to-do queue print the same; a contract whose head moved is read again.
    @Test func cacheNeverChangesAFigure() throws {
        let r = ContractRepo()
        for f in ContractRepo.fixtureFiles.sorted(by: { $0.hasSuffix("closed.json") && !$1.hasSuffix("closed.json") }) { r.ok("contractAdmin", "import", f) }
        let cache = "\(r.gitDir)/accord/report-cache"
        let commands = [["report", "ledger", "--as-of", "2026-12-01", "--json"], ["report", "overdue", "--as-of", "2026-12-01", "--json"],
                        ["report", "expiring", "--as-of", "2027-01-15", "--json"], ["todo", "--as-of", "2026-12-01", "--json"],
                        ["remind", "--as-of", "2026-12-01", "--json"]]
        func outputs() -> [String] { commands.map { r.run("management", $0).out } }
        try? FileManager.default.removeItem(atPath: cache)
        let cold = outputs()
        #expect(FileManager.default.fileExists(atPath: cache), "the first report writes the cache")
        #expect(outputs() == cold, "from the cache")
        for garbage in ["", "accord-report-cache 1\n{\"number\": \"HT-2026-009\"}\nnot json\n", "some other format\n"] {
            FileManager.default.createFile(atPath: cache, contents: Data(garbage.utf8))
            #expect(outputs() == cold, "a damaged cache is ignored: \(garbage.prefix(30))")
        }
        // A cached line with a figure changed but the right head would be trusted: the cache is
        // keyed by head, so a new commit (a receipt) is what makes a contract be read again.
        r.ok("finance", "record", "HT-2026-009", "paymentReceipt", "date=2026-09-01", "amount=39120.00", "milestone=M2")
        let rows = ReportJSON(r, ["overdue", "--as-of", "2026-12-01"]).rows("milestones")
        #expect(!rows.contains { $0["number"] as? String == "HT-2026-009" }, "M2 is paid now")
        let ledger = ReportJSON(r, ["ledger", "--as-of", "2026-12-01"]).rows()
        #expect(ledger.first { $0["number"] as? String == "HT-2026-009" }?["received"] as? String == "58680.00")
    }
}
}
