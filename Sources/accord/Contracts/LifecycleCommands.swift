import ArgumentParser
import AccordStore
import AccordObjects
import AccordContracts

/// Runs one lifecycle action: checks it is allowed for the actor's role, records a review for
/// approve/reject, applies the new status, and commits (every invariant is re-checked).
enum Transition {
    static func run(_ action: Action, number: String, message: String?, edit: (inout Contract) throws -> Void = { _ in }) throws {
        let s = try ContractSession()
        let (actor, who) = try s.actor()
        let snap = try s.load(number)
        if snap.isConflicted {
            throw ContractFailure(ContractError("status", "\(number) has \(snap.conflicts.count) unresolved conflict\(snap.conflicts.count == 1 ? "" : "s") (\(snap.conflicts.map(\.path).joined(separator: ", "))); it cannot move in its lifecycle until they are resolved: accord conflicts \(number)", rule: "conflicts"))
        }
        var c = snap.state.contract
        let from = c.status
        let next: Status
        do { next = try Lifecycle.check(action, contract: c, actor: actor, policy: s.store.policy) } catch { throw ContractFailure(error) }
        if action == .submit {
            var submitted = snap.state
            submitted.contract.status = next
            let problems = Invariants.submissionProblems(submitted, policy: s.store.policy)
            if !problems.isEmpty {
                throw ContractFailure("\(number) cannot be submitted: \(problems.count) problem\(problems.count == 1 ? "" : "s") (see also 'accord check \(number)'):\n"
                    + problems.map { "  \($0.description)" }.joined(separator: "\n"))
            }
        }
        var records = snap.state.records
        if action == .approve || action == .reject {
            guard let opinion = message, !opinion.isEmpty else {
                throw ContractFailure(ContractError("opinion", "\(action.code) needs your opinion: -m \"…\""))
            }
            records.append(try RecordCommand.make(.review, fields: ["stage=\(from.code)", "decision=\(action.code)", "opinion=\(opinion)"],
                                                  actor: actor, who: who, filed: nil, supersedes: nil))
        }
        try edit(&c)
        do { try Lifecycle.checkDates(action, contract: c, today: CivilDate.today()) } catch { throw ContractFailure(error) }
        c.status = next
        let move = next == from
            ? "\(from.code) (\(from.label)), alongside: the stage passes by \(s.store.policy.passingRoles(from).map(\.code).sorted().joined(separator: " or "))"
            : "\(from.code) → \(next.code) (\(from.label) → \(next.label))"
        let summary = "\(action.code.capitalized) \(c.number): \(move)" + (message.map { ": \($0)" } ?? "")
        try ContractChange.commit(s, snap, contract: c, records: records, actor: actor, who: who, message: summary, action: action)
    }
}

struct Submit: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit", abstract: "Submit a draft for review (草拟 → first review stage); refused with every missing term and broken rule at once.",
        discussion: "From submission the terms are frozen: to change them, withdraw the contract (or have a reviewer reject it) back to draft. See also: accord check NUMBER.")
    @Option(name: .shortAndLong, help: "A note added to the commit message.") var message: String?
    @Argument(help: "The contract number.") var number: String
    func execute() throws { try Transition.run(.submit, number: number, message: message) }
}

struct Withdraw: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "withdraw", abstract: "Withdraw a contract under review or approved back to draft (撤回), to change its terms; voids the round's approvals.")
    @Option(name: .shortAndLong, help: "Why it is withdrawn (added to the commit message).") var message: String?
    @Argument(help: "The contract number.") var number: String
    func execute() throws { try Transition.run(.withdraw, number: number, message: message) }
}

/// Approving or rejecting a change or termination request: a review record; the status does not move.
enum RequestDecision {
    static func run(_ decision: Action, change: String?, termination: String?, number: String, message: String?) throws {
        let s = try ContractSession()
        let (actor, who) = try s.actor()
        let snap = try s.load(number)
        guard s.store.policy.changeApprovers.contains(actor.role) else {
            throw ContractFailure(ContractError("status", "role \(actor.role.code) may not \(decision.code) changes or terminations; allowed: \(s.store.policy.changeApprovers.map(\.code).sorted().joined(separator: ", "))", rule: "invariant 8"))
        }
        guard let opinion = message, !opinion.isEmpty else { throw ContractFailure(ContractError("opinion", "\(decision == .approve ? "approving" : "rejecting") needs your opinion: -m \"…\"")) }
        let (stage, given, kind): (String, String, RecordKind) = change.map { ("change", $0, .changeRequest) } ?? ("termination", termination ?? "", .terminationRequest)
        let subject: String
        do { subject = try snap.state.resolveRecordID(given, path: stage) } catch { throw ContractFailure(error) }
        guard snap.state.record(id: subject)?.kind == kind else { throw ContractFailure(ContractError(stage, "no \(kind.code) record '\(given)'")) }
        var review = try RecordCommand.make(.review, fields: ["stage=\(stage)", "decision=\(decision.code)", "opinion=\(opinion)"],
                                            actor: actor, who: who, filed: nil, supersedes: nil)
        review.fields["subject"] = .text(subject)
        try ContractChange.commit(s, snap, contract: snap.state.contract, records: snap.state.records + [review], actor: actor, who: who,
                                  message: "\(decision.code.capitalized) \(stage) request \(subject.prefix(8)): \(opinion)")
    }

    static func validate(change: String?, termination: String?) throws {
        if change != nil && termination != nil { throw ValidationError("--change and --termination decide one request each: give one of them") }
    }
}

struct Approve: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve", abstract: "Approve the current review stage, or (with --change/--termination) a change or termination request.",
        discussion: "Separation of duties: the submitter of a round approves no stage of it, and one person approves at most one stage per round. At secondReview finance reviews alongside legal; the stage passes when legal approves. Each change or termination request is decided once.")
    @Option(help: "Approve this change request (its id, or a unique prefix of 6+ characters) instead of the review stage.") var change: String?
    @Option(help: "Approve this termination request (id or unique prefix) instead of the review stage.") var termination: String?
    @Option(name: .shortAndLong, help: "Your opinion (审核意见), required; recorded in the review record.") var message: String?
    @Argument(help: "The contract number.") var number: String

    func validate() throws { try RequestDecision.validate(change: change, termination: termination) }

    func execute() throws {
        guard change != nil || termination != nil else { return try Transition.run(.approve, number: number, message: message) }
        try RequestDecision.run(.approve, change: change, termination: termination, number: number, message: message)
    }
}

struct Reject: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "reject", abstract: "Reject at the current review stage, back to draft, with your opinion (修改意见); or (with --change/--termination) reject a change or termination request.")
    @Option(help: "Reject this change request (id or unique prefix) instead of the review stage.") var change: String?
    @Option(help: "Reject this termination request (id or unique prefix) instead of the review stage.") var termination: String?
    @Option(name: .shortAndLong, help: "Your opinion (修改意见), required; recorded in the review record.") var message: String?
    @Argument(help: "The contract number.") var number: String

    func validate() throws { try RequestDecision.validate(change: change, termination: termination) }

    func execute() throws {
        guard change != nil || termination != nil else { return try Transition.run(.reject, number: number, message: message) }
        try RequestDecision.run(.reject, change: change, termination: termination, number: number, message: message)
    }
}

struct Sign: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign", abstract: "Sign an approved contract (审批通过 → 已签署): needs a signatory, sign and effective dates, and the signed text attached.",
        discussion: "The sign date is not in the future. Set the signatory before submitting: from submission the terms are frozen.")
    @Option(help: "Sign date YYYY-MM-DD (sets signDate).") var date: String?
    @Option(help: "Effective date YYYY-MM-DD (sets effectiveDate; default: the sign date).") var effective: String?
    @Option(name: .shortAndLong, help: "A note added to the commit message (e.g. 双方盖章).") var message: String?
    @Argument(help: "The contract number.") var number: String

    func execute() throws {
        try Transition.run(.sign, number: number, message: message) { c in
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
    static let configuration = CommandConfiguration(
        commandName: "start", abstract: "Start execution of a signed contract (已签署 → 履行中), not before its effective date; --due starts every one whose effective date has come.")
    @Flag(help: "Start every signed contract whose effective date has come (for a daily job); one line per contract started.") var due = false
    @Option(name: .shortAndLong, help: "A note added to the commit message.") var message: String?
    @Argument(help: "The contract number (none with --due).") var number: String?

    func validate() throws {
        if due, number != nil { throw ValidationError("--due starts every due contract: give no number") }
        if !due, number == nil { throw ValidationError("give a contract number, or --due") }
    }

    func execute() throws {
        guard due else { return try Transition.run(.start, number: number ?? "", message: message) }
        let s = try ContractSession()
        let today = CivilDate.today()
        var failed: [String] = []
        let all: [(number: String, head: ObjectID)]
        do { all = try s.store.all() } catch { throw ContractFailure(error) }
        for (n, head) in all {
            let doc: JSON
            do {
                let blobs = try s.store.fieldBlobs(commit: head)
                let read = try s.store.contractDocument(blob: blobs.contract, of: head)
                guard read.status == .signed else { continue }
                doc = read.document
            } catch { failed.append("\(n): \(error.description)"); continue }
            guard let e = doc["effectiveDate"]?.string.flatMap({ try? CivilDate.parse($0) }), e <= today else { continue }
            do { try Transition.run(.start, number: n, message: message ?? "effective since \(e)") }
            catch { failed.append("\(n): \(error)") }
        }
        if !failed.isEmpty { throw ContractFailure("could not start \(failed.count) due contract\(failed.count == 1 ? "" : "s"):\n" + failed.map { "  \($0)" }.joined(separator: "\n")) }
    }
}

struct Complete: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "complete", abstract: "Mark execution complete (履行完毕): needs full delivery, a passed acceptance, receipts equal to the total, no open deviation.")
    @Option(name: .shortAndLong, help: "A note added to the commit message.") var message: String?
    @Argument(help: "The contract number.") var number: String
    func execute() throws { try Transition.run(.complete, number: number, message: message) }
}

struct Terminate: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "terminate", abstract: "Terminate a signed or executing contract (终止/解除): needs an approved termination request with written consent.")
    @Option(name: .shortAndLong, help: "A note added to the commit message.") var message: String?
    @Argument(help: "The contract number.") var number: String
    func execute() throws { try Transition.run(.terminate, number: number, message: message) }
}

struct ArchiveCommand: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "archive", abstract: "Archive a completed or terminated contract (归档): needs settlement, the signed text, and archive data.")
    @Option(name: .customLong("archive-no"), help: "Archive number (sets archive.archiveNo).") var archiveNo: String?
    @Option(help: "Where the paper original is kept (sets archive.paperLocation).") var location: String?
    @Option(name: .customLong("destroy-after"), help: "Date after which it may be destroyed (YYYY-MM-DD).") var destroyAfter: String?
    @Option(name: .shortAndLong, help: "A note added to the commit message.") var message: String?
    @Argument(help: "The contract number.") var number: String

    func execute() throws {
        try Transition.run(.archive, number: number, message: message) { c in
            if let archiveNo {
                c.archive = ArchiveInfo(archiveNo: archiveNo, date: CivilDate.today(), paperLocation: location ?? c.archive?.paperLocation ?? "",
                                        destroyAfter: try destroyAfter.map { try parseDate($0, "archive.destroyAfter") })
            }
        }
    }
}

struct Cancel: AccordCommand {
    static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel a draft or a contract under review (作废).")
    @Option(name: .shortAndLong, help: "A note added to the commit message.") var message: String?
    @Argument(help: "The contract number.") var number: String
    func execute() throws { try Transition.run(.cancel, number: number, message: message) }
}
