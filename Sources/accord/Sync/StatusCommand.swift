import ArgumentParser
import AccordStore
import AccordObjects
import AccordContracts

struct StatusCommand: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Per contract: up to date, ahead, behind or diverged against each remote, and whether it is conflicted.")

    @Flag(help: "Print JSON lines.") var json = false
    @Flag(name: .shortAndLong, help: "Also list contracts that are up to date.") var all = false

    func execute() throws {
        let s = try ContractSession()
        let repo = s.repository
        var remotes: [String: [String: ObjectID]] = [:] // remote → number → tip
        for (name, id) in try repo.refs.list(prefix: "refs/remotes/") {
            let parts = name.dropFirst("refs/remotes/".count).split(separator: "/", maxSplits: 2)
            guard parts.count == 3, parts[1] == "contracts" else { continue }
            remotes[String(parts[0]), default: [:]][String(parts[2])] = id
        }
        var history = History(objects: repo.objects)
        var numbers = Set(try ContractFailure.wrap { () throws(ContractStoreError) in try s.store.all() }.map(\.number))
        for r in remotes.values { numbers.formUnion(r.keys) }
        let out = Output.stdout
        var unreadable: [(number: String, error: ContractStoreError)] = []
        for number in numbers.sorted() {
            do {
                let local = try ContractFailure.wrap { () throws(ContractStoreError) in try s.store.head(number) }
                var conflicted = false
                if let local { conflicted = try ContractFailure.wrap { () throws(ContractStoreError) in try s.store.load(commit: local) }.isConflicted }
                var states: [(String, String, Int, Int)] = []
                for remote in remotes.keys.sorted() {
                    guard let theirs = remotes[remote]?[number] else { continue }
                    guard let local else { states.append((remote, "behind (new)", 0, 1)); continue }
                    if local == theirs { states.append((remote, "up to date", 0, 0)); continue }
                    let mine = Set(try history.walk(from: [local])), other = Set(try history.walk(from: [theirs]))
                    let ahead = mine.subtracting(other).count, behind = other.subtracting(mine).count
                    let word = ahead > 0 && behind > 0 ? "diverged" : ahead > 0 ? "ahead" : "behind"
                    states.append((remote, word, ahead, behind))
                }
                let interesting = conflicted || states.contains { $0.1 != "up to date" }
                if !interesting && !all { continue }
                if json {
                    out.line(JSONText.object([
                        ("number", .string(number)), ("conflicted", .bool(conflicted)),
                        ("remotes", .array(states.map { .object([("remote", .string($0.0)), ("state", .string($0.1)), ("ahead", .int($0.2)), ("behind", .int($0.3))]) })),
                    ]).rendered)
                } else {
                    let text = states.map { "\($0.0): \($0.1)" + ($0.2 + $0.3 > 0 ? " (+\($0.2) −\($0.3))" : "") }.joined(separator: ", ")
                    out.line("\(number.padding(18))" + (conflicted ? out.paint("conflicted ", "31") : "") + (text.isEmpty ? (conflicted ? "" : "local only") : text))
                }
            } catch let e as ContractFailure {
                // One contract whose ref leads to no readable contract does not hide the others.
                unreadable.append((number, .store(.invalidInput(e.description))))
            } catch let e as StoreError {
                unreadable.append((number, .store(e)))
            }
        }
        BadContractRef.report(unreadable)
        if !unreadable.isEmpty { throw CheckFailed() }
    }
}
