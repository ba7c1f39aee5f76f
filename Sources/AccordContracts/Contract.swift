/// The contract record of domain.md §1. Money is `Dec` with 2 decimals, dates are `CivilDate`.
/// `contract.json` is `canonicalJSON` of this value; reading it back is strict (unknown fields,
/// wrong types and malformed values are errors naming the field).
public struct Contract: Hashable, Sendable {
    // Identity and parties
    public var number: String
    public var type: ContractType
    public var source: SourceDocument = .contract
    public var signKind: SignKind = .new
    public var renews: String?
    public var template: TemplateRef?
    public var subject: String = ""
    public var seller = Party()
    public var buyer = Party()
    public var customerCredit: String?
    public var signatory: Signatory?
    public var owner: String = ""
    public var office: String = ""
    public var projectManager: String?
    public var supervisor: String?
    public var risk: Risk?
    // Commercial and legal terms
    public var lineItems: [LineItem] = []
    public var totalAmount: Dec = .zero
    public var currency: String = "CNY"
    public var taxRate: Dec?
    public var taxInclusive: Bool?
    public var paymentMethod: String = ""
    public var paymentMilestones: [Milestone] = []
    public var deposit: Dec?
    public var deliveryMethod: String = ""
    public var deliveryDeadline: CivilDate?
    public var scope: String?
    public var deliverables: [String] = []
    public var schedule: [ScheduleEntry] = []
    public var qualityStandard: String?
    public var acceptanceStandard: String?
    public var serviceTerms: String?
    public var afterSales: String?
    public var responsibilities: String?
    public var confidentiality: String?
    public var breachLiability: String = ""
    public var disputeResolution: DisputeResolution?
    public var terminationConditions: String?
    public var signDate: CivilDate?
    public var effectiveDate: CivilDate?
    public var expiryDate: Expiry?
    // Execution and administration
    public var progressPlan: [ProgressTask] = []
    public var trackingPlan: TrackingPlan?
    public var status: Status = .draft
    public var attachments: [Attachment] = []
    public var archive: ArchiveInfo?

    public init(number: String, type: ContractType) {
        self.number = number; self.type = type
    }
}

public struct Party: Hashable, Sendable {
    public var name = "", address = "", contact = "", phone = ""
    public init(name: String = "", address: String = "", contact: String = "", phone: String = "") {
        self.name = name; self.address = address; self.contact = contact; self.phone = phone
    }
}

public struct TemplateRef: Hashable, Sendable {
    public var id: String
    public var version: String
    public init(id: String, version: String) { self.id = id; self.version = version }
}

public struct Signatory: Hashable, Sendable {
    public var name: String
    public var capacity: SignatoryCapacity
    public var authorization: String?
    public init(name: String, capacity: SignatoryCapacity, authorization: String? = nil) { self.name = name; self.capacity = capacity; self.authorization = authorization }
}

public struct Risk: Hashable, Sendable {
    public var kind: RiskKind
    public var severity: Level
    public var likelihood: Level
    public var points: String
    public init(kind: RiskKind, severity: Level, likelihood: Level, points: String) { self.kind = kind; self.severity = severity; self.likelihood = likelihood; self.points = points }
}

public struct LineItem: Hashable, Sendable {
    public var id: String
    public var name: String
    public var spec: String = ""
    public var quantity: Dec
    public var unit: String = ""
    public var unitPrice: Dec
    public var deadline: CivilDate?
    /// Derived: round-half-up(quantity × unitPrice, 2). Never stored independently.
    public var lineAmount: Dec { (quantity * unitPrice).rounded(decimals: 2) }

    public init(id: String, name: String, spec: String = "", quantity: Dec, unit: String = "", unitPrice: Dec, deadline: CivilDate? = nil) {
        self.id = id; self.name = name; self.spec = spec; self.quantity = quantity; self.unit = unit
        self.unitPrice = unitPrice; self.deadline = deadline
    }
}

public struct Milestone: Hashable, Sendable {
    public var id: String
    public var kind: MilestoneKind
    public var percent: Dec
    public var amount: Dec
    public var due: CivilDate?
    public var trigger: String?
    public init(id: String, kind: MilestoneKind, percent: Dec, amount: Dec, due: CivilDate? = nil, trigger: String? = nil) { self.id = id; self.kind = kind; self.percent = percent; self.amount = amount; self.due = due; self.trigger = trigger }
}

public struct ScheduleEntry: Hashable, Sendable {
    public var id: String
    public var start: CivilDate
    public var end: CivilDate
    public var milestone: String
    public init(id: String, start: CivilDate, end: CivilDate, milestone: String) { self.id = id; self.start = start; self.end = end; self.milestone = milestone }
}

public struct DisputeResolution: Hashable, Sendable {
    public var method: DisputeMethod
    public var venue: String
    public init(method: DisputeMethod, venue: String) { self.method = method; self.venue = venue }
}

/// A date, or open-ended (stored as the string "open-ended").
public enum Expiry: Hashable, Sendable, CustomStringConvertible {
    case date(CivilDate)
    case openEnded
    public var date: CivilDate? { if case let .date(d) = self { d } else { nil } }
    public var description: String { date?.description ?? "open-ended" }
}

public struct ProgressTask: Hashable, Sendable {
    public var id: String
    public var task: String
    public var date: CivilDate?
    public var responsible: String
    public var kpi: String?
    public init(id: String, task: String, date: CivilDate? = nil, responsible: String, kpi: String? = nil) { self.id = id; self.task = task; self.date = date; self.responsible = responsible; self.kpi = kpi }
}

public struct TrackingPlan: Hashable, Sendable {
    public var goal: String
    public var riskPoints: String
    public var measures: String
    public init(goal: String, riskPoints: String, measures: String) { self.goal = goal; self.riskPoints = riskPoints; self.measures = measures }
}

public struct Attachment: Hashable, Sendable {
    /// The blob's object id (hex): attachments are content-addressed.
    public var blob: String
    public var name: String
    public var kind: AttachmentKind
    public init(blob: String, name: String, kind: AttachmentKind) { self.blob = blob; self.name = name; self.kind = kind }
}

public struct ArchiveInfo: Hashable, Sendable {
    public var archiveNo: String
    public var date: CivilDate
    public var paperLocation: String
    public var destroyAfter: CivilDate?
    public init(archiveNo: String, date: CivilDate, paperLocation: String, destroyAfter: CivilDate? = nil) { self.archiveNo = archiveNo; self.date = date; self.paperLocation = paperLocation; self.destroyAfter = destroyAfter }
}
