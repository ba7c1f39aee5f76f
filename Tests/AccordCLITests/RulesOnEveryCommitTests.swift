import Foundation
import Testing

/// Issue 11, "Rules that hold on every commit": one test per hole, through the binary. Each
/// was accepted with exit 0 before the rules (checked against the binary built from the commit
/// before them: ACCORD_BIN=<old accord> swift test --skip-build --filter RulesOnEveryCommitTests).
@Suite struct RulesOnEveryCommitTests {
    static let drafts = ContractRepo.fixtureFiles[0], signed = ContractRepo.fixtureFiles[1], closed = ContractRepo.fixtureFiles[2]

    /// Runs `args` as `role` (with `env`), expects a refusal naming `mentions`, and nothing written.
    static func refused(_ r: ContractRepo, _ role: String, _ args: [String], env: [String: String] = [:], mentions: [String],
                        sourceLocation: SourceLocation = #_sourceLocation) {
        let refs = r.refs(), objects = r.objectCount()
        let res = r.run(role, args, env: env)
        expectRefused(res, args.joined(separator: " "), mentions: mentions, sourceLocation: sourceLocation)
        #expect(res.stdout.isEmpty, "stdout: \(res.out)", sourceLocation: sourceLocation)
        #expect(r.refs() == refs && r.objectCount() == objects, "\(args) wrote something", sourceLocation: sourceLocation)
    }

    static func status(_ r: ContractRepo, _ n: String) -> String? { r.contract(n)["status"] as? String }

    static func import_(_ files: String...) -> ContractRepo {
        let r = ContractRepo()
        for f in files { r.ok("contractAdmin", "import", f) }
        return r
    }

    // MARK: hole 1

    /// Past submission the terms are frozen; withdraw (or a reject) returns the contract to draft,
    /// and the next submit starts a new round whose approvals start from none.
    @Test func hole1_termsAreFrozenFromSubmission() {
        let r = Self.import_(Self.closed, Self.drafts)
        Self.refused(r, "salesRep", ["set", "HT-2026-005", "paymentMethod=货到付款 90 天", "breachLiability=无"],
                     mentions: ["breachLiability", "frozen since the contract was submitted", "finalReview", "withdraw", "invariant 9"])
        Self.refused(r, "salesRep", ["set", "HT-2026-006", "deliveryDeadline=2026-12-01"], mentions: ["deliveryDeadline", "approved", "invariant 9"])
        Self.refused(r, "salesRep", ["item", "set", "HT-2026-004", "L1", "unitPrice=1.00"], mentions: ["lineItems[L1].unitPrice", "frozen", "invariant 9"])
        // Editable fields stay editable.
        r.ok("salesRep", "set", "HT-2026-006", "supervisor=王芳")

        // Only the owner's side withdraws.
        Self.refused(r, "legal", ["withdraw", "HT-2026-006"], mentions: ["role legal", "withdraw", "invariant 8"])
        r.ok("salesRep", "withdraw", "HT-2026-006", "-m", "客户要求改交货期")
        #expect(Self.status(r, "HT-2026-006") == "draft")
        r.ok("salesRep", "set", "HT-2026-006", "deliveryDeadline=2026-12-01")
        r.ok("salesRep", "submit", "HT-2026-006")
        // A new round: its first stage again, not where the old approvals had got to.
        #expect(Self.status(r, "HT-2026-006") == "initialReview")
        Self.refused(r, "management", ["approve", "HT-2026-006", "-m", "同意"], mentions: ["role management", "initialReview"])
        let log = r.logJSON(["HT-2026-006", "-n", "3"]).compactMap { ($0["trailers"] as? [String: String])?["Accord-Action"] }
        #expect(log == ["submit", "withdraw"], "newest first: the new round's submit, the edit (no action), the withdrawal: \(log)")
    }

    // MARK: hole 2

    /// The submitter approves no stage of the round; one person approves one stage; legal passes
    /// secondReview (finance reviews alongside); a leader decision is not its report's author's.
    @Test func hole2_separationOfDuties() {
        let r = ContractRepo()
        let n = "HT-SOD"
        r.ok("salesRep", salesContractArgs(n))
        r.ok("salesRep", "submit", n)
        // The submitter (salesRep@example.cn), now acting as sales head.
        Self.refused(r, "salesHead", ["approve", n, "-m", "同意"], env: ["ACCORD_AUTHOR_EMAIL": "salesRep@example.cn"],
                     mentions: ["salesRep@example.cn", "submitted this review round", "separation of duties"])
        r.ok("salesHead", "approve", n, "-m", "同意")
        // The sales head again, as legal.
        Self.refused(r, "legal", ["approve", n, "-m", "同意"], env: ["ACCORD_AUTHOR_EMAIL": "salesHead@example.cn"],
                     mentions: ["already approved a stage of this review round", "separation of duties"])
        // Finance alone does not pass secondReview.
        r.ok("finance", "approve", n, "-m", "财务无异议")
        #expect(Self.status(r, n) == "secondReview")
        r.ok("legal", "approve", n, "-m", "法律条款合规")
        #expect(Self.status(r, n) == "finalReview")
        // Finance, who reviewed alongside, does not approve the final stage as management either.
        Self.refused(r, "management", ["approve", n, "-m", "同意"], env: ["ACCORD_AUTHOR_EMAIL": "finance@example.cn"],
                     mentions: ["already approved", "separation of duties"])
        r.ok("management", "approve", n, "-m", "同意签署")
        #expect(Self.status(r, n) == "approved")

        // A leader decision by the report's own author.
        let e = Self.import_(Self.signed)
        let before = e.recordIDs("HT-2026-009")
        e.ok("management", "record", "HT-2026-009", "deviationReport", "summary=交货延误", "proposedHandling=顺延")
        let report = e.newRecordID("HT-2026-009", kind: "deviationReport", notIn: before)
        Self.refused(e, "management", ["record", "HT-2026-009", "leaderDecision", "report=\(report)", "by=赵强", "date=2026-04-01", "text=同意"],
                     mentions: ["leader decision is not made by the report's author", "separation of duties"])
        e.ok("salesHead", "record", "HT-2026-009", "leaderDecision", "report=\(report)", "by=李娜", "date=2026-04-01", "text=同意")
    }

    // MARK: hole 3

    @Test func hole3_attachmentsAreAddOnlyInEveryAttribute() {
        let r = Self.import_(Self.signed)
        Self.refused(r, "contractAdmin", ["set", "HT-2026-007", "attachments[0].kind=copy"], mentions: ["attachments[0].kind", "add-only", "invariant 9"])
        Self.refused(r, "contractAdmin", ["set", "HT-2026-007", "attachments[0].name=other.pdf"], mentions: ["attachments[0]", "add-only", "invariant 9"])
        // Adding stays possible.
        r.ok("contractAdmin", "attach", "HT-2026-007", r.s.dir.write("copy.pdf", "%PDF copy"), "--kind", "copy")
        let out = r.s.root + "/export.json"
        r.ok("contractAdmin", "export", "HT-2026-007", "-o", out)
        let other = ContractRepo()
        other.ok("contractAdmin", "import", out)
    }

    // MARK: hole 4

    @Test func hole4_closedStatesStayClosed() {
        let r = Self.import_(Self.closed)
        Self.refused(r, "contractAdmin", ["set", "HT-2025-016", "archive="], mentions: ["archive", "immutable once the contract is archived", "invariant 11"])
        Self.refused(r, "contractAdmin", ["set", "HT-2025-016", "archive.paperLocation=别处"], mentions: ["archive", "immutable"])
        // A completed contract keeps completion's conditions: receipts equal to the total...
        let receipt = r.records("HT-2025-014").first { $0["kind"] as? String == "paymentReceipt" }?["id"] as? String ?? "?"
        Self.refused(r, "finance", ["record", "HT-2025-014", "paymentReceipt", "date=2025-09-01", "amount=0.00", "--supersedes", receipt],
                     mentions: ["invariant 10"])
        // ...and no open deviation report; an archived one takes none either.
        Self.refused(r, "salesRep", ["record", "HT-2025-014", "deviationReport", "summary=迟到的偏差", "proposedHandling=无"], mentions: ["deviationReport"])
        Self.refused(r, "salesRep", ["record", "HT-2025-016", "deviationReport", "summary=迟到的偏差", "proposedHandling=无"], mentions: ["deviationReport", "archived"])
        // A terminated contract keeps termination's condition (an approved request with written
        // consent): its request cannot be corrected into one without consent (no termination
        // request is taken once terminated); its terms stay frozen.
        let request = r.records("HT-2026-018").first { $0["kind"] as? String == "terminationRequest" }?["id"] as? String ?? "?"
        Self.refused(r, "salesRep", ["record", "HT-2026-018", "terminationRequest", "reason=买方项目取消", "writtenConsent=false", "--supersedes", request],
                     mentions: ["terminationRequest record can be added only when the contract is signed, executing", "terminated"])
        Self.refused(r, "salesRep", ["set", "HT-2026-018", "paymentMethod=货到付款"], mentions: ["paymentMethod", "invariant 9"])
    }

    // MARK: hole 5

    @Test func hole5_changeAgreementsAreTight() throws {
        let r = Self.import_(Self.signed)
        let n = "HT-2026-009"
        var before = r.recordIDs(n)
        r.ok("salesRep", "record", n, "changeRequest", "reason=产能不足", "content=交货期顺延")
        let request = r.newRecordID(n, kind: "changeRequest", notIn: before)
        // Not before the request is approved.
        Self.refused(r, "contractAdmin", ["record", n, "changeAgreement", "request=\(request)", "fields=deliveryDeadline", "signedDate=2026-04-01", "approvedBy=赵强"],
                     mentions: ["has not been approved", "invariant 9"])
        // Conflicting options.
        let both = r.run("management", ["approve", n, "--change", request, "--termination", request, "-m", "同意"])
        #expect(both.status == 64 && both.err.contains("--change and --termination"), "\(both.status) \(both.err)")
        r.ok("management", "approve", n, "--change", request, "-m", "同意")
        // Decided once: neither a second approval nor a rejection.
        Self.refused(r, "salesHead", ["approve", n, "--change", request, "-m", "同意"], mentions: ["already decided", "decided once"])
        Self.refused(r, "management", ["reject", n, "--change", request, "-m", "不同意"], mentions: ["already decided", "decided once"])
        // A pending request can be rejected; a rejected one is decided too, and allows no agreement.
        before = r.recordIDs(n)
        r.ok("salesRep", "record", n, "changeRequest", "reason=规格调整", "content=更换型号")
        let second = r.newRecordID(n, kind: "changeRequest", notIn: before)
        r.ok("management", "reject", n, "--change", second, "-m", "不同意")
        let verdict = r.records(n).last { $0["kind"] as? String == "review" && $0["subject"] as? String == second }
        #expect(verdict?["decision"] as? String == "reject", "\(String(describing: verdict))")
        Self.refused(r, "management", ["approve", n, "--change", second, "-m", "同意"], mentions: ["already decided"])
        Self.refused(r, "contractAdmin", ["record", n, "changeAgreement", "request=\(second)", "fields=deliveryDeadline", "signedDate=2026-04-01", "approvedBy=赵强"],
                     mentions: ["has not been approved", "invariant 9"])
        // Real field paths, in either list syntax.
        Self.refused(r, "contractAdmin", ["record", n, "changeAgreement", "request=\(request)", "fields=nosuchfield", "signedDate=2026-04-01", "approvedBy=赵强"],
                     mentions: ["nosuchfield", "not a term", "invariant 9"])
        Self.refused(r, "contractAdmin", ["record", n, "changeAgreement", "request=\(request)", "fields=owner", "signedDate=2026-04-01", "approvedBy=赵强"],
                     mentions: ["owner", "not a term"])
        before = r.recordIDs(n)
        r.ok("contractAdmin", "record", n, "changeAgreement", "request=\(request)", #"fields=["deliveryDeadline","lineItems[L1].quantity"]"#,
             "signedDate=2026-04-01", "approvedBy=赵强")
        let agreement = r.newRecordID(n, kind: "changeAgreement", notIn: before)
        let stored = r.records(n).first { $0["id"] as? String == agreement }
        #expect(stored?["fields"] as? [String] == ["deliveryDeadline", "lineItems[L1].quantity"])

        // A termination request can be rejected, and a rejected one does not allow termination.
        before = r.recordIDs(n)
        r.ok("salesRep", "record", n, "terminationRequest", "reason=买方要求", "writtenConsent=true")
        let termination = r.newRecordID(n, kind: "terminationRequest", notIn: before)
        r.ok("management", "reject", n, "--termination", termination, "-m", "不同意解除")
        let review = try #require(r.records(n).last { $0["kind"] as? String == "review" && $0["subject"] as? String == termination })
        #expect(review["decision"] as? String == "reject" && review["stage"] as? String == "termination")
        #expect(Self.status(r, n) == "executing")
        Self.refused(r, "management", ["approve", n, "--termination", termination, "-m", "同意"], mentions: ["already decided"])
        Self.refused(r, "contractAdmin", ["terminate", n], mentions: ["termination", "invariant 11"])
    }

    // MARK: hole 6

    @Test func hole6_recordsInTheirPlace() {
        let r = Self.import_(Self.closed, Self.drafts, Self.signed)
        r.ok("salesRep", salesContractArgs("HT-D"))
        // Deliveries and acceptance only from signing on; receipts likewise.
        Self.refused(r, "salesRep", ["record", "HT-D", "delivery", "lineItem=L1", "date=2026-04-01", "quantity=1"], mentions: ["delivery", "draft", "when recorded"])
        Self.refused(r, "salesRep", ["record", "HT-D", "acceptance", "date=2026-04-01", "result=passed"], mentions: ["acceptance", "draft"])
        Self.refused(r, "finance", ["record", "HT-2026-006", "paymentReceipt", "date=2026-04-01", "amount=100.00"], mentions: ["paymentReceipt", "approved", "when recorded"])
        // Receipts are finance's.
        Self.refused(r, "salesRep", ["record", "HT-2026-009", "paymentReceipt", "date=2026-04-01", "amount=100.00"], mentions: ["recorded by finance", "not salesRep"])
        // One correction per record.
        let receipt = r.records("HT-2026-009").first { $0["kind"] as? String == "paymentReceipt" }?["id"] as? String ?? "?"
        r.ok("finance", "record", "HT-2026-009", "paymentReceipt", "date=2026-04-01", "amount=100.00", "--supersedes", receipt)
        Self.refused(r, "finance", ["record", "HT-2026-009", "paymentReceipt", "date=2026-04-01", "amount=200.00", "--supersedes", receipt],
                     mentions: ["already corrected", "invariant 13"])
        // A risky shipment is decided by management in a decision of its own, once.
        let n = "HT-2026-013"
        let request = r.records(n).first { $0["kind"] as? String == "riskyShipmentRequest" }?["id"] as? String ?? "?"
        Self.refused(r, "salesRep", ["record", n, "riskyShipmentRequest", "items=叉车", "reason=赶工期", "requester=张伟", "decision=批准", "--supersedes", request],
                     mentions: ["decision", "riskyShipmentDecision"])
        Self.refused(r, "salesRep", ["record", n, "riskyShipmentDecision", "request=\(request)", "decision=approve", "opinion=我批准"], mentions: ["management", "not salesRep"])
        r.ok("management", "record", n, "riskyShipmentDecision", "request=\(request)", "decision=approve", "opinion=同意先发 3 台")
        Self.refused(r, "management", ["record", n, "riskyShipmentDecision", "request=\(request)", "decision=reject", "opinion=改主意"], mentions: ["already decided"])

        // Sign dates are not in the future; a contract starts on or after its effective date.
        r.ok("contractAdmin", "set", "HT-D", #"signatory={"name":"王建国","capacity":"legalRepresentative"}"#, "expiryDate=2099-12-31")
        r.ok("salesRep", "submit", "HT-D")
        r.ok("salesHead", "approve", "HT-D", "-m", "同意")
        r.ok("legal", "approve", "HT-D", "-m", "同意")
        r.ok("management", "approve", "HT-D", "-m", "同意")
        r.ok("contractAdmin", "attach", "HT-D", r.s.dir.write("s.pdf", "%PDF signed"), "--kind", "original")
        Self.refused(r, "management", ["sign", "HT-D", "--date", utcDay(offset: 2)], mentions: ["signDate", "in the future", "invariant 7"])
        r.ok("management", "sign", "HT-D", "--date", "2026-03-01", "--effective", utcDay(offset: 3))
        Self.refused(r, "contractAdmin", ["start", "HT-D"], mentions: ["effectiveDate", "before it takes effect", "invariant 7"])
        // The daily job starts the signed contracts that are due (HT-2026-007, -008 and PO-2026-022), not HT-D.
        let due = r.ok("contractAdmin", "start", "--due")
        #expect(due.split(separator: "\n").count == 3 && due.contains("HT-2026-007") && due.contains("PO-2026-022") && !due.contains("HT-D"), "\(due)")
        #expect(Self.status(r, "HT-2026-007") == "executing" && Self.status(r, "HT-D") == "signed")
        #expect(r.ok("contractAdmin", "start", "--due").isEmpty, "quiet when nothing is due")
    }

    // MARK: hole 7

    /// A merge commit whose content is not the merge of its parents is refused by the hub,
    /// naming the path; merging another contract's history is refused.
    @Test func hole7_mergeCommitsAreRecomputed() {
        let t = TwoReplicas(["C-1", "C-2"])
        t.ok(t.r1, "set", "C-1", "buyer.phone=021-1111")
        t.ok(t.r1, "push", "-q")
        t.ok(t.r2, "set", "C-1", "seller.phone=021-2222")
        t.ok(t.r2, "pull", "-q")
        let gitDir = "\(t.r2)/.accord"
        func git(_ args: String..., input: String = "") -> String {
            let r = t.s.git(["--git-dir=\(gitDir)"] + args, cwd: nil, input: Array(input.utf8))
            #expect(r.status == 0, "git \(args.joined(separator: " ")): \(r.err)")
            return r.trimmed
        }
        let merge = git("rev-parse", "refs/contracts/C-1")
        let parents = git("rev-list", "--parents", "-n", "1", merge).split(separator: " ").dropFirst().map(String.init)
        #expect(parents.count == 2)
        // The same parents, the merged contract plus an edit no rule checked.
        let json = git("cat-file", "blob", "\(merge):contract.json")
        #expect(json.contains("数控车床"))
        let blob = git("hash-object", "-w", "--stdin", input: json.replacingOccurrences(of: "\"subject\":\"数控车床\"", with: "\"subject\":\"别的标的\"")
            .replacingOccurrences(of: "\"subject\": \"数控车床\"", with: "\"subject\": \"别的标的\"") + "\n")
        let tree = git("mktree", input: git("ls-tree", merge).split(separator: "\n").map { line in
            line.hasSuffix("\tcontract.json") ? "100644 blob \(blob)\tcontract.json" : String(line)
        }.joined(separator: "\n") + "\n")
        let forged = git("commit-tree", tree, "-p", parents[0], "-p", parents[1], "-m", "Merge")
        _ = git("update-ref", "refs/contracts/C-1", forged, merge)
        let hubBefore = t.hubHead("C-1")
        let push = t.run(t.r2, ["push"])
        #expect(push.status != 0, "\(push.out)\(push.err)")
        let said = push.out + push.err
        #expect(said.contains("refused by the remote") && said.contains("not the merge of its parents") && said.contains("at subject"), "\(said)")
        #expect(t.hubHead("C-1") == hubBefore)
        // The honest merge goes through.
        _ = git("update-ref", "refs/contracts/C-1", merge, forged)
        t.ok(t.r2, "push", "-q")

        let other = t.run(t.r1, ["merge", "C-1", "refs/contracts/C-2"])
        #expect(other.status == 128 && other.err.contains("version of contract C-2, not of C-1"), "\(other.status) \(other.err)")
    }

    // MARK: hole 8

    @Test func hole8_errorsThatHelp() throws {
        let r = Self.import_(Self.signed)
        r.ok("salesRep", "new", "HT-NEW", "--type", "sales", "subject=数控车床")
        let check = r.run("salesRep", ["check", "HT-NEW"])
        #expect(check.status == 1)
        let missing = ["seller.name", "buyer.name", "customerCredit", "risk", "lineItems", "qualityStandard", "seller.address", "buyer.phone",
                       "paymentMethod", "paymentMilestones", "deliveryMethod", "deliveryDeadline", "breachLiability", "disputeResolution", "expiryDate"]
        for m in missing { #expect(check.out.contains("\(m): is required before review"), "\(m) not in: \(check.out)") }
        #expect(r.run("salesRep", ["check", "HT-2026-007"]).status == 0 && r.run("salesRep", ["check", "HT-2026-007"]).out.isEmpty)
        let submit = r.run("salesRep", ["submit", "HT-NEW"])
        #expect(submit.status == 128)
        for m in missing { #expect(submit.err.contains("\(m): is required before review"), "\(m) not in: \(submit.err)") }
        #expect(Self.status(r, "HT-NEW") == "draft")

        // A frozen price is named as frozen, not as a broken sum.
        Self.refused(r, "contractAdmin", ["item", "set", "HT-2026-007", "L1", "unitPrice=1.00"], mentions: ["lineItems[L1].unitPrice", "frozen", "invariant 9"])

        // Short record ids, as show prints them, are accepted.
        let n = "HT-2026-009"
        let before = r.recordIDs(n)
        r.ok("salesRep", "record", n, "changeRequest", "reason=产能不足", "content=交货期顺延")
        let request = r.newRecordID(n, kind: "changeRequest", notIn: before)
        Self.refused(r, "management", ["approve", n, "--change", String(request.prefix(5)), "-m", "同意"], mentions: ["no changeRequest record"])
        r.ok("management", "approve", n, "--change", String(request.prefix(8)), "-m", "同意")
        #expect(r.records(n).contains { $0["kind"] as? String == "review" && $0["subject"] as? String == request })
        let receipt = r.records(n).first { $0["kind"] as? String == "paymentReceipt" }?["id"] as? String ?? "?"
        r.ok("finance", "record", n, "paymentReceipt", "date=2026-04-01", "amount=100.00", "--supersedes", String(receipt.prefix(6)))
        #expect(r.records(n).contains { $0["supersedes"] as? String == receipt })

        // Author and committer overrides, each its own.
        r.ok("salesRep", ["set", n, "supervisor=王芳"], env: ["ACCORD_COMMITTER_NAME": "Build Bot", "ACCORD_COMMITTER_EMAIL": "bot@example.cn"])
        let who = r.git("log", "-1", "--format=%an <%ae>|%cn <%ce>", "refs/contracts/\(n)").trimmed
        #expect(who == "张伟 <salesRep@example.cn>|Build Bot <bot@example.cn>", "\(who)")
    }

    /// Records made within one second are listed in causal order: a decision after its report,
    /// whatever their ids.
    @Test func hole8_recordsOrderCausallyThenByTime() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.signed))
        var entries = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        let i = try #require(entries.firstIndex { ($0["contract"] as? [String: Any])?["number"] as? String == "HT-2026-009" })
        var records = entries[i]["records"] as? [[String: Any]] ?? []
        let at = "2026-04-01T02:00:00Z"
        let report = "ffff0000-0000-4000-8000-000000000001", decision = "00000000-0000-4000-8000-000000000002"
        records.append(["id": report, "kind": "deviationReport", "author": "张伟 <zhang.wei@example.cn>", "role": "salesRep", "replica": "replica-hq",
                        "createdAt": at, "filedDate": "2026-04-01", "summary": "交货延误", "proposedHandling": "顺延"])
        records.append(["id": decision, "kind": "leaderDecision", "author": "赵强 <zhao.qiang@example.cn>", "role": "management", "replica": "replica-hq",
                        "createdAt": at, "filedDate": "2026-04-01", "report": report, "by": "赵强", "date": "2026-04-01", "text": "同意顺延"])
        entries[i]["records"] = records
        let r = ContractRepo()
        let file = r.s.dir.write("one.json", String(decoding: try JSONSerialization.data(withJSONObject: [entries[i]]), as: UTF8.self))
        r.ok("contractAdmin", "import", file)
        let ids = r.records("HT-2026-009").compactMap { $0["id"] as? String }
        let (a, b) = (try #require(ids.firstIndex(of: report)), try #require(ids.firstIndex(of: decision)))
        #expect(a < b, "the report is listed before the decision that answers it: \(ids)")
    }
}
