import Foundation
import Testing

enum Chromium {
    /// Debian's `chromium` (installed by .ci/run), if present.
    static let path: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static var available: Bool { path != nil }

    static func run(_ args: [String], home: String) -> RunResult {
        CLI.run(path ?? "chromium", ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                                     "--user-data-dir=\(home)/chromium-profile"] + args,
                cwd: home, env: ["HOME": home, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"])
    }
}

/// Every match of `pattern`'s capture groups in `text`.
func captures(_ pattern: String, in text: String) -> [[String]] {
    guard let re = try? NSRegularExpression(pattern: pattern) else { Issue.record("bad pattern \(pattern)"); return [] }
    let ns = text as NSString
    return re.matches(in: text, range: NSRange(location: 0, length: ns.length)).map { m in
        (1..<m.numberOfRanges).map { m.range(at: $0).location == NSNotFound ? "" : ns.substring(with: m.range(at: $0)) }
    }
}

/// The text between `start` and the next `end` after it ("" if absent).
func slice(_ text: String, from start: String, to end: String) -> String {
    guard let a = text.range(of: start), let b = text.range(of: end, range: a.upperBound..<text.endIndex) else { return "" }
    return String(text[a.lowerBound..<b.upperBound])
}

extension HeadOffice {
@Suite struct HTMLReportTests {
    let asOf = "2026-12-01"

    /// The dashboard is one self-contained file: no scripts, no external resources.
    @Test func dashboardIsSelfContained() {
        let r = ImportedFixtures.repo
        let html = r.ok("finance", "report", "dashboard", "--as-of", asOf)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(!html.contains("<script") && !html.contains("src=") && !html.contains("href=") && !html.contains("url("))
        for chart in ["aging", "expiries", "cash"] { #expect(html.contains("data-chart=\"\(chart)\""), "\(chart) chart") }
        // Any report renders as HTML too, text escaped.
        let page = r.ok("finance", "report", "ledger", "--as-of", asOf, "--format", "html")
        #expect(page.contains("data-report=\"ledger\"") && page.contains("HT-2026-011"))
    }

    @Test func hostileTextIsEscapedInHTML() {
        let r = ContractRepo()
        r.ok("salesRep", "new", "X-1", "--type", "sales", "buyer.name=<script>alert(1)</script>&\"'")
        let page = r.ok("finance", "report", "ledger", "--format", "html")
        #expect(!page.contains("<script>"))
        #expect(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;&#39;"))
    }

    /// Opens the dashboard in headless Chromium: the figures in the rendered DOM match the JSON
    /// reports; a screenshot is saved to .build/test-artifacts/dashboard.png.
    @Test(.enabled(if: Chromium.available, "chromium is not installed (apt-get install -y chromium): the HTML report is not opened in a browser"))
    func dashboardInHeadlessChromium() throws {
        let r = ImportedFixtures.repo
        let dir = CLITempDir("accord-html")
        let file = "\(dir.path)/dashboard.html"
        r.ok("finance", "report", "dashboard", "--as-of", asOf, "-o", file)
        let dumped = Chromium.run(["--dump-dom", "file://\(file)"], home: dir.path)
        #expect(dumped.status == 0, "chromium --dump-dom: \(dumped.err.suffix(2000))")
        let dom = dumped.out
        #expect(dom.contains("合同看板 Contracts dashboard"), "the page rendered (Chinese intact)")

        // Receivables aging by office: every bar equals the office's subtotal in the JSON report.
        let grouped = ReportJSON(r, ["receivables", "--as-of", asOf, "--group-by", "office"])
        let groups = grouped.section("contracts")["groups"] as? [[String: Any]] ?? []
        var checked = 0
        for currency in ["CNY", "USD"] {
            let svg = slice(dom, from: "data-chart=\"aging\" data-currency=\"\(currency)\"", to: "</svg>")
            #expect(!svg.isEmpty, "aging chart for \(currency)")
            for bar in captures("data-office=\"([^\"]*)\" data-bucket=\"([^\"]*)\" data-amount=\"([^\"]*)\"", in: svg) {
                let office = bar[0], bucket = bar[1], amount = bar[2]
                let group = groups.first { $0["key"] as? String == office }
                let total = (group?["totals"] as? [[String: Any]] ?? []).first { $0["currency"] as? String == currency }
                #expect((total?["sums"] as? [String: String])?[bucket] == amount, "\(currency) \(office) \(bucket)")
                checked += 1
            }
        }
        #expect(checked >= 5 * Set(FixtureFigures.owing.map(\.office)).count)

        // The receivables table's totals equal the JSON report's, per currency.
        let json = ReportJSON(r, ["receivables", "--as-of", asOf]).totals()
        let table = slice(dom, from: "data-report=\"receivables\" data-section=\"contracts\"", to: "</table>")
        for currency in ["CNY", "USD"] {
            let row = slice(table, from: "data-total=\"total\" data-currency=\"\(currency)\"", to: "</tr>")
            for key in ["receivable", "overdue", "notDue", "agingOver90"] {
                let shown = captures("data-key=\"\(key)\">([^<]*)<", in: row).first?.first
                #expect(shown != nil && shown == json[currency]?[key], "\(currency) \(key): DOM \(shown ?? "none"), JSON \(json[currency]?[key] ?? "none")")
            }
        }
        #expect(table.contains("2873037.09"))

        // Expiries by month: PO-2026-022 in 2026-12, HT-2026-008 in 2027-06, as the expiring report says.
        let expiring = ReportJSON(r, ["expiring", "--as-of", asOf, "--within", "400"]).rows()
        var perMonth: [String: Int] = [:]
        for row in expiring { perMonth[String((row["expiryDate"] as? String ?? "").prefix(7)), default: 0] += 1 }
        let bars = captures("data-month=\"([0-9-]+|expired)\" data-count=\"([0-9]+)\"", in: slice(dom, from: "data-chart=\"expiries\"", to: "</svg>"))
        #expect(bars.count == 13)
        for bar in bars where bar[0] != "expired" { #expect(Int(bar[1]) == (perMonth[bar[0]] ?? 0), "expiries in \(bar[0])") }
        #expect(bars.contains(["2026-12", "1"]))

        // Milestones due by month (CNY) equal the fixtures' milestones due that month.
        let cash = slice(dom, from: "data-chart=\"cash\" data-currency=\"CNY\"", to: "</svg>")
        for bar in captures("data-month=\"([0-9-]+)\" data-series=\"due\" data-amount=\"([^\"]*)\"", in: cash) {
            let due = FixtureFigures.contracts.filter { ["signed", "executing", "completed", "archived"].contains($0.status) && $0.currency == "CNY" }
                .flatMap(\.milestones).filter { ($0.due ?? "").hasPrefix(bar[0]) }.map(\.amount).reduce(0, +)
            #expect(bar[1] == FixtureFigures.money(due), "milestones due in \(bar[0])")
        }

        // A screenshot, kept for people to look at.
        let artifacts = "\(CLI.packageRoot)/.build/test-artifacts"
        try FileManager.default.createDirectory(atPath: artifacts, withIntermediateDirectories: true)
        let png = "\(artifacts)/dashboard.png"
        try? FileManager.default.removeItem(atPath: png)
        let shot = Chromium.run(["--hide-scrollbars", "--window-size=1400,2400", "--screenshot=\(png)", "file://\(file)"], home: dir.path)
        #expect(shot.status == 0, "chromium --screenshot: \(shot.err.suffix(2000))")
        let bytes = FileManager.default.contents(atPath: png) ?? Data()
        #expect(Array(bytes.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "a PNG at \(png)")
        #expect(bytes.count > 10_000)
    }
}
}
