import ArgumentParser
import AccordStore
import AccordObjects
import AccordContracts

/// Shared by commands that read a contract document from a file (JSON, or YAML's JSON subset).
enum DocumentInput {
    static func read(_ path: String) throws -> JSON {
        guard let bytes = try FileIO.readRegularFile(path, limit: 16 << 20, what: "a contract file") else { throw StoreError.invalidInput("cannot read '\(path)': no such file") }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw StoreError.invalidInput("'\(path)' is not UTF-8 text") }
        do {
            if path.hasSuffix(".yaml") || path.hasSuffix(".yml") { return try YAMLSubset.parse(text) }
            return try JSON.parse(text)
        } catch let e as JSON.ParseError {
            throw ContractFailure("\(path): \(e)")
        } catch let e as YAMLSubset.ParseError {
            throw ContractFailure("\(path): \(e)")
        }
    }

    /// Applies `path=value` assignments to a document.
    static func apply(_ assignments: [String], to doc: JSON) throws -> JSON {
        var doc = doc
        for a in assignments {
            guard let eq = a.firstIndex(of: "="), eq != a.startIndex else {
                throw ContractFailure("'\(a)' is not an assignment: write path=value (e.g. totalAmount=125000.00 or buyer.name=…)")
            }
            let path = String(a[..<eq])
            // A derived value is recomputed, never stored as typed: say so rather than drop it.
            if path.hasPrefix("lineItems"), path.hasSuffix(".lineAmount") {
                throw ContractFailure(ContractError(path, "is derived (quantity × unitPrice) and cannot be set: set \(path.dropLast("lineAmount".count))quantity or unitPrice instead; nothing was changed", rule: "invariant 2"))
            }
            do { doc = try FieldPath.set(path, to: try FieldPath.value(fromArgument: String(a[a.index(after: eq)...])), in: doc) }
            catch { throw ContractFailure(ContractError(path, error.message)) }
        }
        return doc
    }

    static func contract(_ doc: JSON) throws -> Contract {
        do { return try Contract(json: doc) } catch { throw ContractFailure(error) }
    }

    /// For documents derived from the stored contract (set, item, edit, revert): derived values
    /// are recomputed, never carried over, so a stale copy cannot block an edit.
    static func editedContract(_ doc: JSON) throws -> Contract { try contract(Contract.droppingDerived(doc)) }
}

struct New: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "new", abstract: "Create a contract (from flags and path=value assignments, or from a JSON/YAML file).",
        discussion: """
        Examples:
          accord new HT-2026-001 --type sales subject=数控车床 buyer.name=华东机械有限公司 totalAmount=120000.00
          accord new --file contract.json
          accord new HT-2026-002 --template 001 buyer.name=华东机械有限公司   (the template's fields, then these)
        A new contract starts as a draft; required terms are checked when it is submitted for review.
        """)

    @Option(name: .shortAndLong, help: "Read the contract from this JSON or YAML file.") var file: String?
    @Option(help: "Contract type: sales, service, purchase or framework.") var type: String?
    @Option(help: "Start from this organisation template ('accord template list'); its id and version are recorded.") var template: String?
    @Option(name: .shortAndLong, help: "Commit message (default: 'Create contract NUMBER').") var message: String?
    @Argument(help: "NUMBER, then path=value assignments.") var args: [String] = []

    func execute() throws {
        let s = try ContractSession()
        let (actor, who) = try s.actor()
        var doc: JSON = .object([:])
        var assignments = args
        if let file {
            doc = try DocumentInput.read(file)
            guard doc.object != nil else { throw ContractFailure("\(file): must hold one contract (a JSON object or YAML mapping), not a list or a single value") }
        }
        if let template {
            let t = try OrgSession().template(template)
            let fields = try ContractFailure.wrapRule { () throws(ContractError) in try ContractTemplate.document(t.document) }
            doc = ContractTemplate.start(doc, from: fields, id: t.id, version: t.version)
        }
        if let first = assignments.first, !first.contains("=") {
            doc = try DocumentInput.apply(["number=\(first)"], to: doc)
            assignments.removeFirst()
        }
        if let type { doc = try DocumentInput.apply(["type=\(type)"], to: doc) }
        if doc["owner"] == nil { doc = try DocumentInput.apply(["owner=\(actor.name)"], to: doc) }
        if doc["office"] == nil, !actor.office.isEmpty { doc = try DocumentInput.apply(["office=\(actor.office)"], to: doc) }
        doc = try DocumentInput.apply(assignments, to: doc)
        guard doc["number"] != nil else { throw ContractFailure(ContractError("number", "is required: accord new NUMBER …")) }
        if template != nil { doc = try ContractFailure.wrapRule { () throws(ContractError) in try ContractTemplate.withMilestoneAmounts(doc) } }
        let contract = try DocumentInput.contract(doc)
        if contract.status != .draft { throw ContractFailure(ContractError("status", "a new contract starts as draft; move it with submit, approve, …", rule: "invariant 8")) }
        var change = ContractStore.Change(state: ContractState(contract: contract, records: []),
                                          summary: message ?? "Create contract \(contract.number)", actor: actor, author: who)
        change.committer = try s.committer(author: who)
        change.details = ["type: \(contract.type.code) (\(contract.type.label))"] + (contract.buyer.name.isEmpty ? [] : ["buyer: \(contract.buyer.name)"])
        let id = try s.commit(change, parent: nil)
        Output.stdout.line("\(contract.number) \(id.hex.prefix(12))")
    }
}

struct SetFields: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Change contract fields: accord set NUMBER path=value … (an empty value removes an optional field).",
        discussion: """
        Paths: totalAmount, buyer.name, lineItems[L1].quantity (items by id), deliverables[0].
        From submission to signing the terms are frozen (withdraw the contract to draft to change them); after signing,
        frozen fields change only with --change-agreement ID (an approved change agreement record; a unique prefix of 6+ characters is enough).
        """)

    @Option(name: .customLong("change-agreement"), help: "The approved change agreement record this change applies.") var changeAgreement: String?
    @Option(name: .shortAndLong, help: "Commit message (default: the changed fields).") var message: String?
    @Argument(help: "NUMBER, then path=value assignments.") var args: [String]

    func validate() throws { guard args.count >= 2 else { throw ValidationError("usage: accord set NUMBER path=value …") } }

    func execute() throws {
        let s = try ContractSession()
        let (actor, who) = try s.actor()
        let snap = try s.load(args[0])
        let doc = try DocumentInput.apply(Array(args.dropFirst()), to: snap.state.contract.json)
        try ContractChange.commit(s, snap, contract: try DocumentInput.editedContract(doc), records: snap.state.records,
                                  actor: actor, who: who, message: message, changeAgreement: try ContractChange.agreementID(changeAgreement, snap))
    }
}

/// The shared tail of every editing command: diff, describe, commit.
enum ContractChange {
    /// `--change-agreement`: the full id of the record it names (a unique prefix is enough).
    static func agreementID(_ given: String?, _ snap: Snapshot) throws -> String? {
        guard let given else { return nil }
        do { return try snap.state.resolveRecordID(given, path: "--change-agreement") } catch { throw ContractFailure(error) }
    }

    static func commit(_ s: ContractSession, _ snap: Snapshot, contract: Contract, records: [Record], attachments: [String: [UInt8]] = [:],
                       actor: Actor, who: Identity, message: String?, action: Action? = nil, changeAgreement: String? = nil) throws {
        if contract.number != snap.state.contract.number {
            throw ContractFailure(ContractError("number", "cannot change from '\(snap.state.contract.number)' to '\(contract.number)'", rule: "invariant 1"))
        }
        if action == nil, contract.status != snap.state.contract.status {
            throw ContractFailure(ContractError("status", "changes only through lifecycle commands (submit, approve, reject, sign, …)", rule: "invariant 8"))
        }
        let state = ContractState(contract: contract, records: records)
        let changes = FieldDiff.diff(snap.state, state)
        let details = changes.map { c -> String in
            switch c.kind {
            case .changed: "\(c.path): \(FieldDiff.show(c.old)) → \(FieldDiff.show(c.new))"
            case .added: "+ \(c.path): \(FieldDiff.show(c.new))"
            case .removed: "- \(c.path): \(FieldDiff.show(c.old))"
            }
        }
        let summary = message ?? {
            if changes.count == 1, let only = details.first { return only }
            // Name items and top-level fields, not every leaf: "Change paymentMilestones[M1], totalAmount".
            var groups: [String] = []
            for c in changes {
                let p = c.path
                let cut = p.firstIndex(of: "]").map { p.index(after: $0) } ?? p.firstIndex(of: ".") ?? p.endIndex
                let g = String(p[..<cut])
                if !groups.contains(g) { groups.append(g) }
            }
            return "Change " + groups.prefix(4).joined(separator: ", ") + (groups.count > 4 ? ", …" : "")
        }()
        var change = ContractStore.Change(state: state, summary: summary, actor: actor, author: who)
        change.committer = try s.committer(author: who)
        change.details = changes.count == 1 && message == nil ? [] : details
        change.newAttachments = attachments
        change.action = action
        change.changeAgreement = changeAgreement
        let id = try s.commit(change, parent: snap)
        Output.stdout.line("\(contract.number) \(id.hex.prefix(12)) \(summary)")
    }
}

struct Item: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "item", abstract: "Add, change or remove a line item: accord item add|set|remove NUMBER ID [field=value …].",
        discussion: "Example: accord item add HT-1 L2 name=液压泵 quantity=5 unitPrice=2400.00 unit=台")

    @Option(name: .customLong("change-agreement"), help: "The approved change agreement record (after signing).") var changeAgreement: String?
    @Option(name: .shortAndLong, help: "Commit message.") var message: String?
    @Argument(help: "add, set or remove.") var verb: String
    @Argument(help: "The contract number.") var number: String
    @Argument(help: "The line item id.") var id: String
    @Argument(help: "field=value assignments (name, spec, quantity, unit, unitPrice, deadline).") var fields: [String] = []

    func validate() throws {
        guard ["add", "set", "remove"].contains(verb) else { throw ValidationError("the verb is add, set or remove, not '\(verb)'") }
        if verb == "remove" && !fields.isEmpty { throw ValidationError("remove takes no field=value") }
        if verb != "remove" && fields.isEmpty { throw ValidationError("\(verb) needs field=value assignments") }
    }

    func execute() throws {
        let s = try ContractSession()
        let (actor, who) = try s.actor()
        let snap = try s.load(number)
        let exists = snap.state.contract.lineItems.contains { $0.id == id }
        if verb == "add" && exists { throw ContractFailure(ContractError("lineItems[\(id)]", "already exists; use 'accord item set'")) }
        if verb != "add" && !exists { throw ContractFailure(ContractError("lineItems[\(id)]", "no such line item")) }
        var doc = snap.state.contract.json
        if verb == "remove" {
            do { doc = try FieldPath.set("lineItems[\(id)]", to: nil, in: doc) } catch { throw ContractFailure(error) }
        } else {
            doc = try DocumentInput.apply(fields.map { "lineItems[\(id)].\($0)" }, to: doc)
        }
        try ContractChange.commit(s, snap, contract: try DocumentInput.editedContract(doc), records: snap.state.records,
                                  actor: actor, who: who, message: message ?? "\(verb == "add" ? "Add" : verb == "set" ? "Change" : "Remove") line item \(id)",
                                  changeAgreement: try ContractChange.agreementID(changeAgreement, snap))
    }
}
