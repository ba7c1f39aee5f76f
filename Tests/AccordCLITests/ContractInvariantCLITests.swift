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
        expectRefused(r.run("salesRep", ["new", "HT-R-1", "--type", "service", "signKind=renewal", "status=initialReview"]), "renewal without renews", mentions: ["status"])
        let f = r.s.dir.write("renew.json", #"{"number": "HT-R-2", "type": "service", "signKind": "renewal"}"#)
        expectRefused(r.run("salesRep", ["import", f]), "renewal without renews", mentions: ["renews", "invariant 14"])
        #expect(r.refs() == refs)
        let g = r.s.dir.write("renew2.json", #"{"number": "HT-R-3", "type": "service", "signKind": "renewal", "renews": "NO-SUCH-CONTRACT"}"#)
        let res = r.run("salesRep", ["import", g])
        #expect(res.status == 128 && res.err.contains("invariant 14"), "renews a contract that does not exist: \(res.err)")
        #expect(r.refs() == refs)
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
