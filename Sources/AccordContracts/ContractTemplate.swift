/// A template's document: a contract fragment (the seller, standard clauses, milestones…) that a
/// new contract starts from. What belongs to one contract only (its number, status, owner,
/// office, what it renews) is not part of a template, and a fragment must read as a contract
/// once it has a number and a type, so a template that `new` could never use is refused when it
/// is published, not when someone first uses it. Its payment milestones may give only their
/// percent: the amount follows from each contract's total (`withMilestoneAmounts`).
public enum ContractTemplate {
    public static let perContractFields = ["number", "status", "owner", "office", "renews", "template"]

    /// Reads and checks a stored template document (canonical JSON text).
    public static func document(_ text: String) throws(ContractError) -> JSON {
        let doc: JSON
        do { doc = try JSON.parse(text, maxBytes: 1 << 20) } catch { throw ContractError("", "the template is not JSON: \(error)") }
        try check(doc)
        return doc
    }

    /// Checks a fragment: an object, without per-contract fields, that reads as a contract.
    public static func check(_ doc: JSON) throws(ContractError) {
        guard var o = doc.object else { throw ContractError("", "a template is one object of contract fields, not a list or a single value") }
        for k in perContractFields where o[k] != nil {
            throw ContractError(k, "belongs to one contract, not to a template: give it to 'accord new'")
        }
        guard !o.isEmpty else { throw ContractError("", "the template has no fields") }
        o["number"] = .string("TEMPLATE")
        if o["type"] == nil { o["type"] = .string(ContractType.sales.code) }
        _ = try Contract(json: withPlaceholderAmounts(.object(o)))
    }

    /// `doc` with an amount for every payment milestone that has only a percent: that percent of
    /// the contract's total (`totalAmount`, else the sum of its line amounts), rounded half up
    /// to cents, the last such milestone taking the remainder when the percents make 100, so the
    /// amounts sum exactly to the total (invariant 4). Milestones that give an amount keep it.
    public static func withMilestoneAmounts(_ doc: JSON) throws(ContractError) -> JSON {
        let c = try Contract(json: Contract.droppingDerived(withPlaceholderAmounts(doc)))
        let total = c.totalAmount.isZero ? c.lineItems.map(\.lineAmount).sum() : c.totalAmount
        let open = Set(c.paymentMilestones.indices.filter { doc["paymentMilestones"]?.array?[$0]["amount"] == nil })
        guard !open.isEmpty else { return doc }
        let percents = c.paymentMilestones.map(\.percent).sum()
        let given = c.paymentMilestones.indices.filter { !open.contains($0) }.map { c.paymentMilestones[$0].amount }.sum()
        var assigned = Dec.zero
        let last = open.max()
        return mapMilestones(doc) { i, m in
            guard open.contains(i) else { return }
            var amount = (total * Dec(micros: c.paymentMilestones[i].percent.micros / 100)).rounded(decimals: 2)
            if i == last, percents == Dec(100) { amount = total - given - assigned }
            assigned += amount
            m["amount"] = .string(amount.formatted(decimals: 2))
        }
    }

    /// `doc` with 0 for each milestone amount not given, so that it reads as a contract.
    static func withPlaceholderAmounts(_ doc: JSON) -> JSON {
        mapMilestones(doc) { _, m in m["amount"] = m["amount"] ?? .string("0") }
    }

    static func mapMilestones(_ doc: JSON, _ body: (Int, inout [String: JSON]) -> Void) -> JSON {
        guard case var .object(o) = doc, case let .array(ms)? = o["paymentMilestones"] else { return doc }
        o["paymentMilestones"] = .array(ms.enumerated().map { i, m in
            guard case var .object(mo) = m else { return m }
            body(i, &mo)
            return .object(mo)
        })
        return .object(o)
    }

    /// A new contract's document: the template, the contract's own `document` over it (objects
    /// merged field by field, any other value replaced), and the template's id and version.
    public static func start(_ document: JSON, from template: JSON, id: String, version: Int) -> JSON {
        var doc = overlay(document, on: template)
        if case var .object(o) = doc {
            o["template"] = .object(["id": .string(id), "version": .string(String(version))])
            doc = .object(o)
        }
        return doc
    }

    static func overlay(_ top: JSON, on base: JSON) -> JSON {
        guard case let .object(t) = top, case var .object(b) = base else { return top }
        for (k, v) in t { b[k] = b[k].map { overlay(v, on: $0) } ?? v }
        return .object(b)
    }
}
