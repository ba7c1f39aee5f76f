import AccordContracts

/// Text made safe for a terminal and kept on one line: control characters (escape sequences,
/// carriage returns, newlines, tabs) shown as `\u{1B}`-style escapes. Report text comes from any
/// replica and is hostile.
public enum SafeText {
    public static func oneLine(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            let v = u.value
            if v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) || v == 0x2028 || v == 0x2029 {
                out += v == 0x0A ? "\\n" : v == 0x09 ? "\\t" : "\\u{\(String(v, radix: 16, uppercase: true))}"
            } else { out.unicodeScalars.append(u) }
        }
        return out
    }

    /// Columns a string takes in a terminal: East Asian wide and full-width characters take two,
    /// combining marks none.
    public static func width(_ s: String) -> Int {
        s.unicodeScalars.reduce(0) { $0 + width($1) }
    }

    static func width(_ u: Unicode.Scalar) -> Int {
        let v = u.value
        switch u.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        if (0x1100...0x115F).contains(v) || (0x2E80...0x303E).contains(v) || (0x3041...0x33FF).contains(v)
            || (0x3400...0x4DBF).contains(v) || (0x4E00...0x9FFF).contains(v) || (0xA000...0xA4CF).contains(v)
            || (0xAC00...0xD7A3).contains(v) || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v)
            || (0xFF00...0xFF60).contains(v) || (0xFFE0...0xFFE6).contains(v) || (0x1F300...0x1F64F).contains(v)
            || (0x20000...0x3FFFD).contains(v) { return 2 }
        return 1
    }

    static func pad(_ s: String, _ w: Int, right: Bool) -> String {
        let fill = String(repeating: " ", count: max(0, w - width(s)))
        return right ? fill + s : s + fill
    }
}

public enum ReportFormat: String, CaseIterable, Sendable {
    case table, csv, json, html
}

extension Report {
    // MARK: table

    /// A table per section: a header row, columns aligned by display width (numbers to the
    /// right), totals per currency under each group and for the whole section.
    public func table() -> String {
        var out = "\(title) — as of \(asOf)\n"
        let f = filters.filter { $0.key != "asOf" }.sorted { $0.key < $1.key }.map { "\($0.key)=\(SafeText.oneLine($0.value))" }
        if !f.isEmpty { out += "filters: \(f.joined(separator: " "))\n" }
        for s in sections {
            out += "\n"
            if sections.count > 1 { out += "\(s.title)\n" }
            out += s.table(groupBy: groupBy)
        }
        for n in unreadable { out += "unreadable: \(SafeText.oneLine(n))\n" }
        return out
    }

    // MARK: CSV

    /// CSV for Excel: UTF-8 with a BOM, CRLF line ends, every field quoted, a header row; a text
    /// that starts like a formula (=, +, -, @) is prefixed with ' so a spreadsheet does not run it.
    /// With several sections, each starts with a line naming it, after a blank line.
    public func csv(section only: String? = nil) -> String {
        var out = "\u{FEFF}"
        let chosen = sections.filter { only == nil || $0.name == only }
        for (i, s) in chosen.enumerated() {
            if chosen.count > 1 { out += (i > 0 ? "\r\n" : "") + Report.csvLine([s.title]) }
            let grouped = groupBy != nil
            out += Report.csvLine((grouped ? ["\(groupBy ?? "")"] : []) + s.columns.map(\.header))
            for g in s.groups {
                for r in g.rows {
                    out += Report.csvLine((grouped ? [g.key ?? ""] : []) + s.columns.map { c in
                        let cell = r[c.key]
                        if case let .text(t) = cell, let first = t.first, "=+-@".contains(first) { return "'" + t }
                        return cell.text
                    })
                }
            }
        }
        return out
    }

    static func csvLine(_ fields: [String]) -> String {
        fields.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: ",") + "\r\n"
    }

    // MARK: JSON

    public var json: JSON {
        var o: [String: JSON] = [
            "report": .string(kind), "title": .string(title), "asOf": .string(asOf.description),
            "filters": .object(filters.mapValues(JSON.string)), "groupBy": groupBy.map(JSON.string) ?? .null,
            "sections": .array(sections.map(\.json)), "notes": .array(notes.map(JSON.string)),
        ]
        o["unreadable"] = .array(unreadable.map(JSON.string))
        return .object(o)
    }
}

extension CurrencyTotal {
    public var json: JSON {
        .object(["currency": .string(currency), "rows": .number(String(rows)), "conflictedRows": .number(String(conflictedRows)),
                 "sums": .object(sums.mapValues { .string($0.formatted(decimals: 2)) })])
    }
}

extension Section {
    public var json: JSON {
        .object([
            "name": .string(name), "title": .string(title),
            "columns": .array(columns.map { .object(["key": .string($0.key), "header": .string($0.header), "summed": .bool($0.summed)]) }),
            "groups": .array(groups.map { g in
                .object(["key": g.key.map(JSON.string) ?? .null, "rows": .array(g.rows.map(\.json)), "totals": .array(g.totals.map(\.json))])
            }),
            "totals": .array(totals.map(\.json)),
        ])
    }

    func table(groupBy: String?) -> String {
        if rows.isEmpty { return "(none)\n" }
        var grid: [[Cell]] = []
        var kinds: [Character] = [] // r: row, g: group heading, t: total
        let summedKeys = Set(columns.filter(\.summed).map(\.key))
        func totalLines(_ ts: [CurrencyTotal], _ label: String) {
            guard !summedKeys.isEmpty else { return }
            for t in ts {
                var line: [Cell] = columns.map { c in summedKeys.contains(c.key) ? .money(t.sums[c.key] ?? .zero) : .empty }
                let conflicted = t.conflictedRows > 0 ? ", \(t.conflictedRows) conflicted not summed" : ""
                line[0] = .text("\(label) \(t.currency) (\(t.rows)\(conflicted))")
                if let k = columns.firstIndex(where: { $0.key == "currency" }) { line[k] = .text(t.currency) }
                grid.append(line); kinds.append("t")
            }
        }
        for g in groups {
            if let key = g.key { grid.append([.text("[\(groupBy ?? "group"): \(key.isEmpty ? "(none)" : key)]")]); kinds.append("g") }
            for r in g.rows { grid.append(columns.map { r[$0.key] }); kinds.append("r") }
            if g.key != nil { totalLines(g.totals, "subtotal") }
        }
        totalLines(totals, "total")
        let headers = columns.map(\.header)
        var widths = headers.map(SafeText.width)
        for (i, line) in grid.enumerated() where kinds[i] != "g" {
            for (k, c) in line.enumerated() where !(kinds[i] == "t" && k == 0) { widths[k] = max(widths[k], SafeText.width(SafeText.oneLine(c.text))) }
        }
        let numeric = columns.map { c in rows.contains { $0[c.key].isNumeric } }
        var out = headers.enumerated().map { SafeText.pad($0.element, widths[$0.offset], right: numeric[$0.offset]) }.joined(separator: "  ")
        out = trimEnd(out) + "\n"
        for (i, line) in grid.enumerated() {
            switch kinds[i] {
            case "g": out += SafeText.oneLine(line[0].text) + "\n"
            case "t":
                // The label spans the identifying columns; the sums line up under theirs (the
                // label goes on a line of its own when it is wider than the space before them).
                let label = SafeText.oneLine(line[0].text)
                var starts: [Int] = [], col = 0
                for k in 0..<columns.count { starts.append(col); col += widths[k] + 2 }
                let firstSum = (1..<columns.count).first { if case .money = line[$0] { true } else { false } }
                var text = label, used = SafeText.width(label)
                if let firstSum, starts[firstSum] < used + 2 { out += label + "\n"; text = ""; used = 0 }
                for k in 1..<max(1, columns.count) {
                    guard case .money = line[k] else { continue }
                    text += String(repeating: " ", count: max(0, starts[k] - used)) + SafeText.pad(line[k].text, widths[k], right: true)
                    used = starts[k] + widths[k]
                }
                out += text + "\n"
            default:
                let cells = line.enumerated().map { SafeText.pad(SafeText.oneLine($0.element.text), widths[$0.offset], right: numeric[$0.offset]) }
                out += trimEnd(cells.joined(separator: "  ")) + "\n"
            }
        }
        return out
    }

    private func trimEnd(_ s: String) -> String {
        var s = s
        while s.hasSuffix(" ") { s.removeLast() }
        return s
    }
}

extension Row {
    public var json: JSON {
        var o = cells.mapValues(\.json)
        o["conflicted"] = .bool(conflicted)
        if !groupKey.isEmpty { o["group"] = .string(groupKey) }
        return .object(o)
    }
}

extension SafeText {
    /// Pads on the right to a display width.
    public static func padRight(_ s: String, _ w: Int) -> String { pad(s, w, right: false) }
}
