import ArgumentParser
import AccordStore
import AccordObjects
import AccordContracts
import AccordReports

struct Import: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Import contracts from JSON or YAML files: all or nothing.",
        discussion: """
        Each file holds one contract or a list; each entry is a contract object, or
        {"contract": {…}, "records": […], "files": {"NAME": "BASE64"}} (the form 'accord export'
        writes; "files" holds the bytes of each attachment the contract lists). Every entry is checked
        against every invariant before anything is written; if one fails, nothing is imported.
        Several files are one batch: a renewal may renew a contract of any of them, in any order.
        """)

    @Option(name: .shortAndLong, help: "Commit message for each contract (default: 'Import contract NUMBER').") var message: String?
    @Argument(help: "The files (.json, .yaml or .yml).") var paths: [String]

    func validate() throws {
        if paths.isEmpty { throw ValidationError("name at least one file to import") }
    }

    func execute() throws {
        let s = try ContractSession()
        let (actor, who) = try s.actor()
        // Every entry of every file, with where it came from (for errors).
        var entries: [JSON] = [], origins: [String] = []
        for path in paths {
            let doc = try DocumentInput.read(path)
            for (n, e) in (doc.array ?? [doc]).enumerated() { entries.append(e); origins.append("\(path): entry \(n + 1)") }
        }
        let file = paths.count == 1 ? paths[0] : "the \(paths.count) files"
        var states: [ContractState] = []
        var files: [[String: [UInt8]]] = []
        var seen = Set<String>()
        let batchNumbers = Set(entries.compactMap { ($0["contract"] ?? $0)["number"]?.string })
        for (n, entry) in entries.enumerated() {
            let where_ = origins[n]
            do {
                let contractJSON = entry["contract"] ?? entry
                if entry["contract"] != nil, let extra = entry.object?.keys.sorted().first(where: { !["contract", "records", "files"].contains($0) }) {
                    throw ContractError(extra, "unknown field (an entry holds 'contract', 'records' and 'files')")
                }
                let contract = try Contract(json: contractJSON)
                // Attachment bytes: every attachment the contract lists, and nothing else, with matching content.
                var bytes: [String: [UInt8]] = [:]
                if let f = entry["files"] {
                    guard let fo = f.object else { throw ContractError("files", "must be an object of file name → base64 content") }
                    for (name, v) in fo {
                        guard let text = v.string, let b = Base64.decode(text) else { throw ContractError("files.\(name)", "must be base64 text") }
                        bytes[name] = b
                    }
                }
                for (n, a) in contract.attachments.enumerated() {
                    guard let b = bytes[a.name] else { throw ContractError("attachments[\(n)]", "'\(a.name)' has no content in files") }
                    guard ObjectHasher.id(type: .blob, payload: b).hex == a.blob else {
                        throw ContractError("files.\(a.name)", "content does not match the attachment's blob id \(a.blob.prefix(12))")
                    }
                }
                if let extra = bytes.keys.sorted().first(where: { name in !contract.attachments.contains { $0.name == name } }) {
                    throw ContractError("files.\(extra)", "is not an attachment of the contract")
                }
                var records: [Record] = []
                if let r = entry["records"], r.array == nil { throw ContractError("records", "must be a list of records") }
                for (i, r) in (entry["records"]?.array ?? []).enumerated() { records.append(try Record(json: r, path: "records[\(i)]")) }
                let state = ContractState(contract: contract, records: records)
                try Invariants.check(state, previous: nil, policy: s.store.policy)
                guard seen.insert(contract.number).inserted else { throw ContractError("number", "'\(contract.number)' appears twice in \(paths.count == 1 ? "the file" : "the files")", rule: "invariant 1") }
                if try s.store.head(contract.number) != nil { throw ContractError("number", "contract '\(contract.number)' already exists", rule: "invariant 1") }
                if contract.signKind == .renewal, let old = contract.renews, !batchNumbers.contains(old), (try? s.store.head(old)) ?? nil == nil {
                    throw ContractError("renews", "'\(old)' is neither in this repository nor in \(paths.count == 1 ? "this file" : "these files")", rule: "invariant 14")
                }
                states.append(state)
                files.append(bytes)
            } catch let e as ContractError {
                throw ContractFailure("\(where_): \(e) (nothing imported)")
            } catch let e as ContractStoreError {
                throw ContractFailure("\(where_): \(e) (nothing imported)")
            }
        }
        // Everything is valid: write every commit first (objects only, durable), then create
        // every contract ref in one all-or-nothing batch. A failure or a kill before that batch
        // takes effect leaves no contract (only unreferenced objects); after it, all of them.
        var created: [(name: String, id: ObjectID)] = []
        var written: [String: ObjectID] = [:]
        var pending = Array(zip(states, files))
        while !pending.isEmpty {
            // A renewal is written after the contract it renews when both are in the file.
            let ready = pending.indices.filter { i in
                let c = pending[i].0.contract
                guard c.signKind == .renewal, let old = c.renews, batchNumbers.contains(old) else { return true }
                return written[old] != nil
            }
            guard !ready.isEmpty else {
                throw ContractFailure("\(file): the renewals \(pending.map(\.0.contract.number).joined(separator: ", ")) renew each other in a cycle (nothing imported)")
            }
            for i in ready {
                let (state, bytes) = pending[i]
                var change = ContractStore.Change(state: state, summary: message ?? "Import contract \(state.contract.number)", actor: actor, author: who)
                change.newAttachments = bytes
                change.committer = try s.committer(author: who)
                change.details = ["status: \(state.contract.status.code)", "records: \(state.records.count)"]
                var store = s.store
                store.pendingContracts = written
                do {
                    let (id, warnings) = try store.write(change, parent: nil)
                    for w in warnings { Output.stderr.write(Output.stderr.paint("warning:", "33") + " \(w)\n") }
                    created.append((ContractStore.refName(state.contract.number), id))
                    written[state.contract.number] = id
                } catch {
                    throw ContractFailure("importing \(state.contract.number): \(error) (nothing imported)")
                }
            }
            let done = Set(ready)
            pending = pending.indices.filter { !done.contains($0) }.map { pending[$0] }
        }
        FaultPoint.hit("import-written")
        do {
            try s.repository.refs.createAll(created, who: who, message: message ?? "import")
        } catch {
            if case let .staleValue(ref, _, _) = error {
                throw ContractFailure("\(file): contract '\(ref.dropFirst("refs/contracts/".count))' was created meanwhile by another command (nothing imported)")
            }
            throw ContractFailure("\(file): \(error.description) (nothing imported)")
        }
        Output.stdout.line("imported \(created.count) contract\(created.count == 1 ? "" : "s")")
    }
}

struct Export: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Export contracts as JSON (contract and records, re-importable) or as a CSV ledger (合同台账) that opens correctly in Excel.",
        discussion: "The CSV is 'accord report ledger --format csv' as of today: the same columns and figures (docs/reports.md).")

    @Option(help: "json or csv.") var format = "json"
    @Option(name: .shortAndLong, help: "Write to this file instead of standard output.") var output: String?
    @Argument(help: "Contract numbers (default: all).") var numbers: [String] = []

    func validate() throws { guard ["json", "csv"].contains(format) else { throw ValidationError("--format is json or csv") } }

    func execute() throws {
        let s = try ContractSession()
        if format == "csv" {
            // The ledger report's CSV (docs/reports.md), as of today: one definition of every figure.
            var (facts, unreadable) = try ContractFailure.wrap { () throws(ContractStoreError) in try ReportSource.facts(s.store) }
            if !numbers.isEmpty {
                unreadable = unreadable.filter { numbers.contains($0.number) }
                for n in numbers where !facts.contains(where: { $0.number == n }) && !unreadable.contains(where: { $0.number == n }) {
                    _ = try s.load(n) // precise error for unknown numbers
                }
                facts = facts.filter { numbers.contains($0.number) }
            }
            BadContractRef.report(unreadable)
            let bytes = Array(Reports.ledger(facts, ReportQuery(asOf: CivilDate.today())).csv(section: nil).utf8)
            if let output { try FileIO.writeAtomically(output, bytes) } else { Output.stdout.write(bytes) }
            if !unreadable.isEmpty { throw CheckFailed() }
            return
        }
        var snaps: [Snapshot] = []
        var unreadable: [(number: String, error: ContractStoreError)] = []
        if numbers.isEmpty {
            let all: [(number: String, head: ObjectID)]
            do { all = try s.store.all() } catch { throw ContractFailure(error) }
            for (number, head) in all {
                do { snaps.append(try s.store.load(commit: head)) } catch { unreadable.append((number, error)) }
            }
            BadContractRef.report(unreadable)
        } else {
            for n in numbers { snaps.append(try s.load(n)) }
        }
        let bytes: [UInt8]
        do {
            var entries: [JSON] = []
            for snap in snaps {
                var o: [String: JSON] = ["contract": snap.state.contract.json, "records": .array(snap.state.records.map(\.json))]
                if !snap.attachmentBlobs.isEmpty {
                    var f: [String: JSON] = [:]
                    for (name, id) in snap.attachmentBlobs { f[name] = .string(Base64.encode(try s.repository.objects.read(id, as: .blob))) }
                    o["files"] = .object(f)
                }
                entries.append(.object(o))
            }
            bytes = Array(JSON.array(entries).canonical.utf8)
        }
        if let output { try FileIO.writeAtomically(output, bytes) } else { Output.stdout.write(bytes) }
        if !unreadable.isEmpty { throw CheckFailed() }
    }
}
