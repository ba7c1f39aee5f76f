import AccordContracts

/// What to group a report by.
public enum GroupBy: String, CaseIterable, Sendable {
    case office, owner, customer, type, status, month, quarter
}

/// The filters and options every report takes.
public struct ReportQuery: Sendable {
    public var asOf: CivilDate
    public var types: Set<ContractType> = []
    public var statuses: Set<Status> = []
    public var office: String?
    public var owner: String?
    /// A part of the buyer's name (case-insensitive).
    public var customer: String?
    /// Inclusive; which date it applies to depends on the report (docs/reports.md).
    public var period: ClosedRange<CivilDate>?
    public var groupBy: GroupBy?
    /// Expiring: days ahead (policy `accord.reminders.expiryDays`, default 30).
    public var within: Int = 30

    public init(asOf: CivilDate) { self.asOf = asOf }

    /// The contract-level filters (type, status, office, owner, customer).
    public func matches(_ f: ContractFacts) -> Bool {
        if !types.isEmpty, !types.contains(f.type) { return false }
        if !statuses.isEmpty, !statuses.contains(f.status) { return false }
        if let office, f.office != office { return false }
        if let owner, f.owner != owner { return false }
        if let customer, !f.buyer.lowercased().contains(customer.lowercased()) { return false }
        return true
    }

    public func inPeriod(_ d: CivilDate?) -> Bool {
        guard let period else { return true }
        guard let d else { return false }
        return period.contains(d)
    }

    /// The group of a row: a contract dimension, or the month / quarter of the report's date.
    public func groupKey(_ f: ContractFacts, date: CivilDate?) -> String {
        switch groupBy {
        case nil: return ""
        case .office: return f.office
        case .owner: return f.owner
        case .customer: return f.buyer
        case .type: return f.type.code
        case .status: return f.status.code
        case .month: return date.map { String($0.description.prefix(7)) } ?? "(no date)"
        case .quarter: return date.map { "\($0.year)-Q\(($0.month - 1) / 3 + 1)" } ?? "(no date)"
        }
    }

    public var echo: [String: String] {
        var o: [String: String] = ["asOf": asOf.description]
        if !types.isEmpty { o["type"] = types.map(\.code).sorted().joined(separator: ",") }
        if !statuses.isEmpty { o["status"] = statuses.map(\.code).sorted().joined(separator: ",") }
        if let office { o["office"] = office }
        if let owner { o["owner"] = owner }
        if let customer { o["customer"] = customer }
        if let period { o["period"] = "\(period.lowerBound)..\(period.upperBound)" }
        return o
    }
}

/// The aging buckets of overdue money: 1–30, 31–60, 61–90, >90 days.
public enum Aging: String, CaseIterable, Sendable {
    case d1to30 = "1-30", d31to60 = "31-60", d61to90 = "61-90", over90 = ">90"
    public init(days: Int) {
        switch days { case ...30: self = .d1to30; case 31...60: self = .d31to60; case 61...90: self = .d61to90; default: self = .over90 }
    }
    public var key: String {
        switch self { case .d1to30: "aging1to30"; case .d31to60: "aging31to60"; case .d61to90: "aging61to90"; case .over90: "agingOver90" }
    }
    public var header: String { "\(rawValue)天 \(rawValue)d" }
    static var columns: [Column] { allCases.map { Column($0.key, $0.header, summed: true) } }
}

/// The reports of domain.md §4, each built from the contracts' facts as data.
public enum Reports {
    public static let kinds = ["ledger", "expiring", "overdue", "receivables"]

    static func base(_ f: ContractFacts) -> [String: Cell] {
        ["number": .text(f.number), "customer": .text(f.buyer), "office": .text(f.office), "owner": .text(f.owner),
         "currency": .text(f.currency), "status": .coded(code: f.status.code, label: f.status.label),
         "type": .coded(code: f.type.code, label: f.type.label)]
    }

    static let idColumns = [Column("number", "合同编号 number"), Column("customer", "客户 customer"), Column("office", "办事处 office"),
                            Column("owner", "负责人 owner")]

    /// Σ outstanding of the milestones past due on `asOf`, for a contract that can owe money.
    public static func overdueAmount(_ f: ContractFacts, asOf: CivilDate) -> Dec {
        guard ContractFacts.owesMoney(f.status) else { return .zero }
        return f.milestones.filter { $0.daysOverdue(asOf: asOf) != nil }.map(\.outstanding).sum()
    }

    // MARK: ledger 合同台账

    public static func ledger(_ all: [ContractFacts], _ q: ReportQuery) -> Report {
        let columns = idColumns + [
            Column("type", "类型 type"), Column("status", "状态 status"), Column("signDate", "签订 signed"),
            Column("effectiveDate", "生效 effective"), Column("expiryDate", "到期 expires"),
            Column("total", "合同金额 total", summed: true), Column("currency", "币种 currency"),
            Column("deliveredPercent", "交付% delivered"), Column("invoiced", "已开票 invoiced", summed: true),
            Column("received", "已收款 received", summed: true), Column("writtenOff", "核销 written off", summed: true),
            Column("receivable", "应收 receivable", summed: true), Column("overdue", "逾期 overdue", summed: true),
            Column("openDeviations", "未结偏差 open deviations"), Column("conflicted", "冲突 conflicted"),
        ]
        let rows = all.filter { q.matches($0) && q.inPeriod($0.signDate) }.map { f -> Row in
            var c = base(f)
            c["signDate"] = f.signDate.map(Cell.date) ?? .empty
            c["effectiveDate"] = f.effectiveDate.map(Cell.date) ?? .empty
            c["expiryDate"] = f.expiry.map { $0.date.map(Cell.date) ?? .text($0.description) } ?? .empty
            c["total"] = .money(f.total)
            c["deliveredPercent"] = f.deliveredPercent.map(Cell.percent) ?? .empty
            c["invoiced"] = .money(f.invoiced); c["received"] = .money(f.received); c["writtenOff"] = .money(f.writtenOff)
            c["receivable"] = .money(f.receivable); c["overdue"] = .money(overdueAmount(f, asOf: q.asOf))
            c["openDeviations"] = .int(f.openDeviations); c["conflicted"] = .bool(f.conflicted)
            return Row(c, currency: f.currency, conflicted: f.conflicted, groupKey: q.groupKey(f, date: f.signDate))
        }
        return Report(kind: "ledger", title: "合同台账 Contract ledger", asOf: q.asOf, filters: q.echo, groupBy: q.groupBy?.rawValue,
                      sections: [Section(name: "contracts", title: "合同 Contracts", columns: columns, rows: rows, grouped: q.groupBy != nil)],
                      notes: ["receivable = total − receipts − write-offs, for signed and executing contracts only; % delivered by value",
                              "totals are per currency; rows of conflicted contracts are counted but left out of the sums"])
    }

    // MARK: expiring 合同到期提醒

    /// Signed and executing contracts expiring within `q.within` days of `asOf`, or already
    /// expired and not renewed (no renewal naming them has been signed).
    public static func expiring(_ all: [ContractFacts], _ q: ReportQuery) -> Report {
        var renewals: [String: [ContractFacts]] = [:]
        for f in all where f.signKind == .renewal && f.status != .cancelled { if let r = f.renews { renewals[r, default: []].append(f) } }
        let columns = idColumns + [
            Column("status", "状态 status"), Column("expiryDate", "到期 expires"), Column("daysLeft", "剩余天数 days left"),
            Column("state", "情况 state"), Column("renewal", "续签 renewal"),
            Column("total", "合同金额 total", summed: true), Column("currency", "币种 currency"),
            Column("receivable", "应收 receivable", summed: true), Column("conflicted", "冲突 conflicted"),
        ]
        var rows: [Row] = []
        for f in all.sorted(by: { ($0.expiryDate ?? q.asOf, $0.number) < ($1.expiryDate ?? q.asOf, $1.number) }) {
            guard ContractFacts.owesMoney(f.status), q.matches(f), let x = f.expiryDate, q.inPeriod(x) else { continue }
            let days = x.daysSinceEpoch - q.asOf.daysSinceEpoch
            guard days <= q.within else { continue }
            let rs = (renewals[f.number] ?? []).sorted { $0.number < $1.number }
            let renewed = rs.contains { $0.status.isFrozen }
            if days < 0, renewed { continue }
            var c = base(f)
            c["expiryDate"] = .date(x); c["daysLeft"] = .int(days)
            c["state"] = days < 0 ? .coded(code: "expired", label: "已到期 expired") : .coded(code: "expiring", label: "即将到期 expiring")
            c["renewal"] = rs.isEmpty ? .coded(code: "none", label: "未续签 none") : .text(rs.map { "\($0.number) \($0.status.code)" }.joined(separator: ", "))
            c["total"] = .money(f.total); c["receivable"] = .money(f.receivable); c["conflicted"] = .bool(f.conflicted)
            rows.append(Row(c, currency: f.currency, conflicted: f.conflicted, groupKey: q.groupKey(f, date: x)))
        }
        return Report(kind: "expiring", title: "合同到期提醒 Expiring contracts", asOf: q.asOf,
                      filters: q.echo.merging(["within": String(q.within)]) { $1 }, groupBy: q.groupBy?.rawValue,
                      sections: [Section(name: "contracts", title: "到期 Expiring or expired, not renewed", columns: columns, rows: rows, grouped: q.groupBy != nil)],
                      notes: ["signed and executing contracts expiring within \(q.within) days, or already expired and not renewed by a signed renewal"])
    }

    // MARK: overdue 逾期

    public static func overdue(_ all: [ContractFacts], _ q: ReportQuery) -> Report {
        let mColumns = idColumns + [
            Column("milestone", "节点 milestone"), Column("kind", "款项 kind"), Column("due", "到期日 due"), Column("dueFrom", "依据 dated from"),
            Column("daysOverdue", "逾期天数 days overdue"), Column("bucket", "账龄 aging"),
            Column("amount", "应付 amount", summed: true), Column("received", "已收 received", summed: true),
            Column("outstanding", "未收 outstanding", summed: true),
        ] + Aging.columns + [Column("currency", "币种 currency"), Column("conflicted", "冲突 conflicted")]
        let lColumns = idColumns + [
            Column("line", "行 line"), Column("item", "产品 item"), Column("deadline", "交货期 deadline"), Column("daysLate", "逾期天数 days late"),
            Column("ordered", "合同数量 ordered"), Column("delivered", "已交付 delivered"), Column("outstandingQuantity", "未交付 outstanding"),
            Column("unit", "单位 unit"), Column("outstandingValue", "未交付金额 outstanding value", summed: true),
            Column("currency", "币种 currency"), Column("conflicted", "冲突 conflicted"),
        ]
        var mRows: [Row] = [], lRows: [Row] = []
        for f in all where ContractFacts.owesMoney(f.status) && q.matches(f) {
            for m in f.milestones {
                guard let days = m.daysOverdue(asOf: q.asOf), let due = m.due, q.inPeriod(due) else { continue }
                var c = base(f)
                let bucket = Aging(days: days)
                c["milestone"] = .text(m.id); c["kind"] = .coded(code: m.kind.code, label: m.kind.label); c["due"] = .date(due)
                c["dueFrom"] = .text(m.dueSource ?? ""); c["daysOverdue"] = .int(days); c["bucket"] = .text(bucket.rawValue)
                c["amount"] = .money(m.amount); c["received"] = .money(m.received); c["outstanding"] = .money(m.outstanding)
                for b in Aging.allCases { c[b.key] = .money(b == bucket ? m.outstanding : .zero) }
                c["conflicted"] = .bool(f.conflicted)
                mRows.append(Row(c, currency: f.currency, conflicted: f.conflicted, groupKey: q.groupKey(f, date: due)))
            }
            for l in f.lines {
                guard let d = l.deadline, d < q.asOf, l.outstanding.isPositive, q.inPeriod(d) else { continue }
                var c = base(f)
                c["line"] = .text(l.id); c["item"] = .text(l.name); c["deadline"] = .date(d)
                c["daysLate"] = .int(q.asOf.daysSinceEpoch - d.daysSinceEpoch)
                c["ordered"] = .quantity(l.quantity); c["delivered"] = .quantity(l.delivered); c["outstandingQuantity"] = .quantity(l.outstanding)
                c["unit"] = .text(l.unit); c["outstandingValue"] = .money(l.outstandingValue.rounded(decimals: 2)); c["conflicted"] = .bool(f.conflicted)
                lRows.append(Row(c, currency: f.currency, conflicted: f.conflicted, groupKey: q.groupKey(f, date: d)))
            }
        }
        return Report(kind: "overdue", title: "逾期 Overdue payments and deliveries", asOf: q.asOf, filters: q.echo, groupBy: q.groupBy?.rawValue,
                      sections: [Section(name: "milestones", title: "逾期付款 Milestones past due", columns: mColumns, rows: mRows, grouped: q.groupBy != nil),
                                 Section(name: "lines", title: "逾期交货 Lines past their deadline", columns: lColumns, rows: lRows, grouped: q.groupBy != nil)],
                      notes: ["signed and executing contracts; a milestone without a date is dated from its trigger's event (acceptance, effective date, signing, full delivery) plus its term",
                              "receipts naming a milestone count against it; others, and write-offs, fill milestones in order of due date"])
    }

    // MARK: receivables 应收

    public static func receivables(_ all: [ContractFacts], _ q: ReportQuery) -> Report {
        let columns = idColumns + [
            Column("status", "状态 status"), Column("total", "合同金额 total", summed: true),
            Column("received", "已收款 received", summed: true), Column("writtenOff", "核销 written off", summed: true),
            Column("receivable", "应收 receivable", summed: true), Column("notDue", "未到期 not due", summed: true),
            Column("overdue", "逾期 overdue", summed: true),
        ] + Aging.columns + [Column("currency", "币种 currency"), Column("conflicted", "冲突 conflicted")]
        let rows = all.filter { ContractFacts.owesMoney($0.status) && q.matches($0) && q.inPeriod($0.signDate) }.map { f -> Row in
            var c = base(f)
            let overdue = overdueAmount(f, asOf: q.asOf)
            c["total"] = .money(f.total); c["received"] = .money(f.received); c["writtenOff"] = .money(f.writtenOff)
            c["receivable"] = .money(f.receivable); c["overdue"] = .money(overdue); c["notDue"] = .money(f.receivable - overdue)
            var aging: [Aging: Dec] = [:]
            for m in f.milestones { if let d = m.daysOverdue(asOf: q.asOf) { aging[Aging(days: d), default: .zero] += m.outstanding } }
            for b in Aging.allCases { c[b.key] = .money(aging[b] ?? .zero) }
            c["conflicted"] = .bool(f.conflicted)
            return Row(c, currency: f.currency, conflicted: f.conflicted, groupKey: q.groupKey(f, date: f.signDate))
        }
        return Report(kind: "receivables", title: "应收账款 Receivables", asOf: q.asOf, filters: q.echo, groupBy: q.groupBy?.rawValue,
                      sections: [Section(name: "contracts", title: "应收 Receivable by contract", columns: columns, rows: rows, grouped: q.groupBy != nil)],
                      notes: ["signed and executing contracts; receivable = total − receipts − write-offs; overdue = unpaid milestones past due, aged by days past due"])
    }
}
