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
        let rowOf = Dictionary(rows.indices.map { (rows[$0].number, $0) }, uniquingKeysWith: { a, _ in a })
        let heads = try store.all()
        // Only rows whose head is the contract's are decoded (the bulk of a warm run, so on
        // every core), each straight into its place.
        var out = Parallel.map(heads.count) { i -> ContractFacts? in
            guard let k = rowOf[heads[i].number], ObjectID(hex: rows[k].head) == heads[i].head else { return nil }
            return rows[k].facts.withUnsafeBytes { ContractFacts(number: heads[i].number, head: heads[i].head, encoded: $0) }
        }
        let missing = out.indices.filter { out[$0] == nil }
        var failures: [(number: String, error: ContractStoreError)] = []
        var fresh: [(number: String, head: String, facts: [UInt8])] = []
        if !missing.isEmpty {
            let todo = missing.map { heads[$0] }
            let results = Parallel.map(todo.count) { k -> Result<ContractFacts, ContractStoreError> in
                do throws(ContractStoreError) {
                    let snap = try store.load(commit: todo[k].head)
                    var f = ContractFacts(snapshot: snap)
                    if f.status.isReview { f.submitter = TodoQueue.submitter(store, snap) }
                    f.closed = LifecycleDates.of(store, snap)
                    return .success(f)
                } catch { return .failure(error) }
            }
            for (k, r) in results.enumerated() {
                switch r {
                case let .success(f):
                    out[missing[k]] = f
                    fresh.append((f.number, f.head.hex, f.encoded))
                case let .failure(e): failures.append((heads[missing[k]].number, e))
                }
            }
        }
        // Rows of contracts gone: only looked for when some row matched no contract.
        var gone: [String] = []
        if heads.reduce(0, { $0 + (rowOf[$1.number] == nil ? 0 : 1) }) != rows.count {
            let live = Set(heads.map(\.number))
            gone = rows.map(\.number).filter { !live.contains($0) }
        }
        try? index?.updateFacts(fresh, removing: gone)
        return (out.compactMap { $0 }, failures)
    }
}

// MARK: the cache's encoding
//
// A flat binary row: decoding 10,000 of these is the bulk of a warm report or to-do run (a JSON
// text of the same facts made a warm `todo` of 10,000 contracts 174 ms where this takes 111). Strings are a varint length and UTF-8; decimals the
// zigzag varint of their millionths; dates a presence byte and zigzag days since 1970; lists a
// varint count. Strict: anything malformed, short or left over and the row is a miss.

struct FactsWriter {
    var bytes: [UInt8] = []
    mutating func uint(_ v: UInt128) {
        var v = v
        while v >= 0x80 { bytes.append(UInt8(truncatingIfNeeded: v) | 0x80); v >>= 7 }
        bytes.append(UInt8(v))
    }
    mutating func int(_ v: Int128) { uint(UInt128(bitPattern: (v << 1) ^ (v >> 127))) }
    mutating func count(_ n: Int) { uint(UInt128(n)) }
    mutating func string(_ s: String) { let u = Array(s.utf8); count(u.count); bytes += u }
    mutating func optString(_ s: String?) { if let s { bytes.append(1); string(s) } else { bytes.append(0) } }
    mutating func dec(_ d: Dec) { int(d.micros) }
    mutating func optDec(_ d: Dec?) { if let d { bytes.append(1); dec(d) } else { bytes.append(0) } }
    mutating func day(_ d: CivilDate) { int(Int128(d.daysSinceEpoch)) }
    mutating func optDay(_ d: CivilDate?) { if let d { bytes.append(1); day(d) } else { bytes.append(0) } }
}

struct FactsReader {
    struct Malformed: Error {}
    let bytes: UnsafeRawBufferPointer
    var at = 0
    var atEnd: Bool { at == bytes.count }
    mutating func byte() throws(Malformed) -> UInt8 {
        guard at < bytes.count else { throw Malformed() }
        defer { at += 1 }
        return bytes[at]
    }
    mutating func uint() throws(Malformed) -> UInt128 {
        var v: UInt128 = 0, shift: UInt128 = 0
        while true {
            let b = try byte()
            guard shift < 126 else { throw Malformed() }
            v |= UInt128(b & 0x7F) << shift
            if b < 0x80 { return v }
            shift += 7
        }
    }
    mutating func int() throws(Malformed) -> Int128 { let u = try uint(); return Int128(bitPattern: u >> 1) ^ -Int128(bitPattern: u & 1) }
    mutating func count(max: Int = 1 << 20) throws(Malformed) -> Int {
        let n = try uint()
        guard n <= UInt128(max) else { throw Malformed() }
        return Int(n)
    }
    mutating func string() throws(Malformed) -> String {
        let n = try count()
        guard n <= bytes.count - at else { throw Malformed() }
        defer { at += n }
        guard let s = String(validating: UnsafeRawBufferPointer(rebasing: bytes[at..<(at + n)]), as: UTF8.self) else { throw Malformed() }
        return s
    }
    mutating func present() throws(Malformed) -> Bool {
        switch try byte() { case 0: false; case 1: true; default: throw Malformed() }
    }
    mutating func optString() throws(Malformed) -> String? { try present() ? try string() : nil }
    mutating func dec() throws(Malformed) -> Dec { Dec(micros: try int()) }
    mutating func optDec() throws(Malformed) -> Dec? { try present() ? try dec() : nil }
    mutating func day() throws(Malformed) -> CivilDate {
        let d = try int()
        guard d > -10_000_000, d < 10_000_000 else { throw Malformed() }
        return CivilDate(daysSinceEpoch: Int(d))
    }
    mutating func optDay() throws(Malformed) -> CivilDate? { try present() ? try day() : nil }
    mutating func code<T: RawRepresentable>(_: T.Type) throws(Malformed) -> T where T.RawValue == String {
        guard let v = T(rawValue: try string()) else { throw Malformed() }
        return v
    }
}

extension ContractFacts {
    /// Everything but the number and head (the row's own columns).
    var encoded: [UInt8] {
        var w = FactsWriter()
        w.string(type.rawValue); w.string(status.rawValue); w.string(subject); w.string(buyer); w.string(office); w.string(owner)
        w.string(currency); w.dec(total); w.optDay(signDate); w.optDay(effectiveDate)
        switch expiry { case nil: w.bytes.append(0); case let .date(d)?: w.bytes.append(1); w.day(d); case .openEnded?: w.bytes.append(2) }
        w.string(signKind.rawValue); w.optString(renews); w.dec(received); w.dec(writtenOff); w.dec(invoiced)
        w.count(receipts.count)
        for r in receipts { w.day(r.date); w.dec(r.amount); w.optString(r.milestone) }
        w.count(lines.count)
        for l in lines { w.string(l.id); w.string(l.name); w.string(l.unit); w.dec(l.quantity); w.dec(l.unitPrice); w.dec(l.amount); w.dec(l.delivered); w.optDay(l.deadline) }
        w.count(milestones.count)
        for m in milestones { w.string(m.id); w.string(m.kind.rawValue); w.dec(m.amount); w.optDay(m.due); w.optString(m.dueSource); w.optString(m.trigger); w.dec(m.received) }
        w.count(openDeviations)
        w.count(conflictPaths.count)
        for p in conflictPaths { w.string(p) }
        w.count(pending.count)
        for p in pending { w.string(p.kind); w.string(p.record); w.string(p.detail); w.day(p.filed); w.optDec(p.amount) }
        if let submitter { w.bytes.append(1); w.string(submitter.name); w.string(submitter.email) } else { w.bytes.append(0) }
        w.count(events.deliveries.count)
        for d in events.deliveries { w.string(d.line); w.day(d.date); w.dec(d.quantity); w.string(d.createdAt) }
        w.count(events.acceptances.count)
        for a in events.acceptances { w.day(a.date); w.bytes.append(a.passed ? 1 : 0) }
        for list in [events.complaints, events.deviationsFiled, events.deviationsClosed] { w.count(list.count); for d in list { w.day(d) } }
        w.count(events.monthlyRecords.count)
        for m in events.monthlyRecords {
            w.day(m.month.first)
            for t in [m.office, m.author, m.progress, m.problems, m.coordination, m.nextMonthPlan] { w.string(t) }
        }
        w.optDay(closed.completed); w.optDay(closed.terminated)
        return w.bytes
    }

    /// The facts of `encoded`, or nil if the bytes are not a whole, well-formed row.
    init?(number: String, head: ObjectID, encoded bytes: UnsafeRawBufferPointer) {
        var r = FactsReader(bytes: bytes)
        do throws(FactsReader.Malformed) {
            let type = try r.code(ContractType.self), status = try r.code(Status.self)
            let subject = try r.string(), buyer = try r.string(), office = try r.string(), owner = try r.string(), currency = try r.string()
            let total = try r.dec(), signDate = try r.optDay(), effectiveDate = try r.optDay()
            let expiry: Expiry?
            switch try r.byte() { case 0: expiry = nil; case 1: expiry = .date(try r.day()); case 2: expiry = .openEnded; default: throw .init() }
            let signKind = try r.code(SignKind.self), renews = try r.optString()
            let received = try r.dec(), writtenOff = try r.dec(), invoiced = try r.dec()
            var receipts: [(date: CivilDate, amount: Dec, milestone: String?)] = []
            for _ in 0..<(try r.count()) { receipts.append((try r.day(), try r.dec(), try r.optString())) }
            var lines: [LineFacts] = []
            for _ in 0..<(try r.count()) {
                lines.append(LineFacts(id: try r.string(), name: try r.string(), unit: try r.string(), quantity: try r.dec(), unitPrice: try r.dec(),
                                       amount: try r.dec(), delivered: try r.dec(), deadline: try r.optDay()))
            }
            var milestones: [MilestoneFacts] = []
            for _ in 0..<(try r.count()) {
                milestones.append(MilestoneFacts(id: try r.string(), kind: try r.code(MilestoneKind.self), amount: try r.dec(), due: try r.optDay(),
                                                 dueSource: try r.optString(), trigger: try r.optString(), received: try r.dec()))
            }
            let openDeviations = try r.count()
            var paths: [String] = []
            for _ in 0..<(try r.count()) { paths.append(try r.string()) }
            var pending: [PendingItem] = []
            for _ in 0..<(try r.count()) {
                pending.append(PendingItem(kind: try r.string(), record: try r.string(), detail: try r.string(), filed: try r.day(), amount: try r.optDec()))
            }
            let submitter = try r.present() ? Person(name: try r.string(), email: try r.string()) : nil
            var events = ContractEvents()
            for _ in 0..<(try r.count()) {
                events.deliveries.append(.init(line: try r.string(), date: try r.day(), quantity: try r.dec(), createdAt: try r.string()))
            }
            for _ in 0..<(try r.count()) { events.acceptances.append((try r.day(), try r.present())) }
            for _ in 0..<(try r.count()) { events.complaints.append(try r.day()) }
            for _ in 0..<(try r.count()) { events.deviationsFiled.append(try r.day()) }
            for _ in 0..<(try r.count()) { events.deviationsClosed.append(try r.day()) }
            for _ in 0..<(try r.count()) {
                events.monthlyRecords.append(.init(month: Month(try r.day()), office: try r.string(), author: try r.string(), progress: try r.string(),
                                                   problems: try r.string(), coordination: try r.string(), nextMonthPlan: try r.string()))
            }
            let closed = LifecycleDates(completed: try r.optDay(), terminated: try r.optDay())
            guard r.atEnd else { return nil }
            self.init(number: number, head: head, type: type, status: status, subject: subject, buyer: buyer, office: office, owner: owner,
                      currency: currency, total: total, signDate: signDate, effectiveDate: effectiveDate, expiry: expiry, signKind: signKind,
                      renews: renews, received: received, writtenOff: writtenOff, invoiced: invoiced, receipts: receipts, lines: lines,
                      milestones: milestones, openDeviations: openDeviations, conflictPaths: paths, pending: pending, submitter: submitter,
                      events: events, closed: closed)
        } catch { return nil }
    }

    init(number: String, head: ObjectID, type: ContractType, status: Status, subject: String, buyer: String, office: String, owner: String,
         currency: String, total: Dec, signDate: CivilDate?, effectiveDate: CivilDate?, expiry: Expiry?, signKind: SignKind, renews: String?,
         received: Dec, writtenOff: Dec, invoiced: Dec, receipts: [(date: CivilDate, amount: Dec, milestone: String?)], lines: [LineFacts],
         milestones: [MilestoneFacts], openDeviations: Int, conflictPaths: [String], pending: [PendingItem], submitter: Person?,
         events: ContractEvents, closed: LifecycleDates) {
        self.number = number; self.head = head; self.type = type; self.status = status; self.subject = subject; self.buyer = buyer
        self.office = office; self.owner = owner; self.currency = currency; self.total = total; self.signDate = signDate
        self.effectiveDate = effectiveDate; self.expiry = expiry; self.signKind = signKind; self.renews = renews; self.received = received
        self.writtenOff = writtenOff; self.invoiced = invoiced; self.receipts = receipts; self.lines = lines; self.milestones = milestones
        self.openDeviations = openDeviations; self.conflictPaths = conflictPaths; self.pending = pending; self.submitter = submitter
        self.events = events; self.closed = closed
    }
}
