import Testing
@testable import AccordSync
@testable import AccordMerge
import AccordContracts
import AccordTestSupport

enum Gen {
    static func date(_ s: String) -> CivilDate { (try? CivilDate.parse(s)) ?? CivilDate(daysSinceEpoch: 20000) }

    static func contract(_ rng: inout SeededRNG, number: String) -> ContractState {
        var c = Contract(number: number, type: .sales)
        c.subject = "数控车床及配件"
        c.seller = Party(name: "本公司", address: "上海", contact: "张三", phone: "021-0000")
        c.buyer = Party(name: ["华东机械有限公司", "Nordic Steel AB", "成都天府物流"][Int.random(in: 0..<3, using: &rng)], address: "addr", contact: "李四", phone: "010-1234")
        c.owner = "Li Wei"; c.office = "华东办事处"
        for i in 1...Int.random(in: 1...3, using: &rng) {
            c.lineItems.append(LineItem(id: "L\(i)", name: "产品\(i)", quantity: Dec(Int.random(in: 1...9, using: &rng)), unit: "台",
                                        unitPrice: Dec(micros: Int128(Int.random(in: 100...9999, using: &rng)) * 1_000_000)))
        }
        c.totalAmount = c.lineItems.map(\.lineAmount).sum()
        c.paymentMilestones = [Milestone(id: "M1", kind: .balance, percent: Dec(100), amount: c.totalAmount, trigger: "验收合格后")]
        c.breachLiability = "第一条 违约方赔偿损失。\n第二条 逾期交货按日万分之五计。\n第三条 争议协商解决。"
        c.deliveryMethod = "送货上门"
        c.deliveryDeadline = date("2027-06-30")
        return ContractState(contract: c, records: [])
    }

    static let texts = ["甲", "乙", "丙", "Alpha", "Beta", "021-5555", "021-6666", "0755-8888"]

    /// Applies a random edit script; returns the new state.
    static func edit(_ s: ContractState, _ rng: inout SeededRNG, side: String) -> ContractState {
        var st = s
        for step in 0..<Int.random(in: 1...5, using: &rng) {
            var c = st.contract
            switch Int.random(in: 0..<9, using: &rng) {
            case 0: c.buyer.phone = texts.randomElement(using: &rng) ?? ""
            case 1: c.buyer.contact = texts.randomElement(using: &rng) ?? ""
            case 2:
                var lines = c.breachLiability.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                let i = Int.random(in: 0..<lines.count, using: &rng)
                lines[i] += "（\(side)修订\(step)）"
                c.breachLiability = lines.joined(separator: "\n")
            case 3:
                let id = "L\(side)\(Int.random(in: 0...3, using: &rng))"
                if !c.lineItems.contains(where: { $0.id == id }) {
                    c.lineItems.append(LineItem(id: id, name: "新增\(side)", quantity: Dec(1), unitPrice: Dec(10)))
                }
            case 4:
                if !c.lineItems.isEmpty { let i = Int.random(in: 0..<c.lineItems.count, using: &rng); c.lineItems[i].quantity = Dec(Int.random(in: 1...20, using: &rng)) }
            case 5:
                if c.lineItems.count > 1 { c.lineItems.remove(at: Int.random(in: 0..<c.lineItems.count, using: &rng)) }
            case 6: c.deliveryDeadline = date(["2027-05-01", "2027-07-15", "2027-08-01"].randomElement(using: &rng) ?? "2027-05-01")
            case 7: c.supervisor = texts.randomElement(using: &rng)
            default:
                let id = "\(side)-\(UInt32.random(in: 0...UInt32.max, using: &rng))"
                st.records.append(Record(id: id, kind: .tracking, author: side, role: .salesRep, replica: side,
                                         createdAt: "2026-11-\(10 + step)T10:00:00Z", filedDate: date("2026-11-22"),
                                         fields: ["customer": .text("客户\(side)")]))
            }
            st.contract = c
        }
        st.contract.totalAmount = st.contract.lineItems.map(\.lineAmount).sum()
        st.contract.paymentMilestones = [Milestone(id: "M1", kind: .balance, percent: Dec(100), amount: st.contract.totalAmount, trigger: "验收合格后")]
        return st
    }
}

@Suite struct MergePropertyTests {
    static let seeds: [UInt64] = Array(1...300)

    func merge(_ b: ContractState, _ o: ContractState, _ t: ContractState) throws -> MergeResult {
        try ContractMerge().merge(base: MergeInput(state: b), ours: MergeInput(state: o), theirs: MergeInput(state: t))
    }

    @Test(arguments: seeds) func mergeIsCommutative(seed: UInt64) throws {
        var rng = SeededRNG(state: seed)
        let base = Gen.contract(&rng, number: "HT-\(seed)")
        let a = Gen.edit(base, &rng, side: "A"), b = Gen.edit(base, &rng, side: "B")
        let ab = try merge(base, a, b), ba = try merge(base, b, a)
        #expect(ab.state.contract.canonicalJSON == ba.state.contract.canonicalJSON, "seed \(seed)")
        #expect(ab.state.records == ba.state.records, "seed \(seed)")
        #expect(Set(ab.conflicts.map(\.json.canonical)) == Set(ba.conflicts.map { $0.json.canonical }), "seed \(seed)")
    }

    @Test(arguments: seeds) func noEditIsLost(seed: UInt64) throws {
        var rng = SeededRNG(state: seed)
        let base = Gen.contract(&rng, number: "HT-\(seed)")
        let a = Gen.edit(base, &rng, side: "A"), b = Gen.edit(base, &rng, side: "B")
        let r = try merge(base, a, b)
        let fb = FieldPath.flatten(base.contract.json), fr = FieldPath.flatten(r.state.contract.json)
        for (side, st) in [("A", a), ("B", b)] {
            for (path, v) in FieldPath.flatten(st.contract.json) where fb[path] != v {
                if path.hasSuffix("lineAmount") || path == "totalAmount" || path.hasPrefix("paymentMilestones") { continue } // derived here
                let inResult = fr[path] == v
                let inConflict = r.conflicts.contains { c in
                    (path == c.path || path.hasPrefix(c.path + ".") || path.hasPrefix(c.path + "["))
                        && c.candidates.contains { (cand: ConflictCandidate) -> Bool in
                            guard let sideValue = cand.value else { return false }
                            let inner: [String: JSON] = FieldPath.flatten(.object(["x": sideValue]))
                            return inner["x" + path.dropFirst(c.path.count)] == v
                        }
                }
                // A text clause merged line by line keeps each side's lines, not its whole value.
                let mergedText = path == "breachLiability" && v.string.map { text in
                    text.split(separator: "\n").allSatisfy { line in fr[path]?.string?.contains(line) ?? false }
                } == true
                #expect(inResult || inConflict || mergedText, "seed \(seed): side \(side)'s \(path) = \(FieldDiff.show(v)) was lost")
            }
            for rec in st.records { #expect(r.state.records.contains(rec), "seed \(seed): record \(rec.id) lost") }
        }
        // A deletion on one side is only lost to a conflict if the other side edited the item.
        for item in base.contract.lineItems where !a.contract.lineItems.contains(where: { $0.id == item.id }) {
            let editedByB = b.contract.lineItems.first { $0.id == item.id }.map { $0 != item } ?? false
            let present = r.state.contract.lineItems.contains { $0.id == item.id }
            #expect(!present || editedByB, "seed \(seed): deletion of \(item.id) ignored")
        }
    }

    @Test(arguments: seeds.prefix(100)) func mergingWithItselfOrTheBaseChangesNothing(seed: UInt64) throws {
        var rng = SeededRNG(state: seed)
        let base = Gen.contract(&rng, number: "HT-\(seed)")
        let a = Gen.edit(base, &rng, side: "A")
        for r in [try merge(base, a, base), try merge(base, base, a), try merge(a, a, a)] {
            #expect(r.state.contract.canonicalJSON == a.contract.canonicalJSON)
            #expect(r.conflicts.isEmpty)
        }
    }

    @Test func sameRecordIdWithDifferentContentIsAnIntegrityError() throws {
        var rng = SeededRNG(state: 7)
        let base = Gen.contract(&rng, number: "HT-7")
        let rec = Record(id: "r1", kind: .tracking, author: "x", role: .salesRep, replica: "a", createdAt: "2026-11-22T00:00:00Z",
                         filedDate: Gen.date("2026-11-22"), fields: ["customer": .text("A")])
        var other = rec; other.fields["customer"] = .text("B")
        var a = base, b = base
        a.records = [rec]; b.records = [other]
        #expect(throws: MergeError.recordIntegrity("r1")) { try merge(base, a, b) }
    }

    @Test func divergentStatusIsAConflictAndExtensionIsNot() throws {
        var rng = SeededRNG(state: 9)
        var base = Gen.contract(&rng, number: "HT-9")
        base.contract.status = .secondReview
        var approved = base; approved.contract.status = .finalReview
        var rejected = base; rejected.contract.status = .draft
        let r = try ContractMerge().merge(base: MergeInput(state: base), ours: MergeInput(state: approved, statusPath: [.finalReview]),
                                         theirs: MergeInput(state: rejected, statusPath: [.draft]))
        #expect(r.conflicts.contains { $0.path == "status" })
        #expect(r.state.contract.status == .secondReview)
        var further = base; further.contract.status = .approved
        let r2 = try ContractMerge().merge(base: MergeInput(state: base), ours: MergeInput(state: approved, statusPath: [.finalReview]),
                                          theirs: MergeInput(state: further, statusPath: [.finalReview, .approved]))
        #expect(r2.state.contract.status == .approved)
        #expect(!r2.conflicts.contains { $0.path == "status" })
    }

    /// A generated contract with every term review needs, so that review statuses are valid.
    static func reviewable(_ s: ContractState) throws -> ContractState {
        var j = s.contract.json.object ?? [:]
        j["customerCredit"] = .string("合作三年，信用良好")
        j["risk"] = .object(["kind": .string("business"), "severity": .string("low"), "likelihood": .string("low"), "points": .string("交期紧")])
        j["qualityStandard"] = .string("GB/T 19001")
        j["paymentMethod"] = .string("电汇")
        j["disputeResolution"] = .object(["method": .string("arbitration"), "venue": .string("上海国际仲裁中心")])
        j["expiryDate"] = .string("2027-12-31")
        var out = s
        out.contract = try Contract(json: Contract.droppingDerived(.object(j)))
        return out
    }

    /// Both replicas submitted a draft; one reviewer rejected it (back to draft, the base's status),
    /// the other approved it: approve against reject is a status conflict (domain.md §5), not a
    /// quiet approval because one side's status happens to equal the base's again.
    @Test func rejectBackToTheBaseStatusAgainstApproveIsAConflict() throws {
        var rng = SeededRNG(state: 10)
        let base = try Self.reviewable(Gen.contract(&rng, number: "HT-10")) // draft
        var rejected = base; rejected.contract.status = .draft
        var approved = base; approved.contract.status = .secondReview
        let o = MergeInput(state: rejected, statusPath: [.initialReview, .draft])
        let t = MergeInput(state: approved, statusPath: [.initialReview, .secondReview])
        let ab = try ContractMerge().merge(base: MergeInput(state: base), ours: o, theirs: t)
        let ba = try ContractMerge().merge(base: MergeInput(state: base), ours: t, theirs: o)
        for r in [ab, ba] {
            #expect(r.conflicts.map(\.path) == ["status"], "\(r.conflicts.map(\.path))")
            #expect(r.state.contract.status == .draft, "a conflicted status keeps the base's")
        }
        #expect(Set(ab.conflicts.map(\.json.canonical)) == Set(ba.conflicts.map { $0.json.canonical }))
    }

    /// A status move on one side only merges cleanly, whether or not the other side's path is
    /// given (the driver gives the statuses of every commit since the base, unchanged ones too).
    @Test func aOneSidedStatusMoveMergesCleanly() throws {
        var rng = SeededRNG(state: 11)
        let base = try Self.reviewable(Gen.contract(&rng, number: "HT-11"))
        var edited = base; edited.contract.buyer.phone = "021-9999"
        var submitted = base; submitted.contract.status = .initialReview
        var backToDraft = base; backToDraft.contract.status = .draft
        let cases: [(MergeInput, MergeInput, Status)] = [
            (MergeInput(state: edited, statusPath: [.draft]), MergeInput(state: submitted, statusPath: [.initialReview]), .initialReview),
            (MergeInput(state: edited), MergeInput(state: submitted), .initialReview),
            // Submitted and rejected on one side only: back in draft, nothing to decide.
            (MergeInput(state: edited, statusPath: [.draft]), MergeInput(state: backToDraft, statusPath: [.initialReview, .draft]), .draft),
        ]
        for (o, t, expected) in cases {
            for r in [try ContractMerge().merge(base: MergeInput(state: base), ours: o, theirs: t),
                      try ContractMerge().merge(base: MergeInput(state: base), ours: t, theirs: o)] {
                #expect(r.conflicts.isEmpty, "\(r.conflicts.map(\.path))")
                #expect(r.state.contract.status == expected)
                #expect(r.state.contract.buyer.phone == "021-9999")
            }
        }
    }

    @Test func textClausesMergeByLine() {
        let base = "一\n二\n三"
        #expect(TextMerge.merge(base: base, ours: "一改\n二\n三", theirs: "一\n二\n三改") == "一改\n二\n三改")
        #expect(TextMerge.merge(base: base, ours: "一甲\n二\n三", theirs: "一乙\n二\n三") == nil)
        #expect(TextMerge.merge(base: base, ours: "零\n一\n二\n三", theirs: "一\n二\n三\n四") == "零\n一\n二\n三\n四")
    }
}
