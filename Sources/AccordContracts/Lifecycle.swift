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
    /// Who may withdraw a contract under review or approved back to draft (its owner's side).
    public var withdrawers: Set<Role> = [.salesRep, .salesAdmin, .contractSpecialist]
    /// Separation of duties (`accord.separationOfDuties`, on by default): the submitter of a round
    /// approves no stage of it, one person approves at most one stage per round, and a leader
    /// decision is not made by the author of the report it answers. People are told apart by email.
    public var separationOfDuties = true
    /// Terms frozen from submission (`accord.frozenFromSubmission`, on by default): under review
    /// or approved, the terms change only by returning the contract to draft.
    public var frozenFromSubmission = true
    /// Roles a stage needs (`accord.requiredApprovers.<stage>`): the stage passes only when one of
    /// them approves; the stage's other approvers review alongside (their approval is recorded and
    /// the stage stays). Only roles that may approve the stage count.
    public var requiredApprovers: [Status: Set<Role>] = [.secondReview: [.legal]]

    /// Who may record each kind of record; a kind not listed may be recorded by every role.
    public var recorders: [RecordKind: Set<Role>] = [
        .paymentReceipt: [.finance], .invoice: [.finance], .writeOff: [.finance], .settlement: [.finance, .contractAdmin],
        .leaderDecision: [.management, .salesHead], .riskyShipmentDecision: [.management],
        .changeAgreement: [.contractAdmin, .legal],
    ]
    /// In which statuses each kind of record may be added; a kind not listed may be added in any
    /// status but cancelled and archived.
    public var recordStatuses: [RecordKind: Set<Status>] = {
        let performing: Set<Status> = [.signed, .executing]
        let fromSigning: Set<Status> = [.signed, .executing, .completed, .terminated]
        var t: [RecordKind: Set<Status>] = [:]
        for k in [RecordKind.delivery, .acceptance, .paymentReceipt, .invoice, .settlement, .writeOff] { t[k] = fromSigning }
        for k in [RecordKind.deviationReport, .leaderDecision, .executionResult, .riskyShipmentRequest, .riskyShipmentDecision,
                  .changeRequest, .changeAgreement, .terminationRequest] { t[k] = performing }
        return t
    }()

    public init() {}

    /// The roles that pass `stage`: its required approvers that may approve it, or (none
    /// configured) every approver of it.
    public func passingRoles(_ stage: Status) -> Set<Role> {
        let all = approvers[stage] ?? []
        let req = (requiredApprovers[stage] ?? []).intersection(all)
        return req.isEmpty ? all : req
    }

    public func mayRecord(_ kind: RecordKind) -> Set<Role> { recorders[kind] ?? Set(Role.allCases) }
    public func recordableIn(_ kind: RecordKind) -> Set<Status> {
        recordStatuses[kind] ?? Set(Status.allCases).subtracting([.cancelled, .archived])
    }

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
        for stage in [Status.initialReview, .secondReview, .finalReview] {
            if let s = get("accord.requiredApprovers.\(stage.code)") {
                requiredApprovers[stage] = s.trimmingCharacters(in: .whitespaces).isEmpty ? [] : try LifecyclePolicy.roles(s, "accord.requiredApprovers.\(stage.code)")
            }
        }
        func flag(_ key: String) throws(ContractError) -> Bool? {
            guard let s = get(key) else { return nil }
            switch s.lowercased() {
            case "true", "yes", "on", "1": return true
            case "false", "no", "off", "0": return false
            default: throw ContractError(key, "'\(s)' is not true or false")
            }
        }
        if let b = try flag("accord.separationOfDuties") { separationOfDuties = b }
        if let b = try flag("accord.frozenFromSubmission") { frozenFromSubmission = b }
        for kind in RecordKind.allCases {
            if let s = get("accord.recorders.\(kind.code)") { recorders[kind] = try LifecyclePolicy.roles(s, "accord.recorders.\(kind.code)") }
            if let s = get("accord.recordStatuses.\(kind.code)") {
                var set: Set<Status> = []
                for name in s.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                    guard let st = Status(code: name) else {
                        throw ContractError("accord.recordStatuses.\(kind.code)", "'\(name)' is not a status (\(Status.allCases.map(\.code).joined(separator: ", ")))")
                    }
                    set.insert(st)
                }
                recordStatuses[kind] = set
            }
        }
    }

    static func roles(_ s: String, _ key: String) throws(ContractError) -> Set<Role> {
        var out: Set<Role> = []
        for name in s.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            guard let r = Role(code: name) else { throw ContractError(key, "'\(name)' is not a role (\(Role.choices))") }
            out.insert(r)
        }
        return out
    }
}

/// A lifecycle command.
public enum Action: String, LabeledEnum {
    case submit, approve, reject, sign, start, complete, terminate, archive, cancel, withdraw
    public var label: String {
        switch self {
        case .withdraw: "撤回"
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
        case (.withdraw, let s) where s.isReview || s == .approved: return .draft
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
        case .withdraw: policy.withdrawers
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
        // A stage with required approvers passes only by one of them; the others approve alongside.
        if action == .approve, !policy.passingRoles(contract.status).contains(actor.role) { return contract.status }
        return next
    }

    /// Dates a lifecycle command checks against today on the replica that runs it: a contract is
    /// not signed on a future date, and does not start before its effective date.
    public static func checkDates(_ action: Action, contract c: Contract, today: CivilDate) throws(ContractError) {
        switch action {
        case .sign:
            if let d = c.signDate, d > today { throw ContractError("signDate", "\(d) is in the future (today is \(today)); sign on or after the day both parties sign", rule: "invariant 7") }
        case .start:
            if let e = c.effectiveDate, e > today {
                throw ContractError("effectiveDate", "is \(e); the contract cannot start before it takes effect (today is \(today))", rule: "invariant 7")
            }
        default: break
        }
    }
}
