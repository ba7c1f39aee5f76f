import Foundation
import Testing

extension HeadOffice {
@Suite struct MonthlyPerformanceTests {
    let asOf = "2026-12-01"

    /// Form 5 for 华南办事处, May 2026: the delivery, the deviation opened and closed, the monthly record.
    @Test func monthlyOfficeReport() {
        let r = ImportedFixtures.repo
        let rep = ReportJSON(r, ["monthly", "--as-of", asOf, "--month", "2026-05", "--office", "华南办事处"])
        let rows = rep.rows("offices")
        #expect(rows.count == 1)
        let row = rows.first ?? [:]
        #expect(row["month"] as? String == "2026-05" && row["office"] as? String == "华南办事处")
        // From the fixtures: delivery records dated 2026-05 on 华南办事处 contracts, and their value.
        var count = 0, value = Decimal(0)
        for e in ImportedFixtures.entries {
            let c = e.entry["contract"] as? [String: Any] ?? [:]
            guard c["office"] as? String == "华南办事处" else { continue }
            let prices = Dictionary((c["lineItems"] as? [[String: Any]] ?? []).map { ($0["id"] as? String ?? "", FixtureFigures.dec($0["unitPrice"])) }) { a, _ in a }
            for d in e.entry["records"] as? [[String: Any]] ?? [] where d["kind"] as? String == "delivery" && (d["date"] as? String ?? "").hasPrefix("2026-05") {
                count += 1; value += FixtureFigures.dec(d["quantity"]) * (prices[d["lineItem"] as? String ?? ""] ?? 0)
            }
        }
        #expect(row["deliveries"] as? Int == count && count == 1)
        #expect(row["deliveredValue"] as? String == FixtureFigures.money(value))
        #expect(row["deviationsOpened"] as? Int == 1 && row["deviationsClosed"] as? Int == 1)
        #expect(row["monthlyRecords"] as? Int == 1)
        let filed = rep.rows("records")
        #expect(filed.map { $0["number"] as? String } == ["HT-2026-010"])
        #expect(filed.first?["problems"] as? String == "厂家产能不足")
        // March: three 华南 contracts signed, with their total.
        let march = ReportJSON(r, ["monthly", "--as-of", asOf, "--month", "2026-03", "--office", "华南办事处"]).rows("offices").first ?? [:]
        let signed = FixtureFigures.contracts.filter { c in
            c.office == "华南办事处" && ((ImportedFixtures.entries.first { $0.number == c.number }?.entry["contract"] as? [String: Any])?["signDate"] as? String ?? "").hasPrefix("2026-03")
        }
        #expect(march["signed"] as? Int == signed.count)
        #expect(march["signedValue"] as? String == FixtureFigures.money(signed.map(\.total).reduce(0, +)))
        expectRefused(r.run("finance", ["report", "monthly", "--month", "2026-13"]), "bad month", mentions: ["--month"])
    }

    /// Over every month of the fixtures: receipts and their sums per office, month and currency
    /// are exactly the payment receipts dated then; every closed contract is counted once, in
    /// the month it closed (completed, then archived, counts as completed).
    @Test func monthlyReceiptsAndClosings() {
        let r = ImportedFixtures.repo
        let rows = ReportJSON(r, ["monthly", "--as-of", asOf, "--period", "2024-01-01..2026-12-31"]).rows("offices")
        var expected: [String: (count: Int, sum: Decimal)] = [:]
        var statuses: [String: Int] = [:]
        for e in ImportedFixtures.entries {
            let c = e.entry["contract"] as? [String: Any] ?? [:]
            statuses[c["status"] as? String ?? "", default: 0] += 1
            for rec in e.entry["records"] as? [[String: Any]] ?? [] where rec["kind"] as? String == "paymentReceipt" {
                let key = "\(c["office"] as? String ?? "") \((rec["date"] as? String ?? "").prefix(7)) \(c["currency"] as? String ?? "CNY")"
                expected[key, default: (0, 0)].count += 1
                expected[key, default: (0, 0)].sum += FixtureFigures.dec(rec["amount"])
            }
        }
        #expect(!expected.isEmpty)
        var got: [String: (count: Int, sum: String)] = [:]
        for row in rows where (row["receipts"] as? Int ?? 0) > 0 {
            got["\(row["office"] as? String ?? "") \(row["month"] as? String ?? "") \(row["currency"] as? String ?? "")"] = (row["receipts"] as? Int ?? 0, row["received"] as? String ?? "")
        }
        #expect(got.keys.sorted() == expected.keys.sorted())
        for (k, v) in expected { #expect(got[k]?.count == v.count && got[k]?.sum == FixtureFigures.money(v.sum), "\(k)") }
        #expect(rows.map { $0["completed"] as? Int ?? 0 }.reduce(0, +) == (statuses["completed"] ?? 0) + (statuses["archived"] ?? 0))
        #expect(rows.map { $0["terminated"] as? Int ?? 0 }.reduce(0, +) == statuses["terminated"] ?? -1)
    }

    /// Performance: HT-2026-011 delivered all its rope on time and none of its brake pads (75.94%
    /// of value on time), one complaint, nothing paid; the score weighs the parts by the policy.
    @Test func performanceScores() {
        let r = ImportedFixtures.repo
        let rows = ReportJSON(r, ["performance", "--as-of", asOf]).rows()
        let row = rows.first { $0["number"] as? String == "HT-2026-011" } ?? [:]
        let c = FixtureFigures.contract("HT-2026-011")
        #expect(row["delivery"] as? String == c.map(FixtureFigures.deliveredPercent), "everything delivered was on time")
        #expect(row["complaints"] as? Int == 1)
        #expect(row["payment"] as? String == "0.00")
        #expect(row["quality"] is NSNull)
        // (75.94 × 40 + 0 × 20 + (100 − 20) × 10) ÷ 70, the acceptance weight left out (no acceptance yet).
        let d = Decimal(string: row["delivery"] as? String ?? "") ?? 0
        #expect(row["score"] as? String == FixtureFigures.money((d * 40 + 80 * 10) / 70))
        #expect((row["summary"] as? String ?? "").contains("1 complaint"))
        // Drafts and contracts in review are not judged.
        #expect(!rows.contains { $0["number"] as? String == "HT-2026-001" || $0["number"] as? String == "HT-2026-004" })
        // Per office: the mean of the office's contract scores.
        let offices = ReportJSON(r, ["performance", "--as-of", asOf, "--by", "office"]).rows("offices")
        let north = rows.filter { $0["office"] as? String == "North Office" }.compactMap { Decimal(string: $0["score"] as? String ?? "") }
        #expect(offices.first { $0["key"] as? String == "North Office" }?["score"] as? String == FixtureFigures.money(north.reduce(0, +) / Decimal(north.count)))
        // Weights come from the policy; bad ones are refused with the key named.
        let w = ContractRepo()
        #expect(w.git("config", "accord.performance.weights", "delivery=1,speed=2").status == 0)
        expectRefused(w.run("finance", ["report", "performance"]), "bad weights", mentions: ["accord.performance.weights", "speed"])
    }
}
}
