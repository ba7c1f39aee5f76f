import Foundation
import Testing

/// Two replicas of one hub, driven through the CLI: r1 is Ann Seller, r2 Bo Seller (both sales
/// reps; a command may act in another role), with a clock that moves one hour per command.
final class TwoReplicas: @unchecked Sendable {
    let s = Sandbox()
    var r1: String { "\(s.root)/r1" }
    var r2: String { "\(s.root)/r2" }
    var hub: String { "\(s.root)/hub.accord" }
    private var clock: Int64 = 1_767_225_600 // 2026-01-01T00:00:00Z
    private let lock = NSLock()

    /// r1 creates `numbers` (complete sales contracts), a bare hub is cloned from it, r2 from the hub.
    init(_ numbers: [String]) {
        _ = makeReplica(s, "r1") // Ann Seller
        for n in numbers { ok(r1, salesContractArgs(n)) }
        s.ok("clone", "--bare", "-q", r1, "hub.accord")
        s.ok("remote", "add", "origin", hub, cwd: r1)
        s.ok("fetch", "-q", cwd: r1)
        s.ok("clone", "-q", hub, "r2")
        setIdentity(s, r2, name: "Bo Seller", email: "bo@example.com", office: "BJ")
    }

    func person(_ dir: String) -> (name: String, email: String) {
        dir == r1 ? ("Ann Seller", "ann@example.com") : ("Bo Seller", "bo@example.com")
    }

    /// The environment of one command in `dir`: its replica's person, the next hour, maybe a role.
    func env(_ dir: String, role: String? = nil) -> [String: String] {
        lock.lock(); clock += 3600; let t = "\(clock) +0800"; lock.unlock()
        var e = ["ACCORD_AUTHOR_NAME": person(dir).name, "ACCORD_AUTHOR_EMAIL": person(dir).email,
                 "ACCORD_AUTHOR_DATE": t, "ACCORD_COMMITTER_NAME": person(dir).name, "ACCORD_COMMITTER_DATE": t]
        if let role { e["ACCORD_ROLE"] = role }
        return e
    }

    @discardableResult
    func run(_ dir: String, _ args: [String], role: String? = nil, env extra: [String: String] = [:]) -> RunResult {
        s.accord(args, cwd: dir, input: [], env: env(dir, role: role).merging(extra) { $1 })
    }

    @discardableResult
    func ok(_ dir: String, _ args: [String], role: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        let r = run(dir, args, role: role)
        #expect(r.status == 0, "accord \(args.joined(separator: " ")) in \(dir.split(separator: "/").last ?? "") failed (\(r.status)): \(r.err)",
                sourceLocation: sourceLocation)
        return r.trimmed
    }

    @discardableResult
    func ok(_ dir: String, _ args: String..., role: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        ok(dir, args, role: role, sourceLocation: sourceLocation)
    }

    func head(_ dir: String, _ n: String) -> String { s.ok("rev-parse", "refs/contracts/\(n)", cwd: dir) }
    func hubHead(_ n: String) -> String { s.ok("rev-parse", "refs/contracts/\(n)", env: ["ACCORD_DIR": hub]) }

    /// `accord status --all --json` for one contract against origin: "STATE +AHEAD -BEHIND[ conflicted]".
    func status(_ dir: String, _ n: String, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        let r = s.accord("status", "--all", "--json", cwd: dir)
        #expect(r.status == 0, "status: \(r.err)", sourceLocation: sourceLocation)
        for line in r.lines {
            let o = jsonObject(line)
            guard o["number"] as? String == n else { continue }
            let origin = (o["remotes"] as? [[String: Any]] ?? []).first { $0["remote"] as? String == "origin" } ?? [:]
            return "\(origin["state"] as? String ?? "?") +\(origin["ahead"] as? Int ?? -1) -\(origin["behind"] as? Int ?? -1)"
                + (o["conflicted"] as? Bool == true ? " conflicted" : "")
        }
        return "missing"
    }

    func contract(_ dir: String, _ n: String) -> [String: Any] {
        jsonObject(s.ok("show", n, "--json", cwd: dir))["contract"] as? [String: Any] ?? [:]
    }

    func conflicts(_ dir: String, _ n: String) -> [[String: Any]] {
        let r = s.accord("conflicts", n, "--json", cwd: dir)
        #expect(r.status == 0, "conflicts: \(r.err)")
        return (try? JSONSerialization.jsonObject(with: Data(r.stdout))) as? [[String: Any]] ?? []
    }
}

@Suite struct MergeCLITests {
    /// Two replicas change the same fields of one contract: status shows each stage, the merge
    /// (run directly) records the clashes as data, the contract cannot move in its lifecycle until
    /// each is resolved (one with --ours, one --theirs, one --value), and a sync whose push loses a
    /// race against the other replica pulls again and converges.
    @Test func twoReplicasClashResolveAndConverge() {
        let t = TwoReplicas(["HT-1", "HT-2"])
        let n = "HT-1"
        #expect(t.status(t.r1, n) == "up to date +0 -0")
        #expect(t.status(t.r2, n) == "up to date +0 -0")
        #expect(t.s.ok("status", cwd: t.r2) == "", "nothing to report when everything is up to date")

        t.ok(t.r1, "set", n, "buyer.phone=021-1111", "deliveryDeadline=2026-07-15", "paymentMethod=承兑汇票")
        let annEdit = t.head(t.r1, n)
        #expect(t.status(t.r1, n) == "ahead +1 -0")
        t.ok(t.r1, "push", "-q")
        #expect(t.status(t.r1, n) == "up to date +0 -0")
        t.ok(t.r2, "fetch", "-q")
        #expect(t.status(t.r2, n) == "behind +0 -1")
        t.ok(t.r2, "set", n, "buyer.phone=021-2222", "deliveryDeadline=2026-08-01", "paymentMethod=信用证", "subject=数控车床二期")
        let boEdit = t.head(t.r2, n)
        #expect(t.status(t.r2, n) == "diverged +1 -1")
        #expect(t.s.ok("status", cwd: t.r2).contains("origin: diverged (+1 −1)"))

        // `accord merge NUMBER REV`: exit 1 when conflicts were recorded.
        let merged = t.run(t.r2, ["merge", n, "origin/contracts/\(n)"])
        #expect(merged.status == 1, "\(merged.err)")
        #expect(merged.out.contains("\(n): merged as ") && merged.out.contains("3 new conflicts"), "\(merged.out)")
        #expect(t.status(t.r2, n) == "ahead +2 -0 conflicted")
        #expect(t.s.ok("status", cwd: t.r2).contains("conflicted"))
        #expect(t.status(t.r2, "HT-2") == "up to date +0 -0")

        let list = t.conflicts(t.r2, n)
        #expect(list.compactMap { $0["path"] as? String } == ["buyer.phone", "deliveryDeadline", "paymentMethod"])
        let values: [String: (base: String?, ours: String, theirs: String)] = [
            "buyer.phone": ("0512-6288 1234", "021-2222", "021-1111"), "deliveryDeadline": ("2026-06-30", "2026-08-01", "2026-07-15"),
            "paymentMethod": ("电汇", "信用证", "承兑汇票"),
        ]
        for c in list {
            let path = c["path"] as? String ?? "?"
            let ours = c["ours"] as? [String: Any] ?? [:], theirs = c["theirs"] as? [String: Any] ?? [:]
            #expect(c["number"] as? String == n)
            #expect(c["base"] as? String == values[path]?.base, "\(path) base")
            #expect(ours["value"] as? String == values[path]?.ours, "\(path) ours")
            #expect(theirs["value"] as? String == values[path]?.theirs, "\(path) theirs")
            // Each value with the write that set it: who, in which role and office, when, which commit.
            let ow = (ours["writes"] as? [[String: Any]])?.first ?? [:], tw = (theirs["writes"] as? [[String: Any]])?.first ?? [:]
            #expect(ow["author"] as? String == "Bo Seller" && ow["commit"] as? String == boEdit && ow["role"] as? String == "salesRep", "\(path): \(ours)")
            #expect(tw["author"] as? String == "Ann Seller" && tw["commit"] as? String == annEdit, "\(path): \(theirs)")
            #expect(ow["at"] != nil && tw["at"] != nil && ow["office"] as? String == "BJ")
            #expect((c["candidates"] as? [Any])?.count == 2)
        }
        // The non-conflicting edit merged; conflicted fields keep the base value until resolved.
        #expect(t.contract(t.r2, n)["subject"] as? String == "数控车床二期")
        #expect(t.contract(t.r2, n)["deliveryDeadline"] as? String == "2026-06-30")
        #expect(t.s.ok("show", n, cwd: t.r2).contains("conflicted: buyer.phone, deliveryDeadline, paymentMethod"))

        let before = t.head(t.r2, n)
        let refused = t.run(t.r2, ["submit", n])
        expectRefused(refused, "submit while conflicted", mentions: ["3 unresolved conflicts", "buyer.phone"])
        #expect(t.head(t.r2, n) == before)

        #expect(t.ok(t.r2, "resolve", n, "buyer.phone", "--ours").hasSuffix("resolved buyer.phone; 2 left"))
        #expect(t.ok(t.r2, "resolve", n, "deliveryDeadline", "--theirs").hasSuffix("resolved deliveryDeadline; 1 left"))
        #expect(t.ok(t.r2, "resolve", n, "paymentMethod", "--value", "汇款", "-m", "客户来函确认").hasSuffix("resolved paymentMethod"))
        let c = t.contract(t.r2, n)
        #expect((c["buyer"] as? [String: Any])?["phone"] as? String == "021-2222")
        #expect(c["deliveryDeadline"] as? String == "2026-07-15")
        #expect(c["paymentMethod"] as? String == "汇款")
        #expect(t.conflicts(t.r2, n).isEmpty)
        #expect(!t.s.ok("show", n, cwd: t.r2).contains("conflicted"))
        #expect(t.status(t.r2, n) == "ahead +5 -0")

        // Sync, while Ann edits the contract again and pushes after Bo's fetch, before his push:
        // his push is refused, he pulls (merging her edit) and pushes again.
        let accord = CLI.accordBinary
        let race = "cd '\(t.r1)' && ACCORD_AUTHOR_NAME='Ann Seller' ACCORD_AUTHOR_EMAIL=ann@example.com '\(accord)' set \(n) supervisor=王督办 >/dev/null"
            + " && '\(accord)' push -q"
        let sync = t.run(t.r2, ["sync"], env: ["ACCORD_TEST_SYNC_BEFORE_PUSH": race])
        #expect(sync.status == 0, "\(sync.err)")
        #expect(sync.err.contains("origin moved during the push; pulling again (round 2)"), "\(sync.err)")
        #expect(sync.out.contains("in sync with origin"), "\(sync.out)")
        t.ok(t.r1, "pull", "-q")
        #expect(t.head(t.r1, n) == t.head(t.r2, n) && t.head(t.r2, n) == t.hubHead(n))
        for dir in [t.r1, t.r2] {
            #expect(t.status(dir, n) == "up to date +0 -0")
            let c = t.contract(dir, n)
            #expect(c["supervisor"] as? String == "王督办" && c["paymentMethod"] as? String == "汇款")
        }
        t.ok(t.r2, "submit", n)
    }

    /// Bo's sync records a phone clash; Ann takes it and resolves it while Bo keeps editing the
    /// contract; both sync, in either order: converged, no conflict, Ann's resolution kept.
    @Test(arguments: [true, false]) func aResolutionStaysResolvedAcrossSyncs(resolverSyncsFirst: Bool) {
        let t = TwoReplicas(["HT-5"])
        let n = "HT-5"
        t.ok(t.r1, "set", n, "buyer.phone=021-1111")
        t.ok(t.r1, "push", "-q")
        t.ok(t.r2, "set", n, "buyer.phone=021-2222")
        let clash = t.run(t.r2, ["sync"])
        #expect(clash.status == 1 && clash.out.contains("1 new conflict"), "a sync whose merge leaves a conflict exits 1: \(clash.out) \(clash.err)")
        #expect(t.ok(t.r1, "pull").contains("fast-forward"))
        #expect(t.conflicts(t.r1, n).compactMap { $0["path"] as? String } == ["buyer.phone"])
        t.ok(t.r1, "resolve", n, "buyer.phone", "--theirs", "-m", "客户确认")
        t.ok(t.r2, "set", n, "supervisor=督办乙")

        let order = resolverSyncsFirst ? [t.r1, t.r2, t.r1] : [t.r2, t.r1, t.r2]
        for dir in order {
            let out = t.ok(dir, "sync")
            #expect(!out.contains("conflict"), "\(out)")
        }
        #expect(t.head(t.r1, n) == t.head(t.r2, n) && t.head(t.r2, n) == t.hubHead(n))
        for dir in [t.r1, t.r2] {
            #expect(t.conflicts(dir, n).isEmpty)
            #expect(t.status(dir, n) == "up to date +0 -0")
            let c = t.contract(dir, n)
            #expect((c["buyer"] as? [String: Any])?["phone"] as? String == "021-1111")
            #expect(c["supervisor"] as? String == "督办乙")
        }
    }

    /// Several conflicts settled by one commit, all taking the same side; --value only for one path.
    @Test func severalPathsResolveInOneCommit() {
        let t = TwoReplicas(["HT-7"])
        let n = "HT-7"
        t.ok(t.r1, "set", n, "buyer.phone=021-1111", "paymentMethod=承兑汇票")
        t.ok(t.r1, "push", "-q")
        t.ok(t.r2, "set", n, "buyer.phone=021-2222", "paymentMethod=信用证")
        #expect(t.run(t.r2, ["pull"]).out.contains("2 new conflicts"))
        #expect(t.conflicts(t.r2, n).compactMap { $0["path"] as? String } == ["buyer.phone", "paymentMethod"])
        let before = t.head(t.r2, n)
        let refused = t.run(t.r2, ["resolve", n, "buyer.phone", "paymentMethod", "--value", "x"])
        #expect(refused.status == 128 && refused.err.contains("--value sets one path"), "\(refused.err)")
        #expect(t.head(t.r2, n) == before)
        #expect(t.ok(t.r2, "resolve", n, "buyer.phone", "paymentMethod", "--theirs").hasSuffix("resolved buyer.phone, paymentMethod"))
        #expect(t.s.ok("rev-parse", "refs/contracts/\(n)^", cwd: t.r2) == before, "one commit")
        #expect(t.conflicts(t.r2, n).isEmpty)
        let c = t.contract(t.r2, n)
        #expect((c["buyer"] as? [String: Any])?["phone"] as? String == "021-1111" && c["paymentMethod"] as? String == "承兑汇票")
    }

    /// Both replicas attach a different file under the same name: the merge keeps both (the
    /// smaller blob id keeps the name, the other gets its id in the name), whichever side merges,
    /// and the replicas converge with both files' bytes intact.
    @Test func sameNamedAttachmentsFromTwoReplicasAreBothKept() throws {
        let t = TwoReplicas(["HT-6"])
        let n = "HT-6"
        for d in ["a", "b"] { try FileManager.default.createDirectory(atPath: "\(t.s.dir.path)/\(d)", withIntermediateDirectories: true) }
        let a = t.s.dir.write("a/scan.pdf", "%PDF scan by Ann"), b = t.s.dir.write("b/scan.pdf", "%PDF scan by Bo")
        t.ok(t.r1, "attach", n, a)
        t.ok(t.r1, "push", "-q")
        t.ok(t.r2, "attach", n, b)
        let out = t.ok(t.r2, "sync")
        #expect(out.contains("merged"), "\(out)")
        #expect(t.ok(t.r1, "pull").contains("fast-forward"))
        #expect(t.head(t.r1, n) == t.head(t.r2, n) && t.head(t.r2, n) == t.hubHead(n))
        let attachments = (t.contract(t.r1, n)["attachments"] as? [[String: Any]] ?? []).map { ($0["name"] as? String ?? "", $0["blob"] as? String ?? "") }
        #expect(attachments.count == 2, "\(attachments)")
        var contents: [String] = []
        for (name, _) in attachments {
            let bytes = t.s.git("--git-dir=\(t.r1)/.accord", "show", "refs/contracts/\(n):attachments/\(name)").out
            contents.append(bytes)
        }
        #expect(contents.sorted() == ["%PDF scan by Ann", "%PDF scan by Bo"], "both files' bytes are kept")
        let names = attachments.map(\.0)
        #expect(names.contains("scan.pdf") && names.contains { $0.hasPrefix("scan~") && $0.hasSuffix(".pdf") }, "\(names)")
        #expect(t.conflicts(t.r1, n).isEmpty)
        #expect(t.s.git("--git-dir=\(t.hub)", "fsck", "--strict").status == 0)
    }

    /// Both replicas submitted the same draft; one reviewer rejected it (back to draft), the
    /// other approved it: a status conflict (domain.md §5), not a quiet approval. A status move on
    /// one side only merges cleanly.
    @Test func approveAgainstRejectIsAStatusConflict() {
        let t = TwoReplicas(["HT-3", "HT-4"])
        t.ok(t.r1, "submit", "HT-3")
        t.ok(t.r1, "reject", "HT-3", "-m", "价格需复核", role: "salesHead")
        t.ok(t.r2, "submit", "HT-3")
        // Another person approves (separation of duties: the submitter approves no stage).
        let approve = t.run(t.r2, ["approve", "HT-3", "-m", "同意"], role: "salesHead", env: ["ACCORD_AUTHOR_NAME": "Li Na", "ACCORD_AUTHOR_EMAIL": "li.na@example.cn"])
        #expect(approve.status == 0, "\(approve.err)")
        t.ok(t.r1, "submit", "HT-4")
        t.ok(t.r2, "set", "HT-4", "buyer.phone=021-3333")
        t.ok(t.r1, "push", "-q")
        #expect(t.run(t.r2, ["pull", "-q"]).status == 1, "the pull left a conflict")
        let status = t.conflicts(t.r2, "HT-3").first { $0["path"] as? String == "status" }
        #expect(status?["base"] as? String == "draft")
        #expect((status?["ours"] as? [String: Any])?["value"] as? String == "secondReview")
        #expect((status?["theirs"] as? [String: Any])?["value"] as? String == "draft")
        #expect(t.contract(t.r2, "HT-3")["status"] as? String == "draft")
        #expect(t.conflicts(t.r2, "HT-4").isEmpty)
        #expect(t.contract(t.r2, "HT-4")["status"] as? String == "initialReview")
        // Resolving picks one of the stored statuses: a status change without a lifecycle action,
        // which the store allows only to settle a status conflict.
        t.ok(t.r2, "resolve", "HT-3", "status", "--ours", role: "salesHead")
        #expect(t.contract(t.r2, "HT-3")["status"] as? String == "secondReview")
        #expect(!t.conflicts(t.r2, "HT-3").contains { $0["path"] as? String == "status" })
    }

    /// A contract whose remote version cannot be merged (an invalid contract.json, written into
    /// the hub with git plumbing) is named as an error; every other contract is merged, and sync
    /// still pushes them; exit 1.
    @Test func oneUnmergeableContractDoesNotBlockTheOthers() {
        let t = TwoReplicas(["C-1", "C-2", "C-3"])
        t.ok(t.r1, "set", "C-1", "subject=一号")
        t.ok(t.r1, "set", "C-3", "subject=三号")
        t.ok(t.r1, "push", "-q")
        func plumbing(_ args: String..., input: String = "") -> String {
            let r = t.s.git(["--git-dir=\(t.hub)"] + args, cwd: nil, input: Array(input.utf8))
            #expect(r.status == 0, "git \(args.joined(separator: " ")): \(r.err)")
            return r.trimmed
        }
        let old = t.hubHead("C-2")
        let blob = plumbing("hash-object", "-w", "--stdin", input: "{\"number\": \"C-2\", \"type\": \"nonsense\"}\n")
        let tree = plumbing("mktree", input: "100644 blob \(blob)\tcontract.json\n")
        let bad = plumbing("commit-tree", tree, "-p", old, "-m", "not a contract")
        _ = plumbing("update-ref", "refs/contracts/C-2", bad, old)
        t.ok(t.r2, "set", "C-2", "subject=二号")
        let mine = t.head(t.r2, "C-2")

        let pull = t.run(t.r2, ["pull"])
        #expect(pull.status == 1, "\(pull.out)\(pull.err)")
        #expect(pull.err.contains("error: C-2: ") && pull.err.contains("contract.json"), "\(pull.err)")
        #expect(pull.out.contains("C-1: fast-forward") && pull.out.contains("C-3: fast-forward") && !pull.out.contains("C-2"), "\(pull.out)")
        #expect(t.head(t.r2, "C-1") == t.hubHead("C-1") && t.head(t.r2, "C-3") == t.hubHead("C-3"))
        #expect(t.head(t.r2, "C-2") == mine)

        t.ok(t.r2, "set", "C-1", "subject=一号（改）")
        let sync = t.run(t.r2, ["sync"])
        #expect(sync.status == 1, "\(sync.out)\(sync.err)")
        #expect(sync.err.contains("error: C-2: ") && !sync.err.contains("round 2"), "\(sync.err)")
        #expect(t.hubHead("C-1") == t.head(t.r2, "C-1"), "the other contracts are pushed")
        #expect(t.hubHead("C-2") == bad && t.head(t.r2, "C-2") == mine)
    }

    /// A local commit the hub refuses as a contract (made here with git plumbing): sync names it
    /// and exits 1 at once instead of pulling again as if the hub had moved; the others go through.
    @Test func syncReportsAContractTheHubRefuses() {
        let t = TwoReplicas(["C-1", "C-2"])
        let gitDir = "\(t.r1)/.accord"
        func plumbing(_ args: String..., input: String = "") -> String {
            let r = t.s.git(["--git-dir=\(gitDir)"] + args, cwd: nil, input: Array(input.utf8))
            #expect(r.status == 0, "git \(args.joined(separator: " ")): \(r.err)")
            return r.trimmed
        }
        let old = t.head(t.r1, "C-2")
        let blob = plumbing("hash-object", "-w", "--stdin", input: "{}\n")
        let tree = plumbing("mktree", input: "100644 blob \(blob)\tcontract.json\n")
        let bad = plumbing("commit-tree", tree, "-p", old, "-m", "not a contract")
        _ = plumbing("update-ref", "refs/contracts/C-2", bad, old)
        t.ok(t.r1, "set", "C-1", "subject=一号")

        let sync = t.run(t.r1, ["sync"])
        #expect(sync.status == 1, "\(sync.out)\(sync.err)")
        #expect(sync.err.contains("error: refs/contracts/C-2: refused by the remote: contract C-2, commit \(bad.prefix(12))"), "\(sync.err)")
        #expect(!sync.err.contains("pulling again"), "\(sync.err)")
        #expect(t.hubHead("C-1") == t.head(t.r1, "C-1") && t.hubHead("C-2") == old)
    }
}
