import Foundation
import Testing

/// Head office and three reps around one hub, driven through the CLI: HQ (Hu Qin, contract
/// admin at 总部), A (An Li) and B (Bai Mu), sales reps in 华东, and R (Ren Bo), a rep in 华北.
/// Every command gets the next hour on one clock.
final class FourReplicas: @unchecked Sendable {
    let s = Sandbox()
    var hub: String { "\(s.root)/hub.accord" }
    var hq: String { "\(s.root)/hq" }
    var a: String { "\(s.root)/a" }
    var b: String { "\(s.root)/b" }
    var r: String { "\(s.root)/r" }
    private var clock: Int64 = 1_767_225_600 // 2026-01-01T00:00:00Z
    private let lock = NSLock()
    let people: [String: (name: String, email: String, role: String, office: String)]

    init(_ numbers: [String]) {
        people = ["hq": ("Hu Qin", "hu@example.com", "contractAdmin", "总部"), "a": ("An Li", "an@example.com", "salesRep", "华东"),
                  "b": ("Bai Mu", "bai@example.com", "salesRep", "华东"), "r": ("Ren Bo", "ren@example.com", "salesRep", "华北")]
        s.ok("init", "-q", "hq")
        configure(hq)
        for n in numbers { ok(hq, salesContractArgs(n), role: "salesRep") }
        s.ok("clone", "--bare", "-q", hq, "hub.accord")
        s.ok("remote", "add", "origin", hub, cwd: hq)
        s.ok("fetch", "-q", cwd: hq)
        for name in ["a", "b", "r"] {
            s.ok("clone", "-q", hub, name)
            configure("\(s.root)/\(name)")
        }
    }

    func key(_ dir: String) -> String { String(dir.split(separator: "/").last ?? "") }

    private func configure(_ dir: String) {
        let p = people[key(dir)] ?? ("?", "?", "salesRep", "?")
        for (k, v) in [("user.name", p.name), ("user.email", p.email), ("user.role", p.role), ("user.office", p.office)] {
            s.ok("config", k, v, cwd: dir)
        }
    }

    @discardableResult
    /// `person`: another person at that replica (name; the email is derived), for steps that
    /// separation of duties gives to different people.
    func run(_ dir: String, _ args: [String], role: String? = nil, person: String? = nil) -> RunResult {
        lock.lock(); clock += 3600; let t = "\(clock) +0800"; lock.unlock()
        var p = people[key(dir)] ?? ("?", "?", "salesRep", "?")
        if let person { p.name = person; p.email = "\(person.lowercased().filter { $0.isLetter })@example.cn" }
        var env = ["ACCORD_AUTHOR_DATE": t, "ACCORD_COMMITTER_DATE": t, "ACCORD_AUTHOR_NAME": p.name, "ACCORD_AUTHOR_EMAIL": p.email,
                   "ACCORD_COMMITTER_NAME": p.name, "ACCORD_COMMITTER_EMAIL": p.email]
        if let role { env["ACCORD_ROLE"] = role }
        return s.accord(args, cwd: dir, input: [], env: env)
    }

    @discardableResult
    func ok(_ dir: String, _ args: [String], role: String? = nil, person: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        let res = run(dir, args, role: role, person: person)
        #expect(res.status == 0, "accord \(args.joined(separator: " ")) in \(key(dir)) failed (\(res.status)): \(res.err)\(res.out)",
                sourceLocation: sourceLocation)
        return res.trimmed
    }

    @discardableResult
    func ok(_ dir: String, _ args: String..., role: String? = nil, person: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        ok(dir, args, role: role, person: person, sourceLocation: sourceLocation)
    }

    /// A sync that must leave no conflict (exit 0) or, with `conflicted`, one that leaves some (exit 1).
    @discardableResult
    func sync(_ dir: String, conflicted: Bool = false, sourceLocation: SourceLocation = #_sourceLocation) -> RunResult {
        let res = run(dir, ["sync"])
        #expect(res.status == (conflicted ? 1 : 0), "sync in \(key(dir)): exit \(res.status)\n\(res.out)\(res.err)", sourceLocation: sourceLocation)
        return res
    }

    func contract(_ dir: String, _ n: String) -> [String: Any] {
        jsonObject(s.ok("show", n, "--json", cwd: dir))["contract"] as? [String: Any] ?? [:]
    }

    func conflicts(_ dir: String, _ n: String) -> [[String: Any]] {
        let res = s.accord("conflicts", n, "--json", cwd: dir)
        #expect(res.status == 0, "conflicts: \(res.err)")
        return (try? JSONSerialization.jsonObject(with: Data(res.stdout))) as? [[String: Any]] ?? []
    }

    /// The candidate values of the conflict at `path` (∅ for a removal), in stored order.
    func values(_ dir: String, _ n: String, _ path: String) -> [String] {
        guard let c = conflicts(dir, n).first(where: { $0["path"] as? String == path }) else { return [] }
        return (c["candidates"] as? [[String: Any]] ?? []).map { cand in
            switch cand["value"] {
            case let s as String: return s
            case is NSNull, nil: return "∅"
            case let v?: return jsonText(v)
            }
        }
    }

    /// The 1-based number `accord conflicts` gives `value` at `path`.
    func pick(_ dir: String, _ n: String, _ path: String, _ value: String) -> String {
        String((values(dir, n, path).firstIndex(of: value) ?? 98) + 1)
    }

    func head(_ dir: String, _ n: String) -> String { s.ok("rev-parse", "refs/contracts/\(n)", cwd: dir) }

    func fsckClean(sourceLocation: SourceLocation = #_sourceLocation) {
        for dir in [hq, a, b, r] {
            let res = s.git("--git-dir=\(dir)/.accord", "fsck", "--strict")
            #expect(res.status == 0, "git fsck in \(key(dir)): \(res.err)", sourceLocation: sourceLocation)
        }
    }
}

/// The six ways a typed value used to disappear with three replicas or more (issue "Conflicts
/// that never lose a value"), each through the real binary.
@Suite struct RegisterCLITests {
    static let phone = "buyer.phone"

    /// Case 1: a third concurrent value joins a stored conflict instead of slipping past it.
    @Test func aThirdConcurrentValueJoinsTheConflict() {
        let t = FourReplicas(["HT-1"])
        let n = "HT-1"
        t.ok(t.hq, "set", n, "buyer.phone=021-0000")
        t.sync(t.hq)
        t.ok(t.a, "set", n, "buyer.phone=021-1111")
        t.ok(t.b, "set", n, "buyer.phone=021-2222")
        let first = t.sync(t.a, conflicted: true)
        #expect(first.out.contains("1 new conflict"), "\(first.out)")
        #expect(t.values(t.a, n, Self.phone) == ["021-0000", "021-1111"])
        let second = t.sync(t.b, conflicted: true)
        #expect(t.values(t.b, n, Self.phone) == ["021-0000", "021-1111", "021-2222"], "B's value must join the conflict")
        #expect(second.out.contains("1 new conflict"), "the conflict changed: it is new in this merge\n\(second.out)")
        t.ok(t.hq, "pull", "-q") // a fast-forward to B's merge: exit 0
        let human = t.ok(t.hq, "conflicts", n)
        for (i, v) in ["021-0000", "021-1111", "021-2222"].enumerated() { #expect(human.contains("\(i + 1): \(v)"), "\(human)") }
        #expect(human.contains("Bai Mu") && human.contains("An Li") && human.contains("Hu Qin"), "who wrote each value: \(human)")
        // --ours has no meaning among three values: refused, nothing written.
        let before = t.head(t.hq, n)
        let refused = t.run(t.hq, ["resolve", n, Self.phone, "--ours"])
        #expect(refused.status == 128 && refused.err.contains("holds 3 values") && refused.err.contains("--pick"), "\(refused.err)")
        #expect(t.head(t.hq, n) == before)
        t.ok(t.hq, "resolve", n, Self.phone, "--pick", t.pick(t.hq, n, Self.phone, "021-2222"))
        #expect((t.contract(t.hq, n)["buyer"] as? [String: Any])?["phone"] as? String == "021-2222")
        #expect(t.conflicts(t.hq, n).isEmpty)
        t.sync(t.hq)
        for dir in [t.a, t.b] { t.sync(dir) }
        #expect(t.head(t.a, n) == t.head(t.hq, n) && t.head(t.b, n) == t.head(t.hq, n))
        t.fsckClean()
    }

    /// Case 1, for the lines of a clause: a third concurrent change of the same lines joins too.
    @Test func aThirdClauseEditJoinsTheConflict() {
        let t = FourReplicas(["HT-1"])
        let n = "HT-1"
        t.ok(t.hq, "set", n, "breachLiability=逾期交货按日 0.10% 支付违约金")
        t.sync(t.hq)
        t.ok(t.a, "set", n, "breachLiability=逾期交货按日 0.20% 支付违约金")
        t.ok(t.b, "set", n, "breachLiability=逾期交货按日 0.30% 支付违约金")
        t.sync(t.a, conflicted: true)
        t.sync(t.b, conflicted: true)
        #expect(t.values(t.b, n, "breachLiability").count == 3)
        // Shown as line diffs against the base, not as whole clauses.
        let human = t.ok(t.b, "conflicts", n)
        #expect(human.contains("- 逾期交货按日 0.05% 支付违约金") && human.contains("+ 逾期交货按日 0.30% 支付违约金"), "\(human)")
    }

    /// Case 2: writing a conflicted field settles the conflict; the commit says so.
    @Test func anEditOfAConflictedFieldSettlesIt() {
        let t = FourReplicas(["HT-2"])
        let n = "HT-2"
        t.ok(t.hq, "set", n, "buyer.phone=021-0000")
        t.sync(t.hq)
        t.ok(t.a, "set", n, "buyer.phone=021-1111")
        t.sync(t.a, conflicted: true)
        #expect(t.values(t.a, n, Self.phone) == ["021-0000", "021-1111"])
        let out = t.ok(t.a, "set", n, "buyer.phone=021-3333")
        #expect(t.conflicts(t.a, n).isEmpty, "the write saw both values: it settles them")
        let message = t.s.gitOK("--git-dir=\(t.a)/.accord", "log", "-1", "--format=%B", "refs/contracts/\(n)")
        #expect(message.contains("settles the conflict at buyer.phone"), "\(message) \(out)")
        t.sync(t.a)
        t.ok(t.hq, "pull", "-q")
        #expect((t.contract(t.hq, n)["buyer"] as? [String: Any])?["phone"] as? String == "021-3333")
        #expect(t.conflicts(t.hq, n).isEmpty)
    }

    /// Case 2, when the newest value was written without seeing the conflict: it joins it.
    @Test func aConcurrentEditOfAConflictedFieldJoinsIt() {
        let t = FourReplicas(["HT-2"])
        let n = "HT-2"
        t.ok(t.hq, "set", n, "buyer.phone=021-0000")
        t.sync(t.hq)
        t.ok(t.a, "set", n, "buyer.phone=021-1111")
        t.sync(t.a, conflicted: true)
        t.ok(t.a, "set", n, "buyer.phone=021-3333") // settles A's own conflict …
        t.ok(t.hq, "set", n, "buyer.phone=021-4444") // … while HQ, who never saw it, writes again
        t.sync(t.a)
        t.sync(t.hq, conflicted: true)
        #expect(t.values(t.hq, n, Self.phone) == ["021-3333", "021-4444"])
    }

    /// Case 3: a write that never saw a resolution conflicts with it.
    @Test func aWriteThatNeverSawTheResolutionConflictsWithIt() {
        let t = FourReplicas(["HT-3"])
        let n = "HT-3"
        t.ok(t.a, "set", n, "supervisor=Alice")
        t.ok(t.b, "set", n, "supervisor=Bob")
        t.sync(t.a)
        t.sync(t.b, conflicted: true)
        t.ok(t.hq, "pull", "-q")
        #expect(t.values(t.hq, n, "supervisor") == ["Alice", "Bob"])
        t.ok(t.hq, "resolve", n, "supervisor", "--pick", t.pick(t.hq, n, "supervisor", "Alice"), "-m", "总部指定")
        t.sync(t.hq)
        t.ok(t.b, "set", n, "supervisor=Carol") // B, still offline: it saw Alice and Bob, not the resolution
        t.sync(t.b, conflicted: true)
        #expect(t.values(t.b, n, "supervisor") == ["Alice", "Carol"])
        let c = t.conflicts(t.b, n).first { $0["path"] as? String == "supervisor" } ?? [:]
        let who = (c["candidates"] as? [[String: Any]] ?? []).map { (($0["writes"] as? [[String: Any]])?.first?["author"] as? String) ?? "?" }
        #expect(who == ["Hu Qin", "Bai Mu"], "the resolution is HQ's write, Carol is B's: \(who)")
    }

    /// Case 4: the signed value stands; the concurrent unsigned edit is a conflict that can be
    /// resolved to the signed value without an agreement, to the edit only with one.
    @Test func theSignedValueStandsAgainstAConcurrentEdit() {
        let t = FourReplicas(["HT-4"])
        let n = "HT-4"
        // The terms are frozen from submission: the edit that races with signing is made on the draft.
        t.ok(t.hq, "set", n, #"signatory={"name":"王建国","capacity":"legalRepresentative"}"#)
        t.sync(t.hq)
        t.sync(t.a)
        #expect(t.contract(t.a, n)["status"] as? String == "draft")
        t.ok(t.hq, "set", n, "buyer.phone=021-0000")
        t.ok(t.hq, "submit", n, role: "salesRep")
        t.ok(t.hq, "approve", n, "-m", "同意", role: "salesHead", person: "Li Na")
        t.ok(t.hq, "approve", n, "-m", "合规", role: "legal", person: "Chen Jing")
        t.ok(t.hq, "approve", n, "-m", "同意签署", role: "management", person: "Zhao Qiang")
        let scan = t.s.dir.write("signed.pdf", "%PDF-1.4\n% signed\n")
        t.ok(t.hq, "attach", n, scan, "--kind", "original")
        t.ok(t.hq, "sign", n, "--date", "2026-01-10", "--effective", "2026-01-12", "-m", "双方盖章", role: "management")
        t.sync(t.hq)
        t.ok(t.a, "set", n, "buyer.phone=021-1111") // concurrently, on the draft copy
        t.sync(t.a, conflicted: true)
        let c = t.contract(t.a, n)
        #expect(c["status"] as? String == "signed")
        #expect((c["buyer"] as? [String: Any])?["phone"] as? String == "021-0000", "the signed value stands, not the pre-edit base")
        #expect(t.values(t.a, n, Self.phone) == ["021-0000", "021-1111"])
        #expect(t.run(t.a, ["start", n], role: "contractAdmin").status != 0, "no lifecycle move while conflicted")
        // The unsigned edit needs a change agreement: refused, nothing written.
        let before = t.head(t.a, n)
        let edit = t.run(t.a, ["resolve", n, Self.phone, "--pick", t.pick(t.a, n, Self.phone, "021-1111")])
        #expect(edit.status != 0 && edit.err.contains("invariant 9"), "\(edit.err)")
        #expect(t.head(t.a, n) == before)
        // The signed value needs none, and then the contract moves on.
        t.ok(t.a, "resolve", n, Self.phone, "--pick", t.pick(t.a, n, Self.phone, "021-0000"))
        #expect(t.conflicts(t.a, n).isEmpty)
        t.ok(t.a, "start", n, role: "contractAdmin")
        t.sync(t.a)
        t.fsckClean()
    }

    /// Case 4, the other way out: the unsigned edit is what the parties agree on, so it is picked
    /// with the change agreement that allows it (request, approval, agreement naming the field).
    @Test func theUnsignedEditIsPickedWithAChangeAgreement() throws {
        let t = FourReplicas(["HT-4B"])
        let n = "HT-4B"
        t.ok(t.hq, "set", n, #"signatory={"name":"王建国","capacity":"legalRepresentative"}"#)
        t.sync(t.hq)
        t.sync(t.a)
        t.ok(t.hq, "set", n, "buyer.phone=021-0000")
        t.ok(t.hq, "submit", n, role: "salesRep")
        t.ok(t.hq, "approve", n, "-m", "同意", role: "salesHead", person: "Li Na")
        t.ok(t.hq, "approve", n, "-m", "合规", role: "legal", person: "Chen Jing")
        t.ok(t.hq, "approve", n, "-m", "同意签署", role: "management", person: "Zhao Qiang")
        t.ok(t.hq, "attach", n, t.s.dir.write("signed-b.pdf", "%PDF-1.4\n% signed\n"), "--kind", "original")
        t.ok(t.hq, "sign", n, "--date", "2026-01-10", "--effective", "2026-01-12", "-m", "双方盖章", role: "management")
        t.sync(t.hq)
        t.ok(t.a, "set", n, "buyer.phone=021-1111")
        t.sync(t.a, conflicted: true)
        #expect(t.values(t.a, n, Self.phone) == ["021-0000", "021-1111"])
        func records(_ kind: String) -> [[String: Any]] {
            ((jsonObject(t.s.ok("show", n, "--json", cwd: t.a))["records"] as? [[String: Any]]) ?? []).filter { $0["kind"] as? String == kind }
        }
        t.ok(t.a, "record", n, "changeRequest", "reason=客户更换联系电话", "content=buyer.phone 改为 021-1111", role: "salesRep")
        let request = try #require(records("changeRequest").last?["id"] as? String)
        t.ok(t.a, "approve", n, "--change", request, "-m", "同意变更", role: "management", person: "Zhao Qiang")
        t.ok(t.a, "record", n, "changeAgreement", "request=\(request)", "fields=buyer.phone", "signedDate=2026-02-01", "approvedBy=赵强", role: "contractAdmin")
        let agreement = try #require(records("changeAgreement").last?["id"] as? String)
        t.ok(t.a, "resolve", n, Self.phone, "--pick", t.pick(t.a, n, Self.phone, "021-1111"), "--change-agreement", agreement)
        #expect(t.conflicts(t.a, n).isEmpty)
        #expect((t.contract(t.a, n)["buyer"] as? [String: Any])?["phone"] as? String == "021-1111")
        t.sync(t.a)
        t.sync(t.hq)
        #expect(t.head(t.hq, n) == t.head(t.a, n))
        t.fsckClean()
    }

    /// Case 5: a merge that carried a lifecycle move is not a move of its own.
    @Test func aCarriedStatusMoveIsNotAConflict() {
        let t = FourReplicas(["HT-5"])
        let n = "HT-5"
        t.ok(t.r, "set", n, "deliveryMethod=物流配送")
        t.ok(t.a, "submit", n)
        t.sync(t.a)
        t.ok(t.hq, "pull", "-q")
        t.ok(t.hq, "set", n, "supervisor=总部督办")
        t.sync(t.hq)
        t.ok(t.r, "pull", "-q")
        t.sync(t.b)
        t.ok(t.b, "approve", n, "-m", "同意", role: "salesHead")
        t.sync(t.b)
        let out = t.sync(t.r)
        #expect(!out.out.contains("conflict") && !out.err.contains("divergent"), "\(out.out)\(out.err)")
        #expect(t.contract(t.r, n)["status"] as? String == "secondReview")
        #expect(t.conflicts(t.r, n).isEmpty)
    }

    /// Case 6: two deletions of an item settle an edit-vs-delete conflict one of them saw.
    @Test func twoDeletionsAreNotASecondConflict() {
        let t = FourReplicas(["HT-6"])
        let n = "HT-6"
        t.ok(t.r, "set", n, "lineItems[L2].spec=HT-51")
        t.sync(t.r)
        // Removing L2 (12,000.00) takes the totals with it, in the same commit.
        let remove = ["set", n, "lineItems[L2]=", "totalAmount=120000.00",
                      #"paymentMilestones=[{"id":"M1","kind":"advance","percent":"30","amount":"36000.00","trigger":"合同生效后"},{"id":"M2","kind":"balance","percent":"70","amount":"84000.00","trigger":"验收合格后"}]"#]
        t.ok(t.a, remove) // offline: never saw R's edit
        t.ok(t.b, "pull", "-q")
        t.ok(t.b, remove) // saw it
        t.sync(t.a, conflicted: true)
        #expect(t.values(t.a, n, "lineItems[L2]").count == 2, "edit against delete is a conflict")
        let out = t.sync(t.b)
        #expect(!out.out.contains("new conflict") && out.out.contains("conflict at lineItems[L2] settled"), "\(out.out)")
        #expect(t.conflicts(t.b, n).isEmpty)
        let items = (t.contract(t.b, n)["lineItems"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        #expect(items == ["L1"], "both sides deleted L2: \(items)")
    }
}
