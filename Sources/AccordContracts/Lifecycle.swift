/// Who may do what, and the review stages in use (domain.md §2). Configurable per repository:
/// `accord.reviewStages = initialReview,secondReview,finalReview` and
/// `accord.approvers.<stage> = salesHead,legal`, etc.
public struct LifecyclePolicy: Sendable, Equatable {
    public var stages: [Status] = [.initialReview, .secondReview, .finalReview]
    public var approvers: [Status: Set<Role>] = [
        .initialReview: [.salesHead], .secondReview: [.legal, .finance], .finalReview: [.management],
    ]
    public var submitters: Set<Role> = [.salesRep, .salesAdmin, .contractSpecialist]
    public var signers: Set<Role> = [.management, .contractAdmin]
    public var starters: Set<Role> = [.contractAdmin, .salesRep, .salesAdmin]
    public var completers: Set<Role> = [.contractAdmin]
    public var terminators: Set<Role> = [.contractAdmin, .management]
    public var archivers: Set<Role> = [.contractAdmin]
    public var cancellers: Set<Role> = [.salesRep, .management]
    /// Who approves changes and terminations (the sources disagree: sales head [004], management [002]).
    public var changeApprovers: Set<Role> = [.salesHead, .management]
    public var leadership: Set<Role> = [.management, .salesHead]
    /// Who registers a contract that enters the repository past draft (an import of an existing
    /// contract): contract administration keeps the ledger.
    public var registrars: Set<Role> = [.contractAdmin]

    public init() {}

    /// Reads `accord.reviewStages` and `accord.approvers.<stage>` from config values.
    public init(get: (String) -> String?) throws(ContractError) {
        self.init()
        if let s = get("accord.reviewStages") {
            var stages: [Status] = []
            for name in s.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                guard let st = Status(code: name), st.isReview else {
                    throw ContractError("accord.reviewStages", "'\(name)' is not a review stage (initialReview, secondReview, finalReview)")
                }
                stages.append(st)
            }
            guard !stages.isEmpty else { throw ContractError("accord.reviewStages", "needs at least one stage") }
            self.stages = stages
        }
        for stage in [Status.initialReview, .secondReview, .finalReview] {
            if let s = get("accord.approvers.\(stage.code)") { approvers[stage] = try LifecyclePolicy.roles(s, "accord.approvers.\(stage.code)") }
        }
        if let s = get("accord.changeApprovers") { changeApprovers = try LifecyclePolicy.roles(s, "accord.changeApprovers") }
    }

    static func roles(_ s: String, _ key: String) throws(ContractError) -> Set<Role> {
        var out: Set<Role> = []
        for name in s.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            guard let r = Role(code: name) else { throw ContractError(key, "'\(name)' is not a role (\(Role.allCases.map(\.code).joined(separator: ", ")))") }
            out.insert(r)
        }
        return out
    }
}

/// A lifecycle command.
public enum Action: String, LabeledEnum {
    case submit, approve, reject, sign, start, complete, terminate, archive, cancel
    public var label: String {
        switch self {
        case .submit: "提交审核"; case .approve: "审核通过"; case .reject: "驳回"; case .sign: "签署"; case .start: "开始履行"
        case .complete: "履行完毕"; case .terminate: "终止"; case .archive: "归档"; case .cancel: "作废"
        }
    }
}

/// The person acting: name, role and office come from the replica's config.
public struct Actor: Hashable, Sendable {
    public var name: String
    public var email: String
    public var role: Role
    public var office: String
    public var replica: String
    public init(name: String, email: String, role: Role, office: String, replica: String) {
        self.name = name; self.email = email; self.role = role; self.office = office; self.replica = replica
    }
}

public enum Lifecycle {
    /// The state `action` leads to from `status`, if the lifecycle allows it.
    public static func target(of action: Action, from status: Status, policy: LifecyclePolicy) -> Status? {
        switch (action, status) {
        case (.submit, .draft): return policy.stages.first
        case (.approve, let s) where s.isReview:
            guard let i = policy.stages.firstIndex(of: s) else { return nil }
            return i + 1 < policy.stages.count ? policy.stages[i + 1] : .approved
        case (.reject, let s) where s.isReview: return .draft
        case (.sign, .approved): return .signed
        case (.start, .signed): return .executing
        case (.complete, .executing): return .completed
        case (.terminate, .signed), (.terminate, .executing): return .terminated
        case (.archive, .completed), (.archive, .terminated): return .archived
        case (.cancel, .draft): return .cancelled
        case (.cancel, let s) where s.isReview: return .cancelled
        default: return nil
        }
    }

    /// Roles allowed to take `action` from `status`.
    public static func allowedRoles(_ action: Action, from status: Status, policy: LifecyclePolicy) -> Set<Role> {
        switch action {
        case .submit: policy.submitters
        case .approve, .reject: policy.approvers[status] ?? []
        case .sign: policy.signers
        case .start: policy.starters
        case .complete: policy.completers
        case .terminate: policy.terminators
        case .archive: policy.archivers
        case .cancel: policy.cancellers
        }
    }

    /// Checks the transition is legal and the actor may take it; returns the new status.
    public static func check(_ action: Action, contract: Contract, actor: Actor, policy: LifecyclePolicy) throws(ContractError) -> Status {
        guard let next = target(of: action, from: contract.status, policy: policy) else {
            let possible = Action.allCases.filter { target(of: $0, from: contract.status, policy: policy) != nil }.map(\.code)
            throw ContractError("status", "cannot \(action.code) a contract that is \(contract.status.code) (\(contract.status.label))"
                + (possible.isEmpty ? "; it is final" : "; possible now: \(possible.joined(separator: ", "))"), rule: "invariant 8")
        }
        let roles = allowedRoles(action, from: contract.status, policy: policy)
        guard roles.contains(actor.role) else {
            throw ContractError("status", "role \(actor.role.code) (\(actor.role.label)) may not \(action.code) at \(contract.status.code); allowed: \(roles.map(\.code).sorted().joined(separator: ", "))", rule: "invariant 8")
        }
        return next
    }
}
