import Foundation
import Testing

/// Figures of the fixture contracts computed here, straight from the fixture files with exact
/// decimals, to check the reports against (never from what accord prints).
enum FixtureFigures {
    struct Contract {
        var number: String, status: String, currency: String, office: String, owner: String
        var total: Decimal
        var lines: [(id: String, quantity: Decimal, unitPrice: Decimal, deadline: String?)]
        var milestones: [(id: String, amount: Decimal, due: String?)]
        var receipts: [(amount: Decimal, milestone: String?)]
        var writeOffs: Decimal
        var delivered: [String: Decimal]
        var expiry: String?
    }

    static func dec(_ v: Any?) -> Decimal { (v as? String).flatMap { Decimal(string: $0) } ?? 0 }

    static let contracts: [Contract] = ImportedFixtures.entries.map { e in
        let c = e.entry["contract"] as? [String: Any] ?? [:]
        let records = e.entry["records"] as? [[String: Any]] ?? []
        let superseded = Set(records.compactMap { $0["supersedes"] as? String })
        let live = records.filter { !superseded.contains($0["id"] as? String ?? "") }
        var delivered: [String: Decimal] = [:]
        for r in live where r["kind"] as? String == "delivery" { delivered[r["lineItem"] as? String ?? "", default: 0] += dec(r["quantity"]) }
        return Contract(
            number: e.number, status: e.status, currency: c["currency"] as? String ?? "CNY", office: c["office"] as? String ?? "",
            owner: c["owner"] as? String ?? "", total: dec(c["totalAmount"]),
            lines: (c["lineItems"] as? [[String: Any]] ?? []).map { ($0["id"] as? String ?? "", dec($0["quantity"]), dec($0["unitPrice"]), ($0["deadline"] as? String) ?? (c["deliveryDeadline"] as? String)) },
            milestones: (c["paymentMilestones"] as? [[String: Any]] ?? []).map { ($0["id"] as? String ?? "", dec($0["amount"]), $0["due"] as? String) },
            receipts: live.filter { $0["kind"] as? String == "paymentReceipt" }.map { (dec($0["amount"]), $0["milestone"] as? String) },
            writeOffs: live.filter { $0["kind"] as? String == "writeOff" }.map { dec($0["amount"]) }.reduce(0, +),
            delivered: delivered, expiry: c["expiryDate"] as? String)
    }

    static func contract(_ n: String) -> Contract? { contracts.first { $0.number == n } }
    static var owing: [Contract] { contracts.filter { $0.status == "signed" || $0.status == "executing" } }

    /// % delivered by value, to 2 decimals (round half up).
    static func deliveredPercent(_ c: Contract) -> String {
        let goods = c.lines.map { $0.quantity * $0.unitPrice }.reduce(0, +)
        let done = c.lines.map { min(c.delivered[$0.id] ?? 0, $0.quantity) * $0.unitPrice }.reduce(0, +)
        return money(done * 100 / goods)
    }

    /// Each milestone past due on `asOf` with what is unpaid (receipts naming it; the others in due order).
    static func overdue(_ c: Contract, asOf: String) -> [(id: String, outstanding: Decimal, due: String)] {
        var paid: [String: Decimal] = [:]
        var pool = c.writeOffs
        for r in c.receipts { if let m = r.milestone { paid[m, default: 0] += r.amount } else { pool += r.amount } }
        for m in c.milestones.sorted(by: { ($0.due ?? "9999") < ($1.due ?? "9999") }) {
            let room = m.amount - (paid[m.id] ?? 0)
            let take = min(room, pool)
            if take > 0 { paid[m.id, default: 0] += take; pool -= take }
        }
        return c.milestones.compactMap { m in
            guard let due = m.due, due < asOf, m.amount - (paid[m.id] ?? 0) > 0 else { return nil }
            return (m.id, m.amount - (paid[m.id] ?? 0), due)
        }
    }

    static func money(_ d: Decimal) -> String {
        var v = d, r = Decimal()
        NSDecimalRound(&r, &v, 2, .plain)
        let f = NumberFormatter()
        f.locale = Locale(identifier: "en_US_POSIX"); f.minimumFractionDigits = 2; f.maximumFractionDigits = 2; f.usesGroupingSeparator = false
        return f.string(from: r as NSDecimalNumber) ?? "\(r)"
    }
}

/// `accord report …` output parsed.
struct ReportJSON {
    let doc: [String: Any]
    init(_ r: ContractRepo, _ args: [String], role: String = "finance", sourceLocation: SourceLocation = #_sourceLocation) {
        let res = r.run(role, ["report"] + args + ["--json"])
        #expect(res.status == 0, "report \(args): \(res.err)", sourceLocation: sourceLocation)
        doc = (try? JSONSerialization.jsonObject(with: Data(res.stdout))) as? [String: Any] ?? [:]
    }
    func section(_ name: String) -> [String: Any] {
        (doc["sections"] as? [[String: Any]] ?? []).first { $0["name"] as? String == name } ?? [:]
    }
    func rows(_ name: String = "contracts") -> [[String: Any]] {
        (section(name)["groups"] as? [[String: Any]] ?? []).flatMap { $0["rows"] as? [[String: Any]] ?? [] }
    }
    /// currency → column → sum; plus "rows" and "conflictedRows".
    func totals(_ name: String = "contracts") -> [String: [String: String]] {
        var out: [String: [String: String]] = [:]
        for t in section(name)["totals"] as? [[String: Any]] ?? [] {
            var sums = t["sums"] as? [String: String] ?? [:]
            sums["rows"] = "\(t["rows"] ?? "")"; sums["conflictedRows"] = "\(t["conflictedRows"] ?? "")"
            out[t["currency"] as? String ?? "?"] = sums
        }
        return out
    }
}

extension HeadOffice {
@Suite struct ReportCLITests {
    let asOf = "2026-12-01"

    /// % delivered is by value: HT-2026-011 delivered all 1,500 m of rope and none of 40 brake
    /// pads (≈75.9%, not 97.40% by adding metres to pieces); HT-2026-012 ≈22.5%.
    @Test func ledgerDeliveredPercentIsByValue() throws {
        let rep = ReportJSON(ImportedFixtures.repo, ["ledger", "--as-of", asOf])
        let rows = rep.rows()
        #expect(rows.count == ImportedFixtures.entries.count)
        for n in ["HT-2026-011", "HT-2026-012", "HT-2026-009", "HT-2025-014"] {
            let c = try #require(FixtureFigures.contract(n))
            let row = rows.first { $0["number"] as? String == n }
            #expect(row?["deliveredPercent"] as? String == FixtureFigures.deliveredPercent(c), "\(n)")
        }
        #expect((rows.first { $0["number"] as? String == "HT-2026-011" }?["deliveredPercent"] as? String)?.hasPrefix("75.9") == true)
        #expect((rows.first { $0["number"] as? String == "HT-2026-012" }?["deliveredPercent"] as? String)?.hasPrefix("22.4") == true)
        // A service contract has no goods lines: no percentage rather than 0.
        #expect(rows.first { $0["number"] as? String == "HT-2026-008" }?["deliveredPercent"] is NSNull)
    }

    /// Receivable only for signed and executing contracts, net of receipts and write-offs, per currency.
    @Test func receivableTotalsPerCurrency() {
        for kind in ["ledger", "receivables"] {
            let rep = ReportJSON(ImportedFixtures.repo, [kind, "--as-of", asOf])
            var expected: [String: Decimal] = [:]
            for c in FixtureFigures.owing { expected[c.currency, default: 0] += c.total - c.receipts.map(\.amount).reduce(0, +) - c.writeOffs }
            let totals = rep.totals()
            #expect(Set(totals.keys) == Set(kind == "ledger" ? FixtureFigures.contracts.map(\.currency) : FixtureFigures.owing.map(\.currency)))
            for (cur, v) in expected { #expect(totals[cur]?["receivable"] == FixtureFigures.money(v), "\(kind) \(cur)") }
            #expect(totals["CNY"]?["receivable"] == "2873037.09", "the issue's figure")
            #expect(totals["USD"]?["receivable"] == "96000.00")
            for row in rep.rows() where !["signed", "executing"].contains(row["status"] as? String ?? "") {
                #expect(row["receivable"] as? String == "0.00", "\(row["number"] ?? "") is \(row["status"] ?? "")")
            }
        }
        let rec = ReportJSON(ImportedFixtures.repo, ["receivables", "--as-of", asOf])
        #expect(Set(rec.rows().compactMap { $0["number"] as? String }) == Set(FixtureFigures.owing.map(\.number)))
        // Not due + overdue = receivable, and the aging buckets add up to overdue, row by row.
        for row in rec.rows() {
            let d = { (k: String) in Decimal(string: row[k] as? String ?? "x") ?? -1 }
            #expect(d("notDue") + d("overdue") == d("receivable"), "\(row["number"] ?? "")")
            #expect(d("aging1to30") + d("aging31to60") + d("aging61to90") + d("agingOver90") == d("overdue"))
        }
    }

    /// Expiring: within 30 days lists PO-2026-022 with its date and days left; a month after it
    /// expired, it is still listed (expired, not renewed); closed contracts are never listed.
    @Test func expiringIncludesExpiredNotRenewed() {
        let r = ImportedFixtures.repo
        let now = ReportJSON(r, ["expiring", "--as-of", asOf]).rows()
        #expect(now.map { $0["number"] as? String } == ["PO-2026-022"])
        #expect(now.first?["expiryDate"] as? String == "2026-12-31")
        #expect(now.first?["daysLeft"] as? Int == 30)
        #expect(now.first?["state"] as? String == "expiring")
        let later = ReportJSON(r, ["expiring", "--as-of", "2027-01-15"]).rows()
        #expect(later.map { $0["number"] as? String } == ["PO-2026-022"])
        #expect(later.first?["daysLeft"] as? Int == -15)
        #expect(later.first?["state"] as? String == "expired")
        #expect(later.first?["renewal"] as? String == "none")
        // Every signed/executing contract whose expiry is on or before the day is listed, nothing else.
        let far = ReportJSON(r, ["expiring", "--as-of", "2027-07-10", "--within", "0"]).rows()
        let expected = FixtureFigures.owing.filter { ($0.expiry ?? "9999") <= "2027-07-10" }.map(\.number)
        #expect(Set(far.compactMap { $0["number"] as? String }) == Set(expected))
        #expect(expected.count == 2)
        // The table shows the date and the days left.
        let table = r.ok("finance", "report", "expiring", "--as-of", "2027-01-15")
        #expect(table.contains("2026-12-31") && table.contains("-15") && table.contains("expired"))
    }

    /// Overdue: the 9 signed or executing contracts with milestones past due, with the amounts
    /// unpaid per currency (2,649,507.09 CNY and 24,000.00 USD), aged; 8 with lines past deadline.
    @Test func overdueMilestonesAndLines() {
        let rep = ReportJSON(ImportedFixtures.repo, ["overdue", "--as-of", asOf])
        let rows = rep.rows("milestones")
        var expected: [String: [(id: String, outstanding: Decimal, due: String)]] = [:]
        for c in FixtureFigures.owing { let o = FixtureFigures.overdue(c, asOf: asOf); if !o.isEmpty { expected[c.number] = o } }
        #expect(expected.count == 9)
        #expect(Set(rows.compactMap { $0["number"] as? String }) == Set(expected.keys))
        for (n, ms) in expected {
            let got = rows.filter { $0["number"] as? String == n }
            #expect(got.map { "\($0["milestone"] ?? ""):\($0["outstanding"] ?? "")" }.sorted() == ms.map { "\($0.id):\(FixtureFigures.money($0.outstanding))" }.sorted(), "\(n)")
        }
        let totals = rep.totals("milestones")
        #expect(totals["CNY"]?["outstanding"] == "2649507.09")
        #expect(totals["USD"]?["outstanding"] == "24000.00")
        var perCurrency: [String: Decimal] = [:]
        for c in FixtureFigures.owing { perCurrency[c.currency, default: 0] += FixtureFigures.overdue(c, asOf: asOf).map(\.outstanding).reduce(0, +) }
        for (cur, v) in perCurrency { #expect(totals[cur]?["outstanding"] == FixtureFigures.money(v)) }
        // Aging: HT-2026-013 M2 fell due 2026-10-31, 31 days before: bucket 31–60; HT-2026-008 Q1 62 days: 61–90.
        let m2 = rows.first { $0["number"] as? String == "HT-2026-013" && $0["milestone"] as? String == "M2" }
        #expect(m2?["daysOverdue"] as? Int == 31 && m2?["bucket"] as? String == "31-60" && m2?["aging31to60"] as? String == "357999.99")
        let q1 = rows.first { $0["number"] as? String == "HT-2026-008" }
        #expect(q1?["bucket"] as? String == "61-90" && q1?["daysOverdue"] as? Int == 62)
        let b = ["aging1to30", "aging31to60", "aging61to90", "agingOver90"].compactMap { Decimal(string: totals["CNY"]?[$0] ?? "") }.reduce(0, +)
        #expect(FixtureFigures.money(b) == "2649507.09")

        let lines = rep.rows("lines")
        var late: [String: Decimal] = [:]
        for c in FixtureFigures.owing {
            for l in c.lines where (l.deadline ?? "9999") < asOf && (c.delivered[l.id] ?? 0) < l.quantity { late["\(c.number) \(l.id)"] = l.quantity - (c.delivered[l.id] ?? 0) }
        }
        #expect(Set(late.keys.map { String($0.split(separator: " ")[0]) }).count == 8)
        #expect(Set(lines.map { "\($0["number"] ?? "") \($0["line"] ?? "")" }) == Set(late.keys))
        for l in lines {
            let key = "\(l["number"] ?? "") \(l["line"] ?? "")"
            #expect(Decimal(string: l["outstandingQuantity"] as? String ?? "") == late[key], "\(key)")
        }
    }

    /// A contract with an unresolved conflict (two replicas' receipts together exceed its total)
    /// is flagged in every report and left out of the sums, counted apart.
    @Test func conflictedContractIsFlaggedAndNotSummed() {
        let r = ContractRepo()
        for f in ContractRepo.fixtureFiles.sorted(by: { $0.hasSuffix("closed.json") && !$1.hasSuffix("closed.json") }) { r.ok("contractAdmin", "import", f) }
        let n = "HT-2026-010"
        let base = r.git("rev-parse", "refs/contracts/\(n)").trimmed
        r.ok("finance", "record", n, "paymentReceipt", "date=2026-09-01", "amount=504000.00", "milestone=M2", "voucher=A-1")
        let ours = r.git("rev-parse", "refs/contracts/\(n)").trimmed
        #expect(r.git("update-ref", "refs/contracts/\(n)", base).status == 0)
        r.ok("finance", "record", n, "paymentReceipt", "date=2026-09-02", "amount=504000.00", "milestone=M2", "voucher=B-1")
        let merged = r.run("finance", ["merge", n, ours])
        #expect(merged.status == 1, "the merge records a conflict: \(merged.err)")

        let ledger = ReportJSON(r, ["ledger", "--as-of", asOf])
        let row = ledger.rows().first { $0["number"] as? String == n }
        #expect(row?["conflicted"] as? Bool == true)
        #expect(ledger.rows().filter { $0["conflicted"] as? Bool == true }.count == 1)
        let totals = ledger.totals()
        #expect(totals["CNY"]?["conflictedRows"] == "1")
        #expect(totals["CNY"]?["receivable"] == FixtureFigures.money(Decimal(string: "2873037.09")! - 588000), "its receivable is out of the sum")
        for kind in ["receivables", "overdue"] {
            let rep = ReportJSON(r, [kind, "--as-of", asOf])
            let rows = rep.rows(kind == "overdue" ? "lines" : "contracts").filter { $0["number"] as? String == n }
            #expect(!rows.isEmpty && rows.allSatisfy { $0["conflicted"] as? Bool == true }, "\(kind)")
        }
        #expect(r.ok("finance", "report", "ledger", "--as-of", asOf).contains("1 conflicted not summed"))
        // It is on contract administration's to-do list.
        let todo = r.run("contractAdmin", ["todo", "--as-of", asOf, "--json"])
        let items = (parseJSON(todo) as? [String: Any])?["items"] as? [[String: Any]] ?? []
        #expect(items.contains { $0["kind"] as? String == "conflict" && $0["number"] as? String == n })
    }

    @Test func filtersAndGrouping() {
        let r = ImportedFixtures.repo
        func numbers(_ args: String...) -> Set<String> { Set(ReportJSON(r, ["ledger", "--as-of", asOf] + args).rows().compactMap { $0["number"] as? String }) }
        let fx = FixtureFigures.contracts
        #expect(numbers("--type", "purchase") == Set(ImportedFixtures.entries.filter { ($0.entry["contract"] as? [String: Any])?["type"] as? String == "purchase" }.map(\.number)))
        #expect(numbers("--status", "signed", "--status", "履行中") == Set(FixtureFigures.owing.map(\.number)))
        #expect(numbers("--office", "North Office") == Set(fx.filter { $0.office == "North Office" }.map(\.number)))
        #expect(numbers("--owner", "罗杰") == ["PO-2026-022"])
        #expect(numbers("--customer", "northern grid") == ["HT-2025-015", "HT-2026-002", "HT-2026-008"])
        let signedIn = ImportedFixtures.entries.filter { (($0.entry["contract"] as? [String: Any])?["signDate"] as? String).map { $0 >= "2026-06-01" && $0 <= "2026-07-31" } ?? false }
        #expect(numbers("--period", "2026-06-01..2026-07-31") == Set(signedIn.map(\.number)))
        #expect(!signedIn.isEmpty)
        // Grouped by office: one group per office, each with its own per-currency subtotals that add up to the totals.
        let g = ReportJSON(r, ["receivables", "--as-of", asOf, "--group-by", "office"])
        let groups = g.section("contracts")["groups"] as? [[String: Any]] ?? []
        #expect(Set(groups.compactMap { $0["key"] as? String }) == Set(FixtureFigures.owing.map(\.office)))
        var sum: [String: Decimal] = [:]
        for grp in groups {
            for t in grp["totals"] as? [[String: Any]] ?? [] {
                sum[t["currency"] as? String ?? "", default: 0] += Decimal(string: (t["sums"] as? [String: String])?["receivable"] ?? "") ?? 0
            }
        }
        #expect(sum.mapValues(FixtureFigures.money) == g.totals().mapValues { $0["receivable"] ?? "" })
        // Bad values are refused, naming the option.
        for (args, what) in [(["--type", "lease"], "--type"), (["--status", "done"], "--status"), (["--group-by", "colour"], "--group-by"),
                             (["--period", "2026-01-01"], "--period"), (["--as-of", "2026-02-30"], "--as-of"), (["--format", "pdf"], "--format")] {
            expectRefused(r.run("finance", ["report", "ledger"] + args), "report ledger \(args)", mentions: [what])
        }
    }

    /// Every grouping partitions the ledger: each row in exactly one group, the group's key
    /// being the row's owner, customer, type, status, or its sign date's month or quarter; the
    /// groups' per-currency subtotals add up to the report's totals.
    @Test func everyGroupingPartitionsTheLedger() {
        let r = ImportedFixtures.repo
        let plain = ReportJSON(r, ["ledger", "--as-of", asOf])
        let all = plain.rows()
        #expect(all.count == ImportedFixtures.entries.count)
        func expectedKey(_ row: [String: Any], _ by: String) -> String {
            let sign = row["signDate"] as? String
            switch by {
            case "month": return sign.map { String($0.prefix(7)) } ?? "(no date)"
            case "quarter":
                guard let sign, let m = Int(sign.dropFirst(5).prefix(2)) else { return "(no date)" }
                return "\(sign.prefix(4))-Q\((m - 1) / 3 + 1)"
            default: return row[by] as? String ?? "?"
            }
        }
        for by in ["owner", "customer", "type", "status", "month", "quarter"] {
            let g = ReportJSON(r, ["ledger", "--as-of", asOf, "--group-by", by])
            let groups = g.section("contracts")["groups"] as? [[String: Any]] ?? []
            var seen: [String] = []
            var sum: [String: Decimal] = [:]
            for grp in groups {
                let key = grp["key"] as? String ?? "?"
                for row in grp["rows"] as? [[String: Any]] ?? [] {
                    seen.append(row["number"] as? String ?? "?")
                    #expect(expectedKey(row, by) == key, "--group-by \(by): \(row["number"] ?? "?") is in group '\(key)'")
                }
                for t in grp["totals"] as? [[String: Any]] ?? [] {
                    sum[t["currency"] as? String ?? "", default: 0] += Decimal(string: (t["sums"] as? [String: String])?["total"] ?? "") ?? 0
                }
            }
            #expect(seen.sorted() == all.compactMap { $0["number"] as? String }.sorted(), "--group-by \(by): each row once")
            #expect(Set(groups.compactMap { $0["key"] as? String }) == Set(all.map { expectedKey($0, by) }), "--group-by \(by): one group per value")
            #expect(sum.mapValues(FixtureFigures.money) == g.totals().mapValues { $0["total"] ?? "" }, "--group-by \(by): subtotals add up")
        }
    }

    /// The table has a header row and its columns line up by display width, Chinese included.
    @Test func tableAlignsByDisplayWidth() {
        let out = ImportedFixtures.repo.ok("finance", "report", "ledger", "--as-of", asOf)
        let lines = out.components(separatedBy: "\n")
        let header = lines.first { $0.hasPrefix("合同编号 number") }
        #expect(header != nil)
        let rows = lines.filter { l in ImportedFixtures.entries.contains { l.hasPrefix($0.number + " ") } }
        #expect(rows.count == ImportedFixtures.entries.count)
        // The office column starts at the same display column in every row and in the header.
        func col(_ line: String, of text: String) -> Int? {
            guard let r = line.range(of: text) else { return nil }
            return displayWidth(String(line[..<r.lowerBound]))
        }
        let start = header.flatMap { col($0, of: "办事处 office") }
        for row in rows {
            let office = FixtureFigures.contract(String(row.prefix { $0 != " " }))?.office ?? "?"
            #expect(col(row, of: "  " + office + " ").map { $0 + 2 } == start, "\(row)")
        }
        #expect(out.contains("total CNY (") && out.contains("total USD ("))
    }

    /// Text from other replicas cannot drive the terminal: escape sequences in a buyer's name or
    /// an office are shown escaped in the table, the to-do list and the digest.
    @Test func hostileTextIsEscapedInTables() {
        let r = ContractRepo()
        let esc = "\u{1B}[2J\u{1B}]0;pwned\u{07}"
        r.ok("salesRep", salesContractArgs("E-1") + ["buyer.name=ACME\(esc)", "office=华东办事处", "owner=张伟\(esc)"])
        r.ok("salesRep", "submit", "E-1") // the sales head's queue then lists it, owner and all
        for (role, args) in [("management", ["report", "ledger"]), ("management", ["report", "ledger", "--group-by", "owner"]), ("salesHead", ["todo"])] {
            let res = r.run(role, args)
            #expect(res.status == 0, "\(args): \(res.err)")
            #expect(!res.stdout.contains(0x1B) && !res.stdout.contains(0x07), "\(args) printed a raw control character")
            // The ledger shows the buyer and owner (escaped); the queue line names the contract only.
            if args != ["todo"] { #expect(res.out.contains("\\u{1B}"), "\(args): \(res.out)") } else { #expect(res.out.contains("review  E-1"), "\(res.out)") }
        }
    }

    @Test func csvIsExcelFriendly() {
        let res = ImportedFixtures.repo.run("finance", ["report", "overdue", "--as-of", asOf, "--format", "csv", "--section", "milestones"])
        #expect(res.status == 0)
        #expect(Array(res.stdout.prefix(3)) == [0xEF, 0xBB, 0xBF])
        let text = String(decoding: res.stdout.dropFirst(3), as: UTF8.self)
        let rows = text.components(separatedBy: "\r\n").dropLast()
        #expect(rows.first?.hasPrefix("\"合同编号 number\",\"客户 customer\"") == true)
        #expect(rows.count == 1 + ReportJSON(ImportedFixtures.repo, ["overdue", "--as-of", asOf]).rows("milestones").count)
        expectRefused(ImportedFixtures.repo.run("finance", ["report", "overdue", "--format", "csv", "--section", "x"]), "bad section", mentions: ["--section", "milestones"])
    }
}
}

/// Columns a string takes in a terminal (CJK and full-width: two).
func displayWidth(_ s: String) -> Int {
    s.unicodeScalars.reduce(0) { w, u in
        let v = u.value
        let wide = (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0xFF00...0xFF60).contains(v) || (0xFFE0...0xFFE6).contains(v)
        return w + (wide ? 2 : 1)
    }
}
