import ArgumentParser
import AccordStore
import AccordObjects
import AccordContracts

struct Show: AccordCommand {
    static let configuration = CommandConfiguration(abstract: "Show a contract: its fields, items, milestones, records and attachments.")

    @Option(help: "Show it as of this revision (a commit id, a tag, NUMBER~2, …).") var at: String?
    @Flag(help: "Print the contract and its records as JSON.") var json = false
    @Argument(help: "The contract number.") var number: String

    func execute() throws {
        let s = try ContractSession()
        let snap = try s.load(number, at: at)
        let out = Output.stdout
        // Hostile text (any replica may have written these fields) is shown escaped: JSON escapes
        // it by itself; the table shows a copy whose every text is made safe for a terminal.
        let st = json ? snap.state : Show.displayed(snap.state), c = st.contract
        if json {
            out.write(JSON.object([
                "commit": .string(snap.commit.hex), "contract": c.json, "records": .array(st.records.map(\.json)),
                "conflicts": .array(snap.conflicts.map(\.json)),
            ]).canonical)
            return
        }
        out.line(out.paint("\(c.number)  \(c.type.label) \(c.type.code)  \(c.status.label) \(c.status.code)", "1"))
        out.line("commit \(snap.commit.hex)")
        if snap.isConflicted {
            out.line(out.paint("conflicted: \(Output.oneLine(snap.conflicts.map(\.path).joined(separator: ", "))) (accord conflicts \(c.number))", "31"))
        }
        // A field with a stored conflict is marked where it is shown: the value printed is only
        // the one the document keeps until someone resolves it.
        func mark(_ fields: String...) -> String {
            let hits = snap.conflicts.filter { c in fields.contains { Conflict.overlaps(c.path, $0) } }
            guard !hits.isEmpty else { return "" }
            return out.paint("  ‼ conflict: " + hits.map { "\(Output.oneLine($0.path)) (\($0.candidates.count) values)" }.joined(separator: ", "), "31")
        }
        func row(_ k: String, _ v: String?, _ fields: String...) {
            let m = fields.map { mark($0) }.first { !$0.isEmpty } ?? ""
            if let v, !v.isEmpty || !m.isEmpty { out.line("  \(k.padding(18))\(v)\(m)") }
        }
        row("subject 标的", c.subject, "subject")
        row("seller 卖方", [c.seller.name, c.seller.contact, c.seller.phone].filter { !$0.isEmpty }.joined(separator: ", "), "seller")
        row("buyer 买方", [c.buyer.name, c.buyer.contact, c.buyer.phone].filter { !$0.isEmpty }.joined(separator: ", "), "buyer")
        row("owner 负责人", c.owner, "owner")
        row("office 办事处", c.office, "office")
        row("supervisor 监督人", c.supervisor ?? "", "supervisor")
        row("total 合同金额", "\(c.totalAmount.formatted(decimals: 2)) \(c.currency)", "totalAmount", "currency")
        row("payment 付款方式", c.paymentMethod, "paymentMethod")
        row("delivery 交货", [c.deliveryMethod, c.deliveryDeadline?.description].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ", by "),
            "deliveryMethod", "deliveryDeadline")
        row("signed 签订", c.signDate?.description, "signDate")
        row("effective 生效", c.effectiveDate?.description, "effectiveDate")
        row("expires 到期", c.expiryDate?.description, "expiryDate")
        if !snap.conflicts.isEmpty, !mark("status").isEmpty { out.line("  status 状态       \(c.status.code)\(mark("status"))") }
        if !c.lineItems.isEmpty {
            out.line("  line items 产品明细:")
            for i in c.lineItems {
                out.line("    \(i.id.padding(6)) \(i.name) \(i.spec)  \(i.quantity) \(i.unit) × \(i.unitPrice.formatted(decimals: 2)) = \(i.lineAmount.formatted(decimals: 2))"
                         + mark("lineItems[\(i.id)]"))
            }
        }
        if !c.paymentMilestones.isEmpty {
            out.line("  milestones 付款节点:")
            for m in c.paymentMilestones {
                out.line("    \(m.id.padding(6)) \(m.kind.label) \(m.percent)%  \(m.amount.formatted(decimals: 2))  \(m.due?.description ?? m.trigger ?? "")"
                         + mark("paymentMilestones[\(m.id)]"))
            }
        }
        if !st.records.isEmpty {
            out.line("  records 记录:")
            for r in st.records.sorted(by: { $0.createdAt < $1.createdAt }) {
                let key = r.kind.schema.prefix(3).compactMap { f in r.fields[f.name].map { "\(f.name)=\($0)" } }.joined(separator: " ")
                out.line("    \(r.createdAt.prefix(10)) \(r.kind.code) (\(r.kind.label)) \(r.id.prefix(8)) \(key)")
            }
        }
        if !c.attachments.isEmpty {
            out.line("  attachments 附件:")
            for a in c.attachments { out.line("    \(a.name) (\(a.kind.label)) \(a.blob.prefix(12))") }
        }
    }
}

extension Show {
    /// The state with every text escaped for a terminal (`Output.oneLine`); the state itself if
    /// the copy does not read back (it always does: escaping only adds printable characters).
    static func displayed(_ state: ContractState) -> ContractState {
        func safe(_ j: JSON) -> JSON {
            switch j {
            case let .string(s): return .string(Output.oneLine(s))
            case let .array(a): return .array(a.map(safe))
            case let .object(o): return .object(o.mapValues(safe))
            default: return j
            }
        }
        guard let contract = try? Contract(json: Contract.droppingDerived(safe(state.contract.json))) else { return state }
        var records: [Record] = []
        for r in state.records {
            guard let shown = try? Record(json: safe(r.json)) else { return state }
            records.append(shown)
        }
        return ContractState(contract: contract, records: records)
    }
}

extension String {
    /// Pads to a display width (CJK characters count as two columns).
    func padding(_ width: Int) -> String {
        let w = unicodeScalars.reduce(0) { $0 + ($1.value >= 0x1100 && $1.properties.isIdeographic || (0xFF00...0xFFEF).contains($1.value) ? 2 : 1) }
        return self + String(repeating: " ", count: max(1, width - w))
    }
}

struct List: AccordCommand {
    static let configuration = CommandConfiguration(abstract: "List contracts (合同台账), filtered by status, office, owner, customer or expiry.")

    @Option(help: "Only this status (code or Chinese label).") var status: String?
    @Option(help: "Only this office.") var office: String?
    @Option(help: "Only this owner.") var owner: String?
    @Option(help: "Only buyers whose name contains this text.") var customer: String?
    @Option(name: .customLong("expires-within"), help: "Only contracts expiring within N days from today.") var expiresWithin: Int?
    @Flag(help: "Print JSON lines.") var json = false

    func execute() throws {
        let s = try ContractSession()
        let wantStatus = try status.map { v -> Status in
            guard let st = Status(code: v) else { throw ContractFailure(ContractError("status", "'\(v)' is not a status: \(Status.allCases.map(\.code).joined(separator: ", "))")) }
            return st
        }
        let today = CivilDate.today()
        let out = Output.stdout
        let (rows, unreadable) = try ContractFailure.wrap { () throws(ContractStoreError) in try s.store.ledgerReport() }
        BadContractRef.report(unreadable)
        for row in rows {
            if let wantStatus, row.status != wantStatus { continue }
            if let office, row.office != office { continue }
            if let owner, row.owner != owner { continue }
            if let customer, !row.buyer.localizedLowercase.contains(customer.localizedLowercase) { continue }
            if let days = expiresWithin {
                guard let x = row.expiry?.date, x >= today, x.daysSinceEpoch - today.daysSinceEpoch <= days else { continue }
            }
            if json {
                out.line(JSON.object([
                    "number": .string(row.number), "status": .string(row.status.code), "type": .string(row.type.code),
                    "buyer": .string(row.buyer), "office": .string(row.office), "owner": .string(row.owner),
                    "totalAmount": .string(row.totalAmount.formatted(decimals: 2)), "received": .string(row.received.formatted(decimals: 2)),
                    "currency": .string(row.currency), "expiryDate": row.expiry.map { .string($0.description) } ?? .null,
                    "conflicted": .bool(row.conflicted),
                ]).compact)
            } else {
                out.line("\(row.number.padding(16))\(row.status.label.padding(10))\(Output.oneLine(row.buyer).padding(28))\(row.totalAmount.formatted(decimals: 2).padding(14))\(Output.oneLine(row.currency)) \(Output.oneLine(row.office))"
                         + (row.conflicted ? out.paint("  conflicted", "31") : ""))
            }
        }
        if !unreadable.isEmpty { throw CheckFailed() }
    }
}

/// Contracts whose ref does not lead to a readable contract (a ref set by hand to a blob, a
/// damaged commit): named one by one on stderr while the others are listed (exit 1).
enum BadContractRef {
    static func report(_ failures: [(number: String, error: ContractStoreError)]) {
        let err = Output.stderr
        for f in failures {
            err.write(err.paint("error:", "31") + " \(ContractStore.refName(f.number)): not a readable contract: \(Output.escaped(f.error.description))\n")
        }
    }
}
