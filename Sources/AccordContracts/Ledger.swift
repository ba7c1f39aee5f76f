import Foundation
import AccordObjects
import AccordStore

/// One row of the contract ledger (合同台账, domain.md §4), derived from a contract's head.
public struct LedgerRow: Hashable, Sendable {
    public var number: String
    public var head: ObjectID
    public var type: ContractType
    public var status: Status
    public var buyer: String
    public var office: String
    public var owner: String
    public var totalAmount: Dec
    public var currency: String
    public var signDate: CivilDate?
    public var effectiveDate: CivilDate?
    public var expiry: Expiry?
    public var received: Dec
    public var openDeviations: Int
    public var conflicted: Bool

    public init(number: String, snapshot s: Snapshot) {
        let c = s.state.contract
        self.number = number; head = s.commit; type = c.type; status = c.status; buyer = c.buyer.name; office = c.office
        owner = c.owner; totalAmount = c.totalAmount; currency = c.currency; signDate = c.signDate; effectiveDate = c.effectiveDate
        expiry = c.expiryDate
        received = s.state.effective(.paymentReceipt).compactMap { $0.dec("amount") }.sum()
        openDeviations = Invariants.openDeviationReports(s.state).count
        conflicted = s.isConflicted
    }

    var json: JSON {
        var o: [String: JSON] = [
            "number": .string(number), "head": .string(head.hex), "type": .string(type.code), "status": .string(status.code),
            "buyer": .string(buyer), "office": .string(office), "owner": .string(owner),
            "totalAmount": .string(totalAmount.formatted(decimals: 2)), "currency": .string(currency),
            "received": .string(received.formatted(decimals: 2)), "openDeviations": .number(String(openDeviations)),
            "conflicted": .bool(conflicted),
        ]
        if let signDate { o["signDate"] = .string(signDate.description) }
        if let effectiveDate { o["effectiveDate"] = .string(effectiveDate.description) }
        if let expiry { o["expiryDate"] = .string(expiry.description) }
        return .object(o)
    }

    init?(json: JSON) {
        guard let o = json.object, let number = o["number"]?.string, let h = o["head"]?.string, let head = ObjectID(hex: h),
              let type = o["type"]?.string.flatMap(ContractType.init(code:)), let status = o["status"]?.string.flatMap(Status.init(code:)),
              let total = o["totalAmount"]?.string.flatMap({ try? Dec.parse($0, maxDecimals: 2) }),
              let received = o["received"]?.string.flatMap({ try? Dec.parse($0, maxDecimals: 2) }),
              case let .number(dev)? = o["openDeviations"], let devs = Int(dev), case let .bool(conflicted)? = o["conflicted"] else { return nil }
        self.number = number; self.head = head; self.type = type; self.status = status
        buyer = o["buyer"]?.string ?? ""; office = o["office"]?.string ?? ""; owner = o["owner"]?.string ?? ""
        totalAmount = total; currency = o["currency"]?.string ?? "CNY"; self.received = received; openDeviations = devs
        self.conflicted = conflicted
        signDate = o["signDate"]?.string.flatMap { try? CivilDate.parse($0) }
        effectiveDate = o["effectiveDate"]?.string.flatMap { try? CivilDate.parse($0) }
        expiry = o["expiryDate"]?.string.flatMap { $0 == "open-ended" ? .openEnded : (try? CivilDate.parse($0)).map { .date($0) } }
    }
}

extension ContractStore {
    static let ledgerHeader = "accord-ledger-cache 1"

    /// Every contract's ledger row. Rows are cached in `<gitDir>/accord/ledger-cache` keyed by
    /// head commit: only contracts whose head moved are read again. The cache is derived data:
    /// deleting it is always safe; an unreadable one is ignored and rewritten.
    public func ledger() throws(ContractStoreError) -> [LedgerRow] {
        let (rows, failures) = try ledgerReport()
        if let first = failures.first { throw first.error }
        return rows
    }

    /// Every readable contract's ledger row, and the contracts that could not be read (a ref
    /// pointing at something that is not a contract commit), so one bad ref does not hide the
    /// others: the caller names each failure and goes on.
    public func ledgerReport() throws(ContractStoreError) -> (rows: [LedgerRow], failures: [(number: String, error: ContractStoreError)]) {
        let path = "\(repository.gitDir)/accord/ledger-cache"
        var cached: [String: LedgerRow] = [:]
        if let bytes = try? FileIO.read(path, limit: 1 << 30) {
            let lines = bytes.split(separator: 0x0A)
            if let first = lines.first, String(decoding: first, as: UTF8.self) == ContractStore.ledgerHeader {
                for line in lines.dropFirst() {
                    if let j = try? JSON.parse(String(decoding: line, as: UTF8.self)), let row = LedgerRow(json: j) { cached[row.number] = row }
                }
            }
        }
        let heads = try all()
        var rows = [LedgerRow?](repeating: nil, count: heads.count)
        var missing: [Int] = []
        for (i, (number, head)) in heads.enumerated() {
            if let row = cached[number], row.head == head { rows[i] = row } else { missing.append(i) }
        }
        let misses = missing.count
        var failures: [(number: String, error: ContractStoreError)] = []
        for (i, result) in rowsInParallel(missing.map { heads[$0] }).enumerated() {
            switch result {
            case let .success(row): rows[missing[i]] = row
            case let .failure(error): failures.append((heads[missing[i]].number, error))
            }
        }
        let done = rows.compactMap { $0 }
        if misses > 0 || cached.count != done.count {
            var text = ContractStore.ledgerHeader + "\n"
            for r in done { text += r.json.compact + "\n" }
            if (try? FileIO.makeDirectories("\(repository.gitDir)/accord")) != nil {
                try? FileIO.writeAtomically(path, Array(text.utf8), durable: false)
            }
        }
        return (done, failures)
    }

    /// Rows of contracts not in the cache, read on every core (a cold `accord list` reads all
    /// 10,000): contracts are independent and the object database takes concurrent reads.
    /// Each contract's row, or why it could not be read.
    func rowsInParallel(_ heads: [(number: String, head: ObjectID)]) -> [Result<LedgerRow, ContractStoreError>] {
        Parallel.map(heads.count) { i in
            do throws(ContractStoreError) { return .success(LedgerRow(number: heads[i].number, snapshot: try load(commit: heads[i].head))) }
            catch { return .failure(error) }
        }
    }
}
