import Foundation
import Testing

/// Templates (issue 14 item 6): published by an administrator as part of the organisation's
/// signed versions, received by every clone, used by `new --template` (which records the id and
/// version), versioned, and refused when they could never start a contract.
@Suite(.timeLimit(.minutes(5))) struct TemplateCLITests {
    static let templateYAML = """
        seller:
          name: 上海精工机械有限公司
          address: 上海市浦东新区张江路 88 号
          phone: 021-5080-1234
        currency: CNY
        paymentMethod: 银行转账 (电汇)
        breachLiability: 逾期交货每日按合同金额 0.05% 支付违约金,累计不超过 5%。
        disputeResolution:
          method: arbitration
          venue: 上海国际仲裁中心
        paymentMilestones:
          - id: M1
            kind: advance
            percent: "30"
          - id: M2
            kind: balance
            percent: "70"
        """

    @Test(.enabled(if: TrustCLITests.available)) func publishedSignedReceivedAndUsed() throws {
        let s = Sandbox()
        for id in ["admin", "rep"] {
            _ = CLI.run(SigningCLITests.sshKeygen, ["-q", "-t", "ed25519", "-N", "", "-f", "\(s.root)/\(id)"], cwd: s.root, env: s.env())
        }
        func as_(_ id: String, _ name: String, _ email: String) -> [String: String] {
            ["ACCORD_AUTHOR_NAME": name, "ACCORD_AUTHOR_EMAIL": email, "ACCORD_COMMITTER_NAME": name,
             "ACCORD_COMMITTER_EMAIL": email, "ACCORD_SIGNING_KEY": "\(s.root)/\(id)"]
        }
        let admin = as_("admin", "孙丽", "sun.li@example.cn"), rep = as_("rep", "张伟", "zhang.wei@example.cn")
        s.ok("init", "-q", "hq")
        let hq = "\(s.root)/hq"
        s.ok("org", "init", "--name", "示例", "--role", "contractAdmin", "--office", "合同管理部门", cwd: hq, env: admin)
        s.ok("org", "person", "add", "zhang.wei@example.cn", "--name", "张伟", "--key", "\(s.root)/rep.pub",
             "--role", "salesRep", "--office", "华东办事处", cwd: hq, env: admin)

        // No templates yet: an empty list, and a clear refusal to use one.
        #expect(s.ok("template", "list", cwd: hq, env: admin).isEmpty)
        let none = s.accord("new", "HT-T0", "--type", "sales", "--template", "001", cwd: hq, env: rep)
        #expect(none.status != 0 && none.err.contains("no template '001'"), "\(none.err)")

        let file = s.dir.write("sales-template.yaml", Self.templateYAML)
        let orgBefore = s.gitOK("--git-dir=\(hq)/.accord", "rev-parse", "refs/accord/organisation")
        // A rep may not publish one (the organisation's data): refused, nothing changed.
        let byRep = s.accord("template", "add", "001", "--name", "标准销售合同", "--file", file, cwd: hq, env: rep)
        #expect(byRep.status != 0 && byRep.err.contains("not by an active administrator"), "\(byRep.err)")
        #expect(s.gitOK("--git-dir=\(hq)/.accord", "rev-parse", "refs/accord/organisation") == orgBefore)

        // Bad templates are refused when published, naming the field.
        for (args, reason) in [(["number=HT-1"], "number: belongs to one contract"), (["nosuch=1"], "nosuch: unknown field"),
                               (["disputeResolution.method=fistfight"], "disputeResolution.method")] {
            let r = s.accord(["template", "add", "009", "--name", "bad"] + args, cwd: hq, input: [], env: admin)
            #expect(r.status != 0 && r.err.contains(reason), "\(args): \(r.err)")
        }
        let noName = s.accord("template", "add", "009", "--file", file, cwd: hq, env: admin)
        #expect(noName.status != 0 && noName.err.contains("--name"), "\(noName.err)")
        #expect(s.gitOK("--git-dir=\(hq)/.accord", "rev-parse", "refs/accord/organisation") == orgBefore)

        #expect(s.ok("template", "add", "001", "--name", "标准销售合同", "--file", file, cwd: hq, env: admin) == "001 1")
        // Stock git sees it in the signed organisation version, and verifies the signature.
        let orgJSON = s.gitOK("--git-dir=\(hq)/.accord", "show", "refs/accord/organisation:organisation.json")
        #expect(orgJSON.contains("\"templates\"") && orgJSON.contains("标准销售合同"))
        let signers = s.dir.write("allowed", s.ok("org", "allowed-signers", cwd: hq, env: admin) + "\n")
        s.gitOK("--git-dir=\(hq)/.accord", "-c", "gpg.ssh.allowedSignersFile=\(signers)", "verify-commit", "refs/accord/organisation")
        // The same again publishes nothing.
        let again = s.accord("template", "add", "001", "--name", "标准销售合同", "--file", file, cwd: hq, env: admin)
        #expect(again.status == 0 && again.err.contains("unchanged"), "\(again.err)")
        #expect(s.ok("template", "list", cwd: hq, env: rep) == "ID   VERSION  NAME\n001  1        标准销售合同")

        // A rep's clone receives it, and starts a contract from it: the template's fields, the
        // rep's own over them, and the template's id and version recorded.
        s.ok("clone", "-q", hq, "east", env: rep)
        let east = "\(s.root)/east"
        #expect(s.ok("template", "list", "--json", cwd: east, env: rep) == #"[{"id":"001","version":1,"name":"标准销售合同"}]"#)
        s.ok("new", "HT-T1", "--type", "sales", "--template", "001", "subject=钢丝绳", "buyer.name=华东机械有限公司",
             "seller.phone=021-5080-9999", cwd: east, env: rep)
        let shown = s.ok("show", "HT-T1", "--json", cwd: east, env: rep)
        let c = try #require(try JSONSerialization.jsonObject(with: Data(shown.utf8)) as? [String: Any])
        let contract = (c["contract"] as? [String: Any]) ?? c
        let seller = contract["seller"] as? [String: Any]
        #expect(seller?["name"] as? String == "上海精工机械有限公司" && seller?["phone"] as? String == "021-5080-9999")
        #expect(contract["breachLiability"] as? String == "逾期交货每日按合同金额 0.05% 支付违约金,累计不超过 5%。")
        #expect((contract["paymentMilestones"] as? [Any])?.count == 2)
        #expect((contract["template"] as? [String: String]) == ["id": "001", "version": "1"])
        #expect(contract["owner"] as? String == "张伟" && contract["office"] as? String == "华东办事处")
        // Milestones given as percents get their share of the total, summing exactly to it.
        s.ok("new", "HT-T3", "--type", "sales", "--template", "001", "totalAmount=100000.01", cwd: east, env: rep)
        let t3 = try #require(try JSONSerialization.jsonObject(with: Data(s.ok("show", "HT-T3", "--json", cwd: east, env: rep).utf8)) as? [String: Any])
        let ms = (((t3["contract"] as? [String: Any]) ?? t3)["paymentMilestones"] as? [[String: Any]]) ?? []
        #expect(ms.map { $0["amount"] as? String ?? "" } == ["30000.00", "70000.01"], "\(ms)")

        // A second version: the next number; the first is still there, as the contract names it.
        #expect(s.ok("template", "add", "001", "breachLiability=逾期交货每日按合同金额 0.1% 支付违约金。", cwd: hq, env: admin) == "001 2")
        #expect(s.ok("template", "show", "001", cwd: hq, env: admin).contains("0.1% 支付违约金"))
        let v1 = s.ok("template", "show", "001", "--version", "1", cwd: hq, env: admin)
        #expect(v1.hasPrefix("template 001 version 1: 标准销售合同") && v1.contains("0.05% 支付违约金"))
        let v1json = try #require(try JSONSerialization.jsonObject(with: Data(s.ok("template", "show", "001", "--version", "1", "--json", cwd: hq, env: admin).utf8)) as? [String: Any])
        #expect(v1json["version"] as? Int == 1 && (v1json["document"] as? [String: Any])?["currency"] as? String == "CNY")
        let v3 = s.accord("template", "show", "001", "--version", "3", cwd: hq, env: admin)
        #expect(v3.status != 0 && v3.err.contains("versions 1 to 2"), "\(v3.err)")
        // The rep pulls the new version and the next contract records it.
        s.ok("pull", "-q", cwd: east, env: rep)
        s.ok("new", "HT-T2", "--type", "sales", "--template", "001", "subject=钢丝绳", cwd: east, env: rep)
        #expect(s.ok("show", "HT-T2", cwd: east, env: rep).contains("001 version 2"))
        #expect(s.ok("search", "0.1% 支付违约金", cwd: east, env: rep).hasPrefix("HT-T2  breachLiability"))
        s.gitOK("--git-dir=\(east)/.accord", "fsck", "--strict")

        // Withdrawn: only by an administrator; then no new contract starts from it, its versions
        // are still printed, the contracts made from it still verify, and publishing the id again
        // continues its numbers (a recorded id and version names one document for good).
        let removeByRep = s.accord("template", "remove", "001", cwd: east, env: rep)
        #expect(removeByRep.status != 0 && removeByRep.err.contains("not by an active administrator"), "\(removeByRep.err)")
        let missing = s.accord("template", "remove", "002", cwd: hq, env: admin)
        #expect(missing.status != 0 && missing.err.contains("no template '002'; there are: 001"), "\(missing.err)")
        s.ok("template", "remove", "001", cwd: hq, env: admin)
        #expect(s.ok("template", "list", cwd: hq, env: admin).isEmpty)
        s.ok("pull", "-q", cwd: east, env: rep)
        let gone = s.accord("new", "HT-T4", "--type", "sales", "--template", "001", cwd: east, env: rep)
        #expect(gone.status != 0 && gone.err.contains("removed after version 2"), "\(gone.err)")
        #expect(s.ok("template", "show", "001", "--version", "1", cwd: east, env: rep).contains("0.05% 支付违约金"))
        #expect(s.ok("show", "HT-T2", cwd: east, env: rep).contains("001 version 2"))
        s.ok("clone", "-q", east, "east2", env: rep) // every commit checked again by the receiver
        #expect(s.ok("show", "HT-T2", cwd: "\(s.root)/east2", env: rep).contains("001 version 2"))
        #expect(s.ok("template", "add", "001", "--name", "标准销售合同", "--file", file, cwd: hq, env: admin) == "001 3")
        s.gitOK("--git-dir=\(hq)/.accord", "-c", "gpg.ssh.allowedSignersFile=\(signers)", "verify-commit", "refs/accord/organisation")
    }
}
