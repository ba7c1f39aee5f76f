import Foundation
import Testing

/// The whole life of one contract through the real binary, roles switched per command
/// (issue "Must show"), then log, diff, blame and git itself checked against what happened.
@Suite struct ContractLifecycleE2ETests {
    @Test func wholeLifeOfASalesContract() throws {
        let r = ContractRepo()
        let n = "HT-2026-E2E"
        var step: [String: String] = [:] // step name → commit id
        var order: [String] = []          // step names, oldest first
        var roleOf: [String: String] = [:] // step name → the role that ran it
        func mark(_ name: String, _ role: String) {
            step[name] = r.commits(n).first ?? "?"
            order.append(name)
            roleOf[name] = role
        }

        r.ok("salesRep", salesContractArgs(n)); mark("new", "salesRep")
        r.ok("salesRep", "submit", n); mark("submit1", "salesRep")
        r.ok("salesHead", "approve", n, "-m", "商务条款齐全,同意"); mark("approveInitial1", "salesHead")
        r.ok("legal", "reject", n, "-m", "争议解决方式请改为诉讼"); mark("reject", "legal")
        #expect(r.contract(n)["status"] as? String == "draft")
        r.ok("salesRep", "set", n, "disputeResolution.method=litigation", "disputeResolution.venue=上海市浦东新区人民法院"); mark("fix", "salesRep")
        // The signatory is a term: frozen from submission, so it is set while the contract is a draft.
        r.ok("contractAdmin", "set", n, #"signatory={"name":"王建国","capacity":"legalRepresentative"}"#); mark("signatory", "contractAdmin")
        r.ok("salesRep", "submit", n); mark("submit2", "salesRep")
        r.ok("salesHead", "approve", n, "-m", "同意"); mark("approveInitial2", "salesHead")
        r.ok("legal", "approve", n, "-m", "法律条款合规"); mark("approveSecond", "legal")
        r.ok("management", "approve", n, "-m", "同意签署"); mark("approveFinal", "management")
        #expect(r.contract(n)["status"] as? String == "approved")

        let scan = r.s.dir.write("HT-2026-E2E-signed.pdf", "%PDF-1.4\n% signed and sealed by both parties\n")
        r.ok("contractAdmin", "attach", n, scan, "--kind", "original"); mark("attach", "contractAdmin")
        r.ok("management", "sign", n, "--date", "2026-01-10", "--effective", "2026-01-12", "-m", "双方盖章"); mark("sign", "management")
        r.ok("contractAdmin", "start", n); mark("start", "contractAdmin")
        #expect(r.contract(n)["status"] as? String == "executing")

        r.ok("salesRep", "record", n, "delivery", "lineItem=L1", "date=2026-02-01", "quantity=2", "quality=合格"); mark("delivery1", "salesRep")
        r.ok("salesRep", "record", n, "delivery", "lineItem=L2", "date=2026-02-01", "quantity=6"); mark("delivery2", "salesRep")
        r.ok("finance", "record", n, "paymentReceipt", "date=2026-01-15", "amount=39600.00", "milestone=M1", "voucher=V-0115"); mark("receipt1", "finance")
        r.ok("finance", "record", n, "paymentReceipt", "date=2026-02-20", "amount=50000.00", "milestone=M2", "voucher=V-0220"); mark("receipt2", "finance")

        var before = r.recordIDs(n)
        r.ok("salesRep", "record", n, "deviationReport", "summary=第二批车床延期两周", "proposedHandling=协调厂家加急并顺延交货期", "hasAttachments=false"); mark("deviation", "salesRep")
        let report = r.newRecordID(n, kind: "deviationReport", notIn: before)
        r.ok("management", "record", n, "leaderDecision", "report=\(report)", "by=赵强", "date=2026-02-25", "text=同意顺延,走变更流程"); mark("decision", "management")
        r.ok("salesRep", "record", n, "executionResult", "report=\(report)", "date=2026-03-01", "text=已与买方签订补充协议"); mark("result", "salesRep")

        before = r.recordIDs(n)
        r.ok("salesRep", "record", n, "changeRequest", "reason=厂家产能不足", "content=交货期限顺延至 2026-07-31"); mark("changeRequest", "salesRep")
        let request = r.newRecordID(n, kind: "changeRequest", notIn: before)
        r.ok("management", "approve", n, "--change", request, "-m", "同意变更交货期"); mark("approveChange", "management")
        before = r.recordIDs(n)
        r.ok("contractAdmin", "record", n, "changeAgreement", "request=\(request)", "fields=deliveryDeadline", "signedDate=2026-03-05", "approvedBy=赵强"); mark("agreement", "contractAdmin")
        let agreement = r.newRecordID(n, kind: "changeAgreement", notIn: before)
        r.ok("contractAdmin", "set", n, "deliveryDeadline=2026-07-31", "--change-agreement", agreement); mark("newDeadline", "contractAdmin")

        r.ok("salesRep", "record", n, "delivery", "lineItem=L1", "date=2026-07-20", "quantity=2"); mark("delivery3", "salesRep")
        r.ok("salesRep", "record", n, "delivery", "lineItem=L2", "date=2026-07-20", "quantity=4"); mark("delivery4", "salesRep")
        r.ok("salesRep", "record", n, "acceptance", "date=2026-07-25", "result=passed", "report=验收合格"); mark("acceptance", "salesRep")
        r.ok("finance", "record", n, "paymentReceipt", "date=2026-08-01", "amount=42400.00", "milestone=M2", "voucher=V-0801"); mark("receipt3", "finance")
        r.ok("contractAdmin", "complete", n, "-m", "交付、验收、回款完毕"); mark("complete", "contractAdmin")
        r.ok("finance", "record", n, "settlement", "date=2026-08-10", "amount=132000.00", "summary=结算完毕"); mark("settlement", "finance")
        r.ok("contractAdmin", "archive", n, "--archive-no", "GD-2026-0099", "--location", "总部档案室 B-01-02"); mark("archive", "contractAdmin")

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

        try Self.checkEveryStep(r, n, order: order, step: step, roleOf: roleOf, log: log, logJSON: logJSON)
        r.fsckClean()
    }

    /// Each step (name → commit, role) checked against what `show --at` says about it and its parent.
    static func checkEveryStep(_ r: ContractRepo, _ n: String, order: [String], step: [String: String], roleOf: [String: String],
                               log: String, logJSON: [[String: Any]]) throws {
        #expect(order.count == step.count && Set(order).count == order.count)
        #expect(order.map { step[$0] ?? "" } == Array(r.commits(n).reversed()), "steps are the contract's history, in order")
        // Every state, flattened to the paths diff and blame use: contract leaves, and records by id.
        var flat: [String: [String: Any]] = [:]
        for name in order {
            let shown = r.showJSON(n, at: step[name])
            #expect(shown["commit"] as? String == step[name])
            var f = flattenContract(shown["contract"] ?? [:])
            for rec in shown["records"] as? [[String: Any]] ?? [] { if let id = rec["id"] as? String { f["records[\(id)]"] = rec } }
            flat[name] = f
        }

        // diff --json between consecutive steps = the difference of the two show --at --json outputs.
        for (a, b) in zip(order, order.dropFirst()) {
            let fa = flat[a] ?? [:], fb = flat[b] ?? [:]
            var expected: [String: (kind: String, old: Any?, new: Any?)] = [:]
            for p in Set(fa.keys).union(fb.keys) where !jsonEqual(fa[p], fb[p]) {
                expected[p] = (fa[p] == nil ? "added" : fb[p] == nil ? "removed" : "changed", fa[p], fb[p])
            }
            let got = parseJSON(r.run("salesRep", ["diff", n, step[a] ?? "", step[b] ?? "", "--json"])) as? [[String: Any]] ?? []
            #expect(!got.isEmpty, "step \(b) changed nothing")
            #expect(got.count == expected.count && Set(got.compactMap { $0["path"] as? String }) == Set(expected.keys),
                    "diff \(a) → \(b): \(got.compactMap { $0["path"] as? String }.sorted()) vs \(expected.keys.sorted())")
            let topLevel: (String) -> String? = { $0.split(whereSeparator: { ".[".contains($0) }).first.map(String.init) }
            let gotTop: Set<String> = Set(got.compactMap { ($0["path"] as? String).flatMap(topLevel) })
            let expectedTop: Set<String> = Set(expected.keys.compactMap(topLevel))
            #expect(gotTop == expectedTop, "top-level fields changed by \(b)")
            for g in got {
                guard let p = g["path"] as? String, let e = expected[p] else { continue }
                #expect(g["kind"] as? String == e.kind, "\(b) \(p) kind")
                #expect(jsonText(g["old"]) == jsonText(e.old), "\(b) \(p) old")
                #expect(jsonText(g["new"]) == jsonText(e.new), "\(b) \(p) new")
            }
        }

        // blame: each line's commit changed that path (its value differs from the parent's), the
        // value is the one it set, nothing later changed it, and author and role are who ran it.
        let blame = parseJSON(r.run("salesRep", ["blame", n, "--json"])) as? [[String: Any]] ?? []
        let last = order.last ?? ""
        #expect(Set(blame.compactMap { $0["path"] as? String }) == Set((flat[last] ?? [:]).keys), "blame covers every field and record")
        let index = Dictionary(uniqueKeysWithValues: order.enumerated().map { (step[$1] ?? "", $0) })
        for line in blame {
            let path = line["path"] as? String ?? "?"
            guard let i = index[line["commit"] as? String ?? ""] else { Issue.record("blame \(path): commit is not a step"); continue }
            let name = order[i]
            let value = flat[name]?[path]
            if path.hasPrefix("records[") {
                #expect((value as? [String: Any])?["kind"] as? String == line["value"] as? String, "blame \(path)")
            } else {
                #expect(jsonText(line["value"]) == jsonText(value), "blame \(path): the value \(name) set")
            }
            let before = i > 0 ? flat[order[i - 1]]?[path] : nil
            #expect(jsonText(before) != jsonText(value), "blame says \(name) changed \(path), but its parent already had that value")
            for later in order[(i + 1)...] {
                #expect(jsonText(flat[later]?[path]) == jsonText(value), "\(path) changed again at \(later), after the blamed \(name)")
            }
            #expect(line["role"] as? String == roleOf[name], "blame \(path) role")
            #expect(line["author"] as? String == ContractRepo.people[roleOf[name] ?? ""], "blame \(path) author")
        }

        // Each step's log entry: the author and role that ran it, the office, this replica, and
        // the lifecycle action for lifecycle commands only.
        let actions = ["submit1": "submit", "approveInitial1": "approve", "reject": "reject", "submit2": "submit", "approveInitial2": "approve",
                       "approveSecond": "approve", "approveFinal": "approve", "sign": "sign", "start": "start", "complete": "complete", "archive": "archive"]
        let replica = r.replicaID
        #expect(replica.count == 36, "replica id \(replica)")
        let byID = Dictionary(uniqueKeysWithValues: logJSON.compactMap { e in (e["id"] as? String).map { ($0, e) } })
        var blocks: [String: [String]] = [:] // commit id → the lines after "commit ID"
        var current = ""
        for l in log.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if l.hasPrefix("commit "), isHexID(l.dropFirst(7)) { current = String(l.dropFirst(7)); blocks[current] = []; continue }
            blocks[current, default: []].append(l)
        }
        for name in order {
            let id = step[name] ?? "", role = roleOf[name] ?? "", person = ContractRepo.people[role] ?? "?"
            let e = try #require(byID[id], "step \(name) in log --json")
            #expect((e["author"] as? [String: Any])?["name"] as? String == person, "step \(name) author")
            #expect((e["author"] as? [String: Any])?["email"] as? String == "\(role)@example.cn", "step \(name) email")
            let t = e["trailers"] as? [String: String] ?? [:]
            #expect(t["Accord-Role"] == role && t["Accord-Office"] == "华东办事处", "step \(name) trailers \(t)")
            #expect(t["Accord-Replica"] == replica, "step \(name) replica \(t["Accord-Replica"] ?? "none")")
            #expect(t["Accord-Action"] == actions[name], "step \(name) action \(t["Accord-Action"] ?? "none")")
            #expect(blocks[id]?.first == "Author: \(person) <\(role)@example.cn> (\(role), 华东办事处)", "step \(name) in log")
            #expect(r.git("log", "-1", "--format=%(trailers:key=Accord-Replica,valueonly)", id).trimmed == replica, "git reads the replica trailer of \(name)")
        }
        // Records carry the same replica id and the role that filed them.
        let records = (r.showJSON(n)["records"] as? [[String: Any]]) ?? []
        #expect(!records.isEmpty && records.allSatisfy { $0["replica"] as? String == replica })
    }
}
