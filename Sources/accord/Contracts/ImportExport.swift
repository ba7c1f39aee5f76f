import ArgumentParser
import AccordStore
import AccordObjects
import AccordContracts

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
        commandName: "export", abstract: "Export contracts as JSON (contract and records, re-importable) or as a CSV ledger (合同台账) that opens correctly in Excel.")

    @Option(help: "json or csv.") var format = "json"
    @Option(name: .shortAndLong, help: "Write to this file instead of standard output.") var output: String?
    @Argument(help: "Contract numbers (default: all).") var numbers: [String] = []

    func validate() throws { guard ["json", "csv"].contains(format) else { throw ValidationError("--format is json or csv") } }

    func execute() throws {
        let s = try ContractSession()
        if format == "csv" {
            var (rows, unreadable) = try ContractFailure.wrap { () throws(ContractStoreError) in try s.store.ledgerReport() }
            if !numbers.isEmpty { unreadable = unreadable.filter { numbers.contains($0.number) } }
            BadContractRef.report(unreadable)
            if !numbers.isEmpty {
                for n in numbers where !rows.contains(where: { $0.number == n }) && !unreadable.contains(where: { $0.number == n }) {
                    _ = try s.load(n) // precise error for unknown numbers
                }
                rows = rows.filter { numbers.contains($0.number) }
            }
            let bytes = Ledger.csv(rows)
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

/// The contract ledger (合同台账, domain.md §4) as CSV: UTF-8 with a byte-order mark and CRLF
/// line ends, every field quoted, so Excel shows Chinese text and keeps amounts as text-exact numbers.
enum Ledger {
    static let header = ["合同编号 number", "客户 customer", "类型 type", "办事处 office", "负责人 owner", "签订日期 signDate",
                         "合同金额 totalAmount", "币种 currency", "生效 effectiveDate", "到期 expiryDate", "状态 status",
                         "交付 % delivered", "已收款 received", "未收款 outstanding", "未结偏差 openDeviations"]

    static func row(_ r: LedgerRow) -> [String] {
        [r.number, r.buyer, r.type.label, r.office, r.owner, r.signDate?.description ?? "",
         r.totalAmount.formatted(decimals: 2), r.currency, r.effectiveDate?.description ?? "", r.expiry?.description ?? "",
         r.status.label, r.deliveredPercent?.formatted(decimals: 2) ?? "",
         r.received.formatted(decimals: 2), r.outstanding.formatted(decimals: 2), String(r.openDeviations)]
    }

    static func csv(_ rows: [LedgerRow]) -> [UInt8] {
        func quote(_ f: String) -> String {
            // A leading =, +, - or @ would make Excel evaluate a formula: prefix a quote (CSV injection).
            let safe = f.first.map { "=+-@".contains($0) && Dec.looksNumeric(f) == false } == true ? "'" + f : f
            return "\"" + safe.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        var out: [UInt8] = [0xEF, 0xBB, 0xBF]
        for r in [header] + rows.map(row) { out += Array((r.map(quote).joined(separator: ",") + "\r\n").utf8) }
        return out
    }
}

extension Dec {
    static func looksNumeric(_ s: String) -> Bool { (try? Dec.parse(s, maxDecimals: 6)) != nil }
}
