/// One of the organisation's standard contract templates 合同模板 (domain.md: "the legal-approved
/// standard template used"): the seller's own details, standard clauses, milestones, kept in the
/// organisation's signed versions so every replica starts contracts from the same text.
/// `document` is a contract fragment as canonical JSON text (AccordContracts reads and checks it;
/// this module only keeps it). `version` counts the template's own changes: a contract made from
/// it records `template: {id, version}`, and `accord template show ID --version N` finds it again.
public struct OrganisationTemplate: Codable, Sendable, Equatable {
    public static let maxDocumentBytes = 1 << 20
    public static let maxCount = 1_000

    public var id: String
    public var name: String
    public var version: Int
    public var document: String

    public init(id: String, name: String, version: Int, document: String) {
        self.id = id; self.name = name; self.version = version; self.document = document
    }

    /// An id names a template on the command line and in a contract: ASCII letters, digits, '-',
    /// '_' and '.', at most 64, not starting with '-' or '.'.
    public static func idProblem(_ id: String) -> String? {
        guard !id.isEmpty, id.utf8.count <= 64 else { return "a template id is 1 to 64 characters" }
        guard id.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0)) }) else {
            return "a template id holds only ASCII letters, digits, '-', '_' and '.'"
        }
        guard let first = id.first, first != "-", first != "." else { return "a template id does not start with '-' or '.'" }
        return nil
    }
}

extension Organisation {
    public func template(_ id: String) -> OrganisationTemplate? { templates?.first { $0.id == id } }

    func validateTemplates() throws(TrustError) {
        guard let templates else { return }
        guard templates.count <= OrganisationTemplate.maxCount else { throw .invalid("more than \(OrganisationTemplate.maxCount) templates") }
        var ids: Set<String> = []
        for t in templates {
            if let why = OrganisationTemplate.idProblem(t.id) { throw .invalid("template '\(t.id)': \(why)") }
            guard ids.insert(t.id).inserted else { throw .invalid("two templates have the id \(t.id)") }
            guard t.version >= 1 else { throw .invalid("template \(t.id): version \(t.version) (versions count from 1)") }
            guard !t.name.isEmpty, !t.name.contains(where: \.isNewline) else { throw .invalid("template \(t.id): its name is empty or spans lines") }
            guard t.document.utf8.count <= OrganisationTemplate.maxDocumentBytes else {
                throw .invalid("template \(t.id): its document is \(t.document.utf8.count) bytes, above \(OrganisationTemplate.maxDocumentBytes)")
            }
        }
    }
}
