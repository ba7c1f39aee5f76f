import Foundation
import ArgumentParser
import AccordStore
import AccordContracts
import AccordIndex
import AccordReports

struct Search: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "search", abstract: "Find text in every contract's fields and records (Chinese included).",
        discussion: """
        Prints each place the text occurs: the contract, the field (buyer.name, lineItems[L1].spec, \
        breachLiability; a record's field as KIND[ID].FIELD) and its value around the match. Case does \
        not matter for Latin letters. Reads the query index (.accord/accord/index.sqlite, SQLite with an \
        FTS5 trigram index), brought up to date first: only contracts whose head moved are read again; \
        deleting it is always safe. Exit 1 if nothing is found, as grep does.
        """)

    @Argument(help: "The text to find (any substring; at least one character).") var text: String
    @Option(name: [.customShort("n", allowingJoined: true), .customLong("max-count")], help: "Show at most N places.") var maxCount: Int?
    @Flag(help: "Print one JSON object per place.") var json = false

    func validate() throws {
        if text.isEmpty { throw ValidationError("give the text to find") }
        if let maxCount, maxCount < 1 { throw ValidationError("--max-count must be at least 1") }
    }

    func execute() throws {
        let repo = try Session.repository()
        let store = try ContractFailure.wrap { () throws(ContractStoreError) in try ContractStore(repository: repo) }
        var (index, warning) = try QueryIndex.open(store)
        var read: (read: Int, failures: [(number: String, error: ContractStoreError)])
        do { read = try index.refreshText(store) } catch {
            // Not writable (a full disk, a read-only repository): the same search in memory.
            warning = "the search index could not be updated (\(error)); searched without it"
            index = try QueryIndex.inMemory()
            read = try index.refreshText(store)
        }
        if let warning { Output.stderr.write(Output.stderr.paint("warning:", "33") + " \(Output.escaped(warning))\n") }
        for f in read.failures {
            Output.stderr.write(Output.stderr.paint("error:", "31") + " \(f.number): not searched: \(Output.escaped(f.error.description))\n")
        }
        let hits = try index.search(text, limit: maxCount)
        let out = Output.stdout
        if json {
            for h in hits {
                out.line(JSONText.object([("number", .string(h.number)), ("field", .string(h.place)), ("value", .string(h.value))]).rendered)
            }
        } else {
            let numberWidth = hits.map { SafeText.width(SafeText.oneLine($0.number)) }.max() ?? 0
            let placeWidth = min(hits.map { SafeText.width(SafeText.oneLine($0.place)) }.max() ?? 0, 40)
            for h in hits {
                out.line(SafeText.padRight(SafeText.oneLine(h.number), numberWidth) + "  " + SafeText.padRight(SafeText.oneLine(h.place), placeWidth)
                         + "  " + Search.excerpt(h.value, around: text))
            }
        }
        if hits.isEmpty || !read.failures.isEmpty { throw CheckFailed() }
    }

    /// The value on one line, cut to about 30 characters either side of the first match.
    static func excerpt(_ value: String, around text: String) -> String {
        let flat = SafeText.oneLine(value)
        guard flat.count > 80, let r = flat.range(of: text, options: .caseInsensitive) else { return flat }
        let start = flat.index(r.lowerBound, offsetBy: -30, limitedBy: flat.startIndex) ?? flat.startIndex
        let end = flat.index(r.upperBound, offsetBy: 30, limitedBy: flat.endIndex) ?? flat.endIndex
        return (start == flat.startIndex ? "" : "…") + flat[start..<end] + (end == flat.endIndex ? "" : "…")
    }
}
