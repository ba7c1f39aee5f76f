import Foundation
import Testing

/// Invariants that need the store (uniqueness, references to other contracts) or the whole CLI.
@Suite struct ContractInvariantCLITests {
    @Test func invariant01_numberIsUnique() {
        let r = ContractRepo()
        r.ok("salesRep", "new", "HT-U-1", "--type", "sales")
        let refs = r.refs()
        expectRefused(r.run("salesRep", ["new", "HT-U-1", "--type", "service"]), "second new", mentions: ["HT-U-1", "already exists"])
        let f = r.s.dir.write("dup.json", #"{"number": "HT-U-1", "type": "sales"}"#)
        expectRefused(r.run("salesRep", ["import", f]), "import duplicate", mentions: ["number", "invariant 1"])
        #expect(r.refs() == refs)
        r.ok("salesRep", "new", "HT-U-2", "--type", "sales")
    }

    @Test func invariant13_recordsCannotBeRevertedOrRemoved() {
        let r = ContractRepo()
        r.ok("contractAdmin", "import", ContractRepo.fixtureFiles[1])
        r.ok("salesRep", "record", "HT-2026-009", "delivery", "lineItem=L1", "date=2026-05-01", "quantity=1")
        let head = r.commits("HT-2026-009").first ?? "?"
        expectRefused(r.run("salesRep", ["revert", "HT-2026-009", head]), "revert a record", mentions: ["records are never removed"])
        #expect(r.commits("HT-2026-009").first == head)
    }

    @Test func invariant14_renewalMustReferenceAnExistingContract() {
        let r = ContractRepo()
        let refs = r.refs()
        // The renewal rule itself, not the generic "a new contract starts as draft" refusal.
        let bare = r.run("salesRep", ["new", "HT-R-1", "--type", "service", "signKind=renewal"])
        expectRefused(bare, "renewal without renews", mentions: ["renews", "invariant 14"])
        #expect(bare.err == "fatal: renews: a renewal must name the contract it renews [invariant 14]\n")
        let missing = r.run("salesRep", ["new", "HT-R-1", "--type", "service", "signKind=renewal", "renews=NO-SUCH-CONTRACT"])
        #expect(missing.status == 128)
        #expect(missing.err == "fatal: renews: 'NO-SUCH-CONTRACT' is not a contract in this repository [invariant 14]\n")
        let f = r.s.dir.write("renew.json", #"{"number": "HT-R-2", "type": "service", "signKind": "renewal"}"#)
        expectRefused(r.run("salesRep", ["import", f]), "renewal without renews", mentions: ["renews", "invariant 14"])
        #expect(r.refs() == refs)
        let g = r.s.dir.write("renew2.json", #"{"number": "HT-R-3", "type": "service", "signKind": "renewal", "renews": "NO-SUCH-CONTRACT"}"#)
        let res = r.run("salesRep", ["import", g])
        #expect(res.status == 128 && res.err.contains("invariant 14"), "renews a contract that does not exist: \(res.err)")
        #expect(r.refs() == refs)
    }

    /// Invariant 14's warnings (ContractStore.renewalWarnings): a renewal that starts more than a
    /// day after the old contract expires leaves a gap; one that starts on or before it overlaps.
    @Test func invariant14_renewalDatesWarnOnAGapOrAnOverlap() {
        let r = ContractRepo()
        r.ok("salesRep", "new", "HT-OLD", "--type", "service", "expiryDate=2026-06-30")
        func renewal(_ n: String, _ dates: String...) -> RunResult {
            r.run("salesRep", ["new", n, "--type", "service", "signKind=renewal", "renews=HT-OLD"] + dates + ["expiryDate=2027-06-30"])
        }
        // Starting the day after the old one expires: neither gap nor overlap, no warning.
        let adjacent = renewal("HT-R-ADJ", "effectiveDate=2026-07-01")
        #expect(adjacent.status == 0 && adjacent.err == "", "\(adjacent.err)")
        // Warnings never refuse: every renewal below is created.
        let gap = renewal("HT-R-GAP", "effectiveDate=2026-08-01")
        let overlap = renewal("HT-R-OV", "effectiveDate=2026-06-15")
        let sameDay = renewal("HT-R-SAME", "effectiveDate=2026-06-30")
        let bySignDate = renewal("HT-R-SIGN", "signDate=2026-07-03")
        for (res, n) in [(gap, "HT-R-GAP"), (overlap, "HT-R-OV"), (sameDay, "HT-R-SAME"), (bySignDate, "HT-R-SIGN")] {
            #expect(res.status == 0, "\(n): \(res.err)")
            #expect(r.commits(n).count == 1)
        }
        #expect(gap.err == "warning: renewal HT-R-GAP starts 2026-08-01, 31 days after HT-OLD expires (2026-06-30): a gap\n")
        #expect(overlap.err == "warning: renewal HT-R-OV starts 2026-06-15, before HT-OLD expires (2026-06-30): the two overlap\n")
        #expect(sameDay.err == "warning: renewal HT-R-SAME starts 2026-06-30, before HT-OLD expires (2026-06-30): the two overlap\n")
        #expect(bySignDate.err == "warning: renewal HT-R-SIGN starts 2026-07-03, 2 days after HT-OLD expires (2026-06-30): a gap\n")
        // A renewal usually gets its dates later (at signing): the warning is due then.
        r.ok("salesRep", "new", "HT-R-LATE", "--type", "service", "signKind=renewal", "renews=HT-OLD", "expiryDate=2027-06-30")
        let late = r.run("salesRep", ["set", "HT-R-LATE", "effectiveDate=2026-09-01"])
        #expect(late.status == 0)
        #expect(late.err == "warning: renewal HT-R-LATE starts 2026-09-01, 62 days after HT-OLD expires (2026-06-30): a gap\n")
    }

    @Test func invariant08_importedContractsPastSigningNeedWhatSigningNeeds() throws {
        // Importing a contract that is already executing skips the checks a 'sign' commit makes.
        let r = ContractRepo()
        let data = try #require(FileManager.default.contents(atPath: ContractRepo.fixtureFiles[1]))
        let list = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        var entry = try #require(list.first { ($0["contract"] as? [String: Any])?["number"] as? String == "HT-2026-009" })
        var c = entry["contract"] as? [String: Any] ?? [:]
        c["signatory"] = nil
        entry["contract"] = c
        let f = r.s.dir.write("nosig.json", String(decoding: try JSONSerialization.data(withJSONObject: [entry]), as: UTF8.self))
        let res = r.run("contractAdmin", ["import", f])
        #expect(res.status == 128 && res.err.contains("signatory"), "an executing contract without a signatory was imported")
    }
}
