import ArgumentParser
import AccordStore
import AccordObjects
import AccordContracts

/// Options every lifecycle command shares.
struct TransitionOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "Your opinion (审核意见); required to approve or reject.") var message: String?
    @Argument(help: "The contract number.") var number: String
}

/// Runs one lifecycle action: checks it is allowed for the actor's role, records a review for
/// approve/reject, applies the new status, and commits (every invariant is re-checked).
enum Transition {
    static func run(_ action: Action, _ o: TransitionOptions, edit: (inout Contract) throws -> Void = { _ in },
                    extraRecords: [Record] = []) throws {
        let s = try ContractSession()
        let (actor, who) = try s.actor()
        let snap = try s.load(o.number)
        if snap.isConflicted {
            throw ContractFailure(ContractError("status", "\(o.number) has \(snap.conflicts.count) unresolved conflict\(snap.conflicts.count == 1 ? "" : "s") (\(snap.conflicts.map(\.path).joined(separator: ", "))); it cannot move in its lifecycle until they are resolved: accord conflicts \(o.number)", rule: "conflicts"))
        }
        var c = snap.state.contract
        let from = c.status
        let next: Status
        do { next = try Lifecycle.check(action, contract: c, actor: actor, policy: s.store.policy) } catch { throw ContractFailure(error) }
        var records = snap.state.records + extraRecords
        if action == .approve || action == .reject {
            guard let opinion = o.message, !opinion.isEmpty else {
                throw ContractFailure(ContractError("opinion", "\(action.code) needs your opinion: -m \"…\""))
            }
            records.append(try RecordCommand.make(.review, fields: ["stage=\(from.code)", "decision=\(action.code)", "opinion=\(opinion)"],
                                                  actor: actor, who: who, filed: nil, supersedes: nil))
        }
        try edit(&c)
        c.status = next
        let summary = "\(action.code.capitalized) \(c.number): \(from.code) → \(next.code) (\(from.label) → \(next.label))"
            + (o.message.map { ": \($0)" } ?? "")
        try ContractChange.commit(s, snap, contract: c, records: records, actor: actor, who: who, message: summary, action: action)
    }
}

struct Submit: AccordCommand {
    static let configuration = CommandConfiguration(abstract: "Submit a draft for review (草拟 → first review stage).")
    @OptionGroup var options: TransitionOptions
    func execute() throws { try Transition.run(.submit, options) }
}

struct Approve: AccordCommand {
    static let configuration = CommandConfiguration(
        abstract: "Approve the current review stage, or (with --change/--termination) a change or termination request.")
    @Option(help: "Approve this change request id instead of the review stage.") var change: String?
    @Option(help: "Approve this termination request id instead of the review stage.") var termination: String?
    @OptionGroup var options: TransitionOptions

    func execute() throws {
        guard change != nil || termination != nil else { return try Transition.run(.approve, options) }
        // Approving a request records a review; the status does not move.
        let s = try ContractSession()
        let (actor, who) = try s.actor()
        let snap = try s.load(options.number)
        guard s.store.policy.changeApprovers.contains(actor.role) else {
            throw ContractFailure(ContractError("status", "role \(actor.role.code) may not approve changes or terminations; allowed: \(s.store.policy.changeApprovers.map(\.code).sorted().joined(separator: ", "))", rule: "invariant 8"))
        }
        guard let opinion = options.message, !opinion.isEmpty else { throw ContractFailure(ContractError("opinion", "approving needs your opinion: -m \"…\"")) }
        let (stage, subject, kind): (String, String, RecordKind) = change.map { ("change", $0, .changeRequest) } ?? ("termination", termination ?? "", .terminationRequest)
        guard snap.state.record(id: subject)?.kind == kind else { throw ContractFailure(ContractError(stage, "no \(kind.code) record '\(subject)'")) }
        var fields = ["stage=\(stage)", "decision=approve", "opinion=\(opinion)"]
        if stage == "change" { fields.append("subject=\(subject)") }
        var review = try RecordCommand.make(.review, fields: fields, actor: actor, who: who, filed: nil, supersedes: nil)
        if stage == "termination" { review.fields["subject"] = .text(subject) }
        try ContractChange.commit(s, snap, contract: snap.state.contract, records: snap.state.records + [review], actor: actor, who: who,
                                  message: "Approve \(stage) request \(subject.prefix(8)): \(opinion)")
    }
}

struct Reject: AccordCommand {
    static let configuration = CommandConfiguration(abstract: "Reject at the current review stage, back to draft, with your opinion (修改意见).")
    @OptionGroup var options: TransitionOptions
    func execute() throws { try Transition.run(.reject, options) }
}

struct Sign: AccordCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sign an approved contract (审批通过 → 已签署): needs a signatory, sign and effective dates, and the signed text attached.")
    @Option(help: "Sign date YYYY-MM-DD (sets signDate).") var date: String?
    @Option(help: "Effective date YYYY-MM-DD (sets effectiveDate; default: the sign date).") var effective: String?
    @OptionGroup var options: TransitionOptions

    func execute() throws {
        try Transition.run(.sign, options) { c in
            if let date { c.signDate = try parseDate(date, "signDate") }
            if let effective { c.effectiveDate = try parseDate(effective, "effectiveDate") }
            else if c.effectiveDate == nil { c.effectiveDate = c.signDate }
        }
    }
}

func parseDate(_ s: String, _ field: String) throws -> CivilDate {
    do { return try CivilDate.parse(s) } catch { throw ContractFailure(ContractError(field, error.description)) }
}

struct Start: AccordCommand {
    static let configuration = CommandConfiguration(abstract: "Start execution of a signed contract (已签署 → 履行中).")
    @OptionGroup var options: TransitionOptions
    func execute() throws { try Transition.run(.start, options) }
}

struct Complete: AccordCommand {
    static let configuration = CommandConfiguration(
        abstract: "Mark execution complete (履行完毕): needs full delivery, a passed acceptance, receipts equal to the total, no open deviation.")
    @OptionGroup var options: TransitionOptions
    func execute() throws { try Transition.run(.complete, options) }
}

struct Terminate: AccordCommand {
    static let configuration = CommandConfiguration(
        abstract: "Terminate a signed or executing contract (终止/解除): needs an approved termination request with written consent.")
    @OptionGroup var options: TransitionOptions
    func execute() throws { try Transition.run(.terminate, options) }
}

struct ArchiveCommand: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "archive", abstract: "Archive a completed or terminated contract (归档): needs settlement, the signed text, and archive data.")
    @Option(name: .customLong("archive-no"), help: "Archive number (sets archive.archiveNo).") var archiveNo: String?
    @Option(help: "Where the paper original is kept (sets archive.paperLocation).") var location: String?
    @Option(name: .customLong("destroy-after"), help: "Date after which it may be destroyed (YYYY-MM-DD).") var destroyAfter: String?
    @OptionGroup var options: TransitionOptions

    func execute() throws {
        try Transition.run(.archive, options) { c in
            if let archiveNo {
                c.archive = ArchiveInfo(archiveNo: archiveNo, date: CivilDate.today(), paperLocation: location ?? c.archive?.paperLocation ?? "",
                                        destroyAfter: try destroyAfter.map { try parseDate($0, "archive.destroyAfter") })
            }
        }
    }
}

struct Cancel: AccordCommand {
    static let configuration = CommandConfiguration(abstract: "Cancel a draft or a contract under review (作废).")
    @OptionGroup var options: TransitionOptions
    func execute() throws { try Transition.run(.cancel, options) }
}
