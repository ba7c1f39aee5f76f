import Foundation
import Testing

/// History commands through the real binary: log filters, tags, revert, line items.
@Suite struct ContractHistoryCLITests {
    static func lines(_ s: String) -> [String] { s.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty } }

    // MARK: log --since/--until/--author/--field

    @Test func logFiltersByDateAuthorAndField() {
        let r = ContractRepo()
        let n = "HT-LOG"
        var c: [String] = [""] // c[1]…c[5], oldest first
        func step(_ when: String, _ role: String, _ args: [String]) {
            r.okAt(when, role, args)
            c.append(r.commits(n).first ?? "?")
        }
        step(beijingTime(2026, 3, 1, 10), "salesRep", salesContractArgs(n))
        step(beijingTime(2026, 3, 2, 23, 30), "salesRep", ["set", n, "subject=数控车床 CK6150"])
        step(beijingTime(2026, 3, 5, 9), "salesHead", ["set", n, "paymentMethod=银行承兑汇票"])
        step(beijingTime(2026, 3, 5, 18), "salesRep", ["item", "set", n, "L1", "quantity=5"])
        step(beijingTime(2026, 3, 9, 10), "salesHead", ["set", n, "deliveryDeadline=2026-07-15"])
        // Another contract, by 李娜 on 2026-03-05: never part of `log HT-LOG`.
        r.okAt(beijingTime(2026, 3, 5, 12), "salesHead", ["new", "HT-OTHER", "--type", "sales"])
        #expect(r.commits(n) == [c[5], c[4], c[3], c[2], c[1]])

        let line = [
            "",
            "\(c[1].prefix(12)) 2026-03-01 张伟 (salesRep, 华东办事处) Create contract \(n)",
            "\(c[2].prefix(12)) 2026-03-02 张伟 (salesRep, 华东办事处) subject: 数控车床 → 数控车床 CK6150",
            "\(c[3].prefix(12)) 2026-03-05 李娜 (salesHead, 华东办事处) paymentMethod: 电汇 → 银行承兑汇票",
            "\(c[4].prefix(12)) 2026-03-05 张伟 (salesRep, 华东办事处) Change line item L1",
            "\(c[5].prefix(12)) 2026-03-09 李娜 (salesHead, 华东办事处) deliveryDeadline: 2026-06-30 → 2026-07-15",
        ]
        func log(_ extra: String..., sourceLocation: SourceLocation = #_sourceLocation) -> [String] {
            Self.lines(r.ok("salesRep", ["log", n, "--oneline"] + extra, sourceLocation: sourceLocation))
        }
        #expect(log() == [line[5], line[4], line[3], line[2], line[1]])
        #expect(log("--since", "2026-03-05") == [line[5], line[4], line[3]])
        #expect(log("--until", "2026-03-02") == [line[2], line[1]])
        #expect(log("--since", "2026-03-02", "--until", "2026-03-05") == [line[4], line[3], line[2]])
        #expect(log("--since", "2026-03-05", "--until", "2026-03-05") == [line[4], line[3]])
        #expect(log("--since", "2026-03-03", "--until", "2026-03-04") == [])
        #expect(log("--since", "2026-03-10") == [])
        #expect(log("--author", "李娜") == [line[5], line[3]])
        #expect(log("--author", "SALESREP@example") == [line[4], line[2], line[1]], "author matches the email, ignoring case")
        #expect(log("--author", "李娜", "--until", "2026-03-08") == [line[3]])
        #expect(log("--author", "nobody") == [])
        #expect(log("--field", "paymentMethod") == [line[3], line[1]])
        #expect(log("--field", "paymentMethod", "--author", "张伟") == [line[1]])
        #expect(log("--field", "lineItems[L1].quantity") == [line[4], line[1]])
        #expect(log("--field", "lineItems") == [line[4], line[1]])
        #expect(log("--field", "subject", "--since", "2026-03-02") == [line[2]])
        #expect(log("--field", "totalAmount", "--since", "2026-03-02") == [])
        #expect(log("-n", "2") == [line[5], line[4]])
        #expect(log("--author", "张伟", "-n", "2") == [line[4], line[2]], "-n counts shown commits, after filtering")

        // The full format of one commit: the Date line is git's own rendering of the same commit.
        let gitDate = r.git("log", "-1", "--format=%ad", c[5]).trimmed
        #expect(r.ok("salesRep", "log", n, "--since", "2026-03-06") == """
            commit \(c[5])
            Author: 李娜 <salesHead@example.cn> (salesHead, 华东办事处)
            Date:   \(gitDate)

                deliveryDeadline: 2026-06-30 → 2026-07-15
                \("")
                Accord-Role: salesHead
                Accord-Office: 华东办事处
                Accord-Replica: \(r.replicaID)
            """)
        #expect(gitDate == "Mon Mar 9 10:00:00 2026 +0800")

        // --json carries the same selection, with the author's date as ISO 8601.
        let js = r.logJSON([n, "--author", "李娜"])
        #expect(js.compactMap { $0["id"] as? String } == [c[5], c[3]])
        #expect(js.compactMap { ($0["author"] as? [String: Any])?["date"] as? String } == ["2026-03-09T10:00:00+08:00", "2026-03-05T09:00:00+08:00"])
        #expect(js.compactMap { ($0["author"] as? [String: Any])?["name"] as? String } == ["李娜", "李娜"])

        // git agrees on the author filter and on the date window (as absolute times in UTC+8).
        #expect(r.git("log", "--format=%H", "--author=李娜", "refs/contracts/\(n)").lines == [c[5], c[3]])
        let from = beijingTime(2026, 3, 2, 0).split(separator: " ")[0], to = beijingTime(2026, 3, 6, 0).split(separator: " ")[0]
        let window = r.git("log", "--format=%H", "--since=@\(from)", "--until=@\(Int(to)! - 1)", "refs/contracts/\(n)").lines
        #expect(r.logJSON([n, "--since", "2026-03-02", "--until", "2026-03-05"]).compactMap { $0["id"] as? String } == window)
        #expect(window == [c[4], c[3], c[2]])

        // Bad dates are usage errors (exit 64), not empty results.
        for bad in ["2026-02-30", "2026-3-5", "yesterday"] {
            let res = r.run("salesRep", ["log", n, "--since", bad])
            #expect(res.status == 64 && res.err.contains("'\(bad)' is not a date: write YYYY-MM-DD"), "\(bad): \(res.status) \(res.err)")
            #expect(res.stdout.isEmpty)
        }
    }

    // MARK: tag

    @Test func tagNamesAVersionThatShowAndGitCanUse() {
        let r = ContractRepo()
        let n = "HT-TAG"
        r.ok("salesRep", salesContractArgs(n))
        let v1 = r.commits(n)[0]
        r.ok("salesRep", "set", n, "subject=数控车床 CK6150")
        r.ok("salesRep", "submit", n)
        let head = r.commits(n)[0]

        #expect(r.ok("salesRep", "tag", n, "draft-v1", v1, "-m", "初稿,送审前") == "")
        #expect(r.ok("salesRep", "tag", n, "submitted") == "")
        #expect(r.ok("salesRep", "tag", n) == "draft-v1 \(v1.prefix(12))\nsubmitted \(head.prefix(12))")

        // git sees two annotated tags pointing at the right commits.
        #expect(r.git("tag", "-l").lines == ["\(n)/draft-v1", "\(n)/submitted"])
        #expect(r.git("cat-file", "-t", "refs/tags/\(n)/draft-v1").trimmed == "tag")
        #expect(r.git("rev-parse", "refs/tags/\(n)/draft-v1^{commit}").trimmed == v1)
        #expect(r.git("rev-parse", "refs/tags/\(n)/submitted^{commit}").trimmed == head)
        let body = r.git("cat-file", "tag", "refs/tags/\(n)/draft-v1").out
        #expect(body.hasPrefix("object \(v1)\ntype commit\ntag \(n)/draft-v1\ntagger 张伟 <salesRep@example.cn> "), "\(body)")
        #expect(body.hasSuffix(" +0800\n\n初稿,送审前\n"), "\(body)")
        #expect(r.git("cat-file", "tag", "refs/tags/\(n)/submitted").out.hasSuffix("\n\n\(n) submitted\n"), "default tag message")

        // show/diff/blame --at a tag read that version.
        let old = r.showJSON(n, at: "\(n)/draft-v1")
        #expect(old["commit"] as? String == v1)
        #expect((old["contract"] as? [String: Any])?["subject"] as? String == "数控车床")
        #expect((old["contract"] as? [String: Any])?["status"] as? String == "draft")
        #expect(r.showJSON(n, at: "refs/tags/\(n)/draft-v1")["commit"] as? String == v1)
        #expect(Self.lines(r.ok("salesRep", "diff", n, "\(n)/draft-v1")).sorted() == ["status: draft → initialReview", "subject: 数控车床 → 数控车床 CK6150"])
        let blame = parseJSON(r.run("salesRep", ["blame", n, "--json", "--at", "\(n)/draft-v1"])) as? [[String: Any]] ?? []
        #expect(!blame.isEmpty && blame.allSatisfy { $0["commit"] as? String == v1 })

        // A tag name is taken once: the second is refused and the first keeps its target.
        let refs = r.refs()
        let dup = r.run("salesRep", ["tag", n, "draft-v1"])
        expectRefused(dup, "duplicate tag", mentions: ["refs/tags/\(n)/draft-v1"])
        #expect(r.refs() == refs)
        #expect(r.git("rev-parse", "refs/tags/\(n)/draft-v1^{commit}").trimmed == v1)
        expectRefused(r.run("salesRep", ["tag", n, "bad name"]), "tag name with a space", mentions: ["not a valid ref name"])
        expectRefused(r.run("salesRep", ["tag", n, "x", "NO-SUCH-REV"]), "tag of an unknown revision", mentions: ["NO-SUCH-REV"])
        expectRefused(r.run("salesRep", ["tag", "HT-NONE", "x"]), "tag of an unknown contract", mentions: ["HT-NONE"])
        #expect(r.refs() == refs)
        r.fsckClean()
    }

    @Test func refusedDuplicateTagWritesNoObject() {
        let r = ContractRepo()
        r.ok("salesRep", "new", "HT-TAG2", "--type", "sales")
        r.ok("salesRep", "tag", "HT-TAG2", "v1")
        r.ok("salesRep", "set", "HT-TAG2", "subject=x")
        let objects = r.objectCount()
        expectRefused(r.run("salesRep", ["tag", "HT-TAG2", "v1"]), "duplicate tag", mentions: ["v1"])
        #expect(r.objectCount() == objects, "a refused tag writes nothing")
        #expect(r.git("fsck", "--no-progress").out.contains("dangling tag") == false)
    }

    @Test func versionsOfAnotherContractAreNotThisContractsVersions() {
        let r = ContractRepo()
        r.ok("salesRep", "new", "HT-A", "--type", "sales", "subject=甲")
        r.ok("salesRep", "new", "HT-B", "--type", "sales", "subject=乙")
        let b = r.commits("HT-B")[0]
        let refs = r.refs()
        expectRefused(r.run("salesRep", ["show", "HT-A", "--at", b]), "show HT-A at a commit of HT-B", mentions: ["HT-A"])
        expectRefused(r.run("salesRep", ["tag", "HT-A", "from-b", b]), "tag HT-B's commit as HT-A's", mentions: ["HT-A"])
        #expect(r.refs() == refs)
        // revert too: a commit of another contract is refused.
        expectRefused(r.run("salesRep", ["revert", "HT-A", b]), "revert HT-B's commit in HT-A", mentions: ["HT-B", "not of HT-A"])
    }

    // MARK: revert

    @Test func revertRestoresTheFieldsOneCommitChanged() throws {
        let r = ContractRepo()
        let n = "HT-REV"
        r.ok("salesRep", salesContractArgs(n))
        let c0 = r.commits(n)[0]
        r.ok("salesRep", "set", n, "paymentMethod=银行承兑汇票", "deliveryDeadline=2026-07-15")
        let cA = r.commits(n)[0]
        r.ok("salesHead", "set", n, "subject=数控车床 CK6150")
        let cB = r.commits(n)[0]
        let summaryA = r.git("log", "-1", "--format=%s", cA).trimmed
        #expect(summaryA == "Change deliveryDeadline, paymentMethod")

        let out = r.ok("legal", "revert", n, cA)
        let cR = r.commits(n)[0]
        let title = "Revert \"\(summaryA)\" (\(cA.prefix(12)))"
        #expect(out == "\(n) \(cR.prefix(12)) \(title)")
        #expect(r.commits(n) == [cR, cB, cA, c0], "one new commit on top")
        let c = r.contract(n)
        #expect(c["paymentMethod"] as? String == "电汇" && c["deliveryDeadline"] as? String == "2026-06-30")
        #expect(c["subject"] as? String == "数控车床 CK6150", "a later change to another field is kept")
        // Everything else is as it was before cA.
        var now = c, before = (r.showJSON(n, at: c0)["contract"] as? [String: Any]) ?? [:]
        now["subject"] = nil; before["subject"] = nil
        #expect(jsonText(now) == jsonText(before))

        // The commit names the reverted commit, who reverted, and lists the changes.
        let entry = try #require(r.logJSON([n, "-n", "1"]).first)
        let message = entry["message"] as? String ?? ""
        #expect(message.hasPrefix(title + "\n\n"))
        #expect(message.contains("\(cA.prefix(12))"))
        #expect(message.contains("deliveryDeadline: 2026-07-15 → 2026-06-30\npaymentMethod: 银行承兑汇票 → 电汇\n"))
        #expect((entry["trailers"] as? [String: String])?["Accord-Role"] == "legal")
        #expect((entry["author"] as? [String: Any])?["name"] as? String == "陈静")

        // diff shows exactly the undone fields, as plain text and as JSON.
        #expect(r.ok("salesRep", "diff", n) == "deliveryDeadline: 2026-07-15 → 2026-06-30\npaymentMethod: 银行承兑汇票 → 电汇")
        let dj = parseJSON(r.run("salesRep", ["diff", n, "--json"])) as? [[String: Any]] ?? []
        #expect(dj.count == 2)
        #expect(dj.first?["path"] as? String == "deliveryDeadline" && dj.first?["old"] as? String == "2026-07-15" && dj.first?["new"] as? String == "2026-06-30" && dj.first?["kind"] as? String == "changed")
        #expect(r.ok("salesRep", "diff", n, c0, cR) == "subject: 数控车床 → 数控车床 CK6150")

        // Reverting the revert brings cA's values back.
        r.ok("salesRep", "revert", n, cR)
        #expect(r.contract(n)["paymentMethod"] as? String == "银行承兑汇票")
        #expect(r.contract(n)["deliveryDeadline"] as? String == "2026-07-15")

        // A line item change reverts, derived amount included.
        r.ok("salesRep", "item", "set", n, "L2", "quantity=12")
        let cI = r.commits(n)[0]
        r.ok("salesRep", "revert", n, cI)
        #expect(Self.lines(r.ok("salesRep", "diff", n)) == ["lineItems[L2].lineAmount: 14400.00 → 12000.00", "lineItems[L2].quantity: 12 → 10"])

        // Refusals: nothing is written.
        let refs = r.refs()
        // cR set deliveryDeadline to 2026-06-30 (and paymentMethod to 电汇); both are back to cA's values now.
        expectRefused(r.run("salesRep", ["revert", n, cR]), "revert a commit whose fields changed since", mentions: ["deliveryDeadline", "has changed since", "set it by hand"])
        expectRefused(r.run("salesRep", ["revert", n, c0]), "revert the creation", mentions: ["created \(n)", "accord cancel"])
        expectRefused(r.run("salesRep", ["revert", n, "NO-SUCH-REV"]), "revert an unknown revision", mentions: ["NO-SUCH-REV"])
        #expect(r.refs() == refs)
        r.ok("salesRep", "submit", n)
        let afterSubmit = r.refs()
        expectRefused(r.run("salesRep", ["revert", n, r.commits(n)[0]]), "revert a status change", mentions: ["changed the status"])
        #expect(r.refs() == afterSubmit)
        r.fsckClean()
    }

    // MARK: item add|set|remove

    @Test func itemAddSetRemoveOnADraft() throws {
        let r = ContractRepo()
        let n = "HT-ITEM"
        r.ok("salesRep", "new", n, "--type", "sales", "subject=机床配件")

        #expect(r.ok("salesRep", "item", "add", n, "L1", "name=数控车床", "quantity=3", "unit=台", "unitPrice=1000.50")
                == "\(n) \(r.commits(n)[0].prefix(12)) Add line item L1")
        #expect(r.ok("salesRep", "diff", n) == """
            + lineItems[L1].id: L1
            + lineItems[L1].lineAmount: 3001.50
            + lineItems[L1].name: 数控车床
            + lineItems[L1].quantity: 3
            + lineItems[L1].unit: 台
            + lineItems[L1].unitPrice: 1000.50
            """)
        let dj = parseJSON(r.run("salesRep", ["diff", n, "--json"])) as? [[String: Any]] ?? []
        #expect(dj.count == 6 && dj.allSatisfy { $0["kind"] as? String == "added" && $0["old"] == nil })

        // 2.5 × 0.33 = 0.825 rounds half-up to 0.83 (banker's rounding would give 0.82).
        r.ok("salesRep", "item", "add", n, "L2", "name=刀架", "quantity=2.5", "unitPrice=0.33")
        r.ok("salesRep", "item", "set", n, "L1", "quantity=4", "spec=CK6150")
        #expect(r.ok("salesRep", "diff", n) == """
            lineItems[L1].lineAmount: 3001.50 → 4002.00
            lineItems[L1].quantity: 3 → 4
            + lineItems[L1].spec: CK6150
            """)
        let show = Self.lines(r.ok("salesRep", "show", n))
        #expect(show.contains("    L1     数控车床 CK6150  4 台 × 1000.50 = 4002.00"), "\(show)")
        #expect(show.contains("    L2     刀架   2.5  × 0.33 = 0.83"), "\(show)")
        var items = r.contract(n)["lineItems"] as? [[String: Any]] ?? []
        #expect(items.map { $0["lineAmount"] as? String } == ["4002.00", "0.83"])

        r.ok("salesRep", "item", "remove", n, "L2")
        #expect(r.ok("salesRep", "diff", n) == """
            - lineItems[L2].id: L2
            - lineItems[L2].lineAmount: 0.83
            - lineItems[L2].name: 刀架
            - lineItems[L2].quantity: 2.5
            - lineItems[L2].unitPrice: 0.33
            """)
        items = r.contract(n)["lineItems"] as? [[String: Any]] ?? []
        #expect(items.count == 1)
        #expect(jsonText(items.first) == jsonText([
            "id": "L1", "name": "数控车床", "spec": "CK6150", "quantity": "4", "unit": "台", "unitPrice": "1000.50", "lineAmount": "4002.00",
        ]))
        #expect(r.contract(n)["totalAmount"] as? String == "0.00", "the total is a term of the contract, not derived from the items")
        // Five commits; --field finds the ones that touched an item.
        #expect(r.commits(n).count == 5)
        #expect(Self.lines(r.ok("salesRep", "log", n, "--oneline", "--field", "lineItems[L2]")).count == 2)
        #expect(Self.lines(r.ok("salesRep", "log", n, "--oneline", "--field", "lineItems[L1].quantity")).count == 2)

        // Refused: nothing written.
        let refs = r.refs()
        expectRefused(r.run("salesRep", ["item", "add", n, "L1", "name=x", "quantity=1", "unitPrice=1.00"]), "add an existing id", mentions: ["lineItems[L1]", "already exists"])
        expectRefused(r.run("salesRep", ["item", "set", n, "L9", "quantity=1"]), "set a missing item", mentions: ["lineItems[L9]", "no such line item"])
        expectRefused(r.run("salesRep", ["item", "remove", n, "L2"]), "remove a removed item", mentions: ["lineItems[L2]", "no such line item"])
        expectRefused(r.run("salesRep", ["item", "set", n, "L1", "quantity=0"]), "zero quantity", mentions: ["lineItems[0].quantity", "invariant 3"])
        expectRefused(r.run("salesRep", ["item", "set", n, "L1", "unitPrice=0.005"]), "sub-cent price", mentions: ["lineItems[0].unitPrice"])
        expectRefused(r.run("salesRep", ["item", "set", n, "L1", "colour=red"]), "unknown item field", mentions: ["colour"])
        let usage = r.run("salesRep", ["item", "move", n, "L1"])
        #expect(usage.status == 64 && usage.err.contains("the verb is add, set or remove, not 'move'"))
        #expect(r.run("salesRep", ["item", "remove", n, "L1", "quantity=1"]).status == 64)
        #expect(r.refs() == refs)

        // Once submitted the items must add up to the total (invariant 2); with it set they do.
        r.ok("salesRep", "set", n, "totalAmount=4002.00")
        #expect(r.contract(n)["totalAmount"] as? String == "4002.00")
        r.fsckClean()
    }
}
