import Foundation
import Testing

/// The fixtures under Fixtures/contracts imported into one repository, shared by read-only tests.
enum ImportedFixtures {
    static let repo: ContractRepo = {
        let r = ContractRepo()
        // closed.json first: a renewal in drafts-and-reviews.json renews a contract closed there (invariant 14).
        for f in ContractRepo.fixtureFiles.sorted(by: { $0.hasSuffix("closed.json") && !$1.hasSuffix("closed.json") }) { r.ok("contractAdmin", "import", f) }
        return r
    }()

    /// Every fixture entry: (number, status, entry JSON) read straight from the files.
    nonisolated(unsafe) static let entries: [(number: String, status: String, entry: [String: Any])] = ContractRepo.fixtureFiles.flatMap { f -> [(String, String, [String: Any])] in
        guard let data = FileManager.default.contents(atPath: f),
              let list = (try? JSONSerialization.jsonObject(with: data)) as? [[String: Any]] else {
            Issue.record("cannot read \(f)"); return []
        }
        return list.map { e in
            let c = e["contract"] as? [String: Any] ?? [:]
            return (c["number"] as? String ?? "", c["status"] as? String ?? "draft", e)
        }
    }
}

@Suite struct ContractFixtureTests {
    @Test func fixturesCoverTheLifecycle() {
        let e = ImportedFixtures.entries
        #expect(e.count >= 20)
        let statuses = Set(e.map(\.status))
        for s in ["draft", "initialReview", "secondReview", "finalReview", "approved", "signed", "executing", "completed", "terminated", "archived"] {
            #expect(statuses.contains(s), "no fixture is \(s)")
        }
        let types = Set(e.compactMap { ($0.entry["contract"] as? [String: Any])?["type"] as? String })
        #expect(types.isSuperset(of: ["sales", "service", "purchase"]))
        let offices = Set(e.compactMap { ($0.entry["contract"] as? [String: Any])?["office"] as? String })
        #expect(offices.isSuperset(of: ["华东办事处", "华南办事处", "North Office"]))
        let kinds = Set(e.flatMap { ($0.entry["records"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String } })
        #expect(kinds.isSuperset(of: ["delivery", "paymentReceipt", "deviationReport", "leaderDecision", "executionResult", "acceptance",
                                      "settlement", "changeAgreement", "terminationRequest", "review"]))
    }

    /// The three files in the obvious order, as one batch: the renewal in the first renews a
    /// contract of the last. One at a time in that order, the first is refused, nothing written.
    @Test func theFixtureFilesImportAsOneBatchInAnyOrder() {
        let one = ContractRepo()
        let r = one.run("contractAdmin", ["import"] + ContractRepo.fixtureFiles)
        #expect(r.status == 0 && r.out.contains("imported 24 contracts"), "\(r.out) \(r.err)")
        #expect(one.refs().split(separator: "\n").filter { $0.hasPrefix("refs/contracts/") }.count == 24)
        let apart = ContractRepo()
        expectRefusedUnchanged(apart.gitDir, "the first file alone", mentions: ["renews", "nor in this file", "nothing imported"]) {
            apart.run("contractAdmin", ["import", ContractRepo.fixtureFiles[0]])
        }
        // A bad entry in the second file names that file and entry, and nothing of the first is written.
        let bad = apart.s.dir.write("bad.json", "[{\"number\": \"HT-X\"}]")
        let both = expectRefusedUnchanged(apart.gitDir, "a bad second file", mentions: ["bad.json: entry 1", "nothing imported"]) {
            apart.run("contractAdmin", ["import", ContractRepo.fixtureFiles[2], bad])
        }
        #expect(!both.err.contains("closed.json"), "\(both.err)")
    }

    @Test func importedFixturesAllListedAndFsckClean() {
        let r = ImportedFixtures.repo
        let listed = r.ok("salesRep", "list")
        for (number, _, _) in ImportedFixtures.entries { #expect(listed.contains(number), "\(number) not listed") }
        let json = r.run("salesRep", ["list", "--json"]).lines.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
        #expect(json.count == ImportedFixtures.entries.count)
        for (number, status, _) in ImportedFixtures.entries {
            #expect(json.first { $0["number"] as? String == number }?["status"] as? String == status, "\(number)")
            #expect(r.commits(number).count == 1, "\(number): one import commit")
        }
        r.fsckClean()
    }

    @Test func listFilters() {
        let r = ImportedFixtures.repo
        func numbers(_ args: String...) -> Set<String> {
            Set(r.run("salesRep", ["list", "--json"] + args).lines.compactMap {
                ((try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any])?["number"] as? String
            })
        }
        let fx = ImportedFixtures.entries
        func expected(_ pred: ([String: Any]) -> Bool) -> Set<String> {
            Set(fx.filter { pred($0.entry["contract"] as? [String: Any] ?? [:]) }.map(\.number))
        }
        #expect(numbers("--status", "executing") == expected { $0["status"] as? String == "executing" })
        #expect(numbers("--status", "履行中") == numbers("--status", "executing"))
        #expect(numbers("--office", "North Office") == expected { $0["office"] as? String == "North Office" })
        #expect(numbers("--customer", "northern grid") == expected { (($0["buyer"] as? [String: Any])?["name"] as? String ?? "").contains("Northern Grid") })
        #expect(numbers("--owner", "罗杰") == ["PO-2026-022"])
    }

    @Test func exportImportRoundTripsByteIdentically() {
        let a = ImportedFixtures.repo
        let out1 = "\(a.s.root)/export-\(UUID().uuidString).json"
        a.ok("salesRep", "export", "-o", out1)
        let b = ContractRepo()
        b.ok("contractAdmin", "import", out1)
        let out2 = "\(b.s.root)/export2.json"
        b.ok("salesRep", "export", "-o", out2)
        let bytes1 = FileManager.default.contents(atPath: out1), bytes2 = FileManager.default.contents(atPath: out2)
        #expect(bytes1 != nil && bytes1 == bytes2, "export → import → export is byte-identical")
        // Stdout export is the same bytes as -o.
        #expect(a.run("salesRep", ["export"]).stdout == Array(bytes1 ?? Data()))
        // Every contract.json blob is the same object in both repositories (canonical bytes).
        for (number, _, _) in ImportedFixtures.entries {
            let ta = a.git("rev-parse", "refs/contracts/\(number):contract.json").trimmed
            let tb = b.git("rev-parse", "refs/contracts/\(number):contract.json").trimmed
            #expect(!ta.isEmpty && ta == tb, "\(number)")
            #expect(a.git("rev-parse", "refs/contracts/\(number)^{tree}").trimmed == b.git("rev-parse", "refs/contracts/\(number)^{tree}").trimmed)
        }
        b.fsckClean()
    }

    @Test func contractJSONBlobsAreCanonical() {
        let r = ImportedFixtures.repo
        for (number, _, _) in ImportedFixtures.entries {
            let blob = r.git("cat-file", "blob", "refs/contracts/\(number):contract.json").out
            #expect(blob.hasSuffix("}\n") && !blob.hasSuffix("\n\n"))
            #expect(blob.contains("\"number\": \"\(number)\""))
            #expect(!blob.contains("\\u"), "\(number): Chinese is stored as UTF-8, not escaped")
            // show --json prints the same contract object.
            let shown = r.showJSON(number)["contract"] as? [String: Any]
            let stored = (try? JSONSerialization.jsonObject(with: Data(blob.utf8))) as? [String: Any]
            #expect(shown.map { NSDictionary(dictionary: $0) } == stored.map { NSDictionary(dictionary: $0) }, "\(number)")
        }
    }

    @Test func signedFixturesCarryTheirSignedText() {
        let r = ImportedFixtures.repo
        for (number, status, entry) in ImportedFixtures.entries where ["signed", "executing", "completed", "archived", "terminated"].contains(status) {
            let atts = (entry["contract"] as? [String: Any])?["attachments"] as? [[String: Any]] ?? []
            let original = atts.first { $0["kind"] as? String == "original" }
            #expect(original != nil, "\(number)")
            guard let name = original?["name"] as? String, let blob = original?["blob"] as? String else { continue }
            #expect(r.git("rev-parse", "refs/contracts/\(number):attachments/\(name)").trimmed == blob)
            #expect(r.git("cat-file", "blob", blob).out.hasPrefix("%PDF"))
        }
    }

    @Test func csvLedgerHasBOMCRLFQuotingAndChinese() {
        let r = ImportedFixtures.repo
        let out = r.run("salesRep", ["export", "--format", "csv"])
        #expect(out.status == 0)
        let bytes = out.stdout
        #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF], "UTF-8 BOM")
        let text = String(decoding: bytes.dropFirst(3), as: UTF8.self)
        #expect(text.hasSuffix("\r\n"))
        let rows = text.components(separatedBy: "\r\n").dropLast()
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "every line ends in CRLF")
        #expect(rows.count == ImportedFixtures.entries.count + 1)
        #expect(rows.first?.hasPrefix("\"合同编号 number\",\"客户 customer\"") == true)
        // Every field is quoted; a comma inside a name stays inside its field.
        let grid = rows.first { $0.hasPrefix("\"HT-2026-002\"") } ?? ""
        #expect(grid.contains("\"Northern Grid Equipment Ltd.\""))
        let bohai = rows.first { $0.hasPrefix("\"HT-2026-006\"") } ?? ""
        #expect(bohai.contains("\"Bohai Port Services Co.\",\"North Office\",\"Zhang Wei\",\"销售\""))
        // The ledger report's figures (issue 14): % delivered by value, receivable only where
        // money is owed, a conflicted column.
        #expect(rows.first?.contains("\"应收 receivable\"") == true && rows.first?.contains("\"冲突 conflicted\"") == true)
        let rope = rows.first { $0.hasPrefix("\"HT-2026-011\"") } ?? ""
        #expect(rope.contains("\"75.9"), "by value, not 97.40% by adding metres to brake pads: \(rope)")
        #expect(bohai.hasSuffix("\"0.00\",\"0.00\",\"0\",\"\""), "approved, unsigned: nothing receivable: \(bohai)")
        let done = rows.first { $0.hasPrefix("\"HT-2025-014\"") } ?? ""
        #expect(done.contains("\"华东机械有限公司\"") && done.contains("\"履行完毕\""))
        #expect(done.contains("\"100.00\""), "fully delivered")
        let chinese = rows.first { $0.hasPrefix("\"华东-2026-021\"") }
        #expect(chinese != nil)
        for row in rows { #expect(row.hasPrefix("\"") && row.hasSuffix("\"")) }
    }

    @Test func csvQuotesEmbeddedQuotesAndCommas() {
        let r = ContractRepo()
        r.ok("salesRep", "new", "Q-1", "--type", "sales", #"buyer.name=ACME "Best", Inc."#)
        let text = String(decoding: r.run("salesRep", ["export", "--format", "csv"]).stdout.dropFirst(3), as: UTF8.self)
        #expect(text.contains(#""ACME ""Best"", Inc.""#))
    }
}

@Suite struct ContractYAMLTests {
    static let yaml = """
    # A contract in YAML (JSON subset): amounts quoted or plain decimal text.
    number: HT-YAML-001
    type: sales
    subject: 数控铣床
    buyer:
      name: 华南精密模具有限公司
      contact: 黄敏
    lineItems:
      - id: L1
        name: 数控铣床
        quantity: 2
        unitPrice: "86500.50"
    totalAmount: 173001.00
    deliveryDeadline: "2026-09-30"
    """

    @Test func yamlImportAndNew() {
        let r = ContractRepo()
        let f = r.s.dir.write("c.yaml", Self.yaml)
        r.ok("salesRep", "import", f)
        let c = r.contract("HT-YAML-001")
        #expect(c["totalAmount"] as? String == "173001.00")
        #expect(((c["lineItems"] as? [[String: Any]])?.first?["lineAmount"]) as? String == "173001.00")
        #expect((c["buyer"] as? [String: Any])?["name"] as? String == "华南精密模具有限公司")
        let g = r.s.dir.write("d.yml", Self.yaml.replacingOccurrences(of: "HT-YAML-001", with: "HT-YAML-002"))
        r.ok("salesRep", "new", "--file", g)
        #expect(r.contract("HT-YAML-002")["subject"] as? String == "数控铣床")
    }

    @Test(arguments: ["1e5", "12,000", "-3", "0.001", ".nan", "1_000"])
    func yamlBadAmountIsRefused(amount: String) {
        let r = ContractRepo()
        let f = r.s.dir.write("bad.yaml", Self.yaml.replacingOccurrences(of: "totalAmount: 173001.00", with: "totalAmount: \(amount)"))
        let refs = r.refs()
        let res = r.run("salesRep", ["import", f])
        if amount == "-3" {
            expectRefused(res, "yaml amount \(amount)", mentions: ["totalAmount", "invariant 3"])
        } else {
            expectRefused(res, "yaml amount \(amount)", mentions: ["totalAmount"])
        }
        #expect(r.refs() == refs)
    }

    @Test func brokenYAMLImportsNothing() {
        let r = ContractRepo()
        let f = r.s.dir.write("broken.yaml", "- number: A-1\n  type: sales\n- number: A-2\n  type: [unclosed\n")
        let res = r.run("salesRep", ["import", f])
        expectRefused(res, "broken yaml", mentions: ["broken.yaml"])
        #expect(r.commits("A-1").isEmpty)
    }
}

/// `accord demo` starts from fixtures: its embedded contracts (generated into DemoData.swift by
/// Fixtures/contracts/generate.py) are exactly the fixture entries it names.
@Test func demoDataIsTheFixtures() throws {
    let source = try String(contentsOfFile: "\(CLI.packageRoot)/Sources/accord/Commands/DemoData.swift", encoding: .utf8)
    let start = try #require(source.range(of: "#\"\"\"\n")), end = try #require(source.range(of: "\n\"\"\"#"))
    let demo = try #require(try JSONSerialization.jsonObject(with: Data(source[start.upperBound..<end.lowerBound].utf8)) as? [[String: Any]])
    let contracts = demo.compactMap { $0["contract"] as? [String: Any] }
    #expect(contracts.count == 2)
    for c in contracts {
        let number = try #require(c["number"] as? String)
        let fixture = try #require(ImportedFixtures.entries.first { $0.number == number }, "\(number) is a fixture")
        let fixtureContract = try #require(fixture.entry["contract"] as? [String: Any])
        #expect(NSDictionary(dictionary: c).isEqual(to: fixtureContract), "the demo's \(number) equals the fixture (run generate.py)")
    }
}
