import Foundation
import Testing

extension HeadOffice {
@Suite struct TodoCLITests {
    let asOf = "2026-12-01"

    /// `accord todo --json` as (kind number) strings, in order.
    func todo(_ r: ContractRepo, _ role: String, name: String, office: String, email: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) -> [String] {
        let res = r.run(role, ["todo", "--as-of", asOf, "--json"], name: name, office: office,
                        env: email.map { ["ACCORD_AUTHOR_EMAIL": $0] } ?? [:])
        #expect(res.status == 0, "todo as \(role): \(res.err)", sourceLocation: sourceLocation)
        let items = (parseJSON(res) as? [String: Any])?["items"] as? [[String: Any]] ?? []
        return items.map { "\($0["kind"] ?? "?") \($0["number"] ?? "?")" + (($0["record"] as? String).map { " " + $0.prefix(8) } ?? "") }
    }

    /// Each role's queue on the fixtures, exactly.
    @Test func eachRolesQueueOnTheFixtures() {
        let r = ImportedFixtures.repo
        // Reviews at the stage the role approves; an office role sees its own office only
        // (HT-2026-003, in initial review too, is 华南办事处's).
        #expect(todo(r, "salesHead", name: "李娜", office: "华东办事处") == ["review HT-2026-019"])
        #expect(todo(r, "salesHead", name: "黄敏", office: "华南办事处") == ["review HT-2026-003"])
        #expect(todo(r, "legal", name: "陈静", office: "") == ["review HT-2026-004"])
        #expect(todo(r, "finance", name: "刘洋", office: "") == ["review HT-2026-004"])
        // Management: the final review, and the approved contract to sign; the risky shipment
        // of HT-2026-013 is decided already, and every deviation has a leader decision.
        #expect(todo(r, "management", name: "赵强", office: "") == ["review HT-2026-005", "sign HT-2026-006"])
        #expect(todo(r, "contractAdmin", name: "孙丽", office: "") == ["sign HT-2026-006"])
        // An owner: a signed contract to start, its expiry in 30 days, overdue milestones, late lines.
        #expect(todo(r, "salesRep", name: "罗杰", office: "西南办事处") == [
            "start PO-2026-022", "expiring PO-2026-022", "overdueMilestone PO-2026-022 M1", "overdueMilestone PO-2026-022 M2",
            "lateLine PO-2026-022 L1", "lateLine PO-2026-022 L2",
        ])
        // Zhang Wei owns the North Office contracts: HT-2026-011's deviation was decided by the
        // sales head and waits for its execution result; HT-2026-008 was signed but not started.
        let zw = todo(r, "salesRep", name: "Zhang Wei", office: "North Office")
        #expect(zw.filter { !$0.hasPrefix("overdueMilestone") && !$0.hasPrefix("lateLine") } == [
            "executionResult HT-2026-011 073f8300", "start HT-2026-008",
        ])
        #expect(zw.filter { $0.hasPrefix("overdueMilestone") } == ["overdueMilestone HT-2026-008 Q1", "overdueMilestone HT-2026-011 M1", "overdueMilestone HT-2026-011 M2"])
        #expect(zw.filter { $0.hasPrefix("lateLine") } == ["lateLine HT-2026-011 L2"])
        // Someone who owns nothing and approves nothing has nothing to do.
        #expect(todo(r, "supervision", name: "王芳", office: "") == [])
    }

    /// Requests and reports appear for the roles that decide them, and leave the queue once decided;
    /// a reviewer is not asked to approve a contract they submitted themselves.
    @Test func requestsDecisionsAndOwnSubmissions() {
        let r = ContractRepo()
        r.ok("salesRep", salesContractArgs("Q-1") + ["owner=张伟", "office=华东办事处"])
        r.ok("salesRep", salesContractArgs("Q-2") + ["owner=张伟", "office=华东办事处"])
        // 李娜 submits Q-1 herself (acting as a sales rep); 张伟 submits Q-2.
        r.run("salesRep", ["submit", "Q-1"], name: "李娜", env: ["ACCORD_AUTHOR_EMAIL": "li.na@example.cn"])
        r.ok("salesRep", "submit", "Q-2")
        #expect(todo(r, "salesHead", name: "李娜", office: "华东办事处", email: "li.na@example.cn") == ["review Q-2"])
        #expect(todo(r, "salesHead", name: "黄敏", office: "华东办事处", email: "huang.min@example.cn") == ["review Q-1", "review Q-2"])

        // A deviation report waits for leadership; once decided, for the owner's execution result.
        // (Deviations are reported on signed and executing contracts: HT-2026-009 of the
        // fixtures, executing, owned by 张伟 of 华东办事处.)
        for f in ContractRepo.fixtureFiles.sorted(by: { $0.hasSuffix("closed.json") && !$1.hasSuffix("closed.json") }) { r.ok("contractAdmin", "import", f) }
        let n = "HT-2026-009"
        let before = r.recordIDs(n)
        r.ok("salesRep", "record", n, "deviationReport", "summary=延期", "proposedHandling=加急")
        let dev = r.newRecordID(n, kind: "deviationReport", notIn: before)
        #expect(todo(r, "management", name: "赵强", office: "").contains("leaderDecision \(n) \(dev.prefix(8))"))
        #expect(todo(r, "salesHead", name: "黄敏", office: "华东办事处", email: "h@example.cn").contains("leaderDecision \(n) \(dev.prefix(8))"))
        #expect(!todo(r, "legal", name: "陈静", office: "").contains { $0.hasPrefix("leaderDecision") })
        r.ok("management", "record", n, "leaderDecision", "report=\(dev)", "by=赵强", "date=2026-01-05", "text=同意")
        #expect(!todo(r, "management", name: "赵强", office: "").contains("leaderDecision \(n) \(dev.prefix(8))"))
        #expect(todo(r, "salesRep", name: "张伟", office: "华东办事处").contains("executionResult \(n) \(dev.prefix(8))"))

        // A risky-shipment request without a decision waits for management.
        r.ok("salesRep", "record", n, "riskyShipmentRequest", "items=数控车床", "reason=预付款未到", "requester=张伟", "value=30000.00")
        #expect(todo(r, "management", name: "赵强", office: "").contains { $0.hasPrefix("riskyShipment \(n)") })
        #expect(!todo(r, "finance", name: "刘洋", office: "").contains { $0.hasPrefix("riskyShipment") })
    }

    /// On a copy of the fixtures: a change and a termination request on an executing contract
    /// wait for the change approvers until a review decides them; an expired contract with a
    /// renewal still in draft stays on the expiring list, the renewal shown.
    @Test func changeAndTerminationRequestsAndRenewals() {
        let r = ContractRepo()
        for f in ContractRepo.fixtureFiles.sorted(by: { $0.hasSuffix("closed.json") && !$1.hasSuffix("closed.json") }) { r.ok("contractAdmin", "import", f) }
        let n = "HT-2026-009"
        let before = r.recordIDs(n)
        r.ok("salesRep", "record", n, "changeRequest", "reason=买方要求", "content=延期交货")
        let change = r.newRecordID(n, kind: "changeRequest", notIn: before)
        r.ok("salesRep", "record", n, "terminationRequest", "reason=买方破产", "writtenConsent=true")
        let term = r.newRecordID(n, kind: "terminationRequest", notIn: before)
        let mgmt = todo(r, "management", name: "赵强", office: "")
        #expect(mgmt.contains("changeRequest \(n) \(change.prefix(8))") && mgmt.contains("terminationRequest \(n) \(term.prefix(8))"), "\(mgmt)")
        #expect(todo(r, "salesHead", name: "李娜", office: "华东办事处").contains("changeRequest \(n) \(change.prefix(8))"))
        #expect(!todo(r, "salesHead", name: "黄敏", office: "华南办事处").contains { $0.hasPrefix("changeRequest") }, "another office's")
        #expect(!todo(r, "legal", name: "陈静", office: "").contains { $0.hasPrefix("changeRequest") })
        r.ok("management", "approve", n, "--change", change, "-m", "同意")
        r.ok("management", "approve", n, "--termination", term, "-m", "同意")
        #expect(!todo(r, "management", name: "赵强", office: "").contains { $0.hasPrefix("changeRequest") || $0.hasPrefix("terminationRequest") })

        r.ok("salesRep", "new", "R-1", "--type", "sales", "signKind=renewal", "renews=PO-2026-022", "owner=罗杰", "office=西南办事处")
        let rows = ReportJSON(r, ["expiring", "--as-of", "2027-01-15"]).rows()
        #expect(rows.map { $0["number"] as? String } == ["PO-2026-022"], "a renewal in draft does not renew it yet")
        #expect(rows.first?["renewal"] as? String == "R-1 draft")
    }

    /// The reminder digest groups what is due by owner.
    @Test func remindDigestPerOwner() {
        let r = ImportedFixtures.repo
        let res = r.run("contractAdmin", ["remind", "--as-of", asOf, "--json"])
        #expect(res.status == 0, "\(res.err)")
        let owners = (parseJSON(res) as? [String: Any])?["owners"] as? [[String: Any]] ?? []
        let byOwner = Dictionary(owners.map { ($0["owner"] as? String ?? "", ($0["items"] as? [[String: Any]] ?? []).map { "\($0["kind"] ?? "") \($0["number"] ?? "")" }) }) { a, _ in a }
        // Owners with a signed or executing contract; the others (Li Wei's draft) get no digest.
        #expect(Set(byOwner.keys) == Set(FixtureFigures.owing.map(\.owner)))
        #expect(byOwner["罗杰"]?.count == 6)
        #expect(byOwner["罗杰"]?.contains("expiring PO-2026-022") == true)
        // Every overdue milestone of the overdue report appears in its owner's digest.
        let overdue = ReportJSON(r, ["overdue", "--as-of", asOf]).rows("milestones")
        for m in overdue {
            #expect(byOwner[m["owner"] as? String ?? ""]?.contains("overdueMilestone \(m["number"] ?? "")") == true)
        }
        let text = r.ok("contractAdmin", "remind", "--as-of", asOf, "--owner", "罗杰")
        #expect(text.hasPrefix("罗杰 — 6 items as of 2026-12-01"))
        #expect(text.contains("expires 2026-12-31 (in 30 days)"))
    }
}
}
