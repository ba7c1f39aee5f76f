/// 合同类型: decides which fields are required.
public enum ContractType: String, LabeledEnum {
    case sales, service, purchase, framework
    public var label: String {
        switch self { case .sales: "销售"; case .service: "服务"; case .purchase: "采购"; case .framework: "框架" }
    }
    /// Goods contracts need line items and a quality standard.
    public var isGoods: Bool { self == .sales || self == .purchase }
}

/// 要约性文件: orders and faxes are tracked like contracts.
public enum SourceDocument: String, LabeledEnum {
    case contract, productOrder, requisitionFax
    public var label: String {
        switch self { case .contract: "合同"; case .productOrder: "产品订单"; case .requisitionFax: "要货传真件" }
    }
}

public enum SignKind: String, LabeledEnum {
    case new, renewal, modification
    public var label: String { switch self { case .new: "新签"; case .renewal: "续签"; case .modification: "修改" } }
}

public enum SignatoryCapacity: String, LabeledEnum {
    case legalRepresentative, authorizedAgent
    public var label: String { switch self { case .legalRepresentative: "法定代表人"; case .authorizedAgent: "授权代表" } }
}

public enum RiskKind: String, LabeledEnum {
    case legal, business, operational
    public var label: String { switch self { case .legal: "法律"; case .business: "业务"; case .operational: "操作" } }
}

public enum Level: String, LabeledEnum {
    case low, medium, high
    public var label: String { switch self { case .low: "低"; case .medium: "中"; case .high: "高" } }
}

public enum MilestoneKind: String, LabeledEnum {
    case advance, progress, balance
    public var label: String { switch self { case .advance: "预付款"; case .progress: "进度款"; case .balance: "余款" } }
}

public enum DisputeMethod: String, LabeledEnum {
    case negotiation, mediation, arbitration, litigation
    public var label: String {
        switch self { case .negotiation: "协商"; case .mediation: "调解"; case .arbitration: "仲裁"; case .litigation: "诉讼" }
    }
}

public enum AttachmentKind: String, LabeledEnum {
    case original, signedCopy, copy, electronic, acceptanceReport, paymentVoucher, correspondence
    public var label: String {
        switch self {
        case .original: "原件"; case .signedCopy: "正本"; case .copy: "副本"; case .electronic: "电子版"
        case .acceptanceReport: "验收报告"; case .paymentVoucher: "付款凭证"; case .correspondence: "来往函件"
        }
    }
}

/// The lifecycle states of domain.md §2.
public enum Status: String, LabeledEnum {
    case draft, initialReview, secondReview, finalReview, approved, signed, executing, completed, terminated, archived, cancelled
    public var label: String {
        switch self {
        case .draft: "草拟"; case .initialReview: "初审"; case .secondReview: "复审"; case .finalReview: "终审"
        case .approved: "审批通过"; case .signed: "已签署"; case .executing: "履行中"; case .completed: "履行完毕"
        case .terminated: "终止"; case .archived: "归档"; case .cancelled: "作废"
        }
    }
    public var isReview: Bool { self == .initialReview || self == .secondReview || self == .finalReview }
    /// From signing on, the frozen fields change only through a change agreement.
    public var isFrozen: Bool { [.signed, .executing, .completed, .terminated, .archived].contains(self) }
}

/// The roles of domain.md §2.
public enum Role: String, LabeledEnum {
    case salesRep, salesAdmin, contractSpecialist, salesHead, legal, finance, management, contractAdmin, businessOffice, supervision
    public var label: String {
        switch self {
        case .salesRep: "销售人员"; case .salesAdmin: "销售内勤"; case .contractSpecialist: "合同专员"
        case .salesHead: "销售部门负责人"; case .legal: "法务"; case .finance: "财务"; case .management: "管理层"
        case .contractAdmin: "合同管理部门"; case .businessOffice: "业务办"; case .supervision: "监察部门"
        }
    }

    /// Head office's roles (合同管理部门, 法务, 财务, 管理层, 业务办, 监察): they act on every office's
    /// contracts. The other roles are office-bound: a person acts in them for their own offices.
    public static let headOffice: Set<Role> = [.legal, .finance, .management, .contractAdmin, .businessOffice, .supervision]

    /// Every role as errors list them: `salesRep (销售人员), salesAdmin (销售内勤), …`.
    public static var choices: String { allCases.map { "\($0.code) (\($0.label))" }.joined(separator: ", ") }
}
