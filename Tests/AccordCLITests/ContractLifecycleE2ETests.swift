import Foundation
import Testing

/// The whole life of one contract through the real binary, roles switched per command
/// (issue "Must show"), then log, diff, blame and git itself checked against what happened.
@Suite struct ContractLifecycleE2ETests {
    @Test func wholeLifeOfASalesContract() throws {
        let r = ContractRepo()
        let n = "HT-2026-E2E"
        var step: [String: String] = [:] // step name → commit id
        func mark(_ name: String) { step[name] = r.commits(n).first ?? "?" }

        r.ok("salesRep", salesContractArgs(n)); mark("new")
        r.ok("salesRep", "submit", n); mark("submit1")
        r.ok("salesHead", "approve", n, "-m", "商务条款齐全,同意"); mark("approveInitial1")
        r.ok("legal", "reject", n, "-m", "争议解决方式请改为诉讼"); mark("reject")
        #expect(r.contract(n)["status"] as? String == "draft")
        r.ok("salesRep", "set", n, "disputeResolution.method=litigation", "disputeResolution.venue=上海市浦东新区人民法院"); mark("fix")
        r.ok("salesRep", "submit", n); mark("submit2")
        r.ok("salesHead", "approve", n, "-m", "同意"); mark("approveInitial2")
        r.ok("legal", "approve", n, "-m", "法律条款合规"); mark("approveSecond")
        r.ok("management", "approve", n, "-m", "同意签署"); mark("approveFinal")
        #expect(r.contract(n)["status"] as? String == "approved")

        let scan = r.s.dir.write("HT-2026-E2E-signed.pdf", "%PDF-1.4\n% signed and sealed by both parties\n")
        r.ok("contractAdmin", "attach", n, scan, "--kind", "original"); mark("attach")
        r.ok("contractAdmin", "set", n, #"signatory={"name":"王建国","capacity":"legalRepresentative"}"#); mark("signatory")
        r.ok("management", "sign", n, "--date", "2026-01-10", "--effective", "2026-01-12", "-m", "双方盖章"); mark("sign")
        r.ok("contractAdmin", "start", n); mark("start")
        #expect(r.contract(n)["status"] as? String == "executing")

        r.ok("salesRep", "record", n, "delivery", "lineItem=L1", "date=2026-02-01", "quantity=2", "quality=合格"); mark("delivery1")
        r.ok("salesRep", "record", n, "delivery", "lineItem=L2", "date=2026-02-01", "quantity=6"); mark("delivery2")
        r.ok("finance", "record", n, "paymentReceipt", "date=2026-01-15", "amount=39600.00", "milestone=M1", "voucher=V-0115"); mark("receipt1")
        r.ok("finance", "record", n, "paymentReceipt", "date=2026-02-20", "amount=50000.00", "milestone=M2", "voucher=V-0220"); mark("receipt2")

        var before = r.recordIDs(n)
        r.ok("salesRep", "record", n, "deviationReport", "summary=第二批车床延期两周", "proposedHandling=协调厂家加急并顺延交货期", "hasAttachments=false"); mark("deviation")
        let report = r.newRecordID(n, kind: "deviationReport", notIn: before)
        r.ok("management", "record", n, "leaderDecision", "report=\(report)", "by=赵强", "date=2026-02-25", "text=同意顺延,走变更流程"); mark("decision")
        r.ok("salesRep", "record", n, "executionResult", "report=\(report)", "date=2026-03-01", "text=已与买方签订补充协议"); mark("result")

        before = r.recordIDs(n)
        r.ok("salesRep", "record", n, "changeRequest", "reason=厂家产能不足", "content=交货期限顺延至 2026-07-31"); mark("changeRequest")
        let request = r.newRecordID(n, kind: "changeRequest", notIn: before)
        r.ok("management", "approve", n, "--change", request, "-m", "同意变更交货期"); mark("approveChange")
        before = r.recordIDs(n)
        r.ok("contractAdmin", "record", n, "changeAgreement", "request=\(request)", "fields=deliveryDeadline", "signedDate=2026-03-05", "approvedBy=赵强"); mark("agreement")
        let agreement = r.newRecordID(n, kind: "changeAgreement", notIn: before)
        r.ok("contractAdmin", "set", n, "deliveryDeadline=2026-07-31", "--change-agreement", agreement); mark("newDeadline")

        r.ok("salesRep", "record", n, "delivery", "lineItem=L1", "date=2026-07-20", "quantity=2"); mark("delivery3")
        r.ok("salesRep", "record", n, "delivery", "lineItem=L2", "date=2026-07-20", "quantity=4"); mark("delivery4")
        r.ok("salesRep", "record", n, "acceptance", "date=2026-07-25", "result=passed", "report=验收合格"); mark("acceptance")
        r.ok("finance", "record", n, "paymentReceipt", "date=2026-08-01", "amount=42400.00", "milestone=M2", "voucher=V-0801"); mark("receipt3")
        r.ok("contractAdmin", "complete", n, "-m", "交付、验收、回款完毕"); mark("complete")
        r.ok("finance", "record", n, "settlement", "date=2026-08-10", "amount=132000.00", "summary=结算完毕"); mark("settlement")
        r.ok("contractAdmin", "archive", n, "--archive-no", "GD-2026-0099", "--location", "总部档案室 B-01-02"); mark("archive")

        let final = r.contract(n)
        #expect(final["status"] as? String == "archived")
        #expect(final["deliveryDeadline"] as? String == "2026-07-31")
        #expect((final["disputeResolution"] as? [String: Any])?["method"] as? String == "litigation")
        #expect((final["archive"] as? [String: Any])?["archiveNo"] as? String == "GD-2026-0099")
        #expect((final["signatory"] as? [String: Any])?["name"] as? String == "王建国")
        #expect(final["signDate"] as? String == "2026-01-10" && final["effectiveDate"] as? String == "2026-01-12")
        let records = r.records(n)
        let kinds = records.compactMap { $0["kind"] as? String }
        #expect(kinds.filter { $0 == "review" }.count == 6) // initial ×2, reject at second, second, final, change
        #expect(kinds.filter { $0 == "delivery" }.count == 4 && kinds.filter { $0 == "paymentReceipt" }.count == 3)
        let reviews = records.filter { $0["kind"] as? String == "review" }
        #expect(reviews.contains { $0["decision"] as? String == "reject" && $0["stage"] as? String == "secondReview"
            && $0["role"] as? String == "legal" && $0["opinion"] as? String == "争议解决方式请改为诉讼" })
        #expect(reviews.contains { $0["stage"] as? String == "change" && $0["subject"] as? String == request && $0["role"] as? String == "management" })
        let decision = records.first { $0["kind"] as? String == "leaderDecision" }
        #expect(decision?["role"] as? String == "management" && decision?["report"] as? String == report)

        // git and accord agree on the history: one commit per step, in order.
        let gitIDs = r.commits(n)
        #expect(gitIDs.count == step.count)
        let logJSON = r.run("salesRep", ["log", n, "--json"]).lines.compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
        #expect(logJSON.compactMap { $0["id"] as? String } == gitIDs)
        #expect(Set(step.values) == Set(gitIDs))

        // The log shows every step with its author and role.
        let log = r.ok("salesRep", "log", n)
        for (name, id) in step { #expect(log.contains("commit \(id)"), "step \(name) missing from log") }
        for (role, person) in [("salesRep", "张伟"), ("salesHead", "李娜"), ("legal", "陈静"), ("management", "赵强"),
                               ("finance", "刘洋"), ("contractAdmin", "孙丽")] {
            #expect(log.contains("Author: \(person) <\(role)@example.cn> (\(role), 华东办事处)"), "\(role) missing from log")
        }
        let byID = Dictionary(uniqueKeysWithValues: logJSON.compactMap { e in (e["id"] as? String).map { ($0, e) } })
        func trailers(_ s: String) -> [String: String] { (byID[step[s] ?? ""]?["trailers"] as? [String: String]) ?? [:] }
        #expect(trailers("reject")["Accord-Role"] == "legal" && trailers("reject")["Accord-Action"] == "reject")
        #expect(trailers("approveFinal")["Accord-Role"] == "management" && trailers("approveFinal")["Accord-Action"] == "approve")
        #expect(trailers("sign")["Accord-Action"] == "sign" && trailers("complete")["Accord-Action"] == "complete")
        #expect(trailers("newDeadline")["Accord-Change-Agreement"] == agreement)
        #expect((byID[step["reject"] ?? ""]?["message"] as? String)?.contains("争议解决方式请改为诉讼") == true)
        let oneline = r.ok("salesRep", "log", n, "--oneline")
        #expect(oneline.split(separator: "\n").count == step.count)
        #expect(oneline.contains("赵强 (management, 华东办事处) Sign \(n): approved → signed"))
        // --field names exactly the commits that changed the field.
        let deadlineLog = r.ok("salesRep", "log", n, "--oneline", "--field", "deliveryDeadline").split(separator: "\n")
        #expect(deadlineLog.count == 2)
        #expect(deadlineLog.first?.hasPrefix(String((step["newDeadline"] ?? "").prefix(12))) == true)

        // Diffs between steps are exact.
        let d1 = r.ok("salesRep", "diff", n, step["agreement"] ?? "", step["newDeadline"] ?? "")
        #expect(d1 == "deliveryDeadline: 2026-06-30 → 2026-07-31")
        let d2 = r.ok("salesRep", "diff", n, step["reject"] ?? "", step["fix"] ?? "")
        #expect(d2.split(separator: "\n").sorted() == ["disputeResolution.method: arbitration → litigation",
                                                        "disputeResolution.venue: 上海国际仲裁中心 → 上海市浦东新区人民法院"])
        let d3 = parseJSON(r.run("salesRep", ["diff", n, step["start"] ?? "", step["receipt2"] ?? "", "--json"])) as? [[String: Any]] ?? []
        #expect(d3.count == 4 && d3.allSatisfy { $0["kind"] as? String == "added" && ($0["path"] as? String ?? "").hasPrefix("records[") })
        let d4 = r.ok("salesRep", "diff", n, step["approveFinal"] ?? "", step["sign"] ?? "")
        #expect(d4.contains("status: approved → signed") && d4.contains("signDate") && d4.contains("2026-01-10"))
        // HEAD means the contract's head; one REV diffs to the head.
        #expect(r.ok("salesRep", "diff", n, "HEAD~1", "HEAD") == r.ok("salesRep", "diff", n))

        // Blame names the commit that last set each field.
        let blame = parseJSON(r.run("salesRep", ["blame", n, "--json"])) as? [[String: Any]] ?? []
        func blamed(_ path: String) -> [String: Any]? { blame.first { $0["path"] as? String == path } }
        #expect(blamed("deliveryDeadline")?["commit"] as? String == step["newDeadline"])
        #expect(blamed("deliveryDeadline")?["role"] as? String == "contractAdmin")
        #expect(blamed("disputeResolution.method")?["commit"] as? String == step["fix"])
        #expect(blamed("signDate")?["commit"] as? String == step["sign"])
        #expect(blamed("status")?["commit"] as? String == step["archive"])
        #expect(blamed("totalAmount")?["commit"] as? String == step["new"])
        #expect(blamed("signatory.name")?["commit"] as? String == step["signatory"])
        #expect(blamed("archive.archiveNo")?["commit"] as? String == step["archive"])

        // Old versions stay readable.
        #expect((r.showJSON(n, at: step["reject"])["contract"] as? [String: Any])?["status"] as? String == "draft")
        #expect((r.showJSON(n, at: "HEAD~1")["contract"] as? [String: Any])?["status"] as? String == "completed")

        // An archived contract is final.
        expectRefused(r.run("contractAdmin", ["complete", n]), "complete an archived contract", mentions: ["status", "invariant 8"])
        r.fsckClean()
    }
}
