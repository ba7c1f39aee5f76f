import AccordObjects
import AccordStore
import AccordContracts

/// A calendar month, `YYYY-MM`.
public struct Month: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var year: Int, month: Int
    public init(_ d: CivilDate) { year = d.year; month = d.month }
    public init?(_ s: String) {
        guard s.count == 7, let d = try? CivilDate.parse(s + "-01") else { return nil }
        self.init(d)
    }
    public var first: CivilDate { (try? CivilDate(year: year, month: month, day: 1)) ?? CivilDate(daysSinceEpoch: 0) }
    public var last: CivilDate { (try? CivilDate(year: year, month: month, day: CivilDate.daysIn(month, of: year))) ?? first }
    public var next: Month { Month(last.adding(days: 1)) }
    public var previous: Month { Month(first.adding(days: -1)) }
    public func contains(_ d: CivilDate?) -> Bool { d.map { $0.year == year && $0.month == month } ?? false }
    public var description: String { "\(year)-\(month < 10 ? "0" : "")\(month)" }
    public static func < (a: Month, b: Month) -> Bool { (a.year, a.month) < (b.year, b.month) }
}

/// When a contract was completed or terminated: the day of the commit that took the action
/// (its author's local date), else what the records say (the settlement; the approved
/// termination review).
public struct LifecycleDates: Hashable, Sendable {
    public var completed: CivilDate?
    public var terminated: CivilDate?
    public init(completed: CivilDate? = nil, terminated: CivilDate? = nil) { self.completed = completed; self.terminated = terminated }

    public static func of(_ store: ContractStore, _ s: Snapshot) -> LifecycleDates {
        var out = LifecycleDates()
        let st = s.state
        let status = st.contract.status
        guard [.completed, .terminated, .archived].contains(status) else { return out }
        var id: ObjectID? = s.commit
        var steps = 0
        while let current = id, steps < 10_000, out.completed == nil && out.terminated == nil {
            guard let commit = try? store.repository.objects.readCommit(current) else { break }
            let day = CivilDate(daysSinceEpoch: Int((commit.author.seconds + Int64(commit.author.offsetMinutes) * 60) / 86_400))
            switch Trailers.parse(commit.messageText)["Accord-Action"] {
            case Action.complete.code?: out.completed = day
            case Action.terminate.code?: out.terminated = day
            default: break
            }
            id = commit.parents.first
            steps += 1
        }
        if out.completed == nil, status == .completed || (status == .archived && st.records(.terminationRequest).isEmpty) {
            out.completed = st.effective(.settlement).compactMap { $0.date("date") }.max()
        }
        if out.terminated == nil, status == .terminated || (status == .archived && !st.records(.terminationRequest).isEmpty) {
            out.terminated = st.records(.review).filter { $0.text("stage") == "termination" && $0.text("decision") == "approve" }.map(\.filedDate).max()
        }
        return out
    }
}

extension Reports {
    /// The monthly office report (form 5): per office, month and currency, from the records:
    /// deliveries, receipts, deviations opened and closed, contracts signed, completed and
    /// terminated, what falls due next month, and the monthly records filed (listed in a
    /// section of their own).
    public static func monthly(_ facts: [ContractFacts], months: [Month], _ q: ReportQuery) -> Report {
        let columns = [
            Column("office", "办事处 office"), Column("month", "月份 month"), Column("currency", "币种 currency"),
            Column("signed", "签订 signed"), Column("signedValue", "签订金额 signed value", summed: true),
            Column("deliveries", "交付次数 deliveries"), Column("deliveredValue", "交付金额 delivered value", summed: true),
            Column("receipts", "收款笔数 receipts"), Column("received", "收款 received", summed: true),
            Column("deviationsOpened", "偏差新增 deviations opened"), Column("deviationsClosed", "偏差关闭 deviations closed"),
            Column("completed", "履行完毕 completed"), Column("terminated", "终止 terminated"),
            Column("dueNextMonth", "下月到期应收 due next month", summed: true), Column("linesDueNextMonth", "下月交货行 lines due next month"),
            Column("monthlyRecords", "月度记录 monthly records"),
        ]
        struct Key: Hashable { var office: String, month: Month, currency: String }
        struct Acc { var ints: [String: Int] = [:]; var money: [String: Dec] = [:] }
        var acc: [Key: Acc] = [:]
        var filed: [Row] = []
        let wanted = Set(months)
        for f in facts {
            guard q.matches(f) else { continue }
            let e = f.events
            func add(_ d: CivilDate?, _ key: String, count: Int = 1, money: Dec? = nil) {
                guard let d, wanted.contains(Month(d)) else { return }
                let k = Key(office: f.office, month: Month(d), currency: f.currency)
                acc[k, default: Acc()].ints[key, default: 0] += count
                if let money { acc[k, default: Acc()].money[key + "Value", default: .zero] += money }
            }
            add(f.signDate, "signed", money: f.total)
            let prices = Dictionary(f.lines.map { ($0.id, $0.unitPrice) }) { a, _ in a }
            for d in e.deliveries { add(d.date, "deliveries", money: (d.quantity * (prices[d.line] ?? .zero)).rounded(decimals: 2)) }
            for r in f.receipts { add(r.date, "receipts", money: r.amount) }
            for d in e.deviationsFiled { add(d, "deviationsOpened") }
            for d in e.deviationsClosed { add(d, "deviationsClosed") }
            add(f.closed.completed, "completed"); add(f.closed.terminated, "terminated")
            for r in e.monthlyRecords where wanted.contains(r.month) {
                if let o = q.office, r.office != o { continue }
                let k = Key(office: r.office, month: r.month, currency: f.currency)
                acc[k, default: Acc()].ints["monthlyRecords", default: 0] += 1
                filed.append(Row(["office": .text(r.office), "month": .text(r.month.description), "number": .text(f.number),
                                  "author": .text(r.author), "progress": .text(r.progress), "problems": .text(r.problems),
                                  "coordination": .text(r.coordination), "nextMonthPlan": .text(r.nextMonthPlan),
                                  "currency": .text(f.currency)], currency: f.currency, conflicted: f.conflicted, groupKey: r.office))
            }
            // What falls due in the month after each reported month (signed and executing contracts).
            if ContractFacts.owesMoney(f.status) {
                for m in months {
                    let next = m.next
                    let due = f.milestones.filter { next.contains($0.due) }.map(\.outstanding).sum()
                    let lines = f.lines.filter { next.contains($0.deadline) && $0.outstanding.isPositive }.count
                    guard due.isPositive || lines > 0 else { continue }
                    let k = Key(office: f.office, month: m, currency: f.currency)
                    acc[k, default: Acc()].money["dueNextMonth", default: .zero] += due
                    acc[k, default: Acc()].ints["linesDueNextMonth", default: 0] += lines
                }
            }
        }
        let rows = acc.keys.sorted { ($0.office, $0.month, $0.currency) < ($1.office, $1.month, $1.currency) }.map { k -> Row in
            let a = acc[k] ?? Acc()
            var cells: [String: Cell] = ["office": .text(k.office), "month": .text(k.month.description), "currency": .text(k.currency)]
            for key in ["signed", "deliveries", "receipts", "deviationsOpened", "deviationsClosed", "completed", "terminated", "linesDueNextMonth", "monthlyRecords"] {
                cells[key] = .int(a.ints[key] ?? 0)
            }
            cells["signedValue"] = .money(a.money["signedValue"] ?? .zero)
            cells["deliveredValue"] = .money(a.money["deliveriesValue"] ?? .zero)
            cells["received"] = .money(a.money["receiptsValue"] ?? .zero)
            cells["dueNextMonth"] = .money(a.money["dueNextMonth"] ?? .zero)
            return Row(cells, currency: k.currency, groupKey: q.groupBy == .month ? k.month.description : k.office)
        }
        let recordColumns = [Column("office", "办事处 office"), Column("month", "月份 month"), Column("number", "合同编号 number"),
                             Column("author", "填报人 author"), Column("progress", "执行情况 progress"), Column("problems", "问题 problems"),
                             Column("coordination", "协调 coordination"), Column("nextMonthPlan", "下月计划 next month")]
        var echo = q.echo
        echo["months"] = months.map(\.description).joined(separator: ",")
        return Report(kind: "monthly", title: "月度执行报告 Monthly office report (form 5)", asOf: q.asOf, filters: echo,
                      groupBy: q.groupBy.map { $0 == .month ? "month" : "office" },
                      sections: [Section(name: "offices", title: "办事处月度汇总 Per office and month", columns: columns, rows: rows, grouped: q.groupBy != nil),
                                 Section(name: "records", title: "月度记录 Monthly records filed", columns: recordColumns, rows: filed, grouped: false)],
                      notes: ["rows per office, month and currency; counts are of records dated in the month (deliveries, receipts by their date; deviations by filing; completion and termination by the commit that took the action)",
                              "due next month: unpaid milestones and undelivered lines of signed and executing contracts falling due in the following month"])
    }
}
