import AccordObjects
import AccordStore
import AccordContracts

/// The figures of one contract that the reports read, derived from its head (domain.md §4).
/// Money is exact (`Dec`); nothing here is ever summed across currencies.
public struct ContractFacts: Hashable, Sendable {
    public var number: String
    public var head: ObjectID
    public var type: ContractType
    public var status: Status
    public var subject: String
    public var buyer: String
    public var office: String
    public var owner: String
    public var currency: String
    public var total: Dec
    public var signDate: CivilDate?
    public var effectiveDate: CivilDate?
    public var expiry: Expiry?
    public var signKind: SignKind
    public var renews: String?
    /// Effective (not superseded) payment receipts, write-offs and invoices.
    public var received: Dec
    public var writtenOff: Dec
    public var invoiced: Dec
    /// Effective receipts in date order, with the milestone each names.
    public var receipts: [(date: CivilDate, amount: Dec, milestone: String?)]
    public var lines: [LineFacts]
    public var milestones: [MilestoneFacts]
    public var openDeviations: Int
    public var conflictPaths: [String]
    public var conflicted: Bool { !conflictPaths.isEmpty }
    /// Requests and reports waiting for someone (the to-do queue's record-based items).
    public var pending: [PendingItem]
    /// Who submitted a contract now in review (set by the loader from the history; nil: unknown).
    public var submitter: Person?
    /// The dated records the monthly and performance reports count.
    public var events: ContractEvents
    /// When it was completed or terminated (set by the loader from the history).
    public var closed: LifecycleDates

    public static func == (a: ContractFacts, b: ContractFacts) -> Bool { a.number == b.number && a.head == b.head }
    public func hash(into h: inout Hasher) { h.combine(number); h.combine(head) }

    /// Receivable (应收): total − receipts − write-offs for signed and executing contracts, 0 otherwise.
    public var receivable: Dec { Self.owesMoney(status) ? total - received - writtenOff : .zero }

    /// Whether a contract in this status can owe money (signed or executing).
    public static func owesMoney(_ s: Status) -> Bool { s == .signed || s == .executing }

    /// Goods value: Σ line amounts.
    public var goodsValue: Dec { lines.map(\.amount).sum() }
    /// Delivered value: Σ min(delivered, contracted) × unit price.
    public var deliveredValue: Dec { lines.map(\.deliveredValue).sum() }
    /// % delivered by value (nil: no line items).
    public var deliveredPercent: Dec? { goodsValue.isZero ? nil : deliveredValue.percent(of: goodsValue) }

    /// The expiry date, if it is a date.
    public var expiryDate: CivilDate? { expiry?.date }

    public init(snapshot s: Snapshot) {
        let c = s.state.contract, st = s.state
        number = c.number; head = s.commit; type = c.type; status = c.status; subject = c.subject; buyer = c.buyer.name
        office = c.office; owner = c.owner; currency = c.currency; total = c.totalAmount; signDate = c.signDate
        effectiveDate = c.effectiveDate; expiry = c.expiryDate; signKind = c.signKind; renews = c.renews
        let receiptRecords = st.effective(.paymentReceipt)
        received = receiptRecords.compactMap { $0.dec("amount") }.sum()
        writtenOff = st.effective(.writeOff).compactMap { $0.dec("amount") }.sum()
        invoiced = st.effective(.invoice).compactMap { $0.dec("amount") }.sum()
        receipts = receiptRecords.compactMap { r in
            guard let d = r.date("date"), let a = r.dec("amount") else { return nil }
            return (d, a, r.text("milestone"))
        }.sorted { $0.date < $1.date }
        let delivered = Invariants.deliveredQuantities(st)
        lines = c.lineItems.map { i in
            LineFacts(id: i.id, name: i.name, unit: i.unit, quantity: i.quantity, unitPrice: i.unitPrice, amount: i.lineAmount,
                      delivered: delivered[i.id] ?? .zero, deadline: i.deadline ?? c.deliveryDeadline)
        }
        openDeviations = Invariants.openDeviationReports(st).count
        conflictPaths = s.conflicts.map(\.path)
        milestones = ContractFacts.allocate(c, st, lines: lines)
        pending = PendingItem.of(st)
        submitter = nil
        events = ContractEvents(st)
        closed = LifecycleDates()
    }

    /// Each milestone with its due date and what was received against it: receipts naming a
    /// milestone go to it (any excess to the pool); the pool (receipts naming none, and
    /// write-offs) fills the milestones in order of due date, then of listing.
    static func allocate(_ c: Contract, _ st: ContractState, lines: [LineFacts]) -> [MilestoneFacts] {
        var ms = c.paymentMilestones.map { m -> MilestoneFacts in
            let (due, source) = TriggerDate.due(m, c, st, lines: lines)
            return MilestoneFacts(id: m.id, kind: m.kind, amount: m.amount, due: due, dueSource: source, trigger: m.trigger, received: .zero)
        }
        var pool = st.effective(.writeOff).compactMap { $0.dec("amount") }.sum()
        for r in st.effective(.paymentReceipt) {
            guard let a = r.dec("amount") else { continue }
            if let id = r.text("milestone"), let k = ms.firstIndex(where: { $0.id == id }) {
                let room = ms[k].amount - ms[k].received
                if a > room { ms[k].received += room.isNegative ? .zero : room; pool += a - (room.isNegative ? .zero : room) }
                else { ms[k].received += a }
            } else { pool += a }
        }
        let order = ms.indices.sorted { (ms[$0].due?.daysSinceEpoch ?? Int.max, $0) < (ms[$1].due?.daysSinceEpoch ?? Int.max, $1) }
        for k in order where pool.isPositive {
            let room = ms[k].amount - ms[k].received
            guard room.isPositive else { continue }
            let take = room < pool ? room : pool
            ms[k].received += take; pool = pool - take
        }
        return ms
    }
}

/// The dated records of a contract that the monthly and performance reports count, as the
/// records say them (effective ones: a superseded record counts as its correction).
public struct ContractEvents: Hashable, Sendable {
    public struct Delivery: Hashable, Sendable { public var line: String, date: CivilDate, quantity: Dec, createdAt: String }
    public struct MonthlyRecord: Hashable, Sendable { public var month: Month, office: String, author: String, progress: String, problems: String, coordination: String, nextMonthPlan: String }
    /// In date order, then order of writing.
    public var deliveries: [Delivery] = []
    public var acceptances: [(date: CivilDate, passed: Bool)] = []
    public var complaints: [CivilDate] = []
    /// The filing days of the deviation reports; the days of their execution results.
    public var deviationsFiled: [CivilDate] = []
    public var deviationsClosed: [CivilDate] = []
    public var monthlyRecords: [MonthlyRecord] = []

    public init() {}
    init(_ st: ContractState) {
        deliveries = st.effective(.delivery).compactMap { d in
            guard let l = d.text("lineItem"), let date = d.date("date"), let q = d.dec("quantity") else { return nil }
            return Delivery(line: l, date: date, quantity: q, createdAt: d.createdAt)
        }.sorted { ($0.date.daysSinceEpoch, $0.createdAt) < ($1.date.daysSinceEpoch, $1.createdAt) }
        acceptances = st.effective(.acceptance).compactMap { a in a.date("date").map { ($0, a.text("result") == "passed") } }
        complaints = st.effective(.complaint).compactMap { $0.date("date") }
        deviationsFiled = st.effective(.deviationReport).map(\.filedDate)
        deviationsClosed = st.records(.executionResult).map { $0.date("date") ?? $0.filedDate }
        monthlyRecords = st.effective(.monthlyExecution).compactMap { r in
            guard let m = r.text("month").flatMap(Month.init) else { return nil }
            return MonthlyRecord(month: m, office: r.text("office") ?? st.contract.office, author: r.author, progress: r.text("progress") ?? "", problems: r.text("problems") ?? "",
                                 coordination: r.text("coordination") ?? "", nextMonthPlan: r.text("nextMonthPlan") ?? "")
        }
    }

    public static func == (a: ContractEvents, b: ContractEvents) -> Bool {
        a.deliveries == b.deliveries && a.acceptances.map(\.date) == b.acceptances.map(\.date) && a.acceptances.map(\.passed) == b.acceptances.map(\.passed)
            && a.complaints == b.complaints && a.deviationsFiled == b.deviationsFiled && a.deviationsClosed == b.deviationsClosed && a.monthlyRecords == b.monthlyRecords
    }
    public func hash(into h: inout Hasher) { h.combine(deliveries); h.combine(complaints); h.combine(monthlyRecords) }
}

public struct Person: Hashable, Sendable {
    public var name: String, email: String
    public init(name: String, email: String) { self.name = name; self.email = email }
}

/// A record waiting for a decision or a follow-up.
public struct PendingItem: Hashable, Sendable {
    /// changeRequest, terminationRequest (no review names it), leaderDecision (a deviation
    /// report without a decision), executionResult (decided, no result), riskyShipment (no decision).
    public var kind: String
    public var record: String
    public var detail: String
    public var filed: CivilDate
    public var amount: Dec?

    public static func of(_ st: ContractState) -> [PendingItem] {
        var out: [PendingItem] = []
        let reviewed = Set(st.records(.review).compactMap { $0.text("subject") })
        for r in st.effective(.changeRequest) where !reviewed.contains(r.id) {
            out.append(PendingItem(kind: "changeRequest", record: r.id, detail: "change request: \(r.text("content") ?? "")", filed: r.filedDate))
        }
        for r in st.effective(.terminationRequest) where !reviewed.contains(r.id) {
            out.append(PendingItem(kind: "terminationRequest", record: r.id, detail: "termination request: \(r.text("reason") ?? "")", filed: r.filedDate))
        }
        let decided = Set(st.records(.leaderDecision).compactMap { $0.text("report") })
        let results = Set(st.records(.executionResult).compactMap { $0.text("report") })
        for r in st.effective(.deviationReport) {
            if !decided.contains(r.id) {
                out.append(PendingItem(kind: "leaderDecision", record: r.id, detail: "deviation report waiting for a decision: \(r.text("summary") ?? "")", filed: r.filedDate))
            } else if !results.contains(r.id) {
                out.append(PendingItem(kind: "executionResult", record: r.id, detail: "deviation decided; record the execution result: \(r.text("summary") ?? "")", filed: r.filedDate))
            }
        }
        for r in st.effective(.riskyShipmentRequest) where (r.text("decision") ?? "").isEmpty {
            out.append(PendingItem(kind: "riskyShipment", record: r.id, detail: "risky shipment request: \(r.text("items") ?? "") (\(r.text("reason") ?? ""))",
                                   filed: r.filedDate, amount: r.dec("value")))
        }
        return out
    }
}

public struct LineFacts: Hashable, Sendable {
    public var id: String, name: String, unit: String
    public var quantity: Dec, unitPrice: Dec, amount: Dec
    public var delivered: Dec
    /// The line's deadline, else the contract's delivery deadline.
    public var deadline: CivilDate?
    public var outstanding: Dec { delivered < quantity ? quantity - delivered : .zero }
    public var deliveredValue: Dec { ((delivered < quantity ? delivered : quantity) * unitPrice) }
    public var outstandingValue: Dec { outstanding * unitPrice }
}

public struct MilestoneFacts: Hashable, Sendable {
    public var id: String
    public var kind: MilestoneKind
    public var amount: Dec
    /// The due date: the milestone's own, or the date its trigger's event happened (plus its term).
    public var due: CivilDate?
    /// "date", or the event a trigger was dated from (`acceptance`, `effective`, …); nil: not dated yet.
    public var dueSource: String?
    public var trigger: String?
    public var received: Dec
    public var outstanding: Dec { received < amount ? amount - received : .zero }
    public func daysOverdue(asOf: CivilDate) -> Int? {
        guard let due, due < asOf, outstanding.isPositive else { return nil }
        return asOf.daysSinceEpoch - due.daysSinceEpoch
    }
}

/// Dates a milestone that has no date of its own from its trigger's event: acceptance (验收),
/// the effective date (生效), signing (签订/签署), full delivery (交货/到货/发货), plus a term of
/// N days (天/日/days) when the trigger names one ("验收合格后 30 天内").
public enum TriggerDate {
    public static func due(_ m: Milestone, _ c: Contract, _ st: ContractState, lines: [LineFacts]) -> (CivilDate?, String?) {
        if let d = m.due { return (d, "date") }
        guard let t = m.trigger?.lowercased(), !t.isEmpty else { return (nil, nil) }
        var event: (CivilDate?, String)?
        if t.contains("验收") || t.contains("accept") {
            event = (st.effective(.acceptance).filter { $0.text("result") == "passed" }.compactMap { $0.date("date") }.min(), "acceptance")
        } else if t.contains("生效") || t.contains("effective") {
            event = (c.effectiveDate, "effective")
        } else if t.contains("签订") || t.contains("签署") || t.contains("sign") {
            event = (c.signDate, "signing")
        } else if t.contains("交货") || t.contains("到货") || t.contains("发货") || t.contains("deliver") {
            event = (fullDelivery(st, lines), "delivery")
        }
        guard let (date, what) = event, let date else { return (nil, nil) }
        return (date.adding(days: term(t)), what)
    }

    /// The date of the delivery that completed the last line (nil: not all delivered).
    static func fullDelivery(_ st: ContractState, _ lines: [LineFacts]) -> CivilDate? {
        guard !lines.isEmpty, lines.allSatisfy({ !$0.outstanding.isPositive }) else { return nil }
        return st.effective(.delivery).compactMap { $0.date("date") }.max()
    }

    /// The first number followed by 天, 日 or "day" in the text (0 if none).
    static func term(_ t: String) -> Int {
        let chars = Array(t)
        var i = 0
        while i < chars.count {
            guard chars[i].isASCII, chars[i].isNumber else { i += 1; continue }
            var j = i, n = 0
            while j < chars.count, chars[j].isASCII, chars[j].isNumber, n < 100_000 { n = n * 10 + (chars[j].wholeNumberValue ?? 0); j += 1 }
            var k = j
            while k < chars.count, chars[k] == " " { k += 1 }
            if k < chars.count, chars[k] == "天" || chars[k] == "日" || String(chars[k...].prefix(3)) == "day" { return n }
            i = j
        }
        return 0
    }
}
