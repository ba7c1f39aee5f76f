import AccordContracts

/// One value of a report row, typed so each renderer writes it right (money with 2 decimals,
/// numbers right-aligned, dates ISO).
public enum Cell: Hashable, Sendable {
    case text(String)
    case money(Dec)
    case quantity(Dec)
    case percent(Dec)
    case int(Int)
    case date(CivilDate)
    case bool(Bool)
    /// An enum value: its code in JSON, its Chinese label in tables and CSV.
    case coded(code: String, label: String)
    case empty

    /// The text every renderer shows.
    public var text: String {
        switch self {
        case let .text(s): s
        case let .money(d): d.formatted(decimals: 2)
        case let .quantity(d): d.description
        case let .percent(d): d.formatted(decimals: 2)
        case let .int(i): String(i)
        case let .date(d): d.description
        case let .bool(b): b ? "yes" : ""
        case let .coded(_, label): label
        case .empty: ""
        }
    }

    public var isNumeric: Bool {
        switch self { case .money, .quantity, .percent, .int: true; default: false }
    }

    public var json: JSON {
        switch self {
        case let .text(s): .string(s)
        case let .money(d): .string(d.formatted(decimals: 2))
        case let .quantity(d): .string(d.description)
        case let .percent(d): .string(d.formatted(decimals: 2))
        case let .int(i): .number(String(i))
        case let .date(d): .string(d.description)
        case let .bool(b): .bool(b)
        case let .coded(code, _): .string(code)
        case .empty: .null
        }
    }
}

/// A column: its key (JSON and CSV), its header (table: English and Chinese), whether its money
/// is totalled per currency.
public struct Column: Hashable, Sendable {
    public var key: String
    public var header: String
    public var summed: Bool
    public init(_ key: String, _ header: String, summed: Bool = false) { self.key = key; self.header = header; self.summed = summed }
}

public struct Row: Hashable, Sendable {
    public var cells: [String: Cell]
    /// The currency of the row's money (totals are kept per currency).
    public var currency: String
    /// Whether the row's figures are undecided (an unresolved merge conflict on the contract).
    public var conflicted: Bool
    /// The value of the report's --group-by dimension for this row ("" when not grouped).
    public var groupKey: String
    public init(_ cells: [String: Cell], currency: String, conflicted: Bool = false, groupKey: String = "") {
        self.cells = cells; self.currency = currency; self.conflicted = conflicted; self.groupKey = groupKey
    }
    public subscript(_ key: String) -> Cell { cells[key] ?? .empty }
}

/// Sums of the summed columns for one currency, and how many rows went in. Rows of conflicted
/// contracts are counted apart (`conflictedRows`) and left out of the sums: their figures are
/// undecided until someone resolves the conflict.
public struct CurrencyTotal: Hashable, Sendable {
    public var currency: String
    public var rows: Int
    public var conflictedRows: Int
    public var sums: [String: Dec]
}

public struct Group: Hashable, Sendable {
    /// nil: the report is not grouped.
    public var key: String?
    public var rows: [Row]
    public var totals: [CurrencyTotal]
}

/// One table of a report (the overdue report has two: milestones and lines).
public struct Section: Hashable, Sendable {
    public var name: String
    public var title: String
    public var columns: [Column]
    public var groups: [Group]
    public var totals: [CurrencyTotal]

    public var rows: [Row] { groups.flatMap(\.rows) }

    /// Builds the groups (by each row's `groupKey`, sorted) and the totals per currency.
    public init(name: String, title: String, columns: [Column], rows: [Row], grouped: Bool) {
        self.name = name; self.title = title; self.columns = columns
        let summed = columns.filter(\.summed).map(\.key)
        if grouped {
            var byKey: [String: [Row]] = [:]
            for r in rows { byKey[r.groupKey, default: []].append(r) }
            groups = byKey.keys.sorted().map { k in Group(key: k, rows: byKey[k] ?? [], totals: Section.totals(byKey[k] ?? [], summed)) }
        } else {
            groups = [Group(key: nil, rows: rows, totals: Section.totals(rows, summed))]
        }
        totals = Section.totals(rows, summed)
    }

    static func totals(_ rows: [Row], _ keys: [String]) -> [CurrencyTotal] {
        var out: [String: CurrencyTotal] = [:]
        for r in rows {
            var t = out[r.currency] ?? CurrencyTotal(currency: r.currency, rows: 0, conflictedRows: 0, sums: Dictionary(uniqueKeysWithValues: keys.map { ($0, Dec.zero) }))
            t.rows += 1
            if r.conflicted { t.conflictedRows += 1 } else {
                for k in keys { if case let .money(d) = r[k] { t.sums[k, default: .zero] += d } }
            }
            out[r.currency] = t
        }
        return out.keys.sorted().compactMap { out[$0] }
    }
}

/// A report: what it is, as of which day, with which filters, and its sections.
public struct Report: Hashable, Sendable {
    public var kind: String
    public var title: String
    public var asOf: CivilDate
    public var filters: [String: String]
    public var groupBy: String?
    public var sections: [Section]
    /// Contracts that could not be read (named, so a bad ref does not silently shrink a total).
    public var unreadable: [String]
    public var notes: [String]

    public init(kind: String, title: String, asOf: CivilDate, filters: [String: String], groupBy: String?, sections: [Section],
                unreadable: [String] = [], notes: [String] = []) {
        self.kind = kind; self.title = title; self.asOf = asOf; self.filters = filters; self.groupBy = groupBy
        self.sections = sections; self.unreadable = unreadable; self.notes = notes
    }

    public func section(_ name: String) -> Section? { sections.first { $0.name == name } }
}
