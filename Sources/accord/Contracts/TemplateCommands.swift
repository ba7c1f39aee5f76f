import ArgumentParser
import AccordContracts
import AccordMerge
import AccordReports
import AccordStore
import AccordTrust

struct TemplateCommand: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "template",
        abstract: "The organisation's standard contract templates (seller details, standard clauses, milestones).",
        discussion: """
            Templates are part of the organisation's signed versions (refs/accord/organisation), so every replica \
            starts contracts from the same text: an administrator publishes them, as any organisation change. \
            'accord new NUMBER --template ID' starts a contract from one and records its id and version. See docs/templates.md.
            """,
        subcommands: [TemplateAdd.self, TemplateList.self, TemplateShow.self, TemplateRemove.self])
    func execute() throws {}
}

struct TemplateAdd: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Publish a template, or the next version of one (administrators).",
        discussion: """
            Examples:
              accord template add 001 --name 标准销售合同 --file sales-template.yaml
              accord template add 001 'breachLiability=…'     (the next version of 001: its fields, then these)
            The document is contract fields without a number, status, owner, office, renews or template. Publishing \
            the same document and name again changes nothing.
            """)
    @Option(help: "The template's name (required for a new template).") var name: String?
    @Option(name: .shortAndLong, help: "Read the template's fields from this JSON or YAML file (replacing the current version's).") var file: String?
    @Argument(help: "The template id (letters, digits, '-', '_', '.'), then path=value assignments.") var args: [String]

    func validate() throws {
        if let why = OrganisationTemplate.idProblem(args[0]) { throw ValidationError("'\(args[0])': \(why)") }
        if let name, name.isEmpty || name.contains(where: \.isNewline) { throw ValidationError("--name is one non-empty line") }
    }

    func execute() throws {
        let s = try OrgSession()
        var org = try s.current().organisation
        let id = args[0]
        let existing = org.template(id)
        guard let title = name ?? existing?.name else { throw ValidationError("a new template needs --name") }
        var doc: JSON = .object([:])
        if let file {
            doc = try DocumentInput.read(file)
        } else if let existing {
            doc = try ContractFailure.wrapRule { () throws(ContractError) in try ContractTemplate.document(existing.document) }
        }
        doc = try DocumentInput.apply(Array(args.dropFirst()), to: doc)
        try ContractFailure.wrapRule { () throws(ContractError) in try ContractTemplate.check(doc) }
        let text = doc.canonical
        if let existing, existing.document == text, existing.name == title {
            Output.stderr.write("template \(id) version \(existing.version) is unchanged; nothing was published\n")
            return
        }
        // A template removed once and published again goes on from its last version, so a contract's
        // recorded (id, version) names one document for good.
        let last = try existing?.version ?? s.versions(of: id).map(\.version).max() ?? 0
        let t = OrganisationTemplate(id: id, name: title, version: last + 1, document: text)
        var templates = org.templates ?? []
        if let i = templates.firstIndex(where: { $0.id == id }) { templates[i] = t } else { templates.append(t) }
        org.templates = templates.sorted { $0.id < $1.id }
        if let why = org.policyProblem { throw ContractFailure(why) }
        try s.publish(org, summary: "template \(id) version \(t.version): \(Output.oneLine(title))")
        Output.stdout.line("\(id) \(t.version)")
    }
}

struct TemplateRemove: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove", abstract: "Withdraw a template (administrators): no new contract starts from it.",
        discussion: """
            Contracts made from it keep its id and version, and 'accord template show ID --version N' still prints \
            any version from the organisation's history. Publishing the id again continues its version numbers.
            """)
    @Argument(help: "The template id.") var id: String

    func execute() throws {
        let s = try OrgSession()
        var org = try s.current().organisation
        let t = try s.template(id) // names the templates there are, if there is no such one
        org.templates = (org.templates ?? []).filter { $0.id != id }
        if let why = org.policyProblem { throw ContractFailure(why) }
        try s.publish(org, summary: "template \(id) removed (its last version was \(t.version): \(Output.oneLine(t.name)))")
    }
}

struct TemplateList: AccordCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the templates: id, version, name.")
    @Flag(help: "Print a JSON array of {id, version, name}.") var json = false

    func execute() throws {
        let templates = try OrgSession().current().organisation.templates ?? []
        let out = Output.stdout
        if json {
            out.line(JSONText.array(templates.map { JSONText.object([("id", .string($0.id)), ("version", .int($0.version)), ("name", .string($0.name))]) }).rendered)
            return
        }
        guard !templates.isEmpty else { return }
        let w = max(2, templates.map { SafeText.width(Output.oneLine($0.id)) }.max() ?? 0)
        out.line(SafeText.padRight("ID", w) + "  VERSION  NAME")
        for t in templates {
            out.line(SafeText.padRight(Output.oneLine(t.id), w) + "  " + SafeText.padRight(String(t.version), 7) + "  " + Output.oneLine(t.name))
        }
    }
}

struct TemplateShow: AccordCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Print a template's fields (the current version, or --version N).")
    @Option(help: "An earlier version, as a contract made from it records it.") var version: Int?
    @Flag(help: "Print {id, version, name, document} with the document as JSON.") var json = false
    @Argument(help: "The template id.") var id: String

    func execute() throws {
        let t = try OrgSession().template(id, version: version)
        let out = Output.stdout
        if json {
            let body = t.document.dropLast().replacingOccurrences(of: "\n", with: "\n  ")
            var idText = "", nameText = ""
            JSONText.quote(t.id, into: &idText); JSONText.quote(t.name, into: &nameText)
            out.line("{\n  \"id\": \(idText),\n  \"version\": \(t.version),\n  \"name\": \(nameText),\n  \"document\": \(body)\n}")
            return
        }
        out.line("template \(Output.oneLine(t.id)) version \(t.version): \(Output.oneLine(t.name))")
        out.write(Output.escaped(t.document).utf8)
    }
}

extension OrgSession {
    /// The template `id` as it is now, or at `version` (searched back through the organisation's history).
    /// A removed template's versions stay in the history: `version` finds them there too.
    func template(_ id: String, version: Int? = nil) throws -> OrganisationTemplate {
        let org = try current().organisation
        if let now = org.template(id), version == nil || version == now.version { return now }
        let past = try versions(of: id) // one walk of the organisation's history
        let last = past.map(\.version).max()
        guard let version else {
            let known = (org.templates ?? []).map(\.id)
            let removed = last.map { " (it was removed after version \($0); 'accord template show \(id) --version \($0)' prints it)" } ?? ""
            throw StoreError.invalidInput("no template '\(Output.oneLine(id))'" + removed
                + (known.isEmpty ? (removed.isEmpty ? " (the organisation has none yet: 'accord template add')" : "") : "; there are: \(known.joined(separator: ", "))"))
        }
        if let t = past.first(where: { $0.version == version }) { return t }
        guard let last else { throw StoreError.invalidInput("no template '\(Output.oneLine(id))'") }
        throw StoreError.invalidInput("template \(id)\(org.template(id) == nil ? " (removed)" : "") has versions 1 to \(last), not \(version)")
    }

    /// Every version template `id` had in the organisation's history, each once, newest first.
    func versions(of id: String) throws -> [OrganisationTemplate] {
        var out: [OrganisationTemplate] = []
        for v in try store.chain() {
            if let t = try store.read(v).organisation.template(id), t.version != out.last?.version { out.append(t) }
        }
        return out
    }
}
