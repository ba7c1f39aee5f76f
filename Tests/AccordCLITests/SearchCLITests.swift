import Foundation
import Testing
import SQLiteProbe

/// `accord search` on the fixtures: Chinese phrases inside a clause and inside a record, short
/// words, an index kept up to date by head and rebuilt when deleted or damaged.
@Suite struct SearchCLITests {
    /// The fixture contracts whose breach clause contains `phrase`, read from the files themselves.
    static func fixtureContracts(withClause phrase: String) throws -> Set<String> {
        var out = Set<String>()
        for f in ContractRepo.fixtureFiles {
            let entries = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: f))) as? [[String: Any]])
            for e in entries {
                let c = (e["contract"] as? [String: Any]) ?? e
                if let clause = c["breachLiability"] as? String, clause.contains(phrase), let n = c["number"] as? String { out.insert(n) }
            }
        }
        return out
    }

    func lines(_ s: String) -> [String] { s.isEmpty ? [] : s.split(separator: "\n").map(String.init) }

    @Test func findsChineseInClausesAndRecordsAndFollowsEdits() throws {
        let r = ContractRepo()
        r.ok("contractAdmin", "import", ContractRepo.fixtureFiles[0], ContractRepo.fixtureFiles[1], ContractRepo.fixtureFiles[2])
        // A clause phrase many fixtures share: exactly those contracts, each at breachLiability.
        let expected = try Self.fixtureContracts(withClause: "支付违约金")
        #expect(expected.count >= 5)
        let hits = lines(r.ok("salesRep", "search", "--json", "支付违约金"))
        let found = hits.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String] }
        #expect(Set(found.map { $0["number"] ?? "" }) == expected)
        #expect(found.allSatisfy { $0["field"] == "breachLiability" && ($0["value"] ?? "").contains("支付违约金") })

        // One's own clause and a record, then found in their place.
        r.ok("salesRep", "new", "HT-S1", "--type", "sales", "subject=钢丝绳", "buyer.name=华东机械有限公司",
             "breachLiability=第一条 赔偿损失。\n第二条 逾期交货按日万分之七计。")
        r.ok("salesRep", "record", "HT-S1", "tracking", "customer=华东机械", "coordinationContent=客户同意分批发货,首批下周到货")
        let clause = r.ok("salesRep", "search", "按日万分之七")
        #expect(clause.hasPrefix("HT-S1  breachLiability  ") && clause.contains("第二条 逾期交货按日万分之七计。"), "\(clause)")
        #expect(!clause.contains("\n第二条"), "one line per place: \(clause)") // the clause's newline is shown escaped
        let record = lines(r.ok("salesRep", "search", "分批发货"))
        #expect(record.count == 1 && record[0].hasPrefix("HT-S1  tracking[") && record[0].contains("].coordinationContent  客户同意分批发货"), "\(record)")
        // Two characters (below the trigram index): still found.
        #expect(lines(r.ok("salesRep", "search", "下周")).count == 1)
        // Latin letters in any case; -n caps the places.
        #expect(!r.ok("salesRep", "search", "-n1", "HT-S1").isEmpty)

        // An edit: the old text is gone, the new one found (only that contract read again).
        r.ok("salesRep", "set", "HT-S1", "breachLiability=逾期交货按日千分之一计。")
        let gone = r.run("salesRep", ["search", "万分之七"])
        #expect(gone.status == 1 && gone.out.isEmpty, "\(gone.out)")
        #expect(r.ok("salesRep", "search", "千分之一").hasPrefix("HT-S1  breachLiability"))

        // The index is derived: deleted, or damaged, it is rebuilt with the same answers.
        let index = "\(r.gitDir)/accord/index.sqlite"
        #expect(FileManager.default.fileExists(atPath: index))
        let before = r.ok("salesRep", "search", "违约金")
        try FileManager.default.removeItem(atPath: index)
        #expect(r.ok("salesRep", "search", "违约金") == before)
        try Data("not a database".utf8).write(to: URL(fileURLWithPath: index))
        let damaged = r.run("salesRep", ["search", "违约金"])
        #expect(damaged.status == 0 && damaged.trimmed == before, "\(damaged.err)")
    }

    /// Searches and reports started together on a repository without an index each build or
    /// update it in turn (SQLite's lock, waited for): every one succeeds with the same answer, no
    /// warning, and the index holds each place once.
    @Test func concurrentRunsShareOneIndex() throws {
        let r = ContractRepo()
        r.ok("contractAdmin", "import", ContractRepo.fixtureFiles[0], ContractRepo.fixtureFiles[1], ContractRepo.fixtureFiles[2])
        let expected = r.ok("salesRep", "search", "违约金")
        let env = r.s.env(["ACCORD_ROLE": "salesRep", "ACCORD_OFFICE": "华东办事处", "ACCORD_AUTHOR_NAME": "t", "ACCORD_AUTHOR_EMAIL": "t@example.cn"])
        for _ in 0..<3 {
            try? FileManager.default.removeItem(atPath: "\(r.gitDir)/accord/index.sqlite")
            let runs = try (0..<6).map { i in
                try CLI.Running(CLI.accordBinary, i % 2 == 0 ? ["search", "违约金"] : ["report", "ledger", "--as-of", "2026-12-01"], cwd: r.repo, env: env, input: [])
            }
            for (i, run) in runs.enumerated() {
                let res = run.wait()
                #expect(res.status == 0 && res.err.isEmpty, "run \(i): \(res.status) \(res.err)")
                if i % 2 == 0 { #expect(res.trimmed == expected) }
            }
        }
        let rows = try SQLiteProbe.int("\(r.gitDir)/accord/index.sqlite", "SELECT count(*) - count(DISTINCT number || ' ' || place) FROM entries")
        #expect(rows == 0, "no place indexed twice")
    }

    @Test func nothingFoundExitsOneAndBadInputIsRefused() {
        let r = ContractRepo()
        r.ok("salesRep", "new", "HT-S2", "--type", "sales", "subject=X", "buyer.name=Acme")
        let none = r.run("salesRep", ["search", "不存在的文字"])
        #expect(none.status == 1 && none.out.isEmpty && none.err.isEmpty, "\(none.err)")
        #expect(r.run("salesRep", ["search", ""]).status == 64)
        #expect(r.run("salesRep", ["search", "-n", "0", "X"]).status == 64)
        // Quotes and FTS syntax are text, not query operators.
        #expect(r.run("salesRep", ["search", "\"a\" OR b*"]).status == 1)
        #expect(r.ok("salesRep", "search", "acme") == "HT-S2  buyer.name  Acme")
    }
}
