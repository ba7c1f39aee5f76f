import ArgumentParser
import AccordStore
import AccordObjects
import AccordContracts
import AccordReports

struct Show: AccordCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a contract: its fields, items, milestones, records and attachments.")

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
                "superseded": .object(Dictionary(st.records.compactMap { r in r.supersedes.map { ($0, JSON.string(r.id)) } }) { a, _ in a }),
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
            if let v, !v.isEmpty || !m.isEmpty { out.line("  \(k.padding(24))\(v)\(m)") }
        }
        func party(_ p: Party) -> String { [p.name, p.address, p.contact, p.phone].filter { !$0.isEmpty }.joined(separator: ", ") }
        func money(_ d: Dec?) -> String? { d.map { "\($0.formatted(decimals: 2)) \(c.currency)" } }
        row("subject 标的", c.subject, "subject")
        row("source 来源", c.source.display, "source")
        row("sign kind 签订类型", c.signKind.display, "signKind")
        row("renews 续签自", c.renews, "renews")
        row("template 模板", c.template.map { "\($0.id) version \($0.version)" }, "template")
        row("seller 卖方", party(c.seller), "seller")
        row("buyer 买方", party(c.buyer), "buyer")
        row("credit 客户资信", c.customerCredit, "customerCredit")
        row("signatory 签约人", c.signatory.map { "\($0.name), \($0.capacity.display)" + ($0.authorization.map { ", authorization \($0)" } ?? "") }, "signatory")
        row("owner 负责人", c.owner, "owner")
        row("office 办事处", c.office, "office")
        row("project manager 项目经理", c.projectManager, "projectManager")
        row("supervisor 监督人", c.supervisor, "supervisor")
        row("risk 风险", c.risk.map { "\($0.kind.display); severity \($0.severity.display), likelihood \($0.likelihood.display); \($0.points)" }, "risk")
        row("total 合同金额", "\(c.totalAmount.formatted(decimals: 2)) \(c.currency)", "totalAmount", "currency")
        row("tax 税率", c.taxRate.map { "\($0)%" + (c.taxInclusive.map { $0 ? ", tax inclusive 含税" : ", tax exclusive 不含税" } ?? "") }, "taxRate", "taxInclusive")
        if c.taxRate == nil { row("tax inclusive 含税", c.taxInclusive.map { $0 ? "yes" : "no" }, "taxInclusive") }
        row("payment 付款方式", c.paymentMethod, "paymentMethod")
        row("deposit 定金", money(c.deposit), "deposit")
        row("delivery 交货", [c.deliveryMethod, c.deliveryDeadline?.description].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ", by "),
            "deliveryMethod", "deliveryDeadline")
        row("scope 服务范围", c.scope, "scope")
        row("deliverables 交付物", c.deliverables.joined(separator: "; "), "deliverables")
        row("quality 质量标准", c.qualityStandard, "qualityStandard")
        row("acceptance 验收标准", c.acceptanceStandard, "acceptanceStandard")
        row("service terms 服务条款", c.serviceTerms, "serviceTerms")
        row("after-sales 售后", c.afterSales, "afterSales")
        row("responsibilities 责任", c.responsibilities, "responsibilities")
        row("confidentiality 保密", c.confidentiality, "confidentiality")
        row("breach 违约责任", c.breachLiability, "breachLiability")
        row("disputes 争议解决", c.disputeResolution.map { "\($0.method.display), \($0.venue)" }, "disputeResolution")
        row("termination 终止条件", c.terminationConditions, "terminationConditions")
        row("signed 签订", c.signDate?.description, "signDate")
        row("effective 生效", c.effectiveDate?.description, "effectiveDate")
        row("expires 到期", c.expiryDate?.description, "expiryDate")
        if !snap.conflicts.isEmpty, !mark("status").isEmpty { out.line("  status 状态       \(c.status.code)\(mark("status"))") }
        if !c.lineItems.isEmpty {
            out.line("  line items 产品明细:")
            for i in c.lineItems {
                out.line("    \(i.id.padding(6)) \(i.name) \(i.spec)  \(i.quantity) \(i.unit) × \(i.unitPrice.formatted(decimals: 2)) = \(i.lineAmount.formatted(decimals: 2))"
                         + (i.deadline.map { "  by \($0)" } ?? "") + mark("lineItems[\(i.id)]"))
            }
        }
        if !c.paymentMilestones.isEmpty {
            out.line("  milestones 付款节点:")
            for m in c.paymentMilestones {
                let when = [m.due.map { "due \($0)" }, m.trigger.map { "trigger \($0)" }].compactMap { $0 }.joined(separator: ", ")
                out.line("    \(m.id.padding(6)) \(m.kind.display) \(m.percent)%  \(m.amount.formatted(decimals: 2))  \(when)"
                         + mark("paymentMilestones[\(m.id)]"))
            }
        }
        if !c.schedule.isEmpty {
            out.line("  schedule 进度安排:")
            for e in c.schedule { out.line("    \(e.id.padding(6)) \(e.start) – \(e.end)  \(e.milestone)" + mark("schedule[\(e.id)]")) }
        }
        if !c.progressPlan.isEmpty {
            out.line("  progress plan 进度计划:")
            for t in c.progressPlan {
                out.line("    \(t.id.padding(6)) \(t.task)  \(t.date?.description ?? "")  responsible \(t.responsible)" + (t.kpi.map { "  KPI \($0)" } ?? "") + mark("progressPlan[\(t.id)]"))
            }
        }
        row("tracking plan 跟踪计划", c.trackingPlan.map { "goal \($0.goal); risk points \($0.riskPoints); measures \($0.measures)" }, "trackingPlan")
        row("archive 归档", c.archive.map { "no. \($0.archiveNo), \($0.date), at \($0.paperLocation)" + ($0.destroyAfter.map { ", destroy after \($0)" } ?? "") }, "archive")
        if !st.records.isEmpty {
            out.line("  records 记录:")
            let supersededBy = Dictionary(st.records.compactMap { r in r.supersedes.map { ($0, r.id) } }) { a, _ in a }
            for r in st.records.sorted(by: { $0.createdAt < $1.createdAt }) {
                let note = supersededBy[r.id].map { out.paint("  [superseded by \($0.prefix(8)), not counted]", "33") } ?? ""
                out.line("    \(r.createdAt) \(r.kind.code) (\(r.kind.label)) \(r.id)\(note)")
                out.line("      by \(r.author) (\(r.role.display)), filed \(r.filedDate), replica \(r.replica)"
                         + (r.supersedes.map { ", supersedes \($0)" } ?? "") + (r.attachments.isEmpty ? "" : ", attachments: \(r.attachments.joined(separator: ", "))"))
                let values = r.json.object ?? [:]
                for f in r.kind.schema {
                    guard let v = values[f.name] else { continue }
                    let text: String
                    switch v {
                    case let .string(s): text = s
                    case let .bool(b): text = b ? "true" : "false"
                    case let .array(a): text = a.compactMap(\.string).joined(separator: ", ")
                    default: text = v.compact
                    }
                    out.line("      \(f.name): \(text)")
                }
            }
        }
        if !c.attachments.isEmpty {
            out.line("  attachments 附件:")
            for a in c.attachments { out.line("    \(a.name) (\(a.kind.display)) \(a.blob)") }
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
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List contracts (合同台账), filtered by status, office, owner, customer or expiry.")

    @Option(help: "Only this status (code or Chinese label).") var status: String?
    @Option(help: "Only this contract type (repeatable): sales, service, purchase, framework (or 销售, 服务, 采购, 框架).") var type: [String] = []
    @Option(help: "Only this office.") var office: String?
    @Option(help: "Only this owner.") var owner: String?
    @Option(help: "Only buyers whose name contains this text.") var customer: String?
    @Option(name: .customLong("expires-within"), help: "Only contracts expiring within N days from today.") var expiresWithin: Int?
    @Flag(help: "Print JSON lines.") var json = false

    func execute() throws {
        let s = try ContractSession()
        let wantStatus = try status.map { try Status.argument($0, option: "--status", noun: "a status") }
        let types = try Set(type.map { try ContractType.argument($0, option: "--type", noun: "a contract type", withLabels: true) })
        let today = CivilDate.today()
        let out = Output.stdout
        // The reports' facts in the query index: only contracts whose head moved are read.
        let (rows, unreadable) = try ReportData.facts(s)
        for row in rows {
            if let wantStatus, row.status != wantStatus { continue }
            if !types.isEmpty, !types.contains(row.type) { continue }
            if let office, row.office != office { continue }
            if let owner, row.owner != owner { continue }
            if let customer, !row.buyer.localizedLowercase.contains(customer.localizedLowercase) { continue }
            if let days = expiresWithin {
                guard let x = row.expiryDate, x >= today, x.daysSinceEpoch - today.daysSinceEpoch <= days else { continue }
            }
            if json {
                out.line(JSON.object([
                    "number": .string(row.number), "status": .string(row.status.code), "type": .string(row.type.code),
                    "buyer": .string(row.buyer), "office": .string(row.office), "owner": .string(row.owner),
                    "totalAmount": .string(row.total.formatted(decimals: 2)), "received": .string(row.received.formatted(decimals: 2)),
                    "currency": .string(row.currency), "expiryDate": row.expiry.map { .string($0.description) } ?? .null,
                    "conflicted": .bool(row.conflicted),
                ]).compact)
            } else {
                out.line("\(row.number.padding(16))\(row.status.label.padding(10))\(Output.oneLine(row.buyer).padding(28))\(row.total.formatted(decimals: 2).padding(14))\(Output.oneLine(row.currency)) \(Output.oneLine(row.office))"
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
