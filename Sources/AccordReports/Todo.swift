import AccordObjects
import AccordStore
import AccordContracts

/// Who asks "what waits for me": a name (matched against contract owners), a role, an office.
public struct TodoActor: Sendable {
    public var name: String
    public var email: String
    public var role: Role
    public var office: String
    public init(name: String, email: String, role: Role, office: String) { self.name = name; self.email = email; self.role = role; self.office = office }

    /// Office roles see their own office's contracts; head-office roles (legal, finance,
    /// management, contract administration, supervision) see every office.
    public var officeBound: Bool { [.salesRep, .salesAdmin, .salesHead, .businessOffice, .contractSpecialist].contains(role) }
    func sees(_ office: String) -> Bool { !officeBound || self.office.isEmpty || office == self.office }
}

/// One thing waiting for someone (待办).
public struct TodoItem: Hashable, Sendable {
    /// review, sign, changeRequest, terminationRequest, leaderDecision, riskyShipment, conflict,
    /// executionResult, start, expiring, expired, overdueMilestone, lateLine.
    public var kind: String
    public var number: String
    public var office: String
    public var owner: String
    /// What to do, in words.
    public var detail: String
    /// The record it is about (a request, a report), when there is one.
    public var record: String?
    /// The day it fell or falls due, when it has one.
    public var date: CivilDate?
    public var amount: Dec?
    public var currency: String?

    public static let order = ["review", "sign", "changeRequest", "terminationRequest", "leaderDecision", "riskyShipment", "conflict",
                               "executionResult", "start", "expired", "expiring", "overdueMilestone", "lateLine"]

    public var json: JSON {
        var o: [String: JSON] = ["kind": .string(kind), "number": .string(number), "office": .string(office), "owner": .string(owner),
                                 "detail": .string(detail)]
        if let record { o["record"] = .string(record) }
        if let date { o["date"] = .string(date.description) }
        if let amount { o["amount"] = .string(amount.formatted(decimals: 2)) }
        if let currency { o["currency"] = .string(currency) }
        return .object(o)
    }
}

public enum TodoQueue {
    /// Everything waiting for `actor`, sorted by kind (see `TodoItem.order`) then contract.
    /// `submitter` says who submitted a contract now in review (nil: unknown, e.g. imported).
    public static func items(_ snapshots: [Snapshot], actor: TodoActor, policy: LifecyclePolicy, asOf: CivilDate, within: Int,
                             submitter: (Snapshot) -> (name: String, email: String)?) -> [TodoItem] {
        var out: [TodoItem] = []
        let facts = snapshots.map(ContractFacts.init(snapshot:))
        for (s, f) in zip(snapshots, facts) {
            let c = s.state.contract, st = s.state
            func item(_ kind: String, _ detail: String, record: String? = nil, date: CivilDate? = nil, amount: Dec? = nil) -> TodoItem {
                TodoItem(kind: kind, number: c.number, office: c.office, owner: c.owner, detail: detail, record: record, date: date,
                         amount: amount, currency: amount == nil ? nil : c.currency)
            }
            let visible = actor.sees(c.office)
            // Reviews at a stage my role approves, not of contracts I submitted.
            if visible, c.status.isReview, policy.approvers[c.status]?.contains(actor.role) == true, !s.isConflicted {
                let by = submitter(s)
                if by == nil || !(by?.name == actor.name && by?.email == actor.email) {
                    out.append(item("review", "review at \(c.status.code) (\(c.status.label)): approve or reject"))
                }
            }
            if visible, c.status == .approved, policy.signers.contains(actor.role) {
                out.append(item("sign", "approved: sign it"))
            }
            // Change and termination requests not yet decided by a review naming them.
            if visible, c.status == .signed || c.status == .executing, policy.changeApprovers.contains(actor.role) {
                let decided = Set(st.records(.review).compactMap { $0.text("subject") })
                for r in st.effective(.changeRequest) where !decided.contains(r.id) {
                    out.append(item("changeRequest", "change request: \(r.text("content") ?? "")", record: r.id, date: r.filedDate))
                }
                for r in st.effective(.terminationRequest) where !decided.contains(r.id) {
                    out.append(item("terminationRequest", "termination request: \(r.text("reason") ?? "")", record: r.id, date: r.filedDate))
                }
            }
            // Deviation reports waiting for a leader decision.
            let decisions = Set(st.records(.leaderDecision).compactMap { $0.text("report") })
            if visible, policy.leadership.contains(actor.role) {
                for r in st.effective(.deviationReport) where !decisions.contains(r.id) {
                    out.append(item("leaderDecision", "deviation report waiting for a decision: \(r.text("summary") ?? "")", record: r.id, date: r.filedDate))
                }
            }
            // Risky-shipment requests without a decision wait for management.
            if visible, actor.role == .management {
                for r in st.effective(.riskyShipmentRequest) where (r.text("decision") ?? "").isEmpty {
                    out.append(item("riskyShipment", "risky shipment request: \(r.text("items") ?? "") (\(r.text("reason") ?? ""))", record: r.id,
                                    date: r.filedDate, amount: r.dec("value")))
                }
            }
            let mine = !actor.name.isEmpty && c.owner == actor.name
            // Conflicts: contract administration, and the contract's owner.
            if s.isConflicted, mine || actor.role == .contractAdmin {
                out.append(item("conflict", "unresolved conflict at \(s.conflicts.map(\.path).joined(separator: ", ")) (accord conflicts \(c.number))"))
            }
            if mine { out += ownerItems(f, st, asOf: asOf, within: within, expiring: expiringState(f, facts, asOf: asOf, within: within)) }
        }
        return sorted(out)
    }

    static func sorted(_ items: [TodoItem]) -> [TodoItem] {
        items.sorted {
            let a = TodoItem.order.firstIndex(of: $0.kind) ?? 99, b = TodoItem.order.firstIndex(of: $1.kind) ?? 99
            return (a, $0.number, $0.record ?? "", $0.date?.daysSinceEpoch ?? 0) < (b, $1.number, $1.record ?? "", $1.date?.daysSinceEpoch ?? 0)
        }
    }

    /// Whether the expiring report lists the contract: (expiry date, days left) or nil.
    static func expiringState(_ f: ContractFacts, _ all: [ContractFacts], asOf: CivilDate, within: Int) -> (CivilDate, Int)? {
        var q = ReportQuery(asOf: asOf)
        q.within = within
        let rows = Reports.expiring([f] + all.filter { $0.renews == f.number }, q).sections.first?.rows ?? []
        guard let row = rows.first(where: { $0["number"].text == f.number }), case let .date(x) = row["expiryDate"], case let .int(d) = row["daysLeft"] else { return nil }
        return (x, d)
    }

    /// What waits for a contract's owner: execution results to record, a signed contract to
    /// start, expiry, overdue milestones, lines past their deadline.
    static func ownerItems(_ f: ContractFacts, _ st: ContractState, asOf: CivilDate, within: Int, expiring: (CivilDate, Int)?) -> [TodoItem] {
        var out: [TodoItem] = []
        func item(_ kind: String, _ detail: String, record: String? = nil, date: CivilDate? = nil, amount: Dec? = nil) -> TodoItem {
            TodoItem(kind: kind, number: f.number, office: f.office, owner: f.owner, detail: detail, record: record, date: date,
                     amount: amount, currency: amount == nil ? nil : f.currency)
        }
        let decided = Set(st.records(.leaderDecision).compactMap { $0.text("report") })
        let results = Set(st.records(.executionResult).compactMap { $0.text("report") })
        for r in st.effective(.deviationReport) where decided.contains(r.id) && !results.contains(r.id) {
            out.append(item("executionResult", "deviation decided; record the execution result: \(r.text("summary") ?? "")", record: r.id, date: r.filedDate))
        }
        if f.status == .signed, let start = f.effectiveDate ?? f.signDate, start <= asOf.adding(days: within) {
            out.append(item("start", start <= asOf ? "signed and effective since \(start): start it" : "signed, effective \(start): start it then", date: start))
        }
        if let (x, days) = expiring {
            out.append(days < 0 ? item("expired", "expired \(x) (\(-days) days ago) and not renewed", date: x)
                                : item("expiring", "expires \(x) (in \(days) days): renew or let it end", date: x))
        }
        if ContractFacts.owesMoney(f.status) {
            for m in f.milestones {
                guard let days = m.daysOverdue(asOf: asOf), let due = m.due else { continue }
                out.append(item("overdueMilestone", "milestone \(m.id) (\(m.kind.label)) due \(due), \(days) days overdue: \(m.outstanding.formatted(decimals: 2)) \(f.currency) unpaid",
                                record: m.id, date: due, amount: m.outstanding))
            }
            for l in f.lines {
                guard let d = l.deadline, d < asOf, l.outstanding.isPositive else { continue }
                out.append(item("lateLine", "line \(l.id) \(l.name): \(l.outstanding) \(l.unit) not delivered, deadline \(d)", record: l.id, date: d,
                                amount: l.outstandingValue.rounded(decimals: 2)))
            }
        }
        return out
    }

    /// The reminder digest (合同到期提醒, 逾期): per owner, what waits on their contracts.
    public static func digest(_ snapshots: [Snapshot], asOf: CivilDate, within: Int, owner: String? = nil) -> [(owner: String, items: [TodoItem])] {
        let facts = snapshots.map(ContractFacts.init(snapshot:))
        var byOwner: [String: [TodoItem]] = [:]
        for (s, f) in zip(snapshots, facts) where owner == nil || f.owner == owner {
            let items = ownerItems(f, s.state, asOf: asOf, within: within, expiring: expiringState(f, facts, asOf: asOf, within: within))
            if !items.isEmpty { byOwner[f.owner, default: []] += items }
        }
        return byOwner.keys.sorted().map { ($0, sorted(byOwner[$0] ?? [])) }
    }

    /// Who submitted the contract for its current review: the author of the newest commit on
    /// its first-parent chain whose `Accord-Action` is submit (nil if none, e.g. imported).
    public static func submitter(_ store: ContractStore, _ s: Snapshot) -> (name: String, email: String)? {
        var id: ObjectID? = s.commit
        var steps = 0
        while let current = id, steps < 10_000 {
            guard let commit = try? store.repository.objects.readCommit(current) else { return nil }
            if Trailers.parse(commit.messageText)["Accord-Action"] == Action.submit.code { return (commit.author.name, commit.author.email) }
            id = commit.parents.first
            steps += 1
        }
        return nil
    }
}
