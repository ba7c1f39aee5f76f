import ArgumentParser
import AccordStore
import AccordObjects
import AccordContracts

struct RecordCommand: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Append a record (delivery, paymentReceipt, deviationReport, …) to a contract: accord record NUMBER KIND field=value …",
        discussion: "Kinds and their fields: " + RecordKind.allCases.map { k in
            "\(k.code) (\(k.label)): " + k.schema.map { $0.name + ($0.required ? "*" : "") }.joined(separator: " ")
        }.joined(separator: "; ") + ". (* = required)"
            + " A list field (changeAgreement fields) is written a,b or as a JSON list [\"a\",\"b\"]; its items are field paths of terms"
            + " (deliveryDeadline, lineItems[L1].quantity, buyer.phone). A record id (--supersedes, report=, request=) may be a unique prefix of 6+ characters."
            + " Who may record what, and when: docs/contracts.md (e.g. paymentReceipt and invoice by finance, deliveries from signing on).")

    @Option(help: "The record this one corrects (records are never edited).") var supersedes: String?
    @Option(name: .customLong("attach"), help: "An attachment of the contract this record refers to, by name (add the file first with accord attach). Repeatable.")
    var attachments: [String] = []
    @Option(name: .customLong("filed"), help: "填报日期, YYYY-MM-DD (default: today).") var filedDate: String?
    @Option(name: .shortAndLong, help: "Commit message (default: 'Record KIND (label) ID').") var message: String?
    @Argument(help: "The contract number.") var number: String
    @Argument(help: "The record kind.") var kind: String
    @Argument(help: "field=value assignments.") var fields: [String] = []

    func execute() throws {
        guard let k = RecordKind(code: kind) else {
            throw ContractFailure(ContractError("kind", "'\(kind)' is not a record kind: \(RecordKind.allCases.map(\.code).joined(separator: ", "))"))
        }
        if k == .review { throw ContractFailure(ContractError("kind", "reviews are recorded by approve and reject")) }
        let s = try ContractSession()
        let (actor, who) = try s.actor()
        let snap = try s.load(number)
        // Record ids may be given as unique prefixes.
        var resolved: [String] = []
        for a in fields {
            if let eq = a.firstIndex(of: "="), let f = k.schema.first(where: { $0.name == a[..<eq] }), case .recordRef = f.type {
                do { resolved.append("\(f.name)=" + (try snap.state.resolveRecordID(String(a[a.index(after: eq)...]), path: f.name))) }
                catch { throw ContractFailure(error) }
            } else { resolved.append(a) }
        }
        let sup: String?
        do { sup = try supersedes.map { (v) throws(ContractError) in try snap.state.resolveRecordID(v, path: "supersedes") } } catch { throw ContractFailure(error) }
        let record = try RecordCommand.make(k, fields: resolved, actor: actor, who: who, filed: filedDate, supersedes: sup,
                                            attachments: attachments)
        try ContractChange.commit(s, snap, contract: snap.state.contract, records: snap.state.records + [record], actor: actor, who: who,
                                  message: message ?? "Record \(k.code) (\(k.label)) \(record.id.prefix(8))")
    }

    /// Builds a record from field=value arguments through the same strict reader as stored records.
    static func make(_ kind: RecordKind, fields: [String], actor: Actor, who: Identity, filed: String?, supersedes: String?,
                     attachments: [String] = []) throws -> Record {
        var doc: [String: JSON] = [
            "id": .string(UUID4.random()), "kind": .string(kind.code), "author": .string("\(who.name) <\(who.email)>"),
            "role": .string(actor.role.code), "replica": .string(actor.replica), "createdAt": .string(ContractSession.timestamp(who)),
            "filedDate": .string(filed ?? CivilDate.today().description),
        ]
        if let supersedes { doc["supersedes"] = .string(supersedes) }
        if !attachments.isEmpty { doc["attachments"] = .array(attachments.map { .string($0) }) }
        for a in fields {
            guard let eq = a.firstIndex(of: "="), eq != a.startIndex else { throw ContractFailure("'\(a)' is not field=value") }
            let name = String(a[..<eq]), value = String(a[a.index(after: eq)...])
            if Record.reservedKeys.contains(name) { throw ContractFailure(ContractError(name, "is set by accord, not by hand")) }
            guard let field = kind.schema.first(where: { $0.name == name }) else {
                throw ContractFailure(ContractError(name, "is not a field of \(kind.code) records (fields: \(kind.schema.map(\.name).joined(separator: ", ")))"))
            }
            switch field.type {
            case .bool:
                guard value == "true" || value == "false" else { throw ContractFailure(ContractError(name, "must be true or false")) }
                doc[name] = .bool(value == "true")
            case .list:
                if value.hasPrefix("[") {
                    guard case let .array(items)? = try? JSON.parse(value), items.allSatisfy({ $0.string != nil }) else {
                        throw ContractFailure(ContractError(name, "'\(value)' is not a JSON list of strings; write a,b or [\"a\",\"b\"]"))
                    }
                    doc[name] = .array(items)
                } else {
                    doc[name] = .array(value.split(separator: ",").map { .string($0.trimmingCharacters(in: .whitespaces)) })
                }
            default: doc[name] = .string(value)
            }
        }
        do { return try Record(json: .object(doc), path: kind.code) } catch { throw ContractFailure(error) }
    }
}

extension Record {
    static let reservedKeys: Set<String> = ["id", "kind", "author", "role", "replica", "createdAt", "filedDate"]
}

struct Attach: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "attach", abstract: "Attach a file (signed scan, voucher, report) to a contract; stored under attachments/ by content.")

    @Option(help: "原件 original, 正本 signedCopy, 副本 copy, 电子版 electronic, acceptanceReport, paymentVoucher, correspondence.")
    var kind = "electronic"
    @Option(help: "The name to store it under (default: the file's name).") var name: String?
    @Option(name: .shortAndLong, help: "Commit message.") var message: String?
    @Argument(help: "The contract number.") var number: String
    @Argument(help: "The file.") var file: String

    func execute() throws {
        guard let k = AttachmentKind(code: kind) else {
            throw ContractFailure(ContractError("kind", "'\(kind)' is not an attachment kind: \(AttachmentKind.allCases.map(\.code).joined(separator: ", "))"))
        }
        let s = try ContractSession()
        let (actor, who) = try s.actor()
        let snap = try s.load(number)
        guard let bytes = try FileIO.readRegularFile(file, limit: s.repository.objects.loose.maxObjectSize, what: "an attachment") else {
            throw StoreError.invalidInput("cannot read '\(file)': no such file")
        }
        guard !bytes.isEmpty else { throw StoreError.invalidInput("'\(file)' is empty (0 bytes): there is nothing to attach") }
        let stored = name ?? String(file.split(separator: "/").last ?? Substring(file))
        var c = snap.state.contract
        c.attachments.append(Attachment(blob: ObjectHasher.id(type: .blob, payload: bytes).hex, name: stored, kind: k))
        try ContractChange.commit(s, snap, contract: c, records: snap.state.records, attachments: [stored: bytes], actor: actor, who: who,
                                  message: message ?? "Attach \(stored) (\(k.label))")
    }
}
