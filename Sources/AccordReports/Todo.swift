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
    public static func items(_ facts: [ContractFacts], actor: TodoActor, policy: LifecyclePolicy, asOf: CivilDate, within: Int) -> [TodoItem] {
        var out: [TodoItem] = []
        let renewals = renewalsByContract(facts)
        for f in facts {
            func item(_ kind: String, _ detail: String, record: String? = nil, date: CivilDate? = nil, amount: Dec? = nil) -> TodoItem {
                TodoItem(kind: kind, number: f.number, office: f.office, owner: f.owner, detail: detail, record: record, date: date,
                         amount: amount, currency: amount == nil ? nil : f.currency)
            }
            let visible = actor.sees(f.office)
            // Reviews at a stage my role approves, not of contracts I submitted.
            if visible, f.status.isReview, policy.approvers[f.status]?.contains(actor.role) == true, !f.conflicted,
               f.submitter != Person(name: actor.name, email: actor.email) {
                out.append(item("review", "review at \(f.status.code) (\(f.status.label)): approve or reject"))
            }
            if visible, f.status == .approved, policy.signers.contains(actor.role) { out.append(item("sign", "approved: sign it")) }
            for p in f.pending {
                switch p.kind {
                case "changeRequest", "terminationRequest":
                    // Decided by the change approvers, on a signed or executing contract.
                    if visible, ContractFacts.owesMoney(f.status), policy.changeApprovers.contains(actor.role) {
                        out.append(item(p.kind, p.detail, record: p.record, date: p.filed))
                    }
                case "leaderDecision":
                    if visible, policy.leadership.contains(actor.role) { out.append(item(p.kind, p.detail, record: p.record, date: p.filed)) }
                case "riskyShipment":
                    if visible, actor.role == .management { out.append(item(p.kind, p.detail, record: p.record, date: p.filed, amount: p.amount)) }
                default: break
                }
            }
            let mine = !actor.name.isEmpty && f.owner == actor.name
            // Conflicts: contract administration, and the contract's owner.
            if f.conflicted, mine || actor.role == .contractAdmin {
                out.append(item("conflict", "unresolved conflict at \(f.conflictPaths.joined(separator: ", ")) (accord conflicts \(f.number))"))
            }
            if mine { out += ownerItems(f, asOf: asOf, within: within, renewals: renewals[f.number] ?? []) }
        }
        return sorted(out)
    }

    static func sorted(_ items: [TodoItem]) -> [TodoItem] {
        items.sorted {
            let a = TodoItem.order.firstIndex(of: $0.kind) ?? 99, b = TodoItem.order.firstIndex(of: $1.kind) ?? 99
            return (a, $0.number, $0.record ?? "", $0.date?.daysSinceEpoch ?? 0) < (b, $1.number, $1.record ?? "", $1.date?.daysSinceEpoch ?? 0)
        }
    }

    static func renewalsByContract(_ facts: [ContractFacts]) -> [String: [ContractFacts]] {
        var out: [String: [ContractFacts]] = [:]
        for f in facts where f.signKind == .renewal && f.status != .cancelled { if let r = f.renews { out[r, default: []].append(f) } }
        return out
    }

    /// What waits for a contract's owner: execution results to record, a signed contract to
    /// start, expiry (as the expiring report lists it), overdue milestones, lines past their deadline.
    static func ownerItems(_ f: ContractFacts, asOf: CivilDate, within: Int, renewals: [ContractFacts]) -> [TodoItem] {
        var out: [TodoItem] = []
        func item(_ kind: String, _ detail: String, record: String? = nil, date: CivilDate? = nil, amount: Dec? = nil) -> TodoItem {
            TodoItem(kind: kind, number: f.number, office: f.office, owner: f.owner, detail: detail, record: record, date: date,
                     amount: amount, currency: amount == nil ? nil : f.currency)
        }
        for p in f.pending where p.kind == "executionResult" { out.append(item(p.kind, p.detail, record: p.record, date: p.filed)) }
        if f.status == .signed, let start = f.effectiveDate ?? f.signDate, start <= asOf.adding(days: within) {
            out.append(item("start", start <= asOf ? "signed and effective since \(start): start it" : "signed, effective \(start): start it then", date: start))
        }
        var q = ReportQuery(asOf: asOf)
        q.within = within
        if let row = Reports.expiring([f] + renewals, q).sections.first?.rows.first(where: { $0["number"].text == f.number }),
           case let .date(x) = row["expiryDate"], case let .int(days) = row["daysLeft"] {
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
    public static func digest(_ facts: [ContractFacts], asOf: CivilDate, within: Int, owner: String? = nil) -> [(owner: String, items: [TodoItem])] {
        let renewals = renewalsByContract(facts)
        var byOwner: [String: [TodoItem]] = [:]
        for f in facts where owner == nil || f.owner == owner {
            let items = ownerItems(f, asOf: asOf, within: within, renewals: renewals[f.number] ?? [])
            if !items.isEmpty { byOwner[f.owner, default: []] += items }
        }
        return byOwner.keys.sorted().map { ($0, sorted(byOwner[$0] ?? [])) }
    }

    /// Who submitted the contract for its current review: the author of the newest commit on
    /// its first-parent chain whose `Accord-Action` is submit (nil if none, e.g. imported).
    public static func submitter(_ store: ContractStore, _ s: Snapshot) -> Person? {
        var id: ObjectID? = s.commit
        var steps = 0
        while let current = id, steps < 10_000 {
            guard let commit = try? store.repository.objects.readCommit(current) else { return nil }
            if Trailers.parse(commit.messageText)["Accord-Action"] == Action.submit.code { return Person(name: commit.author.name, email: commit.author.email) }
            id = commit.parents.first
            steps += 1
        }
        return nil
    }
}
