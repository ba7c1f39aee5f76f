import AccordContracts

/// The weights of the performance score (履约绩效评估), from `accord.performance.weights`
/// (`delivery=40,quality=30,payment=20,complaints=10` by default).
public struct PerformanceWeights: Sendable, Equatable {
    public var delivery = Dec(40), quality = Dec(30), payment = Dec(20), complaints = Dec(10)
    public init() {}

    public static let keys = ["delivery", "quality", "payment", "complaints"]

    public init(config: String) throws(ContractError) {
        self.init()
        var seen: Set<String> = []
        for part in config.split(separator: ",") {
            let kv = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard kv.count == 2, PerformanceWeights.keys.contains(kv[0]) else {
                throw ContractError("accord.performance.weights", "'\(part)' is not NAME=WEIGHT with NAME one of \(PerformanceWeights.keys.joined(separator: ", "))")
            }
            let w: Dec
            do { w = try Dec.parse(kv[1], maxDecimals: 2) } catch { throw ContractError("accord.performance.weights", "\(kv[0]): \(error.description)") }
            guard !w.isNegative else { throw ContractError("accord.performance.weights", "\(kv[0]): a weight cannot be negative") }
            seen.insert(kv[0])
            switch kv[0] { case "delivery": delivery = w; case "quality": quality = w; case "payment": payment = w; default: complaints = w }
        }
        guard delivery + quality + payment + complaints > .zero else { throw ContractError("accord.performance.weights", "the weights sum to 0") }
    }
}

/// One contract's performance over a period, each component a percentage (nil: nothing to judge).
public struct PerformanceScore: Sendable {
    /// Delivered value on time ÷ (value delivered + value now past its deadline undelivered).
    public var delivery: Dec?
    /// Passed acceptances ÷ acceptances.
    public var quality: Dec?
    /// Milestone money due in the period paid by its due date ÷ money due.
    public var payment: Dec?
    public var complaints: Int
    /// 100 − 20 per complaint, at least 0.
    public var complaintScore: Dec { let v = Dec(100) - Dec(20 * complaints); return v.isNegative ? .zero : v }
    public var lateDeliveries: Int
    public var onTimeDeliveries: Int

    /// Σ weight × score ÷ Σ weight over the components that have a score.
    public func overall(_ w: PerformanceWeights) -> Dec? {
        let parts: [(Dec?, Dec)] = [(delivery, w.delivery), (quality, w.quality), (payment, w.payment), (complaintScore, w.complaints)]
        let have = parts.compactMap { p in p.0.map { ($0, p.1) } }
        let weights = have.map(\.1).sum()
        guard weights.isPositive, delivery != nil || quality != nil || payment != nil else { return nil }
        return have.map { $0.0 * $0.1 }.sum().percent(of: weights * Dec(100))
    }
}

extension Reports {
    /// Scores one contract: deliveries, acceptances and complaints dated in `period` (all if
    /// nil); milestones falling due in the period and by `asOf`, paid by their due date.
    public static func score(_ f: ContractFacts, asOf: CivilDate, period: ClosedRange<CivilDate>?) -> PerformanceScore {
        func inside(_ d: CivilDate?) -> Bool { guard let d else { return false }; return d <= asOf && (period?.contains(d) ?? true) }
        let lines = Dictionary(f.lines.map { ($0.id, $0) }) { a, _ in a }
        var onTime = Dec.zero, all = Dec.zero, onTimeCount = 0, lateCount = 0
        // Deliveries in date order, each line counted up to its contracted quantity (as % delivered is).
        var sofar: [String: Dec] = [:]
        for d in f.events.deliveries {
            guard let l = lines[d.line] else { continue }
            let q = d.quantity, date = d.date
            let before = sofar[l.id] ?? .zero
            sofar[l.id] = before + q
            guard inside(date) else { continue }
            let room = l.quantity - before
            let counted = room.isPositive ? (q < room ? q : room) : .zero
            let v = counted * l.unitPrice
            all += v
            if let dl = l.deadline, date > dl { lateCount += 1 } else { onTime += v; onTimeCount += 1 }
        }
        for l in f.lines where ContractFacts.owesMoney(f.status) {
            if let dl = l.deadline, dl < asOf, inside(dl), l.outstanding.isPositive { all += l.outstandingValue; lateCount += 1 }
        }
        let acceptances = f.events.acceptances.filter { inside($0.date) }
        let passed = acceptances.filter(\.passed).count
        // Payment: receipts by date fill the milestones (named first, then by due date); the part
        // of each milestone filled on or before its due date was paid on time.
        var due = Dec.zero, paidOnTime = Dec.zero
        var filled = Dictionary(f.milestones.map { ($0.id, Dec.zero) }) { a, _ in a }
        var onTimeBy: [String: Dec] = [:]
        let order = f.milestones.sorted { ($0.due?.daysSinceEpoch ?? .max, $0.id) < ($1.due?.daysSinceEpoch ?? .max, $1.id) }
        for (date, amount, named) in f.receipts {
            var left = amount
            let targets = (named.flatMap { n in order.first { $0.id == n } }.map { [$0] } ?? []) + order
            for m in targets where left.isPositive {
                let room = m.amount - (filled[m.id] ?? .zero)
                guard room.isPositive else { continue }
                let take = room < left ? room : left
                filled[m.id, default: .zero] += take; left = left - take
                if let dd = m.due, date <= dd { onTimeBy[m.id, default: .zero] += take }
            }
        }
        for m in f.milestones where inside(m.due) {
            due += m.amount
            paidOnTime += onTimeBy[m.id] ?? .zero
        }
        return PerformanceScore(
            delivery: all.isPositive ? onTime.percent(of: all) : nil,
            quality: acceptances.isEmpty ? nil : Dec(passed).percent(of: Dec(acceptances.count)),
            payment: due.isPositive ? paidOnTime.percent(of: due) : nil,
            complaints: f.events.complaints.filter { inside($0) }.count,
            lateDeliveries: lateCount, onTimeDeliveries: onTimeCount)
    }

    /// The performance evaluation (履约绩效评估) of signed, executing, completed and archived
    /// contracts: per contract, or per owner or office (the mean of their contracts' scores, so
    /// no money of different currencies is ever weighed together).
    public static func performance(_ facts: [ContractFacts], _ q: ReportQuery, weights: PerformanceWeights, by: String) -> Report {
        let counted: Set<Status> = [.signed, .executing, .completed, .archived]
        var scored: [(ContractFacts, PerformanceScore)] = []
        for f in facts where counted.contains(f.status) && q.matches(f) { scored.append((f, score(f, asOf: q.asOf, period: q.period))) }
        func pct(_ d: Dec?) -> Cell { d.map(Cell.percent) ?? .empty }
        func summary(_ p: PerformanceScore, _ w: PerformanceWeights) -> String {
            var parts: [String] = []
            parts.append(p.delivery.map { "delivery \($0.formatted(decimals: 2))% of value on time (\(p.onTimeDeliveries) on time, \(p.lateDeliveries) late)" } ?? "no delivery due yet")
            parts.append(p.quality.map { "acceptance passed \($0.formatted(decimals: 2))%" } ?? "no acceptance yet")
            parts.append(p.payment.map { "payment \($0.formatted(decimals: 2))% of amounts due paid on time" } ?? "no payment due yet")
            parts.append(p.complaints == 0 ? "no complaints" : "\(p.complaints) complaint\(p.complaints == 1 ? "" : "s")")
            return parts.joined(separator: "; ")
        }
        var columns = [Column("key", by == "contract" ? "合同编号 number" : by == "owner" ? "负责人 owner" : "办事处 office")]
        if by == "contract" { columns += [Column("customer", "客户 customer"), Column("office", "办事处 office"), Column("owner", "负责人 owner")] } else { columns.append(Column("contracts", "合同数 contracts")) }
        columns += [Column("delivery", "交付及时 delivery %"), Column("quality", "验收合格 acceptance %"), Column("payment", "回款及时 payment %"),
                    Column("complaints", "投诉 complaints"), Column("score", "综合评分 score"), Column("summary", "评价 summary")]
        var rows: [Row] = []
        if by == "contract" {
            for (f, p) in scored.sorted(by: { $0.0.number < $1.0.number }) {
                rows.append(Row(["key": .text(f.number), "number": .text(f.number), "customer": .text(f.buyer), "office": .text(f.office), "owner": .text(f.owner),
                                 "delivery": pct(p.delivery), "quality": pct(p.quality), "payment": pct(p.payment), "complaints": .int(p.complaints),
                                 "score": pct(p.overall(weights)), "summary": .text(summary(p, weights))],
                                currency: f.currency, conflicted: f.conflicted, groupKey: q.groupKey(f, date: f.signDate)))
            }
        } else {
            var groups: [String: [(ContractFacts, PerformanceScore)]] = [:]
            for e in scored { groups[by == "owner" ? e.0.owner : e.0.office, default: []].append(e) }
            for k in groups.keys.sorted() {
                let g = groups[k] ?? []
                func mean(_ xs: [Dec?]) -> Dec? {
                    let v = xs.compactMap { $0 }
                    return v.isEmpty ? nil : v.sum().percent(of: Dec(v.count) * Dec(100))
                }
                let delivery = mean(g.map(\.1.delivery)), quality = mean(g.map(\.1.quality)), payment = mean(g.map(\.1.payment))
                let score = mean(g.map { $0.1.overall(weights) })
                let complaints = g.map(\.1.complaints).reduce(0, +)
                let text = "\(g.count) contract\(g.count == 1 ? "" : "s"); mean delivery \(delivery.map { $0.formatted(decimals: 2) + "%" } ?? "n/a"), acceptance \(quality.map { $0.formatted(decimals: 2) + "%" } ?? "n/a"), payment \(payment.map { $0.formatted(decimals: 2) + "%" } ?? "n/a"); \(complaints) complaint\(complaints == 1 ? "" : "s")"
                rows.append(Row(["key": .text(k), "contracts": .int(g.count), "delivery": pct(delivery), "quality": pct(quality), "payment": pct(payment),
                                 "complaints": .int(complaints), "score": pct(score), "summary": .text(text)], currency: "", groupKey: ""))
            }
        }
        var echo = q.echo
        echo["by"] = by
        echo["weights"] = "delivery=\(weights.delivery),quality=\(weights.quality),payment=\(weights.payment),complaints=\(weights.complaints)"
        return Report(kind: "performance", title: "履约绩效评估 Performance evaluation", asOf: q.asOf, filters: echo,
                      groupBy: by == "contract" ? q.groupBy?.rawValue : nil,
                      sections: [Section(name: by == "contract" ? "contracts" : by + "s", title: "绩效 Performance by \(by)", columns: columns, rows: rows,
                                         grouped: by == "contract" && q.groupBy != nil)],
                      notes: ["delivery: value delivered by its deadline ÷ (value delivered + value past its deadline undelivered); acceptance: passed ÷ acceptances; payment: milestone money due (in the period, by the as-of day) paid by its due date ÷ money due; complaints: 100 − 20 each",
                              "score: Σ weight × component ÷ Σ weight over the components that apply (accord.performance.weights)"])
    }
}
