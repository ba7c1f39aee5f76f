import Foundation
import Testing

/// The repositories and mutating commands that the crash matrix and the disk-full test put
/// through their faults, and what each must find afterwards: no corrupt repository, no lost
/// acknowledged commit, and a re-run that completes with no hand repair.
enum MutatingWorld {
    /// One mutating command: where it runs, and what "done" means afterwards.
    struct Command: Sendable {
        var name: String
        var cwd: String            // relative to the world
        var args: [String]
        /// Repositories it changes (relative to the world), checked by both fscks.
        var touches: [String]
        /// Outcomes of the re-run that mean "already done" (the killed run had completed its work).
        var alreadyDone: [String] = []
        /// Writes only derived files (a cache): on a full disk it must still succeed.
        var writesOnlyDerived = false
        /// After the re-run: is the work visibly done? (nil: nothing more to check)
        var done: (@Sendable (World) -> String?)? = nil
    }

    /// The repositories every trial starts from (copied fresh each time, always at the same path,
    /// so remote URLs stay valid): `hub.accord` (bare), `rep` (a clone with two unpushed edits of
    /// CM-A, tagged `buyer-edit` at the second, behind the hub on CM-B, tracking CM-C which the hub
    /// deleted), `hq` (another clone, with an unpushed edit of CM-A's subject), `cf` (a clone with a
    /// conflict on CM-B's subject), `imp` (empty, for import), `mg` (a clone that changed CM-A's
    /// buyer and fetched hq's CM-A: a merge to make; and a complete draft, HT-2026-002, to submit),
    /// `org` (a repository with a signed organisation whose administrator's key is `keys/admin`,
    /// and a contract CM-O), a bundle `d.bundle` carrying CM-D, an export `imp.json`, and the public
    /// key `keys/li/accord/signing_key.pub` of a person to add.
    struct World: Sendable {
        let s: Sandbox
        var root: String { "\(s.root)/w" }
        func path(_ rel: String) -> String { rel.isEmpty ? root : "\(root)/\(rel)" }
        func gitDir(_ rel: String) -> String { rel.hasSuffix(".accord") ? path(rel) : "\(path(rel))/.accord" }
        func tip(_ repo: String, _ ref: String) -> String {
            let r = s.git("--git-dir=\(gitDir(repo))", "rev-parse", "--verify", "-q", ref)
            return r.status == 0 ? r.trimmed : ""
        }
        /// Every commit reachable from refs/contracts/* of `repo`.
        func contractCommits(_ repo: String) -> Set<String> {
            Set(s.git("--git-dir=\(gitDir(repo))", "rev-list", "--glob=refs/contracts/*").lines)
        }
        /// Every commit reachable from refs/contracts/* of `repo` or from its organisation
        /// (refs/accord/organisation, whose signed versions are acknowledged as a contract's are).
        func acknowledgedCommits(_ repo: String) -> Set<String> {
            let organisation = tip(repo, "refs/accord/organisation").isEmpty ? [] : ["refs/accord/organisation"]
            return Set(s.git(["--git-dir=\(gitDir(repo))", "rev-list", "--glob=refs/contracts/*"] + organisation, input: []).lines)
        }
    }

    static let repos = ["hub.accord", "rep", "hq", "cf", "imp", "mg", "org"]

    static func buildTemplate(_ s: Sandbox) {
        let w = "\(s.root)/w"
        try? FileManager.default.createDirectory(atPath: w, withIntermediateDirectories: true)
        s.ok("init", "-q", "seed", cwd: w)
        let seed = "\(w)/seed"
        setIdentity(s, seed)
        for c in ["A", "B", "C"] { s.ok("new", "CM-\(c)", "--type", "sales", "subject=件\(c)", "buyer.name=买方\(c)", cwd: seed) }
        s.ok("export", "-o", "../imp.json", cwd: seed)
        s.ok("clone", "-q", "--bare", "seed", "hub.accord", cwd: w)
        for r in ["rep", "hq", "cf"] {
            s.ok("clone", "-q", "hub.accord", r, cwd: w)
            setIdentity(s, "\(w)/\(r)")
        }
        let cf = "\(w)/cf"
        s.ok("set", "CM-B", "subject=冲突B", cwd: cf)
        s.ok("init", "-q", "imp", cwd: w)
        setIdentity(s, "\(w)/imp")
        let hq = "\(w)/hq", rep = "\(w)/rep"
        s.ok("set", "CM-B", "subject=改B", cwd: hq)
        s.ok("record", "CM-B", "tracking", "customer=买方B", cwd: hq)
        s.ok("push", "-q", cwd: hq)
        let conflicted = s.accord("pull", "-q", cwd: cf)
        #expect(conflicted.status == 1 && s.ok("conflicts", cwd: cf).contains("CM-B subject"), "\(conflicted.err)")
        s.ok("new", "CM-D", "--type", "sales", "subject=件D", cwd: hq)
        s.ok("bundle", "create", "-q", "../d.bundle", "CM-D", cwd: hq)
        s.ok("set", "CM-A", "subject=改A", cwd: rep)
        s.ok("set", "CM-A", "buyer.name=新买方", cwd: rep)
        s.ok("update-ref", "-d", "refs/contracts/CM-C", env: ["ACCORD_DIR": "\(w)/hub.accord"])
        FileManager.default.createFile(atPath: "\(w)/att.txt", contents: Data("签收单\n".utf8))
        // What revert undoes: rep's second edit of CM-A (the buyer), named by a tag that stays put.
        s.ok("tag", "CM-A", "buyer-edit", cwd: rep)
        // Two diverged histories of CM-A to merge with no conflict: hq changes the subject
        // (unpushed, so the hub's CM-A stays where rep's push fast-forwards it), mg the buyer.
        s.ok("set", "CM-A", "subject=总部A", cwd: hq)
        s.ok("clone", "-q", "hub.accord", "mg", cwd: w)
        let mg = "\(w)/mg"
        setIdentity(s, mg)
        s.ok("set", "CM-A", "buyer.name=合并买方", cwd: mg)
        s.ok("remote", "add", "hq", "../hq", cwd: mg)
        s.ok("fetch", "-q", "hq", cwd: mg)
        // A draft with complete terms, for submit.
        let fixtures = (try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: ContractRepo.fixtureFiles[0])))) as? [[String: Any]] ?? []
        let draft = fixtures.filter { ($0["contract"] as? [String: Any])?["number"] as? String == "HT-2026-002" }
        #expect(draft.count == 1, "HT-2026-002 not in \(ContractRepo.fixtureFiles[0])")
        FileManager.default.createFile(atPath: "\(w)/draft.json", contents: try? JSONSerialization.data(withJSONObject: draft))
        s.ok("import", "../draft.json", cwd: mg)
        // An organisation: keys made by accord itself (each under its own config directory inside
        // the world, not the sandbox's home, so no other repository signs), a contract from before
        // it (its baseline), then org init by the administrator (who is also a sales rep).
        for k in ["admin", "li"] { s.ok("key", "generate", env: ["XDG_CONFIG_HOME": "\(w)/keys/\(k)"]) }
        s.ok("init", "-q", "org", cwd: w)
        let org = "\(w)/org"
        setIdentity(s, org)
        s.ok("new", "CM-O", "--type", "sales", "subject=件O", "buyer.name=买方O", cwd: org)
        // An absolute path: every trial's world is at this same path.
        s.ok("config", "user.signingKey", "\(w)/keys/admin/accord/signing_key", cwd: org)
        s.ok("org", "init", "--name", "示例", "--role", "salesRep", "--office", "SH", cwd: org)
        try? FileManager.default.removeItem(atPath: seed)
        try? FileManager.default.moveItem(atPath: w, toPath: "\(s.root)/template")
    }

    static let commands: [Command] = [
        Command(name: "set", cwd: "rep", args: ["set", "CM-A", "subject=再改"], touches: ["rep"], alreadyDone: ["nothing to commit"],
                done: { w in w.s.ok("show", "CM-A", cwd: w.path("rep")).contains("再改") ? nil : "CM-A's subject not set" }),
        Command(name: "record", cwd: "rep", args: ["record", "CM-A", "tracking", "customer=买方A"], touches: ["rep"]),
        Command(name: "item add", cwd: "rep", args: ["item", "add", "CM-A", "L1", "name=车床", "quantity=2", "unitPrice=10.00", "unit=台"],
                touches: ["rep"], alreadyDone: ["already"]),
        Command(name: "attach", cwd: "rep", args: ["attach", "CM-A", "../att.txt"], touches: ["rep"], alreadyDone: ["already exists"]),
        Command(name: "new", cwd: "rep", args: ["new", "CM-N", "--type", "sales", "subject=新"], touches: ["rep"],
                alreadyDone: ["already exists"], done: { $0.tip("rep", "refs/contracts/CM-N").isEmpty ? "CM-N missing" : nil }),
        Command(name: "tag", cwd: "rep", args: ["tag", "CM-A", "v1"], touches: ["rep"], alreadyDone: ["already exists"]),
        Command(name: "import", cwd: "imp", args: ["import", "../imp.json"], touches: ["imp"], alreadyDone: ["already exists"],
                done: { w in w.contractCommits("imp").isEmpty || w.tip("imp", "refs/contracts/CM-C").isEmpty ? "import incomplete" : nil }),
        Command(name: "gc", cwd: "rep", args: ["gc", "-q"], touches: ["rep"]),
        Command(name: "push", cwd: "rep", args: ["push", "-q", "origin", "CM-A"], touches: ["rep", "hub.accord"],
                done: { w in w.tip("hub.accord", "refs/contracts/CM-A") == w.tip("rep", "refs/contracts/CM-A") ? nil : "hub lacks CM-A" }),
        Command(name: "pull", cwd: "rep", args: ["pull", "-q"], touches: ["rep"],
                done: { w in w.tip("rep", "refs/contracts/CM-B") == w.tip("hub.accord", "refs/contracts/CM-B") ? nil : "CM-B not pulled" }),
        Command(name: "fetch --prune", cwd: "rep", args: ["fetch", "--prune", "-q"], touches: ["rep"],
                done: { w in w.tip("rep", "refs/remotes/origin/contracts/CM-C").isEmpty ? nil : "CM-C not pruned" }),
        Command(name: "sync", cwd: "rep", args: ["sync", "-q"], touches: ["rep", "hub.accord"],
                done: { w in
                    w.tip("hub.accord", "refs/contracts/CM-A") == w.tip("rep", "refs/contracts/CM-A")
                        && w.tip("rep", "refs/contracts/CM-B") == w.tip("hub.accord", "refs/contracts/CM-B") ? nil : "not in sync"
                }),
        Command(name: "clone", cwd: "", args: ["clone", "-q", "hub.accord", "cl"], touches: [], alreadyDone: ["already exists"],
                done: { w in w.tip("cl", "refs/contracts/CM-B") == w.tip("hub.accord", "refs/contracts/CM-B") ? nil : "clone incomplete" }),
        Command(name: "bundle create", cwd: "hq", args: ["bundle", "create", "-q", "../out.bundle"], touches: ["hq"],
                done: { w in w.s.accord("bundle", "verify", "../out.bundle", cwd: w.path("rep")).status == 0 ? nil : "bundle does not verify" }),
        Command(name: "resolve", cwd: "cf", args: ["resolve", "CM-B", "subject", "--ours"], touches: ["cf"],
                alreadyDone: ["has no conflict"],
                done: { w in w.s.ok("conflicts", cwd: w.path("cf")).isEmpty ? nil : "still conflicted" }),
        Command(name: "config", cwd: "rep", args: ["config", "user.office", "华南"], touches: ["rep"]),
        Command(name: "remote add", cwd: "rep", args: ["remote", "add", "hq", "../hq"], touches: ["rep"], alreadyDone: ["already exists"]),
        Command(name: "remote remove", cwd: "rep", args: ["remote", "remove", "origin"], touches: ["rep"], alreadyDone: ["no such remote"]),
        // Reads, but writes its derived query index (accord/index.sqlite) as it goes.
        Command(name: "report", cwd: "rep", args: ["report", "ledger"], touches: ["rep"], writesOnlyDerived: true),
        // Builds the search text index (SQLite) in the same file.
        Command(name: "search", cwd: "rep", args: ["search", "件"], touches: ["rep"], writesOnlyDerived: true),
        Command(name: "pull bundle", cwd: "rep", args: ["pull", "-q", "../d.bundle"], touches: ["rep"],
                done: { $0.tip("rep", "refs/contracts/CM-D").isEmpty ? "CM-D not pulled" : nil }),
        // Lifecycle moves. CM-B, not CM-A: the edit of rep after every trial is of CM-A.
        Command(name: "cancel", cwd: "rep", args: ["cancel", "CM-B"], touches: ["rep"],
                alreadyDone: ["cannot cancel a contract that is cancelled"],
                done: { w in w.s.ok("show", "CM-B", cwd: w.path("rep")).contains("cancelled") ? nil : "CM-B not cancelled" }),
        Command(name: "submit", cwd: "mg", args: ["submit", "HT-2026-002"], touches: ["mg"],
                alreadyDone: ["cannot submit a contract that is initialReview"],
                done: { w in w.s.ok("show", "HT-2026-002", cwd: w.path("mg")).contains("initialReview") ? nil : "HT-2026-002 not submitted" }),
        // Once done, the buyer has changed since the reverted commit (back to its old value).
        Command(name: "revert", cwd: "rep", args: ["revert", "CM-A", "refs/tags/CM-A/buyer-edit"], touches: ["rep"],
                alreadyDone: ["buyer.name: has changed since refs/tags/CM-A/buyer-edit (now 买方A)"],
                done: { w in
                    let shown = w.s.ok("show", "CM-A", cwd: w.path("rep"))
                    return shown.contains("买方A") && !shown.contains("新买方") && shown.contains("改A") ? nil : "CM-A's buyer not reverted"
                }),
        // A real merge commit: mg's CM-A (the buyer) and hq's (the subject), no conflict. Run
        // again once done, it is "already up to date" (exit 0).
        Command(name: "merge", cwd: "mg", args: ["merge", "CM-A", "hq/contracts/CM-A"], touches: ["mg"],
                done: { w in
                    let shown = w.s.ok("show", "CM-A", cwd: w.path("mg"))
                    let hq = w.tip("mg", "refs/remotes/hq/contracts/CM-A")
                    return !hq.isEmpty && w.tip("mg", "refs/contracts/CM-A^2") == hq && shown.contains("总部A") && shown.contains("合并买方")
                        && w.s.ok("conflicts", cwd: w.path("mg")).isEmpty ? nil : "CM-A not merged"
                }),
        // The organisation's signed versions (refs/accord/organisation): after each, the
        // administrator's next signed contract commit must still be accepted.
        Command(name: "org person add", cwd: "org",
                args: ["org", "person", "add", "li.si@example.com", "--name", "李四", "--key", "../keys/li/accord/signing_key.pub",
                       "--role", "salesRep", "--office", "SH"],
                touches: ["org"], alreadyDone: ["li.si@example.com is already a person of the organisation"],
                done: { w in
                    w.s.ok("org", "show", cwd: w.path("org")).contains("li.si@example.com") ? orgEdits(w) : "li.si@example.com not added"
                }),
        // Run again once done, the same template is "unchanged" (exit 0).
        Command(name: "template add", cwd: "org", args: ["template", "add", "001", "--name", "标准销售合同", "currency=CNY", "paymentMethod=银行转账"],
                touches: ["org"],
                done: { w in w.s.ok("template", "list", cwd: w.path("org")).contains("标准销售合同") ? orgEdits(w) : "template 001 not published" }),
    ]

    /// The organisation's repository still takes a signed contract commit.
    static func orgEdits(_ w: World) -> String? {
        let r = w.s.accord(["set", "CM-O", "subject=之后"], cwd: w.path("org"), input: [])
        return r.status == 0 ? nil : "next edit of org failed: \(r.err.prefix(400))"
    }

    static func fresh(_ s: Sandbox) {
        let w = "\(s.root)/w"
        try? FileManager.default.removeItem(atPath: w)
        do { try FileManager.default.copyItem(atPath: "\(s.root)/template", toPath: w) } catch {
            Issue.record("copying the template: \(error)")
        }
    }

    /// Every commit on a contract ref or the organisation ref of every repository of a fresh
    /// world: what was acknowledged before any command of a trial ran.
    static func acknowledged(_ world: World) -> [String: Set<String>] {
        var acknowledged: [String: Set<String>] = [:]
        for r in repos { acknowledged[r] = world.acknowledgedCommits(r) }
        #expect(repos.filter { $0 != "imp" }.allSatisfy { acknowledged[$0]?.isEmpty == false })
        #expect(!world.tip("org", "refs/accord/organisation").isEmpty, "org has no organisation")
        return acknowledged
    }

    /// What is wrong after `c` failed (killed, or out of space) in `world`: both fscks on every
    /// repository it touched, every acknowledged commit still on a contract or organisation ref, and then the
    /// same command re-run to completion (or finding its work done), and an edit of the replica.
    static func problemsAfterFailure(_ world: World, _ c: Command, acknowledged: [String: Set<String>]) -> [String] {
        let s = world.s, cwd = world.path(c.cwd)
        var problems: [String] = []
        // 1. Not corrupt: both fscks accept every repository the command touched.
        for r in c.touches {
            let g = s.git("--git-dir=\(world.gitDir(r))", "fsck", "--strict", "--no-dangling")
            if g.status != 0 { problems.append("git fsck \(r): \(g.err.prefix(300))") }
            let a = s.accord(["fsck"], cwd: world.root, input: [], env: ["ACCORD_DIR": world.gitDir(r)])
            if a.status != 0 { problems.append("accord fsck \(r): \(a.err.prefix(300)) \(a.out.prefix(300))") }
        }
        // 2. Nothing acknowledged lost (contracts' commits and the organisation's versions).
        for r in repos {
            let lost = (acknowledged[r] ?? []).subtracting(world.acknowledgedCommits(r))
            if !lost.isEmpty { problems.append("\(r) lost \(lost.count) acknowledged commits") }
        }
        // 3. No hand repair: the same command completes (or finds its work done), the work is
        //    there, and the replica takes an edit.
        let again = s.accord(c.args, cwd: cwd, input: [])
        if again.status != 0 && !c.alreadyDone.contains(where: { again.err.contains($0) }) {
            problems.append("re-run failed (\(again.status)): \(again.err.prefix(400))")
        }
        if let check = c.done?(world) { problems.append("after the re-run: \(check)") }
        let edit = s.accord(["set", "CM-A", "subject=之后"], cwd: world.path("rep"), input: [])
        if edit.status != 0 { problems.append("next edit of rep failed: \(edit.err.prefix(400))") }
        for r in c.touches where r != "rep" {
            let g = s.git("--git-dir=\(world.gitDir(r))", "fsck", "--strict", "--no-dangling")
            if g.status != 0 { problems.append("git fsck \(r) after the re-run: \(g.err.prefix(300))") }
        }
        return problems
    }
}
