import Foundation
import Testing

extension HeadOffice {
@Suite struct ShowAllTests {
    /// Every leaf of a JSON value that is text or a number, as the one-line text `show` prints.
    static func leaves(_ v: Any, skipping: Set<String> = []) -> [String] {
        if let o = v as? [String: Any] { return o.filter { !skipping.contains($0.key) }.flatMap { leaves($0.value) } }
        if let a = v as? [Any] { return a.flatMap { leaves($0) } }
        if let s = v as? String { return [s.replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\t", with: "\\t")] }
        return []
    }

    /// `show` prints every field of every fixture contract, and every field of every record with
    /// its author and role; money with two decimals.
    @Test func showPrintsEveryFieldAndRecord() {
        let r = ImportedFixtures.repo
        for (number, _, entry) in ImportedFixtures.entries {
            let out = r.ok("salesRep", "show", number)
            let contract = entry["contract"] as? [String: Any] ?? [:]
            for leaf in Self.leaves(contract) where !leaf.isEmpty {
                #expect(out.contains(leaf), "\(number): '\(leaf)' not shown")
            }
            for rec in entry["records"] as? [[String: Any]] ?? [] {
                for key in ["id", "author", "role", "filedDate", "createdAt"] {
                    #expect(out.contains(rec[key] as? String ?? "∅"), "\(number): record \(rec["id"] ?? "") \(key) not shown")
                }
                for leaf in Self.leaves(rec, skipping: ["kind", "replica"]) where !leaf.isEmpty {
                    #expect(out.contains(leaf), "\(number): record \(rec["kind"] ?? "") field '\(leaf)' not shown")
                }
            }
        }
        // Record money with two decimals, not "amount=19560".
        let shown = r.ok("salesRep", "show", "HT-2026-009")
        #expect(shown.contains("amount: 19560.00"))
        // A leader decision's text is shown in full.
        #expect(r.ok("salesRep", "show", "HT-2026-010").contains("text: 同意减免安装费,厂家须 5 月 15 日前发货。"))
    }

    /// A superseded record is marked as such, in the text and in --json.
    @Test func supersededRecordsAreMarked() {
        let r = ContractRepo()
        r.ok("salesRep", salesContractArgs("S-1"))
        r.ok("salesRep", "record", "S-1", "complaint", "date=2026-02-01", "content=划伤")
        let first = r.records("S-1").first?["id"] as? String ?? "?"
        r.ok("salesRep", "record", "S-1", "complaint", "date=2026-02-01", "content=划伤两处", "--supersedes", first)
        let second = r.records("S-1").compactMap { $0["id"] as? String }.first { $0 != first } ?? "?"
        let lines = r.ok("salesRep", "show", "S-1").components(separatedBy: "\n")
        #expect(lines.contains { $0.contains(first) && $0.contains("superseded by \(second.prefix(8))") })
        #expect(!lines.contains { $0.contains(second) && $0.contains("superseded by") })
        #expect(lines.contains { $0.contains("supersedes \(first)") })
        let json = r.showJSON("S-1")
        #expect((json["superseded"] as? [String: String]) == [first: second])
    }
}
}
