import Foundation
import Testing

/// Small things a daily user trips over (issue "Head office's day", item 7), through the binary.
@Suite struct CLIPolishTests {
    /// A repository with two contracts, HT-1 (three commits) and HT-2 (one).
    func twoContracts() -> ContractRepo {
        let c = ContractRepo()
        c.ok("salesRep", "new", "HT-1", "--type", "sales", "subject=X", "buyer.name=Acme")
        c.ok("salesRep", "set", "HT-1", "subject=Y")
        c.ok("salesRep", "item", "add", "HT-1", "L1", "name=rope", "quantity=2", "unit=m", "unitPrice=3.00")
        c.ok("salesRep", "new", "HT-2", "--type", "sales", "subject=Q", "buyer.name=Beta")
        return c
    }

    @Test func logTakesGitsCountFormsAndNamesEachCommitsContract() {
        let c = twoContracts()
        // -n1 joined, as git accepts it, like -n 1 and --max-count=1.
        for form in [["-n1"], ["-n", "1"], ["--max-count=1"]] {
            let out = c.ok("salesRep", ["log", "--oneline"] + form + ["HT-1"])
            #expect(out.split(separator: "\n").count == 1, "\(form): \(out)")
            #expect(out.hasSuffix("Add line item L1"), "\(form): \(out)")
        }
        // The repository-wide log names each commit's contract; one contract's log need not.
        let all = c.ok("salesRep", "log", "--oneline").split(separator: "\n").map(String.init)
        #expect(all.count == 4)
        #expect(all.filter { $0.contains(" HT-1 ") }.count == 3 && all.filter { $0.contains(" HT-2 ") }.count == 1, "\(all)")
        #expect(all.first?.contains(" HT-2 ") == true) // the newest commit
        let full = c.ok("salesRep", "log", "-n2")
        #expect(full.contains("\nContract: HT-2\n") && full.contains("\nContract: HT-1\n"), "\(full)")
        #expect(!c.ok("salesRep", "log", "HT-1").contains("Contract:"))
        let json = c.ok("salesRep", "log", "--json", "HT-1").split(separator: "\n")
        #expect(json.count == 3 && json.allSatisfy { $0.contains("\"contract\":\"HT-1\"") })
    }

    @Test func logOfAnUnknownContractSaysSo() {
        let c = twoContracts()
        let r = c.run("salesRep", ["log", "HT-404"])
        #expect(r.status == 128)
        #expect(r.err == "fatal: no such contract: HT-404 (see accord list)\n", "\(r.err)")
        // A revision still works where a contract number does not apply.
        #expect(c.ok("salesRep", "log", "--oneline", "refs/contracts/HT-2").split(separator: "\n").count == 1)
    }

    @Test func aRoleIsCheckedWhenSetAndListedWithItsChineseLabel() {
        let c = twoContracts()
        let bad = c.run("salesRep", ["config", "user.role", "boss"])
        #expect(bad.status == 128)
        #expect(bad.err.contains("user.role 'boss' is not a role") && bad.err.contains("salesHead (销售部门负责人)") && bad.err.contains("nothing was changed"), "\(bad.err)")
        #expect(c.run("salesRep", ["config", "user.role"]).status == 1) // still unset
        c.ok("salesRep", "config", "user.role", "legal")
        c.ok("salesRep", "config", "user.role", "销售人员") // a label is a role too
        // An empty ACCORD_ROLE (a script's unset variable) falls back to the config.
        let viaConfig = c.run("salesRep", ["set", "HT-1", "subject=Z"], env: ["ACCORD_ROLE": ""])
        #expect(viaConfig.status == 0, "\(viaConfig.err)")
        #expect(c.ok("salesRep", "log", "-n1", "HT-1").contains("(salesRep, 华东办事处)"))
        let badEnv = c.run("salesRep", ["set", "HT-1", "subject=W"], env: ["ACCORD_ROLE": "boss"])
        #expect(badEnv.status != 0 && badEnv.err.contains("ACCORD_ROLE 'boss' is not a role") && badEnv.err.contains("法务"), "\(badEnv.err)")
    }

    @Test func aDerivedLineAmountIsRefusedByName() {
        let c = twoContracts()
        let before = c.commits("HT-1")
        let r = c.run("salesRep", ["set", "HT-1", "lineItems[L1].lineAmount=5.00"])
        #expect(r.status != 0)
        #expect(r.err.contains("lineItems[L1].lineAmount: is derived (quantity × unitPrice)") && r.err.contains("nothing was changed"), "\(r.err)")
        #expect(c.commits("HT-1") == before)
        let item = c.run("salesRep", ["item", "set", "HT-1", "L1", "lineAmount=5.00"])
        #expect(item.status != 0 && item.err.contains("is derived"), "\(item.err)")
    }

    @Test func aBundleWithNothingNewSaysSoAndSucceeds() {
        let c = twoContracts()
        let file = "\(c.s.root)/daily.bundle"
        let r = c.run("salesRep", ["bundle", "create", file, "--since", "refs/contracts/HT-1", "--since", "refs/contracts/HT-2"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.err == "nothing new since refs/contracts/HT-1, refs/contracts/HT-2: no bundle written\n", "\(r.err)")
        #expect(!FileManager.default.fileExists(atPath: file))
        // With something new, a bundle as before.
        c.ok("salesRep", "set", "HT-2", "subject=R")
        #expect(c.run("salesRep", ["bundle", "create", "-q", file, "--since", "refs/contracts/HT-1", "--since", "refs/contracts/HT-2~1"]).status == 0)
        #expect(FileManager.default.fileExists(atPath: file))
    }
}
