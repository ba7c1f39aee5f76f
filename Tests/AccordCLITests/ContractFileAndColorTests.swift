import Foundation
import Testing

/// `accord new --file contract.json`, and colour only on a terminal without NO_COLOR.
@Suite struct ContractFileAndColorTests {
    static let contractJSON = #"""
    {
      "number": "HT-F-1", "type": "service", "source": "productOrder", "signKind": "new", "status": "draft",
      "subject": "数控机床年度运维服务",
      "seller": {"name": "上海精工机械有限公司", "address": "上海市闵行区", "contact": "王工", "phone": "021-5555-0101"},
      "buyer": {"name": "华东机械有限公司", "address": "江苏省苏州市", "contact": "李经理", "phone": "0512-6288-0001"},
      "customerCredit": "合作五年,信用良好", "owner": "李四", "office": "华南办事处",
      "risk": {"kind": "operational", "severity": "medium", "likelihood": "low", "points": "现场响应时效"},
      "lineItems": [
        {"id": "S1", "name": "季度巡检", "quantity": "4", "unit": "次", "unitPrice": "4500.00"},
        {"id": "S2", "name": "备件更换", "spec": "主轴轴承", "quantity": "2.5", "unit": "套", "unitPrice": "0.33"}
      ],
      "totalAmount": "18000.83", "currency": "USD", "taxRate": "6", "taxInclusive": true, "deposit": "1000.00",
      "paymentMethod": "电汇",
      "paymentMilestones": [
        {"id": "M1", "kind": "advance", "percent": "50", "amount": "9000.41", "due": "2026-03-01"},
        {"id": "M2", "kind": "balance", "percent": "50", "amount": "9000.42", "trigger": "验收合格后"}
      ],
      "deliveryMethod": "现场服务", "deliveryDeadline": "2026-06-30", "scope": "全年巡检与维修", "deliverables": ["巡检报告", "年度总结"],
      "breachLiability": "响应超时按次扣减服务费", "disputeResolution": {"method": "litigation", "venue": "上海市闵行区人民法院"},
      "confidentiality": "双方对合同内容保密\n保密期三年", "expiryDate": "2026-12-31"
    }
    """#

    @Test func newFromAJSONFileEqualsShowJSON() throws {
        let r = ContractRepo()
        let file = r.s.dir.write("contract.json", Self.contractJSON)
        let out = r.ok("salesRep", "new", "--file", file)
        let head = try #require(r.commits("HT-F-1").first)
        #expect(out == "HT-F-1 \(head.prefix(12))")
        #expect(r.commits("HT-F-1").count == 1)

        // show --json is the file, plus each item's derived lineAmount (2.5 × 0.33 = 0.825 → 0.83).
        var expected = try #require(try JSONSerialization.jsonObject(with: Data(Self.contractJSON.utf8)) as? [String: Any])
        var items = expected["lineItems"] as? [[String: Any]] ?? []
        items[0]["lineAmount"] = "18000.00"
        items[1]["lineAmount"] = "0.83"
        expected["lineItems"] = items
        let shown = r.showJSON("HT-F-1")
        #expect(shown["commit"] as? String == head)
        let contract = shown["contract"] as? [String: Any] ?? [:]
        #expect(jsonText(contract) == jsonText(expected), "show --json")
        #expect((shown["records"] as? [Any])?.isEmpty == true)
        // The stored blob is the same document (git reads it back).
        let blob = r.git("cat-file", "blob", "refs/contracts/HT-F-1:contract.json")
        let stored = try JSONSerialization.jsonObject(with: Data(blob.stdout)) as? [String: Any] ?? [:]
        #expect(jsonText(stored) == jsonText(expected))
        // It is complete: it can be submitted as is.
        r.ok("salesRep", "submit", "HT-F-1")

        // The same contract as YAML gives the same document (taxInclusive left out: YAML booleans
        // are a known issue, see yamlBooleans).
        let yaml = r.s.dir.write("contract.yaml", """
            number: HT-F-Y
            type: service
            source: productOrder
            signKind: new
            status: draft
            subject: 数控机床年度运维服务
            seller: {name: 上海精工机械有限公司, address: 上海市闵行区, contact: 王工, phone: "021-5555-0101"}
            buyer: {name: 华东机械有限公司, address: 江苏省苏州市, contact: 李经理, phone: "0512-6288-0001"}
            customerCredit: 合作五年,信用良好
            owner: 李四
            office: 华南办事处
            risk: {kind: operational, severity: medium, likelihood: low, points: 现场响应时效}
            lineItems:
              - {id: S1, name: 季度巡检, quantity: "4", unit: 次, unitPrice: "4500.00"}
              - {id: S2, name: 备件更换, spec: 主轴轴承, quantity: "2.5", unit: 套, unitPrice: "0.33"}
            totalAmount: "18000.83"
            currency: USD
            taxRate: "6"
            deposit: "1000.00"
            paymentMethod: 电汇
            paymentMilestones:
              - {id: M1, kind: advance, percent: "50", amount: "9000.41", due: "2026-03-01"}
              - {id: M2, kind: balance, percent: "50", amount: "9000.42", trigger: 验收合格后}
            deliveryMethod: 现场服务
            deliveryDeadline: "2026-06-30"
            scope: 全年巡检与维修
            deliverables: [巡检报告, 年度总结]
            breachLiability: 响应超时按次扣减服务费
            disputeResolution: {method: litigation, venue: 上海市闵行区人民法院}
            confidentiality: "双方对合同内容保密\\n保密期三年"
            expiryDate: "2026-12-31"
            """)
        r.ok("salesRep", "new", "--file", yaml)
        var fromYAML = r.contract("HT-F-Y")
        fromYAML["number"] = "HT-F-1"
        expected["taxInclusive"] = nil
        #expect(jsonText(fromYAML) == jsonText(expected), "YAML")

        // Assignments after the file override it; a NUMBER argument names the contract.
        r.ok("salesRep", "new", "--file", file, "HT-F-2", "subject=改", "buyer.contact=")
        let c2 = r.contract("HT-F-2")
        #expect(c2["number"] as? String == "HT-F-2" && c2["subject"] as? String == "改")
        #expect((c2["buyer"] as? [String: Any])?["contact"] == nil)
    }

    @Test func yamlBooleans() {
        let r = ContractRepo()
        let json = r.s.dir.write("t.json", #"{"number": "HT-B-J", "type": "sales", "taxInclusive": true}"#)
        r.ok("salesRep", "new", "--file", json)
        #expect(r.contract("HT-B-J")["taxInclusive"] as? Bool == true)
        let yaml = r.s.dir.write("t.yaml", "number: HT-B-Y\ntype: sales\ntaxInclusive: true\n")
        let res = r.run("salesRep", ["new", "--file", yaml])
        #expect(res.status == 0, "\(res.err)")
        #expect(r.contract("HT-B-Y")["taxInclusive"] as? Bool == true)
    }

    @Test func badContractFilesAreRefused() {
        let r = ContractRepo()
        let refs = r.refs()
        let wrongAmount = r.s.dir.write("a.json", Self.contractJSON.replacingOccurrences(of: #""unitPrice": "0.33"}"#, with: #""unitPrice": "0.33", "lineAmount": "0.82"}"#))
        expectRefused(r.run("salesRep", ["new", "--file", wrongAmount]), "wrong derived amount", mentions: ["lineItems[1].lineAmount", "invariant 2"])
        let approved = r.s.dir.write("b.json", Self.contractJSON.replacingOccurrences(of: #""status": "draft""#, with: #""status": "approved""#))
        expectRefused(r.run("salesRep", ["new", "--file", approved]), "new approved contract", mentions: ["status", "starts as draft", "invariant 8"])
        let truncated = r.s.dir.write("c.json", String(Self.contractJSON.dropLast(3)))
        expectRefused(r.run("salesRep", ["new", "--file", truncated]), "truncated JSON", mentions: ["c.json", "line"])
        let unknown = r.s.dir.write("d.json", Self.contractJSON.replacingOccurrences(of: #""expiryDate""#, with: #""colour": "red", "expiryDate""#))
        expectRefused(r.run("salesRep", ["new", "--file", unknown]), "unknown field", mentions: ["colour", "unknown field"])
        expectRefused(r.run("salesRep", ["new", "--file", "\(r.s.root)/missing.json"]), "missing file", mentions: ["missing.json"])
        #expect(r.refs() == refs)
    }

    // MARK: colour

    static let hasScript = FileManager.default.isExecutableFile(atPath: "/usr/bin/script")
    static let esc = "\u{1B}["

    /// Runs `accord ARGS` under a pseudo-terminal (util-linux `script`); returns its output with
    /// the terminal's CRLF turned back into LF.
    static func underPTY(_ r: ContractRepo, _ shellCommand: String, noColor: String?) -> (String, Int32) {
        var env = r.s.env(["ACCORD_ROLE": "salesRep"])
        env["NO_COLOR"] = noColor
        let res = CLI.run("/usr/bin/script", ["-qec", shellCommand, "/dev/null"], cwd: r.repo, env: env)
        return (res.out.replacingOccurrences(of: "\r\n", with: "\n"), res.status)
    }

    static func stripANSI(_ s: String) -> String { s.replacingOccurrences(of: "\u{1B}\\[[0-9;]*m", with: "", options: .regularExpression) }

    @Test(.enabled(if: ContractFileAndColorTests.hasScript, "needs util-linux script for a pseudo-terminal"))
    func colourOnlyOnATerminalWithoutNoColor() {
        let r = ContractRepo()
        let n = "HT-COL"
        r.ok("salesRep", salesContractArgs(n))
        r.ok("salesRep", "submit", n)
        let bin = "'\(CLI.accordBinary)'"
        // Piped (the normal test runner setup, NO_COLOR removed): never an escape.
        var plainEnv = r.s.env(["ACCORD_ROLE": "salesRep"]); plainEnv["NO_COLOR"] = nil
        func piped(_ args: [String]) -> String {
            let res = CLI.run(CLI.accordBinary, args, cwd: r.repo, env: plainEnv)
            #expect(res.status == 0 && !res.out.contains(Self.esc) && !res.err.contains(Self.esc), "\(args): \(res.err)")
            return res.out
        }
        let show = piped(["show", n]), log = piped(["log", n, "--oneline"]), diff = piped(["diff", n])

        // A terminal: escapes, and the text is otherwise identical.
        let (ttyShow, st1) = Self.underPTY(r, "\(bin) show \(n)", noColor: nil)
        #expect(st1 == 0)
        #expect(ttyShow.hasPrefix("\(Self.esc)1m\(n)  销售 sales  初审 initialReview\(Self.esc)0m\n"), "\(ttyShow.debugDescription)")
        #expect(Self.stripANSI(ttyShow) == show)
        let (ttyLog, _) = Self.underPTY(r, "\(bin) log \(n) --oneline", noColor: nil)
        #expect(ttyLog.split(separator: "\n").allSatisfy { $0.hasPrefix("\(Self.esc)33m") && $0.contains("\(Self.esc)0m ") }, "\(ttyLog.debugDescription)")
        #expect(Self.stripANSI(ttyLog) == log)
        let (ttyDiff, _) = Self.underPTY(r, "\(bin) diff \(n)", noColor: nil)
        #expect(ttyDiff == "status: \(Self.esc)31mdraft\(Self.esc)0m → \(Self.esc)32minitialReview\(Self.esc)0m\n", "\(ttyDiff.debugDescription)")
        #expect(Self.stripANSI(ttyDiff) == diff)
        let (ttyFatal, st2) = Self.underPTY(r, "\(bin) show NO-SUCH", noColor: nil)
        #expect(st2 == 128)
        #expect(ttyFatal == "\(Self.esc)31mfatal:\(Self.esc)0m no contract 'NO-SUCH' (see 'accord list')\n", "\(ttyFatal.debugDescription)")
        // An empty NO_COLOR does not count (no-color.org: present and not empty).
        #expect(Self.underPTY(r, "\(bin) show \(n)", noColor: "").0.contains(Self.esc))

        // NO_COLOR=1 on a terminal: none, same text.
        for cmd in ["show \(n)", "log \(n) --oneline", "diff \(n)", "show NO-SUCH"] {
            let (out, _) = Self.underPTY(r, "\(bin) \(cmd)", noColor: "1")
            #expect(!out.contains(Self.esc), "NO_COLOR=1 \(cmd): \(out.debugDescription)")
        }
        #expect(Self.underPTY(r, "\(bin) show \(n)", noColor: "1").0 == show)
        // stdout piped inside the terminal: no colour on stdout.
        let (pipedInPTY, _) = Self.underPTY(r, "\(bin) show \(n) | cat", noColor: nil)
        #expect(pipedInPTY == show)
    }
}
