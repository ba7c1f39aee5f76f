import ArgumentParser
import AccordContracts

/// `accord check NUMBER`: everything that stands between a contract and review, listed at once.
struct CheckContract: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "List every missing term and broken rule of a contract at once (what submit would refuse); quiet and exit 0 when there is none.")
    @Argument(help: "The contract number.") var number: String

    func execute() throws {
        let s = try ContractSession()
        let snap = try s.load(number)
        let problems = Invariants.submissionProblems(snap.state, policy: s.store.policy)
        guard !problems.isEmpty else { return }
        for p in problems { Output.stdout.line(Output.escaped(p.description)) }
        Output.stdout.line("\(number): \(problems.count) problem\(problems.count == 1 ? "" : "s")")
        throw CheckFailed()
    }
}
