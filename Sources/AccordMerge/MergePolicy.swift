import AccordContracts

/// Automatic resolutions configured per field group or path (`accord.merge.<group> = <rule>`),
/// each named in the merge commit message. Money and dates are never resolved by "latest wins".
public struct MergePolicy: Sendable, Equatable {
    public enum Rule: String, Sendable { case headOffice, owner }

    /// Field groups a rule can name, besides any single top-level field or path.
    public static let groups: [String: Set<String>] = [
        "legalClauses": ["breachLiability", "disputeResolution", "confidentiality", "terminationConditions", "responsibilities",
                         "serviceTerms", "afterSales", "qualityStandard", "acceptanceStandard"],
        "contacts": ["seller.contact", "seller.phone", "seller.address", "buyer.contact", "buyer.phone", "buyer.address"],
        "assignments": ["owner", "office", "supervisor", "projectManager"],
    ]
    /// Roles that count as head office (`Role.headOffice`), by code as commits name them.
    public static let headOfficeRoles: Set<String> = Set(Role.headOffice.map(\.code))

    public var rules: [(selector: String, rule: Rule)] = []

    public init() {}

    public static func == (a: MergePolicy, b: MergePolicy) -> Bool {
        a.rules.map(\.selector) == b.rules.map(\.selector) && a.rules.map(\.rule) == b.rules.map(\.rule)
    }

    /// Reads every `accord.merge.<selector>` entry. Config keys are case-insensitive (git's
    /// rule, and the reader lowercases them), so selectors are matched case-insensitively.
    public init(entries: [(key: String, value: String)]) throws(ContractError) {
        for (key, value) in entries {
            guard let rule = Rule(rawValue: value) else {
                throw ContractError("accord.merge.\(key)", "'\(value)' is not a merge rule (headOffice, owner)")
            }
            rules.append((key.lowercased(), rule))
        }
    }

    /// The rule for a field path: an exact path or top-level field beats a group.
    public func rule(for path: String) -> Rule? {
        let p = path.lowercased()
        let top = String(p.prefix { $0 != "." && $0 != "[" })
        let stripped = p.replacingOccurrences(of: #"\[[^\]]*\]"#, with: "", options: .regularExpression)
        for (sel, rule) in rules where sel == p || sel == stripped || sel == top { return rule }
        for (sel, rule) in rules {
            guard let members = MergePolicy.groups.first(where: { $0.key.lowercased() == sel })?.value.map({ $0.lowercased() }) else { continue }
            if members.contains(where: { $0 == top || $0 == stripped || p.hasPrefix($0 + ".") }) { return rule }
        }
        return nil
    }
}
