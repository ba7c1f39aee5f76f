import Testing
@testable import AccordContracts

/// One test per invariant of domain.md §6: each fails when the invariant is violated and passes otherwise.
@Suite struct InvariantTests {
    // Fixtures as starting points (all valid).
    static func draft() throws -> ContractState { try Fixtures.state("HT-2026-002") }        // complete draft
    static func review() throws -> ContractState { try Fixtures.state("HT-2026-003") }       // service, initialReview
    static func approved() throws -> ContractState { try Fixtures.state("HT-2026-006") }
    static func signed() throws -> ContractState { try Fixtures.state("HT-2026-007") }
    static func executing() throws -> ContractState { try Fixtures.state("HT-2026-009") }
    static func completed() throws -> ContractState { try Fixtures.state("HT-2025-014") }

    @Test func allFixturesPass() throws {
        for e in Fixtures.entries { try check(try Fixtures.state(e)) }
    }

    @Test func invariant01_numberValidUniqueAndImmutable() throws {
        var s = try Self.draft()
        try check(s)
        for bad in ["", "a..b", "x.lock", "has space", "a/b", "-x", ".x", "x.", "a:b", String(repeating: "n", count: 101)] {
            s.contract.number = bad
            expectViolation("invariant 1", path: "number") { () throws(ContractError) in try check(s) }
            #expect(!Invariants.validNumber(bad))
        }
        for good in ["HT-2026-001", "华东-2026-021", "a.b_c-1", "9", String(repeating: "n", count: 100)] { #expect(Invariants.validNumber(good)) }
        let prev = try Self.draft()
        var renamed = prev
        renamed.contract.number = "HT-2026-099"
        expectViolation("invariant 1", path: "number") { () throws(ContractError) in try check(renamed, previous: prev) }
        // Uniqueness is enforced by the store (a second `new`/import of the same number): see
        // ContractBadInputTests.duplicateNumbers and ContractInvariantCLITests.invariant01_numberIsUnique.
    }

    @Test func invariant02_lineAmountsAreRoundedProductsSummingToTheTotal() throws {
        var s = try Self.review()
        s = try Self.approved()
        try check(s)
        s.contract.totalAmount = s.contract.totalAmount + dec("0.01")
        expectViolation("invariant 2", path: "totalAmount") { () throws(ContractError) in try check(s) }
        // 2.5 × 1999.99 = 4999.975 → 4999.98 (half up); the total must use the rounded amount.
        var f = try Fixtures.state("HT-2026-005")
        #expect(f.contract.lineItems[1].lineAmount == dec("4999.98"))
        try check(f)
        f.contract.totalAmount = f.contract.totalAmount - dec("0.01") // what truncation would give
        expectViolation("invariant 2", path: "totalAmount") { () throws(ContractError) in try check(f) }
        // A stale stored lineAmount is refused on reading.
        var doc = try Self.approved().contract.json
        doc = try FieldPath.set("lineItems[L1].lineAmount", to: .string("1.00"), in: doc)
        expectViolation("invariant 2", path: "lineItems[0].lineAmount") { () throws(ContractError) in _ = try Contract(json: doc) }
        // A draft may be incomplete.
        var d = try Self.draft()
        d.contract.totalAmount = dec("1")
        try check(d)
    }

    @Test func invariant03_positiveQuantitiesPricesTotalAndOneCurrency() throws {
        let base = try Self.approved()
        try check(base)
        var s = base; s.contract.lineItems[0].quantity = .zero
        expectViolation("invariant 3", path: "lineItems[0].quantity") { () throws(ContractError) in try check(s) }
        s = base; s.contract.lineItems[0].quantity = dec("-1")
        expectViolation("invariant 3", path: "lineItems[0].quantity") { () throws(ContractError) in try check(s) }
        s = base; s.contract.lineItems[0].unitPrice = dec("-0.01")
        expectViolation("invariant 3", path: "lineItems[0].unitPrice") { () throws(ContractError) in try check(s) }
        s = base; s.contract.totalAmount = dec("-5")
        expectViolation("invariant 3", path: "totalAmount") { () throws(ContractError) in try check(s) }
        var sv = try Self.review(); sv.contract.totalAmount = .zero
        expectViolation("invariant 3", path: "totalAmount") { () throws(ContractError) in try check(sv) }
        for cur in ["cny", "RMB1", "¥", "", "USDX"] {
            s = base; s.contract.currency = cur
            expectViolation("invariant 3", path: "currency") { () throws(ContractError) in try check(s) }
        }
        s = base; s.contract.currency = "EUR"; try check(s)
        // A free unit price (a gift line) is allowed.
        s = base; s.contract.lineItems.append(LineItem(id: "G", name: "赠品", quantity: dec("1"), unitPrice: .zero)); try check(s)
        var e = try Self.executing()
        e.records.append(rec(.paymentReceipt, "r0", role: .finance, ["date": .date(d("2026-04-01")), "amount": .dec(.zero)]))
        expectViolation("invariant 3", path: "records[r0].amount") { () throws(ContractError) in try check(e) }
    }

    @Test func invariant04_milestonesSumToTotalAndPercentsTo100() throws {
        let base = try Self.approved()
        try check(base)
        var s = base; s.contract.paymentMilestones[0].amount = s.contract.paymentMilestones[0].amount + dec("0.01")
        expectViolation("invariant 4", path: "paymentMilestones") { () throws(ContractError) in try check(s) }
        s = base; s.contract.paymentMilestones[0].percent = dec("31")
        expectViolation("invariant 4", path: "paymentMilestones") { () throws(ContractError) in try check(s) }
        s = base; s.contract.paymentMilestones.removeLast()
        expectViolation("invariant 4", path: "paymentMilestones") { () throws(ContractError) in try check(s) }
        // Moving money between milestones keeps the sums.
        s = base
        s.contract.paymentMilestones[0].amount = s.contract.paymentMilestones[0].amount + dec("100")
        s.contract.paymentMilestones[1].amount = s.contract.paymentMilestones[1].amount - dec("100")
        try check(s)
    }

    @Test func invariant05_receiptsNeverExceedTotalNorPrecedeSigning() throws {
        let base = try Self.executing() // total 65200.00, 19560.00 received, signed 2026-03-01
        try check(base)
        var s = base
        s.records.append(rec(.paymentReceipt, "r1", role: .finance, ["date": .date(d("2026-04-01")), "amount": .dec(dec("45640.00"))]))
        try check(s) // exactly the total
        s.records.append(rec(.paymentReceipt, "r2", role: .finance, ["date": .date(d("2026-04-02")), "amount": .dec(dec("0.01"))]))
        expectViolation("invariant 5", path: "records") { () throws(ContractError) in try check(s) }
        s = base
        s.records.append(rec(.paymentReceipt, "r3", role: .finance, ["date": .date(d("2026-02-28")), "amount": .dec(dec("1.00"))]))
        expectViolation("invariant 5", path: "records[r3].date") { () throws(ContractError) in try check(s) }
        s = base
        s.records.append(rec(.paymentReceipt, "r4", role: .finance, ["date": .date(d("2026-03-01")), "amount": .dec(dec("1.00"))]))
        try check(s) // on the sign date is fine
    }

    @Test func invariant06_deliveriesWithinContractedQuantity() throws {
        let base = try Self.executing() // L1: 20, 10 delivered; L2: 20, 5 delivered
        var s = base
        s.records.append(rec(.delivery, "d1", ["lineItem": .text("L1"), "date": .date(d("2026-05-01")), "quantity": .dec(dec("10"))]))
        try check(s)
        s.records.append(rec(.delivery, "d2", ["lineItem": .text("L1"), "date": .date(d("2026-05-02")), "quantity": .dec(dec("0.5"))]))
        expectViolation("invariant 6", path: "records") { () throws(ContractError) in try check(s) }
        // Allowed by a change agreement (fixture HT-2026-012 delivers 1040 of 1000).
        let extra = try Fixtures.state("HT-2026-012")
        try check(extra)
        var noAgreement = extra
        noAgreement.records.removeAll { $0.kind == .changeAgreement }
        expectViolation("invariant 6", path: "records") { () throws(ContractError) in try check(noAgreement) }
        // A delivery must name a line item of the contract.
        s = base
        s.records.append(rec(.delivery, "d3", ["lineItem": .text("L9"), "date": .date(d("2026-05-01")), "quantity": .dec(dec("1"))]))
        #expect(throws: ContractError.self) { try check(s) }
    }

    @Test func invariant07_datesInOrder() throws {
        let base = try Self.signed() // sign = effective = 2026-07-01, expiry 2027-12-31, deadline 2026-09-30
        try check(base)
        var s = base; s.contract.effectiveDate = d("2026-06-30")
        expectViolation("invariant 7", path: "effectiveDate") { () throws(ContractError) in try check(s) }
        s = base; s.contract.expiryDate = .date(d("2026-06-30")); s.contract.effectiveDate = d("2026-07-01")
        expectViolation("invariant 7", path: "expiryDate") { () throws(ContractError) in try check(s) }
        s = base; s.contract.deliveryDeadline = d("2028-01-01")
        expectViolation("invariant 7", path: "deliveryDeadline") { () throws(ContractError) in try check(s) }
        s = base; s.contract.deliveryDeadline = d("2026-06-30")
        expectViolation("invariant 7", path: "deliveryDeadline") { () throws(ContractError) in try check(s) }
        s = base; s.contract.paymentMilestones[0].due = d("2026-06-01")
        expectViolation("invariant 7", path: "paymentMilestones[0].due") { () throws(ContractError) in try check(s) }
        s = base; s.contract.lineItems[0].deadline = d("2028-02-01")
        expectViolation("invariant 7", path: "lineItems[0].deadline") { () throws(ContractError) in try check(s) }
        var sv = try Self.review()
        sv.contract.schedule[0] = ScheduleEntry(id: "S1", start: d("2026-08-01"), end: d("2026-07-31"), milestone: "x")
        expectViolation("invariant 7", path: "schedule[0]") { () throws(ContractError) in try check(sv) }
        var ar = try Fixtures.state("HT-2025-016")
        ar.contract.archive?.destroyAfter = d("2025-01-01")
        expectViolation("invariant 7", path: "archive.destroyAfter") { () throws(ContractError) in try check(ar) }
        s = base; s.contract.expiryDate = .openEnded; try check(s)
        s = base; s.contract.effectiveDate = d("2026-07-05"); try check(s)
    }

    @Test func invariant08_onlyAllowedTransitionsByAuthorisedRoles() throws {
        let policy = LifecyclePolicy()
        func actor(_ r: Role) -> Actor { Actor(name: "x", email: "x@e", role: r, office: "o", replica: "r") }
        let c = try Self.review().contract // initialReview
        #expect(try Lifecycle.check(.approve, contract: c, actor: actor(.salesHead), policy: policy) == .secondReview)
        #expect(try Lifecycle.check(.reject, contract: c, actor: actor(.salesHead), policy: policy) == .draft)
        for r in Role.allCases where r != .salesHead {
            expectViolation("invariant 8", path: "status") { () throws(ContractError) in _ = try Lifecycle.check(.approve, contract: c, actor: actor(r), policy: policy) }
        }
        for a in [Action.sign, .start, .complete, .terminate, .archive, .submit] {
            expectViolation("invariant 8", path: "status") { () throws(ContractError) in _ = try Lifecycle.check(a, contract: c, actor: actor(.management), policy: policy) }
        }
        var exec = c; exec.status = .archived
        for a in Action.allCases {
            expectViolation("invariant 8", path: "status") { () throws(ContractError) in _ = try Lifecycle.check(a, contract: exec, actor: actor(.contractAdmin), policy: policy) }
        }
        // Signing needs everything: start from an approved contract and sign it.
        let prev = try Self.signed()
        var approvedState = prev
        approvedState.contract.status = .approved
        var signing = prev
        try check(signing, previous: approvedState)
        signing.contract.signatory = nil
        var approvedWithout = approvedState; approvedWithout.contract.signatory = nil // a term: it was missing since submission
        expectViolation("invariant 8", path: "signatory") { () throws(ContractError) in try check(signing, previous: approvedWithout) }
        signing = prev; signing.contract.signDate = nil
        expectViolation("invariant 8", path: "signDate") { () throws(ContractError) in try check(signing, previous: approvedState) }
        signing = prev; signing.contract.attachments = []
        expectViolation("invariant 8", path: "attachments") { () throws(ContractError) in try check(signing, previous: approvedState) }
        signing = prev; signing.contract.attachments[0].kind = .copy
        expectViolation("invariant 8", path: "attachments") { () throws(ContractError) in try check(signing, previous: approvedState) }
        signing = prev; signing.records.removeAll { $0.text("stage") == "secondReview" }
        approvedState.records = signing.records
        expectViolation("invariant 8", path: "status") { () throws(ContractError) in try check(signing, previous: approvedState) }
    }

    @Test func invariant09_frozenFieldsChangeOnlyWithAnApprovedChangeAgreement() throws {
        let prev = try Self.executing()
        var s = prev
        s.contract.deliveryDeadline = d("2026-10-15")
        expectViolation("invariant 9", path: "deliveryDeadline") { () throws(ContractError) in try check(s, previous: prev) }
        // Editable fields.
        var ok = prev; ok.contract.owner = "周敏"; ok.contract.supervisor = "孙丽"; ok.contract.office = "华南办事处"
        try check(ok, previous: prev)
        // With a request, an approval by a change approver and an agreement naming the field: allowed.
        var withAgreement = prev
        withAgreement.records += [
            rec(.changeRequest, "cr", ["reason": .text("延期"), "content": .text("顺延")]),
            rec(.changeAgreement, "ca", role: .contractAdmin, ["request": .text("cr"), "fields": .list(["deliveryDeadline"]),
                                                             "signedDate": .date(d("2026-05-01")), "approvedBy": .text("赵强")]),
        ]
        let beforeApproval = withAgreement
        withAgreement.contract.deliveryDeadline = d("2026-10-15")
        // …not yet approved:
        expectViolation("invariant 9", path: "deliveryDeadline") { () throws(ContractError) in try check(withAgreement, previous: beforeApproval, agreement: "ca") }
        var approved = withAgreement
        approved.records.append(rec(.review, "rv", role: .legal, ["stage": .text("change"), "decision": .text("approve"), "opinion": .text("ok"), "subject": .text("cr")]))
        var approvedBase = beforeApproval; approvedBase.records = approved.records
        // …approved by a role that may not approve changes:
        expectViolation("invariant 9", path: "deliveryDeadline") { () throws(ContractError) in try check(approved, previous: approvedBase, agreement: "ca") }
        approved.records[approved.records.count - 1] = rec(.review, "rv", role: .management, ["stage": .text("change"), "decision": .text("approve"), "opinion": .text("ok"), "subject": .text("cr")])
        approvedBase.records = approved.records
        try check(approved, previous: approvedBase, agreement: "ca")
        // …but only the fields it names.
        var tooMuch = approved; tooMuch.contract.paymentMethod = "承兑汇票"
        expectViolation("invariant 9", path: "paymentMethod") { () throws(ContractError) in try check(tooMuch, previous: approvedBase, agreement: "ca") }
        expectViolation("invariant 9", path: "deliveryDeadline") { () throws(ContractError) in try check(approved, previous: approvedBase, agreement: "nope") }
        // An agreement naming one field of one line item covers that leaf, not its siblings.
        var narrow = approvedBase
        narrow.records[narrow.records.firstIndex { $0.id == "ca" }!] = rec(.changeAgreement, "ca", role: .contractAdmin,
            ["request": .text("cr"), "fields": .list(["lineItems[L1].spec"]), "signedDate": .date(d("2026-05-01")), "approvedBy": .text("赵强")])
        var oneSpec = narrow; oneSpec.contract.lineItems[0].spec = "HP-31"
        try check(oneSpec, previous: narrow, agreement: "ca")
        var otherSpec = narrow; otherSpec.contract.lineItems[1].spec = "HACKED"
        expectViolation("invariant 9", path: "lineItems[L2].spec") { () throws(ContractError) in try check(otherSpec, previous: narrow, agreement: "ca") }
        var otherField = narrow; otherField.contract.lineItems[0].unit = "件"
        expectViolation("invariant 9", path: "lineItems[L1].unit") { () throws(ContractError) in try check(otherField, previous: narrow, agreement: "ca") }
        // Attachments are add-only.
        var removed = prev; removed.contract.attachments = []
        expectViolation("invariant 9", path: "attachments") { () throws(ContractError) in try check(removed, previous: prev) }
        // Before signing the same edit is free.
        let draft = try Self.draft()
        var edited = draft; edited.contract.deliveryDeadline = d("2026-08-01")
        try check(edited, previous: draft)
    }

    /// Checks `s` as the commit that moves it from `from` (same records, so only the transition is judged).
    static func reaching(_ s: ContractState, from: Status) throws(ContractError) {
        var prev = s; prev.contract.status = from
        try check(s, previous: prev)
    }

    @Test func invariant10_completionNeedsDeliveryAcceptanceReceiptsAndNoOpenDeviation() throws {
        let done = try Self.completed()
        try Self.reaching(done, from: .executing)
        var s = done; s.records.removeAll { $0.kind == .acceptance }
        expectViolation("invariant 10", path: "status") { () throws(ContractError) in try Self.reaching(s, from: .executing) }
        s = done; s.records.removeAll { $0.kind == .delivery && $0.text("lineItem") == "L2" }
        expectViolation("invariant 10", path: "status") { () throws(ContractError) in try Self.reaching(s, from: .executing) }
        s = done; s.records.removeAll { $0.kind == .paymentReceipt && $0.text("milestone") == "M3" }
        expectViolation("invariant 10", path: "status") { () throws(ContractError) in try Self.reaching(s, from: .executing) }
        s = done; s.records.append(rec(.acceptance, "failed", ["date": .date(d("2025-10-01")), "result": .text("failed")]))
        try Self.reaching(s, from: .executing) // a failed acceptance followed by a passed one is fine
        s = done; s.records = s.records.map { r in
            guard r.kind == .acceptance else { return r }
            var f = r; f.fields["result"] = .text("failed"); return f
        }
        expectViolation("invariant 10", path: "status") { () throws(ContractError) in try Self.reaching(s, from: .executing) }
        s = done; s.records.append(rec(.deviationReport, "dev", ["summary": .text("x"), "proposedHandling": .text("y")]))
        expectViolation("invariant 10", path: "status") { () throws(ContractError) in try Self.reaching(s, from: .executing) }
        // A write-off makes up the difference (fixture HT-2025-015).
        let wo = try Fixtures.state("HT-2025-015")
        try Self.reaching(wo, from: .executing)
        var noWO = wo; noWO.records.removeAll { $0.kind == .writeOff }
        expectViolation("invariant 10", path: "status") { () throws(ContractError) in try Self.reaching(noWO, from: .executing) }
    }

    @Test func invariant11_terminationNeedsApprovalAndConsent_archiveNeedsSettlementAndSignedText() throws {
        let term = try Fixtures.state("HT-2026-018")
        try Self.reaching(term, from: .executing)
        try Self.reaching(term, from: .signed)
        var s = term; s.records.removeAll { $0.kind == .review && $0.text("stage") == "termination" }
        expectViolation("invariant 11", path: "status") { () throws(ContractError) in try Self.reaching(s, from: .executing) }
        s = term; s.records = s.records.map { r in
            guard r.kind == .terminationRequest else { return r }
            var f = r; f.fields["writtenConsent"] = .bool(false); return f
        }
        expectViolation("invariant 11", path: "status") { () throws(ContractError) in try Self.reaching(s, from: .executing) }
        s = term; s.records = s.records.map { r in
            guard r.kind == .review, r.text("stage") == "termination" else { return r }
            var f = r; f.role = .legal; return f // legal may not approve terminations
        }
        expectViolation("invariant 11", path: "status") { () throws(ContractError) in try Self.reaching(s, from: .executing) }

        let arch = try Fixtures.state("HT-2025-016")
        try Self.reaching(arch, from: .completed)
        var a = arch; a.records.removeAll { $0.kind == .settlement }
        expectViolation("invariant 11", path: "status") { () throws(ContractError) in try Self.reaching(a, from: .completed) }
        a = arch; a.contract.archive = nil
        expectViolation("invariant 11", path: "archive") { () throws(ContractError) in try Self.reaching(a, from: .completed) }
        a = arch; a.contract.attachments = []
        expectViolation("invariant 11", path: "attachments") { () throws(ContractError) in try Self.reaching(a, from: .completed) }
    }

    @Test func invariant12_onlyLeadershipDecides_resultNeedsDecision() throws {
        let base = try Fixtures.state("HT-2026-010") // report → management decision → result
        try check(base)
        for role in [Role.salesRep, .legal, .finance, .contractAdmin, .salesAdmin] {
            var s = base
            s.records = s.records.map { r in
                guard r.kind == .leaderDecision else { return r }
                var f = r; f.role = role; return f
            }
            expectViolation("invariant 12", path: "records[") { () throws(ContractError) in try check(s) }
        }
        var sh = base
        sh.records = sh.records.map { r in
            guard r.kind == .leaderDecision else { return r }
            var f = r; f.role = .salesHead; return f
        }
        try check(sh)
        var noDecision = base; noDecision.records.removeAll { $0.kind == .leaderDecision }
        expectViolation("invariant 12", path: "records[") { () throws(ContractError) in try check(noDecision) }
        // A decision without a result yet is an open deviation, which is fine while executing (HT-2026-011).
        try check(try Fixtures.state("HT-2026-011"))
    }

    @Test func invariant13_recordsAreNeverEditedOrDeleted() throws {
        let prev = try Self.executing()
        var s = prev; s.records.removeFirst()
        expectViolation("invariant 13", path: "records") { () throws(ContractError) in try check(s, previous: prev) }
        s = prev
        let i = try #require(s.records.firstIndex { $0.kind == .paymentReceipt })
        s.records[i].fields["voucher"] = .text("changed")
        expectViolation("invariant 13", path: "records") { () throws(ContractError) in try check(s, previous: prev) }
        s = prev; s.records.append(s.records[0])
        expectViolation("invariant 13", path: "records[") { () throws(ContractError) in try check(s, previous: prev) }
        // A correction is a new record that supersedes the old one.
        s = prev
        var fix = rec(.delivery, "fix", ["lineItem": .text("L2"), "date": .date(d("2026-04-10")), "quantity": .dec(dec("1"))])
        fix.supersedes = prev.records.first { $0.kind == .delivery }?.id
        s.records.append(fix)
        try check(s, previous: prev)
        fix.supersedes = "no-such-record"
        s.records[s.records.count - 1] = fix
        expectViolation("invariant 13", path: "records[") { () throws(ContractError) in try check(s, previous: prev) }
        // …of its own kind, by the same role (or contract administration).
        let receipt = try #require(prev.records.first { $0.kind == .paymentReceipt })
        var note = rec(.tracking, "note", role: receipt.role == .salesRep ? .legal : .salesRep, ["customer": .text("x")])
        note.supersedes = receipt.id
        s = prev; s.records.append(note)
        expectViolation("invariant 13", path: "records[") { () throws(ContractError) in try check(s, previous: prev) }
        var otherRole = rec(.paymentReceipt, "void", role: receipt.role == .salesRep ? .legal : .salesRep,
                            ["date": .date(try #require(receipt.date("date"))), "amount": .dec(.zero)])
        otherRole.supersedes = receipt.id
        s = prev; s.records.append(otherRole)
        expectViolation("invariant 13", path: "records[") { () throws(ContractError) in try check(s, previous: prev) }
        var byAdmin = otherRole; byAdmin.role = .contractAdmin
        s = prev; s.records.append(byAdmin)
        try check(s, previous: prev)
    }

    @Test func invariant14_renewalReferencesAContract() throws {
        let r = try Fixtures.state("HT-2026-019")
        try check(r)
        #expect(r.contract.renews == "HT-2025-017")
        var s = r; s.contract.renews = nil
        expectViolation("invariant 14", path: "renews") { () throws(ContractError) in try check(s) }
        s = r; s.contract.renews = ""
        expectViolation("invariant 14", path: "renews") { () throws(ContractError) in try check(s) }
        // That the renewed contract exists is checked where the store is known: ContractInvariantCLITests.
    }

    @Test func completenessAppliesFromSubmissionOn() throws {
        var s = try Fixtures.state("HT-2026-001") // an incomplete draft
        try check(s)
        s.contract.status = .initialReview
        do { try check(s); Issue.record("incomplete contract accepted for review") }
        catch { #expect(error.rule == "required" || error.rule.hasPrefix("invariant"), "\(error)") }
        var svc = try Self.review(); svc.contract.scope = nil
        expectViolation("required", path: "scope") { () throws(ContractError) in try check(svc) }
        // domain.md §1: a service's deliverables, each party's basic information, and when each
        // milestone falls due.
        svc = try Self.review(); svc.contract.deliverables = []
        expectViolation("required", path: "deliverables") { () throws(ContractError) in try check(svc) }
        for (path, clear) in [("buyer.phone", { (c: inout Contract) in c.buyer.phone = "" }),
                              ("buyer.address", { (c: inout Contract) in c.buyer.address = "" }),
                              ("seller.contact", { (c: inout Contract) in c.seller.contact = "" })] {
            var p = try Self.review(); clear(&p.contract)
            expectViolation("required", path: path) { () throws(ContractError) in try check(p) }
        }
        var ms = try Self.review()
        ms.contract.paymentMilestones[0].due = nil; ms.contract.paymentMilestones[0].trigger = nil
        expectViolation("required", path: "paymentMilestones[\(ms.contract.paymentMilestones[0].id)]") { () throws(ContractError) in try check(ms) }
        ms.contract.paymentMilestones[0].trigger = "验收合格后"
        try check(ms)
    }
}
