import Foundation
import AccordObjects
import AccordStore
import AccordContracts
import AccordIndex

/// Every contract's facts, kept in the query index (`<gitDir>/accord/index.sqlite`, the `facts`
/// table) keyed by head commit: only contracts whose head moved are read again, and only their
/// rows are written. Derived data: deleting the index is always safe, and a row that does not
/// read (another version's encoding, damage) is a miss (that contract is read from the store
/// again). An index that cannot be written leaves the answer right, only slower next time.
extension ReportSource {
    public static func facts(_ store: ContractStore) throws(ContractStoreError) -> (facts: [ContractFacts], failures: [(number: String, error: ContractStoreError)]) {
        let index = try? QueryIndex.open(store).index
        let rows = (try? index?.facts()) ?? []
        // Decoding the rows is most of a warm run: on every core.
        let decoded = Parallel.map(rows.count) { i -> ContractFacts? in
            let row = rows[i]
            guard let j = try? JSON.parse(row.facts, maxBytes: 64 << 20), let f = ContractFacts(json: j), f.number == row.number, f.head.hex == row.head else { return nil }
            return f
        }
        var cached: [String: ContractFacts] = [:]
        cached.reserveCapacity(decoded.count)
        for f in decoded { if let f { cached[f.number] = f } }
        let heads = try store.all()
        var out = [ContractFacts?](repeating: nil, count: heads.count)
        var missing: [Int] = []
        for (i, h) in heads.enumerated() {
            if let f = cached[h.number], f.head == h.head { out[i] = f } else { missing.append(i) }
        }
        var failures: [(number: String, error: ContractStoreError)] = []
        var fresh: [(number: String, head: String, facts: String)] = []
        if !missing.isEmpty {
            let todo = missing.map { heads[$0] }
            let results = Parallel.map(todo.count) { k -> Result<ContractFacts, ContractStoreError> in
                do throws(ContractStoreError) {
                    let snap = try store.load(commit: todo[k].head)
                    var f = ContractFacts(snapshot: snap)
                    if f.status.isReview { f.submitter = TodoQueue.submitter(store, snap) }
                    return .success(f)
                } catch { return .failure(error) }
            }
            for (k, r) in results.enumerated() {
                switch r {
                case let .success(f):
                    out[missing[k]] = f
                    fresh.append((f.number, f.head.hex, f.json.compact))
                case let .failure(e): failures.append((heads[missing[k]].number, e))
                }
            }
        }
        let live = Set(heads.map(\.number))
        try? index?.updateFacts(fresh, removing: rows.map(\.number).filter { !live.contains($0) })
        return (out.compactMap { $0 }, failures)
    }
}

// MARK: the cache's encoding (strict: any field missing or malformed and the line is a miss)

extension ContractFacts {
    var json: JSON {
        func d(_ v: Dec) -> JSON { .string(v.description) }
        func day(_ v: CivilDate?) -> JSON { v.map { .string($0.description) } ?? .null }
        return .object([
            "number": .string(number), "head": .string(head.hex), "type": .string(type.code), "status": .string(status.code),
            "subject": .string(subject), "buyer": .string(buyer), "office": .string(office), "owner": .string(owner),
            "currency": .string(currency), "total": d(total), "signDate": day(signDate), "effectiveDate": day(effectiveDate),
            "expiry": expiry.map { .string($0.description) } ?? .null, "signKind": .string(signKind.code), "renews": renews.map(JSON.string) ?? .null,
            "received": d(received), "writtenOff": d(writtenOff), "invoiced": d(invoiced),
            "receipts": .array(receipts.map { .array([.string($0.date.description), d($0.amount)]) }),
            "lines": .array(lines.map { l in .array([.string(l.id), .string(l.name), .string(l.unit), d(l.quantity), d(l.unitPrice), d(l.amount), d(l.delivered), day(l.deadline)]) }),
            "milestones": .array(milestones.map { m in .array([.string(m.id), .string(m.kind.code), d(m.amount), day(m.due), m.dueSource.map(JSON.string) ?? .null, m.trigger.map(JSON.string) ?? .null, d(m.received)]) }),
            "openDeviations": .number(String(openDeviations)), "conflicts": .array(conflictPaths.map(JSON.string)),
            "pending": .array(pending.map { p in .array([.string(p.kind), .string(p.record), .string(p.detail), .string(p.filed.description), p.amount.map(d) ?? .null]) }),
            "submitter": submitter.map { .array([.string($0.name), .string($0.email)]) } ?? .null,
        ])
    }

    init?(json: JSON) {
        guard let o = json.object else { return nil }
        func s(_ k: String) -> String? { o[k]?.string }
        func dec(_ j: JSON?) -> Dec? { j?.string.flatMap { try? Dec.parse($0, maxDecimals: 6) } }
        func day(_ j: JSON?) -> CivilDate?? {
            guard let j else { return nil }
            if j == .null { return .some(nil) }
            return j.string.flatMap { try? CivilDate.parse($0) }.map { .some($0) }
        }
        func optString(_ j: JSON?) -> String?? {
            guard let j else { return nil }
            if j == .null { return .some(nil) }
            return j.string.map { .some($0) }
        }
        guard let number = s("number"), let head = s("head").flatMap(ObjectID.init(hex:)), let type = s("type").flatMap(ContractType.init(code:)),
              let status = s("status").flatMap(Status.init(code:)), let subject = s("subject"), let buyer = s("buyer"), let office = s("office"),
              let owner = s("owner"), let currency = s("currency"), let total = dec(o["total"]), let signDate = day(o["signDate"]),
              let effectiveDate = day(o["effectiveDate"]), let expiryText = optString(o["expiry"]), let signKind = s("signKind").flatMap(SignKind.init(code:)),
              let renews = optString(o["renews"]), let received = dec(o["received"]), let writtenOff = dec(o["writtenOff"]), let invoiced = dec(o["invoiced"]),
              let receiptList = o["receipts"]?.array, let lineList = o["lines"]?.array, let milestoneList = o["milestones"]?.array,
              case let .number(devs)? = o["openDeviations"], let openDeviations = Int(devs), let conflicts = o["conflicts"]?.array,
              let pendingList = o["pending"]?.array, let submitterJSON = o["submitter"] else { return nil }
        var expiry: Expiry?
        if let t = expiryText {
            if t == "open-ended" { expiry = .openEnded } else { guard let d = try? CivilDate.parse(t) else { return nil }; expiry = .date(d) }
        }
        var receipts: [(date: CivilDate, amount: Dec)] = []
        for r in receiptList {
            guard let a = r.array, a.count == 2, let d = a[0].string.flatMap({ try? CivilDate.parse($0) }), let v = dec(a[1]) else { return nil }
            receipts.append((d, v))
        }
        var lines: [LineFacts] = []
        for l in lineList {
            guard let a = l.array, a.count == 8, let id = a[0].string, let name = a[1].string, let unit = a[2].string, let q = dec(a[3]), let p = dec(a[4]),
                  let amount = dec(a[5]), let delivered = dec(a[6]), let deadline = day(a[7]) else { return nil }
            lines.append(LineFacts(id: id, name: name, unit: unit, quantity: q, unitPrice: p, amount: amount, delivered: delivered, deadline: deadline))
        }
        var milestones: [MilestoneFacts] = []
        for m in milestoneList {
            guard let a = m.array, a.count == 7, let id = a[0].string, let kind = a[1].string.flatMap(MilestoneKind.init(code:)), let amount = dec(a[2]),
                  let due = day(a[3]), let source = optString(a[4]), let trigger = optString(a[5]), let got = dec(a[6]) else { return nil }
            milestones.append(MilestoneFacts(id: id, kind: kind, amount: amount, due: due, dueSource: source, trigger: trigger, received: got))
        }
        var pending: [PendingItem] = []
        for p in pendingList {
            guard let a = p.array, a.count == 5, let kind = a[0].string, let record = a[1].string, let detail = a[2].string,
                  let filed = a[3].string.flatMap({ try? CivilDate.parse($0) }) else { return nil }
            let amount: Dec?
            if a[4] == .null { amount = nil } else { guard let v = dec(a[4]) else { return nil }; amount = v }
            pending.append(PendingItem(kind: kind, record: record, detail: detail, filed: filed, amount: amount))
        }
        var submitter: Person?
        if submitterJSON != .null {
            guard let a = submitterJSON.array, a.count == 2, let n = a[0].string, let e = a[1].string else { return nil }
            submitter = Person(name: n, email: e)
        }
        let paths = conflicts.compactMap(\.string)
        guard paths.count == conflicts.count else { return nil }
        self.init(number: number, head: head, type: type, status: status, subject: subject, buyer: buyer, office: office, owner: owner,
                  currency: currency, total: total, signDate: signDate, effectiveDate: effectiveDate, expiry: expiry, signKind: signKind,
                  renews: renews, received: received, writtenOff: writtenOff, invoiced: invoiced, receipts: receipts, lines: lines,
                  milestones: milestones, openDeviations: openDeviations, conflictPaths: paths, pending: pending, submitter: submitter)
    }

    init(number: String, head: ObjectID, type: ContractType, status: Status, subject: String, buyer: String, office: String, owner: String,
         currency: String, total: Dec, signDate: CivilDate?, effectiveDate: CivilDate?, expiry: Expiry?, signKind: SignKind, renews: String?,
         received: Dec, writtenOff: Dec, invoiced: Dec, receipts: [(date: CivilDate, amount: Dec)], lines: [LineFacts],
         milestones: [MilestoneFacts], openDeviations: Int, conflictPaths: [String], pending: [PendingItem], submitter: Person?) {
        self.number = number; self.head = head; self.type = type; self.status = status; self.subject = subject; self.buyer = buyer
        self.office = office; self.owner = owner; self.currency = currency; self.total = total; self.signDate = signDate
        self.effectiveDate = effectiveDate; self.expiry = expiry; self.signKind = signKind; self.renews = renews; self.received = received
        self.writtenOff = writtenOff; self.invoiced = invoiced; self.receipts = receipts; self.lines = lines; self.milestones = milestones
        self.openDeviations = openDeviations; self.conflictPaths = conflictPaths; self.pending = pending; self.submitter = submitter
    }
}
