/// A contract with its records, as one commit holds them.
public struct ContractState: Hashable, Sendable {
    public var contract: Contract
    public var records: [Record]
    public init(contract: Contract, records: [Record]) { self.contract = contract; self.records = records }

    public func records(_ kind: RecordKind) -> [Record] { records.filter { $0.kind == kind } }
    /// Records of `kind` that no other record supersedes: what sums and checks count.
    public func effective(_ kind: RecordKind) -> [Record] {
        let superseded = Set(records.compactMap(\.supersedes))
        return records.filter { $0.kind == kind && !superseded.contains($0.id) }
    }
    public func record(id: String) -> Record? { records.first { $0.id == id } }

    /// The full id of the record `id` names: the id itself, or a unique prefix of at least 6
    /// characters (as git accepts short object ids). An id that matches nothing is returned as is,
    /// for the caller's "no such record" error.
    public func resolveRecordID(_ id: String, path: String) throws(ContractError) -> String {
        if record(id: id) != nil || id.count < 6 { return id }
        let matches = records.filter { $0.id.hasPrefix(id) }
        if matches.count > 1 {
            throw ContractError(path, "'\(id)' is ambiguous: \(matches.count) records start with it (\(matches.prefix(4).map { String($0.id.prefix(12)) }.joined(separator: ", "))); give more characters")
        }
        return matches.first?.id ?? id
    }
}

/// The invariants of domain.md §6, checked on every commit. Each failure names the field and
/// the invariant; completeness rules (sums, required terms) apply from submission on, so a draft
/// may be incomplete.
public enum Invariants {
    /// Top-level fields that stay editable after signing (everything else is frozen).
    public static let editableAfterSigning: Set<String> = [
        "owner", "office", "supervisor", "projectManager", "progressPlan", "trackingPlan", "attachments", "archive", "status",
    ]

    public static let numberRule = "letters (including Chinese), digits, '.', '_' and '-', starting with a letter or digit, at most 100 characters, no '..', not ending in '.lock' or '.', and not a name git gives a meaning (HEAD, FETCH_HEAD, …) or a 64-digit object id"

    /// A contract number must be usable as a ref name component as-is (no escaping needed).
    public static func validNumber(_ n: String) -> Bool {
        guard let f = n.unicodeScalars.first, !n.isEmpty, n.count <= 100, !n.contains(".."), !n.hasSuffix(".lock"), !n.hasSuffix("."),
              f.properties.isAlphabetic || ("0"..."9").contains(f), !InputRules.isReservedNumber(n) else { return false }
        return n.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "." || $0 == "_" || $0 == "-" }
    }

    /// Checks `new` (optionally against the previous commit's state); returns warnings.
    @discardableResult
    /// `settling`: the conflicts the previous commit carries (a merge's), whose terms a commit
    /// may write while the contract is under review: settling them is how the contract moves on.
    public static func check(_ new: ContractState, previous: ContractState?, changeAgreement: String? = nil,
                             policy: LifecyclePolicy = LifecyclePolicy(), settling: [Conflict] = []) throws(ContractError) -> [String] {
        let c = new.contract
        var warnings: [String] = []
        func fail(_ path: String, _ msg: String, _ n: Int) -> ContractError { ContractError(path, msg, rule: "invariant \(n)") }

        // 1. number: unique (checked by the store), non-empty, never changes.
        guard validNumber(c.number) else { throw fail("number", "'\(c.number)' is not a valid contract number: use \(numberRule)", 1) }
        if let old = previous?.contract, old.number != c.number { throw fail("number", "cannot change from '\(old.number)' to '\(c.number)'", 1) }

        // 9. frozen fields change only with an approved change agreement.
        if let prev = previous, prev.contract.status.isFrozen {
            let changed = frozenChanges(prev.contract, c)
            if !changed.isEmpty {
                guard let ref = changeAgreement else {
                    throw fail(changed[0], "is frozen since the contract was signed; change it with an approved change agreement (accord set … --change-agreement ID)", 9)
                }
                guard let agreement = new.record(id: ref), agreement.kind == .changeAgreement else {
                    throw fail(changed[0], "change agreement '\(ref)' is not a changeAgreement record of this contract", 9)
                }
                let request = agreement.text("request") ?? ""
                let approved = new.records(.review).contains {
                    $0.text("stage") == "change" && $0.text("decision") == "approve" && $0.text("subject") == request
                        && policy.changeApprovers.contains($0.role)
                }
                guard approved else { throw fail(changed[0], "change request \(request) of agreement \(ref) has not been approved", 9) }
                let allowed = agreement.list("fields")
                for f in changed where !allowed.contains(where: { covers($0, f) }) {
                    throw fail(f, "is not among the fields change agreement \(ref) changes (\(allowed.joined(separator: ", ")))", 9)
                }
            }
            // Attachments are add-only, in every attribute (file, name, kind).
            for (n, a) in prev.contract.attachments.enumerated() where !c.attachments.contains(a) {
                if let now = c.attachments.first(where: { $0.blob == a.blob }) {
                    let what = now.kind != a.kind ? ("kind", a.kind.code, now.kind.code) : ("name", a.name, now.name)
                    throw fail("attachments[\(n)].\(what.0)", "'\(a.name)' cannot change from \(what.1) to \(what.2); attachments of a signed contract are add-only (attach a new file instead)", 9)
                }
                throw fail("attachments[\(n)]", "'\(a.name)' was removed or replaced; attachments of a signed contract are add-only", 9)
            }
        }

        // Frozen from submission: under review or approved, the terms change only by returning
        // the contract to draft (withdraw or a reviewer's reject), which voids the round's
        // approvals. Signing sets the sign and effective dates.
        if policy.frozenFromSubmission, let prev = previous, prev.contract.status.isReview || prev.contract.status == .approved {
            var changed = frozenChanges(prev.contract, c)
            if c.status == .signed { changed.removeAll { $0 == "signDate" || $0 == "effectiveDate" } }
            // A merge can leave a submitted contract with conflicting terms (or totals that no longer
            // add up): writing those settles them, and is allowed while they are conflicted.
            if !settling.isEmpty {
                let totals = settling.contains { $0.path.hasPrefix("invariant") }
                changed.removeAll { p in
                    settling.contains { Conflict.overlaps($0.path, p) } || (totals && ["totalAmount", "lineItems", "paymentMilestones"].contains { covers($0, p) })
                }
            }
            if let f = changed.first {
                throw fail(f, "is frozen since the contract was submitted (it is \(prev.contract.status.code)); to change its terms, return it to draft first (accord withdraw \(c.number), or a reviewer's reject), which voids this round's approvals", 9)
            }
        }

        // Archive data is immutable once archived.
        if let prev = previous, prev.contract.status == .archived, prev.contract.archive != c.archive {
            throw fail("archive", "is immutable once the contract is archived", 11)
        }


        let submitted = c.status != .draft && c.status != .cancelled

        // 3. positive quantities, non-negative prices, positive total, one currency.
        for (n, i) in c.lineItems.enumerated() {
            if !i.quantity.isPositive { throw fail("lineItems[\(n)].quantity", "must be greater than 0 (is \(i.quantity))", 3) }
            if i.unitPrice.isNegative { throw fail("lineItems[\(n)].unitPrice", "must not be negative", 3) }
            if !i.lineAmount.isWithinLimit {
                throw fail("lineItems[\(n)]", "quantity × unitPrice is too large (at most \(Dec.maxIntegerDigits) digits before the decimal point)", 3)
            }
        }
        if !c.lineItems.map(\.lineAmount).sum().isWithinLimit {
            throw fail("lineItems", "the line amounts sum to more than \(Dec.maxIntegerDigits) digits before the decimal point", 3)
        }
        if c.totalAmount.isNegative || (submitted && !c.totalAmount.isPositive) {
            throw fail("totalAmount", "must be greater than 0 (is \(c.totalAmount.formatted(decimals: 2)))", 3)
        }
        guard Currency.active.contains(c.currency) else {
            throw fail("currency", "'\(c.currency)' is not an ISO 4217 currency code in use, such as CNY, USD, EUR", 3)
        }
        if let d = c.deposit, d.isNegative { throw fail("deposit", "must not be negative", 3) }
        if let t = c.taxRate, t.isNegative || t > Dec(100) { throw fail("taxRate", "must be between 0 and 100", 3) }
        for (n, m) in c.paymentMilestones.enumerated() {
            if m.amount.isNegative { throw fail("paymentMilestones[\(n)].amount", "must not be negative", 3) }
            if m.percent.isNegative || m.percent > Dec(100) { throw fail("paymentMilestones[\(n)].percent", "must be between 0 and 100", 3) }
        }

        if submitted {
            try requireTerms(c)
            // 2. line amounts sum exactly to the total.
            if !c.lineItems.isEmpty {
                let sum = c.lineItems.map(\.lineAmount).sum()
                if sum != c.totalAmount {
                    throw fail("totalAmount", "is \(c.totalAmount.formatted(decimals: 2)) but the line amounts sum to \(sum.formatted(decimals: 2))", 2)
                }
            }
            // 4. milestones sum to the total, percents to 100.
            let amounts = c.paymentMilestones.map(\.amount).sum()
            if amounts != c.totalAmount {
                throw fail("paymentMilestones", "amounts sum to \(amounts.formatted(decimals: 2)), not the total \(c.totalAmount.formatted(decimals: 2))", 4)
            }
            let pct = c.paymentMilestones.map(\.percent).sum()
            if pct != Dec(100) { throw fail("paymentMilestones", "percents sum to \(pct), not 100", 4) }
        }

        // 7. dates in order; milestone and delivery dates inside the contract period.
        if let s = c.signDate, let e = c.effectiveDate, s > e { throw fail("effectiveDate", "\(e) is before signDate \(s)", 7) }
        if let e = c.effectiveDate, let x = c.expiryDate?.date, e > x { throw fail("expiryDate", "\(x) is before effectiveDate \(e)", 7) }
        if let s = c.signDate, let x = c.expiryDate?.date, s > x { throw fail("expiryDate", "\(x) is before signDate \(s)", 7) }
        let periodStart = c.signDate ?? c.effectiveDate
        let periodEnd = c.expiryDate?.date
        func inside(_ d: CivilDate?, _ path: String) throws(ContractError) {
            guard let d else { return }
            if let s = periodStart, d < s { throw fail(path, "\(d) is before the contract starts (\(s))", 7) }
            if let e = periodEnd, d > e { throw fail(path, "\(d) is after the contract expires (\(e))", 7) }
        }
        try inside(c.deliveryDeadline, "deliveryDeadline")
        for (n, i) in c.lineItems.enumerated() { try inside(i.deadline, "lineItems[\(n)].deadline") }
        for (n, m) in c.paymentMilestones.enumerated() { try inside(m.due, "paymentMilestones[\(n)].due") }
        for (n, s) in c.schedule.enumerated() where s.start > s.end {
            throw fail("schedule[\(n)]", "starts \(s.start) after it ends \(s.end)", 7)
        }
        if let a = c.archive, let d = a.destroyAfter, d < a.date { throw fail("archive.destroyAfter", "\(d) is before the archive date \(a.date)", 7) }

        // Records: well-formed references, authority, money and quantity limits.
        try checkRecords(new, policy: policy, warnings: &warnings)
        try checkNewRecords(new, previous: previous, policy: policy)

        // 13. append-only records: nothing edited or removed.
        if let prev = previous {
            let now = Dictionary(new.records.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            for r in prev.records {
                guard let still = now[r.id] else { throw fail("records", "record \(r.id) (\(r.kind.code)) was removed; records are never deleted", 13) }
                if still != r { throw fail("records", "record \(r.id) (\(r.kind.code)) was edited; add a new record that supersedes it instead", 13) }
            }
        }

        // 8. signed needs everything signing needs.
        let reached = previous.map { $0.contract.status != c.status } ?? true
        // A contract imported (no previous commit) already past signing must meet signing's requirements too.
        let pastSigning: Set<Status> = [.signed, .executing, .completed, .terminated, .archived]
        if (reached && c.status == .signed) || (previous == nil && pastSigning.contains(c.status)) {
            guard c.signatory != nil else { throw fail("signatory", "is required to sign", 8) }
            guard c.signDate != nil else { throw fail("signDate", "is required to sign", 8) }
            guard c.effectiveDate != nil else { throw fail("effectiveDate", "is required to sign", 8) }
            guard c.attachments.contains(where: { $0.kind == .original || $0.kind == .signedCopy }) else {
                throw fail("attachments", "the signed text (kind original or signedCopy) must be attached before signing", 8)
            }
            for stage in policy.stages {
                let passing = policy.passingRoles(stage)
                guard new.records(.review).contains(where: { $0.text("stage") == stage.code && $0.text("decision") == "approve" && passing.contains($0.role) }) else {
                    throw fail("status", "review stage \(stage.code) (\(stage.label)) has not approved (by \(passing.map(\.code).sorted().joined(separator: " or ")))", 8)
                }
            }
        }

        // 8. a contract that enters past draft (an import) has the approvals its status implies.
        if previous == nil, c.status.isReview || c.status == .approved {
            guard let reachedStage = c.status == .approved ? policy.stages.count : policy.stages.firstIndex(of: c.status) else {
                throw fail("status", "\(c.status.code) is not a review stage of this repository (accord.reviewStages: \(policy.stages.map(\.code).joined(separator: ", ")))", 8)
            }
            for stage in policy.stages.prefix(reachedStage) {
                guard new.records(.review).contains(where: { $0.text("stage") == stage.code && $0.text("decision") == "approve" }) else {
                    throw fail("status", "a contract at \(c.status.code) needs an approving review record for stage \(stage.code) (\(stage.label))", 8)
                }
            }
        }

        // 10. completed.
        // 10 and 11 hold on every commit while the contract is in that status, not only on entry.
        if c.status == .completed {
            let delivered = deliveredQuantities(new)
            for i in c.lineItems where (delivered[i.id] ?? .zero) < i.quantity {
                throw fail("status", "line \(i.id) is delivered \(delivered[i.id] ?? .zero) of \(i.quantity); completion needs full delivery", 10)
            }
            guard new.records(.acceptance).contains(where: { $0.text("result") == "passed" }) else {
                throw fail("status", "completion needs a passed acceptance record", 10)
            }
            let received = new.effective(.paymentReceipt).compactMap { $0.dec("amount") }.sum()
            let writtenOff = new.effective(.writeOff).compactMap { $0.dec("amount") }.sum()
            if received + writtenOff != c.totalAmount {
                throw fail("status", "receipts \(received.formatted(decimals: 2)) + write-offs \(writtenOff.formatted(decimals: 2)) must equal the total \(c.totalAmount.formatted(decimals: 2))", 10)
            }
            if let open = openDeviationReports(new).first {
                throw fail("status", "deviation report \(open.id) has no execution result yet", 10)
            }
        }

        // 11. terminated and archived.
        if c.status == .terminated {
            let approvedRequest = new.records(.terminationRequest).first { req in
                req.bool("writtenConsent") == true && new.records(.review).contains {
                    $0.text("stage") == "termination" && $0.text("decision") == "approve" && $0.text("subject") == req.id
                        && policy.changeApprovers.contains($0.role)
                }
            }
            guard approvedRequest != nil else {
                throw fail("status", "termination needs a termination request with written consent, approved (review stage termination)", 11)
            }
        }
        if c.status == .archived {
            guard !new.records(.settlement).isEmpty else { throw fail("status", "archiving needs a settlement record", 11) }
            guard c.attachments.contains(where: { $0.kind == .original || $0.kind == .signedCopy }) else {
                throw fail("attachments", "archiving needs the signed text attached", 11)
            }
            guard c.archive != nil else { throw fail("archive", "archive information (archiveNo, date, paperLocation) is required to archive", 11) }
        }

        // 14. renewals.
        if c.signKind == .renewal, (c.renews ?? "").isEmpty { throw fail("renews", "a renewal must name the contract it renews", 14) }
        return warnings
    }

    /// Required terms from submission on (R fields of domain.md §1, by contract type).
    static func requireTerms(_ c: Contract) throws(ContractError) {
        if let first = missingTerms(c).first { throw first }
    }

    /// Every required term a contract lacks, in the order of domain.md §1.
    public static func missingTerms(_ c: Contract) -> [ContractError] {
        var out: [ContractError] = []
        func req(_ ok: Bool, _ path: String) {
            if !ok { out.append(ContractError(path, "is required before review", rule: "required")) }
        }
        try req(!c.subject.isEmpty, "subject")
        try req(!c.seller.name.isEmpty, "seller.name")
        try req(!c.buyer.name.isEmpty, "buyer.name")
        try req(!(c.customerCredit ?? "").isEmpty, "customerCredit")
        try req(!c.owner.isEmpty, "owner")
        try req(!c.office.isEmpty, "office")
        try req(c.risk != nil, "risk")
        if c.type.isGoods { try req(!c.lineItems.isEmpty, "lineItems"); try req(!(c.qualityStandard ?? "").isEmpty, "qualityStandard") }
        if c.type == .service { try req(!(c.scope ?? "").isEmpty, "scope"); try req(!c.deliverables.isEmpty, "deliverables") }
        for party in [("seller", c.seller), ("buyer", c.buyer)] {
            try req(!party.1.address.isEmpty, "\(party.0).address")
            try req(!party.1.contact.isEmpty, "\(party.0).contact")
            try req(!party.1.phone.isEmpty, "\(party.0).phone")
        }
        try req(!c.paymentMethod.isEmpty, "paymentMethod")
        try req(!c.paymentMilestones.isEmpty, "paymentMilestones")
        for m in c.paymentMilestones {
            if m.due == nil, (m.trigger ?? "").isEmpty {
                out.append(ContractError("paymentMilestones[\(m.id)]", "needs a due date or a trigger (e.g. 验收合格后) before review", rule: "required"))
            }
        }
        try req(!c.deliveryMethod.isEmpty, "deliveryMethod")
        try req(c.deliveryDeadline != nil, "deliveryDeadline")
        try req(!c.breachLiability.isEmpty, "breachLiability")
        try req(c.disputeResolution != nil, "disputeResolution")
        req(c.expiryDate != nil, "expiryDate")
        return out
    }

    /// Everything that stands between a contract and review, at once (`accord check`, and
    /// `submit`'s refusal): every missing term, the sums of invariants 2 and 4, and the first
    /// other rule the contract breaks as it would stand under review.
    public static func submissionProblems(_ s: ContractState, policy: LifecyclePolicy) -> [ContractError] {
        let c = s.contract
        var out = missingTerms(c)
        if !c.totalAmount.isPositive { out.append(ContractError("totalAmount", "must be greater than 0 (is \(c.totalAmount.formatted(decimals: 2)))", rule: "invariant 3")) }
        let lines = c.lineItems.map(\.lineAmount).sum()
        if !c.lineItems.isEmpty, lines != c.totalAmount {
            out.append(ContractError("totalAmount", "is \(c.totalAmount.formatted(decimals: 2)) but the line amounts sum to \(lines.formatted(decimals: 2))", rule: "invariant 2"))
        }
        if !c.paymentMilestones.isEmpty {
            let amounts = c.paymentMilestones.map(\.amount).sum()
            if amounts != c.totalAmount {
                out.append(ContractError("paymentMilestones", "amounts sum to \(amounts.formatted(decimals: 2)), not the total \(c.totalAmount.formatted(decimals: 2))", rule: "invariant 4"))
            }
            let pct = c.paymentMilestones.map(\.percent).sum()
            if pct != Dec(100) { out.append(ContractError("paymentMilestones", "percents sum to \(pct), not 100", rule: "invariant 4")) }
        }
        var asReviewed = s
        if c.status == .draft { asReviewed.contract.status = policy.stages.first ?? .initialReview }
        do { try check(asReviewed, previous: nil, policy: policy) } catch {
            if !out.contains(where: { $0.path == error.path && $0.rule == error.rule }) && !(error.rule == "required" && !out.isEmpty) { out.append(error) }
        }
        return out
    }

    /// The top-level fields that are the contract's terms: frozen from submission, and after
    /// signing changed only by a change agreement (domain.md §2).
    public static let termFields: Set<String> = [
        "type", "source", "signKind", "renews", "template", "subject", "seller", "buyer", "customerCredit", "signatory", "risk",
        "lineItems", "totalAmount", "currency", "taxRate", "taxInclusive", "paymentMethod", "paymentMilestones", "deposit",
        "deliveryMethod", "deliveryDeadline", "scope", "deliverables", "schedule", "qualityStandard", "acceptanceStandard",
        "serviceTerms", "afterSales", "responsibilities", "confidentiality", "breachLiability", "disputeResolution",
        "terminationConditions", "signDate", "effectiveDate", "expiryDate",
    ]

    /// Why `field` cannot be named in a change agreement's `fields`, or nil: it must be a field
    /// path (`deliveryDeadline`, `lineItems[L1].quantity`, `buyer.phone`) into one of the terms.
    public static func agreementFieldProblem(_ field: String) -> String? {
        do { _ = try FieldPath.parse(field) } catch { return "'\(field)' is not a field path: \(error.message)" }
        let top = String(field.prefix { $0 != "." && $0 != "[" })
        guard termFields.contains(top) else {
            return "'\(field)' is not a term a change agreement can change (a field path into one of: \(termFields.sorted().joined(separator: ", ")))"
        }
        return nil
    }

    static func email(_ author: String) -> String {
        guard let lt = author.lastIndex(of: "<"), let gt = author.lastIndex(of: ">"), lt < gt else { return author.lowercased() }
        return author[author.index(after: lt)..<gt].lowercased()
    }

    /// Who may record what, and when (`LifecyclePolicy.recorders`, `recordStatuses`), for the
    /// records a commit adds; plus each request decided once, agreements only on approved
    /// requests, one correction per record, and separation of duties for leader decisions.
    /// A contract that enters with its records (an import, a merge checked on its own) is checked
    /// for who recorded what; when each was recorded is not known then.
    static func checkNewRecords(_ s: ContractState, previous: ContractState?, policy: LifecyclePolicy) throws(ContractError) {
        let c = s.contract
        let old = Set(previous?.records.map(\.id) ?? [])
        let added = s.records.filter { !old.contains($0.id) }
        for r in added {
            let path = "records[\(r.id)]"
            let stage = r.text("stage") ?? ""
            let isRequestReview = r.kind == .review && (stage == "change" || stage == "termination")
            // contractAdmin, which keeps the ledger, may correct any record (invariant 13).
            if r.kind != .review, !policy.mayRecord(r.kind).contains(r.role), !(r.supersedes != nil && r.role == .contractAdmin) {
                throw ContractError(path, "a \(r.kind.code) (\(r.kind.label)) record is recorded by \(policy.mayRecord(r.kind).map(\.code).sorted().joined(separator: " or ")), not \(r.role.code)", rule: "who records")
            }
            if isRequestReview, !policy.changeApprovers.contains(r.role) {
                throw ContractError(path, "a \(stage) request is decided by \(policy.changeApprovers.map(\.code).sorted().joined(separator: " or ")), not \(r.role.code)", rule: "invariant 8")
            }
            if policy.separationOfDuties, r.kind == .leaderDecision, let report = r.text("report").flatMap({ s.record(id: $0) }),
               email(report.author) == email(r.author) {
                throw ContractError(path, "\(r.author) wrote deviation report \(report.id.prefix(8)); a leader decision is not made by the report's author", rule: "separation of duties")
            }
            guard previous != nil else { continue }
            // When: the status the contract is in as the record is added.
            let statuses: Set<Status> = isRequestReview ? [.signed, .executing] : policy.recordableIn(r.kind)
            if r.kind != .review || isRequestReview, !statuses.contains(c.status) {
                throw ContractError(path, "a \(isRequestReview ? "\(stage) decision" : r.kind.code) record can be added only when the contract is \(Status.allCases.filter { statuses.contains($0) }.map(\.code).joined(separator: ", ")); it is \(c.status.code)", rule: "when recorded")
            }
            if let sup = r.supersedes, let other = s.records.first(where: { $0.id != r.id && $0.supersedes == sup }) {
                throw ContractError("\(path).supersedes", "\(sup) is already corrected by \(other.id); correct that record instead", rule: "invariant 13")
            }
            if r.kind == .riskyShipmentRequest, r.fields["decision"] != nil {
                throw ContractError("\(path).decision", "a risky-shipment request is decided by \(policy.mayRecord(.riskyShipmentDecision).map(\.code).sorted().joined(separator: " or ")) in a riskyShipmentDecision record of its own, not in the request", rule: "who records")
            }
            if r.kind == .riskyShipmentDecision, let req = r.text("request") {
                if let other = s.records.first(where: { $0.id != r.id && $0.kind == .riskyShipmentDecision && $0.text("request") == req }) {
                    throw ContractError("\(path).request", "risky-shipment request \(req) was already decided by \(other.id)", rule: "decided once")
                }
                if policy.separationOfDuties, let request = s.record(id: req), email(request.author) == email(r.author) {
                    throw ContractError(path, "\(r.author) made risky-shipment request \(req.prefix(8)); it is decided by someone else", rule: "separation of duties")
                }
            }
            if isRequestReview, let subject = r.text("subject"),
               let other = s.records.first(where: { $0.id != r.id && $0.kind == .review && $0.text("stage") == stage && $0.text("subject") == subject }) {
                throw ContractError(path, "\(stage) request \(subject) was already decided (\(other.text("decision") ?? "?") in \(other.id)); each request is decided once", rule: "decided once")
            }
            if r.kind == .changeAgreement {
                let request = r.text("request") ?? ""
                guard s.records(.review).contains(where: { $0.text("stage") == "change" && $0.text("decision") == "approve" && $0.text("subject") == request }) else {
                    throw ContractError("\(path).request", "change request \(request) has not been approved (accord approve \(c.number) --change \(request.prefix(8)) -m …); an agreement is recorded after the approval", rule: "invariant 9")
                }
                for f in r.list("fields") {
                    if let why = agreementFieldProblem(f) { throw ContractError("\(path).fields", why, rule: "invariant 9") }
                }
            }
        }
    }

    static func checkRecords(_ s: ContractState, policy: LifecyclePolicy, warnings: inout [String]) throws(ContractError) {
        let c = s.contract
        var ids = Set<String>()
        for r in s.records {
            let path = "records[\(r.id)]"
            guard ids.insert(r.id).inserted else { throw ContractError(path, "duplicate record id", rule: "invariant 13") }
            for name in r.attachments where !c.attachments.contains(where: { $0.name == name }) {
                throw ContractError("\(path).attachments", "'\(name)' is not an attachment of this contract (add it first: accord attach \(c.number) FILE)")
            }
            if let sup = r.supersedes {
                // A correction replaces a record of its own kind, made by the same role (or by contract
                // administration, which keeps the ledger): a tracking note cannot void finance's receipt.
                guard let old = s.record(id: sup) else { throw ContractError("\(path).supersedes", "no record \(sup) in this contract", rule: "invariant 13") }
                guard old.kind == r.kind else {
                    throw ContractError("\(path).supersedes", "a \(r.kind.code) record cannot correct \(sup), which is a \(old.kind.code) record", rule: "invariant 13")
                }
                guard old.role == r.role || r.role == .contractAdmin else {
                    throw ContractError("\(path).supersedes", "\(sup) was recorded by \(old.role.code); only \(old.role.code) or contractAdmin may correct it, not \(r.role.code)", rule: "invariant 13")
                }
            }
            for field in r.kind.schema {
                guard let v = r.text(field.name) else { continue }
                switch field.type {
                case let .recordRef(kind):
                    // A review's subject is the change or termination request it decides.
                    let kinds: [RecordKind] = r.kind == .review && field.name == "subject" ? [.changeRequest, .terminationRequest] : [kind]
                    guard let target = s.record(id: v), kinds.contains(target.kind) else {
                        throw ContractError("\(path).\(field.name)", "'\(v)' is not a \(kinds.map(\.code).joined(separator: " or ")) record of this contract")
                    }
                case .lineItemRef:
                    guard c.lineItems.contains(where: { $0.id == v }) else { throw ContractError("\(path).\(field.name)", "no line item '\(v)'") }
                case .milestoneRef:
                    guard c.paymentMilestones.contains(where: { $0.id == v }) else { throw ContractError("\(path).\(field.name)", "no payment milestone '\(v)'") }
                default: break
                }
            }
            // Amounts are positive; a correction that supersedes a record may be zero (it voids it).
            if r.kind == .delivery || r.kind == .paymentReceipt || r.kind == .invoice || r.kind == .settlement, let a = r.dec(r.kind == .delivery ? "quantity" : "amount"),
               a.isNegative || (a.isZero && r.supersedes == nil) {
                throw ContractError("\(path).\(r.kind == .delivery ? "quantity" : "amount")", "must be greater than 0 (0 only in a correction that supersedes a record)", rule: "invariant 3")
            }
        }
        // 12. only leadership decides; a result needs a decision.
        for d in s.records(.leaderDecision) where !policy.leadership.contains(d.role) {
            throw ContractError("records[\(d.id)]", "a leader decision must be recorded by leadership (\(policy.leadership.map(\.code).sorted().joined(separator: ", "))), not \(d.role.code)", rule: "invariant 12")
        }
        for r in s.records(.executionResult) {
            let report = r.text("report")
            guard s.records(.leaderDecision).contains(where: { $0.text("report") == report }) else {
                throw ContractError("records[\(r.id)]", "deviation report \(report ?? "?") has no leader decision yet", rule: "invariant 12")
            }
        }
        // 5. receipts.
        let receipts = s.effective(.paymentReceipt)
        let received = receipts.compactMap { $0.dec("amount") }.sum()
        if received > c.totalAmount {
            throw ContractError("records", "receipts sum to \(received.formatted(decimals: 2)), above the total \(c.totalAmount.formatted(decimals: 2))", rule: "invariant 5")
        }
        if let sign = c.signDate {
            for r in receipts { if let d = r.date("date"), d < sign {
                throw ContractError("records[\(r.id)].date", "receipt dated \(d) is before the sign date \(sign)", rule: "invariant 5")
            } }
        }
        var seen: [String: String] = [:]
        for r in receipts {
            let key = "\(r.date("date")?.description ?? "")|\(r.dec("amount")?.description ?? "")|\(r.text("voucher") ?? "")"
            if let other = seen[key] { warnings.append("receipts \(other) and \(r.id) look like duplicates (same date, amount and voucher)") }
            seen[key] = r.id
        }
        // 6. deliveries.
        let extraAllowed = s.records(.changeAgreement).contains { $0.bool("allowsExtraDelivery") == true }
        let delivered = deliveredQuantities(s)
        for i in c.lineItems {
            if let d = delivered[i.id], d > i.quantity, !extraAllowed {
                throw ContractError("records", "line \(i.id) is delivered \(d), above the contracted \(i.quantity)", rule: "invariant 6")
            }
        }
        var months: [String: String] = [:]
        for m in s.records(.monthlyExecution) {
            let key = "\(m.text("month") ?? "")|\(m.text("office") ?? "")"
            if let other = months[key] { warnings.append("monthly records \(other) and \(m.id) cover the same month and office") }
            months[key] = m.id
        }
    }

    public static func deliveredQuantities(_ s: ContractState) -> [String: Dec] {
        var out: [String: Dec] = [:]
        for d in s.effective(.delivery) { if let li = d.text("lineItem"), let q = d.dec("quantity") { out[li, default: .zero] += q } }
        return out
    }

    public static func openDeviationReports(_ s: ContractState) -> [Record] {
        let resolved = Set(s.records(.executionResult).compactMap { $0.text("report") })
        return s.records(.deviationReport).filter { !resolved.contains($0.id) }
    }

    /// Top-level keys whose JSON differs.
    /// The leaf paths (`lineItems[L1].spec`, `deliveryDeadline`) whose change after signing
    /// needs a change agreement: every changed field but the editable ones and derived line amounts
    /// (which follow quantity and price, each checked itself).
    public static func frozenChanges(_ a: Contract, _ b: Contract) -> [String] {
        let top = changedTopLevelFields(a, b).filter { !editableAfterSigning.contains($0) }
        guard !top.isEmpty else { return [] }
        let fa = FieldPath.flatten(a.json), fb = FieldPath.flatten(b.json)
        return Set(fa.keys).union(fb.keys).filter { path in
            guard fa[path] != fb[path], !path.hasSuffix(".lineAmount") else { return false }
            return top.contains { covers($0, path) }
        }.sorted()
    }

    /// Whether a field named in a change agreement (`lineItems[L1]`, `deliveryDeadline`) covers a
    /// changed leaf path: the same path, or one inside it.
    static func covers(_ field: String, _ path: String) -> Bool {
        path == field || path.hasPrefix(field + ".") || path.hasPrefix(field + "[")
    }

    public static func changedTopLevelFields(_ a: Contract, _ b: Contract) -> [String] {
        let ao = a.json.object ?? [:], bo = b.json.object ?? [:]
        return Set(ao.keys).union(bo.keys).filter { ao[$0] != bo[$0] }.sorted()
    }
}
