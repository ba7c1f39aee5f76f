/// The append-only records of domain.md §3. Every record has the same envelope; each kind has its
/// own typed fields, declared once in `RecordKind.schema`.
public enum RecordKind: String, LabeledEnum {
    case tracking, coordinationLetter, correspondence, deviationReport, leaderDecision, executionResult
    case riskyShipmentRequest, monthlyExecution, delivery, paymentReceipt, invoice, complaint, clauseExecution
    case review, changeRequest, changeAgreement, terminationRequest, settlement, acceptance, inspection
    case customerFeedback, writeOff, riskyShipmentDecision

    public var label: String {
        switch self {
        case .tracking: "销售合同跟踪记录表"; case .coordinationLetter: "销售合同执行协调书"; case .correspondence: "协调资料"
        case .deviationReport: "合同执行偏差处理报告"; case .leaderDecision: "领导处理决定"; case .executionResult: "执行决定过程及结果"
        case .riskyShipmentRequest: "风险发货申请报告"; case .monthlyExecution: "销售合同执行月度记录表"; case .delivery: "交付情况记录"
        case .paymentReceipt: "付款情况记录"; case .invoice: "发票"; case .complaint: "投诉处理记录"; case .clauseExecution: "合同条款执行情况记录"
        case .review: "审核/审批"; case .changeRequest: "变更申请"; case .changeAgreement: "补充协议"; case .terminationRequest: "终止/解除申请"
        case .settlement: "结算"; case .acceptance: "验收报告"; case .inspection: "履约检查"; case .customerFeedback: "客户反馈"
        case .writeOff: "核销"; case .riskyShipmentDecision: "风险发货审批"
        }
    }

    public enum FieldType: Hashable, Sendable {
        case text, date, money, quantity, bool, month
        case choice([String])
        case recordRef(RecordKind)   // the id of another record of this contract
        case lineItemRef, milestoneRef
        case list                    // list of strings (field paths, names)
    }

    public struct Field: Hashable, Sendable {
        public var name: String, type: FieldType, required: Bool
    }

    static func f(_ name: String, _ type: FieldType, _ required: Bool = false) -> Field { Field(name: name, type: type, required: required) }

    /// The fields of each kind (sources: form 1–5 and the sections cited in domain.md §3).
    public var schema: [Field] {
        switch self {
        case .tracking:
            [Self.f("customer", .text, true), Self.f("buyer", .text), Self.f("deviationSummary", .text),
             Self.f("coordinationDescription", .text), Self.f("coordinationContent", .text)]
        case .coordinationLetter:
            [Self.f("parties", .text, true), Self.f("issue", .text, true), Self.f("agreedActions", .text)]
        case .correspondence:
            [Self.f("type", .choice(["letter", "email", "meetingMinutes", "supplementaryAgreement"]), true),
             Self.f("date", .date, true), Self.f("summary", .text, true), Self.f("file", .text)]
        case .deviationReport:
            [Self.f("hasAttachments", .bool), Self.f("summary", .text, true), Self.f("proposedHandling", .text, true)]
        case .leaderDecision:
            [Self.f("report", .recordRef(.deviationReport), true), Self.f("by", .text, true), Self.f("date", .date, true),
             Self.f("text", .text, true)]
        case .executionResult:
            [Self.f("report", .recordRef(.deviationReport), true), Self.f("date", .date, true), Self.f("text", .text, true)]
        case .riskyShipmentRequest:
            [Self.f("items", .text, true), Self.f("quantity", .quantity), Self.f("value", .money), Self.f("reason", .text, true),
             Self.f("outstandingBalance", .money), Self.f("requester", .text, true), Self.f("decision", .text)]
        case .monthlyExecution:
            [Self.f("month", .month, true), Self.f("office", .text, true), Self.f("progress", .text, true),
             Self.f("problems", .text), Self.f("coordination", .text), Self.f("nextMonthPlan", .text)]
        case .delivery:
            [Self.f("lineItem", .lineItemRef, true), Self.f("date", .date, true), Self.f("quantity", .quantity, true),
             Self.f("quality", .text), Self.f("variance", .text), Self.f("handling", .text), Self.f("logistics", .text)]
        case .paymentReceipt:
            [Self.f("date", .date, true), Self.f("amount", .money, true), Self.f("method", .text),
             Self.f("milestone", .milestoneRef), Self.f("voucher", .text)]
        case .invoice:
            [Self.f("invoiceNumber", .text, true), Self.f("date", .date, true), Self.f("amount", .money, true)]
        case .complaint:
            [Self.f("date", .date, true), Self.f("content", .text, true), Self.f("measures", .text), Self.f("result", .text)]
        case .clauseExecution:
            [Self.f("clause", .choice(["breach", "dispute", "claim"]), true), Self.f("event", .text, true), Self.f("outcome", .text)]
        case .review:
            [Self.f("stage", .text, true), Self.f("decision", .choice(["approve", "reject"]), true), Self.f("opinion", .text, true),
             Self.f("subject", .recordRef(.changeRequest))]
        case .changeRequest:
            [Self.f("reason", .text, true), Self.f("content", .text, true)]
        case .changeAgreement:
            [Self.f("request", .recordRef(.changeRequest), true), Self.f("fields", .list, true), Self.f("signedDate", .date, true),
             Self.f("approvedBy", .text, true), Self.f("allowsExtraDelivery", .bool)]
        case .terminationRequest:
            [Self.f("reason", .text, true), Self.f("writtenConsent", .bool, true)]
        case .settlement:
            [Self.f("date", .date, true), Self.f("amount", .money, true), Self.f("summary", .text)]
        case .acceptance:
            [Self.f("date", .date, true), Self.f("result", .choice(["passed", "failed"]), true), Self.f("report", .text)]
        case .inspection:
            [Self.f("date", .date, true), Self.f("findings", .text, true), Self.f("rectification", .text)]
        case .customerFeedback:
            [Self.f("date", .date, true), Self.f("content", .text, true), Self.f("satisfaction", .choice(["low", "medium", "high"]))]
        case .writeOff:
            [Self.f("amount", .money, true), Self.f("reason", .text, true), Self.f("approvedBy", .text, true)]
        case .riskyShipmentDecision:
            [Self.f("request", .recordRef(.riskyShipmentRequest), true), Self.f("decision", .choice(["approve", "reject"]), true),
             Self.f("opinion", .text, true)]
        }
    }
}

/// A typed field value of a record.
public enum RecordValue: Hashable, Sendable, CustomStringConvertible {
    case text(String), date(CivilDate), dec(Dec), bool(Bool), list([String])

    public var description: String {
        switch self {
        case let .text(s): s
        case let .date(d): d.description
        case let .dec(d): d.description
        case let .bool(b): b ? "true" : "false"
        case let .list(l): l.joined(separator: ", ")
        }
    }
}

/// One append-only record. Never edited: a correction is a new record with `supersedes`.
public struct Record: Hashable, Sendable {
    public var id: String
    public var kind: RecordKind
    public var author: String
    public var role: Role
    public var replica: String
    /// When it was made, as `YYYY-MM-DDTHH:MM:SSZ` (UTC); orders the blob names.
    public var createdAt: String
    /// 填报日期.
    public var filedDate: CivilDate
    public var attachments: [String] = []
    public var supersedes: String?
    public var fields: [String: RecordValue]

    public init(id: String, kind: RecordKind, author: String, role: Role, replica: String, createdAt: String,
                filedDate: CivilDate, attachments: [String] = [], supersedes: String? = nil, fields: [String: RecordValue]) {
        self.id = id; self.kind = kind; self.author = author; self.role = role; self.replica = replica
        self.createdAt = createdAt; self.filedDate = filedDate; self.attachments = attachments
        self.supersedes = supersedes; self.fields = fields
    }

    /// The blob name under `records/`: sortable by time, unique by id.
    public var fileName: String {
        let compact = createdAt.filter { $0.isNumber }
        return "\(compact)-\(id).json"
    }

    public func text(_ k: String) -> String? { if case let .text(s)? = fields[k] { s } else { nil } }
    public func date(_ k: String) -> CivilDate? { if case let .date(d)? = fields[k] { d } else { nil } }
    public func dec(_ k: String) -> Dec? { if case let .dec(d)? = fields[k] { d } else { nil } }
    public func bool(_ k: String) -> Bool? { if case let .bool(b)? = fields[k] { b } else { nil } }
    public func list(_ k: String) -> [String] { if case let .list(l)? = fields[k] { l } else { [] } }

    /// Records in causal order (a record after those it names: the one it supersedes, the report
    /// a decision answers, the request an agreement applies), then by time, then by id.
    public static func causalOrder(_ records: [Record]) -> [Record] {
        let sorted = records.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
        let byID = Dictionary(sorted.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var placed = Set<String>(), out: [Record] = []
        out.reserveCapacity(sorted.count)
        func place(_ r: Record, _ depth: Int) {
            guard placed.insert(r.id).inserted else { return } // marked before its causes: a cycle (forged data) cannot loop
            if depth < 64 { for cause in r.causes { if let c = byID[cause] { place(c, depth + 1) } } }
            out.append(r)
        }
        for r in sorted { place(r, 0) }
        return out
    }

    /// The ids of the records this one names.
    var causes: [String] {
        var out: [String] = supersedes.map { [$0] } ?? []
        for f in kind.schema { if case .recordRef = f.type, let v = text(f.name) { out.append(v) } }
        return out
    }

    static let envelopeKeys: Set<String> = ["id", "kind", "author", "role", "replica", "createdAt", "filedDate", "attachments", "supersedes"]

    public var json: JSON {
        var o: [String: JSON] = [
            "id": .string(id), "kind": .string(kind.code), "author": .string(author), "role": .string(role.code),
            "replica": .string(replica), "createdAt": .string(createdAt), "filedDate": .string(filedDate.description),
        ]
        if !attachments.isEmpty { o["attachments"] = .array(attachments.map { .string($0) }) }
        if let supersedes { o["supersedes"] = .string(supersedes) }
        for field in kind.schema {
            guard let v = fields[field.name] else { continue }
            switch (v, field.type) {
            case let (.dec(d), .money): o[field.name] = .string(d.formatted(decimals: 2))
            case let (.bool(b), _): o[field.name] = .bool(b)
            case let (.list(l), _): o[field.name] = .array(l.map { .string($0) })
            default: o[field.name] = .string(v.description)
            }
        }
        return .object(o)
    }

    public init(json: JSON, path: String = "record") throws(ContractError) {
        var r = try FieldReader(json, path: path)
        guard let kind = try r.enumValue("kind", RecordKind.self) else { throw ContractError(r.at("kind"), "is required") }
        guard let role = try r.enumValue("role", Role.self) else { throw ContractError(r.at("role"), "is required") }
        guard let filed = try r.date("filedDate") else { throw ContractError(r.at("filedDate"), "is required") }
        var atts: [String] = []
        for (n, a) in try r.list("attachments").enumerated() {
            guard case let .string(s) = a else { throw ContractError(r.at("attachments[\(n)]"), "must be a string") }
            atts.append(s)
        }
        let id = try r.requiredString("id"), createdAt = try r.requiredString("createdAt"), supersedes = try r.string("supersedes")
        // The id and the time become the record's file name (records/<digits>-<id>.json).
        guard InputRules.isRecordID(id) else {
            throw ContractError(r.at("id"), "'\(id.debugDescriptionForMessages)' is not a record id: use \(InputRules.recordIDRule)")
        }
        guard InputRules.isTimestamp(createdAt) else {
            throw ContractError(r.at("createdAt"), "'\(createdAt.debugDescriptionForMessages)' is not a time: write YYYY-MM-DDTHH:MM:SSZ (UTC)")
        }
        if let supersedes, !InputRules.isRecordID(supersedes) {
            throw ContractError(r.at("supersedes"), "'\(supersedes.debugDescriptionForMessages)' is not a record id")
        }
        for (n, a) in atts.enumerated() {
            if let why = InputRules.attachmentNameProblem(a) { throw ContractError(r.at("attachments[\(n)]"), "'\(a.debugDescriptionForMessages)' \(why)") }
        }
        self.init(id: id, kind: kind, author: try r.requiredString("author"), role: role,
                  replica: try r.requiredString("replica"), createdAt: createdAt, filedDate: filed,
                  attachments: atts, supersedes: supersedes, fields: [:])
        for field in kind.schema {
            let value = try Record.readField(field, from: &r)
            if let value { fields[field.name] = value } else if field.required { throw ContractError(r.at(field.name), "is required for a \(kind.code) record") }
        }
        try r.finish()
    }

    static func readField(_ field: RecordKind.Field, from r: inout FieldReader) throws(ContractError) -> RecordValue? {
        switch field.type {
        case .money: return try r.dec(field.name, decimals: 2).map { .dec($0) }
        case .quantity: return try r.dec(field.name, decimals: 4).map { .dec($0) }
        case .date: return try r.date(field.name).map { .date($0) }
        case .bool: return try r.bool(field.name).map { .bool($0) }
        case .list:
            let items = try r.list(field.name)
            if items.isEmpty { return nil }
            var out: [String] = []
            for (n, i) in items.enumerated() {
                guard case let .string(s) = i else { throw ContractError(r.at("\(field.name)[\(n)]"), "must be a string") }
                out.append(s)
            }
            return .list(out)
        case .month:
            guard let s = try r.string(field.name) else { return nil }
            guard s.count == 7, (try? CivilDate.parse(s + "-01")) != nil else { throw ContractError(r.at(field.name), "'\(s)' is not a month: write YYYY-MM") }
            return .text(s)
        case let .choice(options):
            guard let s = try r.string(field.name) else { return nil }
            guard options.contains(s) else { throw ContractError(r.at(field.name), "'\(s)' is not one of: \(options.joined(separator: ", "))") }
            return .text(s)
        case .text, .recordRef, .lineItemRef, .milestoneRef:
            guard let s = try r.string(field.name) else { return nil }
            if field.required && s.isEmpty { throw ContractError(r.at(field.name), "must not be empty") }
            return .text(s)
        }
    }
}
