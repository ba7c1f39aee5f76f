import AccordContracts

/// One self-contained HTML file (no scripts, no external resources): the report's tables, and for
/// the dashboard inline SVG charts. Every figure carries `data-*` attributes naming what it is,
/// so a test (or the hub's later web page) can read them back from the DOM.
public enum HTMLReport {
    public static func escape(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                if u.value < 0x20 && u.value != 0x0A && u.value != 0x09 || u.value == 0x7F { out += "&#xFFFD;" } else { out.unicodeScalars.append(u) }
            }
        }
        return out
    }

    static let style = """
    body{font-family:"Noto Sans CJK SC","Noto Sans",sans-serif;margin:24px;color:#222}
    h1{font-size:20px}h2{font-size:16px;margin-top:28px}
    table{border-collapse:collapse;font-size:12px;margin:8px 0}
    th,td{border:1px solid #ccc;padding:3px 6px;white-space:nowrap}
    th{background:#f0f0f0}td.n{text-align:right;font-variant-numeric:tabular-nums}
    tr.total td{font-weight:bold;background:#fafafa}tr.group td{background:#e8eef8;font-weight:bold}
    tr.conflicted td{color:#b00}.note{color:#666;font-size:12px}
    svg text{font-size:11px}
    """

    static func open(_ title: String) -> String {
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>\(escape(title))</title><style>\(style)</style></head><body>\n"
    }

    /// A report as a page: its tables with group subtotals and per-currency totals.
    public static func page(for report: Report) -> String {
        open(report.title) + heading(report) + report.sections.map { section($0, report) }.joined() + "</body></html>\n"
    }

    static func heading(_ r: Report) -> String {
        let f = r.filters.filter { $0.key != "asOf" }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        return "<h1>\(escape(r.title))</h1>\n<p class=\"note\">as of <span id=\"as-of\">\(r.asOf)</span>\(f.isEmpty ? "" : " · " + escape(f))</p>\n"
            + r.notes.map { "<p class=\"note\">\(escape($0))</p>\n" }.joined()
    }

    static func section(_ s: Section, _ r: Report) -> String {
        var out = "<h2>\(escape(s.title))</h2>\n<table data-report=\"\(escape(r.kind))\" data-section=\"\(escape(s.name))\">\n<tr>"
        out += s.columns.map { "<th data-key=\"\(escape($0.key))\">\(escape($0.header))</th>" }.joined() + "</tr>\n"
        let numeric = s.columns.map { c in s.rows.contains { $0[c.key].isNumeric } }
        func totals(_ ts: [CurrencyTotal], _ label: String, group: String?) {
            guard s.columns.contains(where: \.summed) else { return }
            for t in ts {
                out += "<tr class=\"total\" data-total=\"\(label)\" data-currency=\"\(escape(t.currency))\"\(group.map { " data-group=\"\(escape($0))\"" } ?? "")>"
                for (k, c) in s.columns.enumerated() {
                    if k == 0 {
                        out += "<td>\(label) \(escape(t.currency)) (\(t.rows)\(t.conflictedRows > 0 ? ", \(t.conflictedRows) conflicted not summed" : ""))</td>"
                    } else if c.summed {
                        out += "<td class=\"n\" data-key=\"\(escape(c.key))\">\((t.sums[c.key] ?? .zero).formatted(decimals: 2))</td>"
                    } else { out += "<td></td>" }
                }
                out += "</tr>\n"
            }
        }
        for g in s.groups {
            if let key = g.key { out += "<tr class=\"group\"><td colspan=\"\(s.columns.count)\">\(escape(r.groupBy ?? "")): \(escape(key))</td></tr>\n" }
            for row in g.rows {
                out += "<tr\(row.conflicted ? " class=\"conflicted\"" : "") data-number=\"\(escape(row["number"].text))\">"
                for (k, c) in s.columns.enumerated() {
                    out += "<td\(numeric[k] ? " class=\"n\"" : "") data-key=\"\(escape(c.key))\">\(escape(row[c.key].text))</td>"
                }
                out += "</tr>\n"
            }
            if g.key != nil { totals(g.totals, "subtotal", group: g.key) }
        }
        totals(s.totals, "total", group: nil)
        return out + "</table>\n"
    }

    // MARK: dashboard

    /// The managers' page: receivables aging by office, expiries by month, receipts against
    /// milestones due by month (one chart per currency where money is shown), then the
    /// receivables, expiring and overdue reports.
    public static func dashboard(_ facts: [ContractFacts], _ q: ReportQuery) -> String {
        let receivables = Reports.receivables(facts, q), expiring = Reports.expiring(facts, q), overdue = Reports.overdue(facts, q)
        var out = open("合同看板 Contracts dashboard")
        out += "<h1>合同看板 Contracts dashboard</h1>\n<p class=\"note\">as of <span id=\"as-of\">\(q.asOf)</span></p>\n"
        out += agingChart(receivables)
        out += expiryChart(facts, q)
        out += cashChart(facts, q)
        for r in [receivables, expiring, overdue] { out += "<h1>\(escape(r.title))</h1>\n" + r.sections.map { section($0, r) }.joined() }
        return out + "</body></html>\n"
    }

    static let palette = ["#7fb77e", "#f2c14e", "#f28c28", "#e05a47", "#8b1e3f"]

    /// Stacked bars per office and currency: not due, then each aging bucket.
    static func agingChart(_ r: Report) -> String {
        var out = "<h2>应收账龄 Receivables aging by office</h2>\n"
        guard let s = r.sections.first else { return out }
        let keys = ["notDue"] + Aging.allCases.map(\.key), labels = ["未到期 not due"] + Aging.allCases.map(\.header)
        for currency in Set(s.rows.map(\.currency)).sorted() {
            var byOffice: [String: [String: Dec]] = [:]
            for row in s.rows where row.currency == currency && !row.conflicted {
                let office = row["office"].text
                for k in keys { if case let .money(d) = row[k] { byOffice[office, default: [:]][k, default: .zero] += d } }
            }
            let offices = byOffice.keys.sorted()
            let max = offices.map { o in keys.map { byOffice[o]?[$0] ?? .zero }.sum() }.max() ?? .zero
            let barW = 520.0, top = 24, rowH = 26, left = 150
            var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(left + Int(barW) + 160)\" height=\"\(top + rowH * offices.count + 40)\" data-chart=\"aging\" data-currency=\"\(escape(currency))\">"
            svg += "<text x=\"0\" y=\"14\">\(escape(currency))</text>"
            for (i, o) in offices.enumerated() {
                let y = top + i * rowH
                svg += "<text x=\"0\" y=\"\(y + 16)\">\(escape(o))</text>"
                var x = Double(left)
                for (k, key) in keys.enumerated() {
                    let v = byOffice[o]?[key] ?? .zero
                    let w = scale(v, max, barW)
                    svg += "<rect x=\"\(fmt(x))\" y=\"\(y + 4)\" width=\"\(fmt(w))\" height=\"16\" fill=\"\(palette[k])\" data-office=\"\(escape(o))\" data-bucket=\"\(key)\" data-amount=\"\(v.formatted(decimals: 2))\"><title>\(escape(o)) \(labels[k]): \(v.formatted(decimals: 2)) \(escape(currency))</title></rect>"
                    x += w
                }
                let total = keys.map { byOffice[o]?[$0] ?? .zero }.sum()
                svg += "<text x=\"\(fmt(x + 6))\" y=\"\(y + 16)\" data-office-total=\"\(escape(o))\">\(total.formatted(decimals: 2))</text>"
            }
            let ly = top + rowH * offices.count + 16
            for (k, l) in labels.enumerated() {
                svg += "<rect x=\"\(left + k * 110)\" y=\"\(ly)\" width=\"10\" height=\"10\" fill=\"\(palette[k])\"/><text x=\"\(left + k * 110 + 14)\" y=\"\(ly + 10)\">\(escape(l))</text>"
            }
            out += svg + "</svg>\n"
        }
        return out
    }

    /// Signed and executing contracts by expiry month, over the 12 months from the as-of month;
    /// those already expired and not renewed in a bar of their own.
    static func expiryChart(_ facts: [ContractFacts], _ q: ReportQuery) -> String {
        var q12 = q
        q12.within = Int.max / 4
        let rows = Reports.expiring(facts, q12).sections.first?.rows ?? []
        let months = monthsFrom(q.asOf, count: 12)
        var counts: [String: Int] = ["expired": 0]
        for r in rows {
            guard case let .int(days) = r["daysLeft"], case let .date(x) = r["expiryDate"] else { continue }
            if days < 0 { counts["expired", default: 0] += 1 } else { counts[String(x.description.prefix(7)), default: 0] += 1 }
        }
        let bars = ["expired"] + months
        let maxCount = max(1, bars.map { counts[$0] ?? 0 }.max() ?? 1)
        let h = 140.0, w = 44
        var svg = "<h2>到期分布 Expiries by month</h2>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(bars.count * w + 20)\" height=\"\(Int(h) + 50)\" data-chart=\"expiries\">"
        for (i, b) in bars.enumerated() {
            let c = counts[b] ?? 0
            let bh = h * Double(c) / Double(maxCount)
            let x = 10 + i * w
            svg += "<rect x=\"\(x)\" y=\"\(fmt(h - bh + 10))\" width=\"\(w - 10)\" height=\"\(fmt(bh))\" fill=\"\(b == "expired" ? "#e05a47" : "#5b8bd0")\" data-month=\"\(b)\" data-count=\"\(c)\"><title>\(b): \(c)</title></rect>"
            svg += "<text x=\"\(x)\" y=\"\(Int(h) + 26)\">\(b == "expired" ? "过期" : String(b.suffix(5)))</text><text x=\"\(x + 8)\" y=\"\(fmt(h - bh + 6))\">\(c)</text>"
        }
        return svg + "</svg>\n"
    }

    /// Per currency: receipts by receipt month against milestone amounts by due month, over the
    /// 12 months ending with the as-of month (contracts signed, executing, completed or archived).
    static func cashChart(_ facts: [ContractFacts], _ q: ReportQuery) -> String {
        let months = monthsFrom(CivilDate(daysSinceEpoch: q.asOf.daysSinceEpoch - 334), count: 12)
        let counted: Set<Status> = [.signed, .executing, .completed, .archived]
        var out = "<h2>收款与应收节点 Receipts against milestones due, by month</h2>\n"
        let chosen = facts.filter { counted.contains($0.status) && q.matches($0) && !$0.conflicted }
        for currency in Set(chosen.map(\.currency)).sorted() {
            var receipts: [String: Dec] = [:], due: [String: Dec] = [:]
            for f in chosen where f.currency == currency {
                for r in f.receipts { receipts[String(r.date.description.prefix(7)), default: .zero] += r.amount }
                for m in f.milestones { if let d = m.due { due[String(d.description.prefix(7)), default: .zero] += m.amount } }
            }
            let maxV = months.flatMap { [receipts[$0] ?? .zero, due[$0] ?? .zero] }.max() ?? .zero
            let h = 160.0, w = 56
            var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(months.count * w + 40)\" height=\"\(Int(h) + 60)\" data-chart=\"cash\" data-currency=\"\(escape(currency))\"><text x=\"0\" y=\"12\">\(escape(currency))</text>"
            for (i, m) in months.enumerated() {
                let x = 20 + i * w
                for (k, (series, v, color)) in [("receipts", receipts[m] ?? .zero, "#5b8bd0"), ("due", due[m] ?? .zero, "#f2c14e")].enumerated() {
                    let bh = scale(v, maxV, h)
                    svg += "<rect x=\"\(x + k * 22)\" y=\"\(fmt(h - bh + 20))\" width=\"20\" height=\"\(fmt(bh))\" fill=\"\(color)\" data-month=\"\(m)\" data-series=\"\(series)\" data-amount=\"\(v.formatted(decimals: 2))\"><title>\(m) \(series): \(v.formatted(decimals: 2)) \(escape(currency))</title></rect>"
                }
                svg += "<text x=\"\(x)\" y=\"\(Int(h) + 36)\">\(m.suffix(5))</text>"
            }
            svg += "<rect x=\"20\" y=\"\(Int(h) + 44)\" width=\"10\" height=\"10\" fill=\"#5b8bd0\"/><text x=\"34\" y=\"\(Int(h) + 54)\">收款 receipts</text>"
            svg += "<rect x=\"140\" y=\"\(Int(h) + 44)\" width=\"10\" height=\"10\" fill=\"#f2c14e\"/><text x=\"154\" y=\"\(Int(h) + 54)\">应收节点 milestones due</text>"
            out += svg + "</svg>\n"
        }
        return out
    }

    /// `count` months (YYYY-MM) starting with `d`'s month.
    static func monthsFrom(_ d: CivilDate, count: Int) -> [String] {
        var y = d.year, m = d.month, out: [String] = []
        for _ in 0..<count {
            out.append("\(y)-\(m < 10 ? "0" : "")\(m)")
            m += 1
            if m > 12 { m = 1; y += 1 }
        }
        return out
    }

    /// A bar length: v / max × length (0 when max is 0); display only, so a Double is fine here.
    static func scale(_ v: Dec, _ max: Dec, _ length: Double) -> Double {
        guard max.isPositive, v.isPositive else { return 0 }
        return Double(v.micros) / Double(max.micros) * length
    }

    static func fmt(_ v: Double) -> String {
        let r = (v * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
}
