import Foundation
import Testing

/// A replica made with the CLI, with an identity that may create contracts.
func makeReplica(_ s: Sandbox, _ name: String) -> String {
    s.ok("init", "-q", name)
    let dir = "\(s.root)/\(name)"
    setIdentity(s, dir)
    return dir
}

/// A sales rep's identity in the replica at `dir` (a clone needs one before it can merge).
func setIdentity(_ s: Sandbox, _ dir: String, name: String = "Ann Seller", email: String = "ann@example.com", office: String = "SH") {
    for (k, v) in [("user.name", name), ("user.email", email), ("user.role", "salesRep"), ("user.office", office)] {
        s.ok("config", k, v, cwd: dir)
    }
}

func packDirListing(_ gitDir: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: "\(gitDir)/objects/pack")) ?? []).sorted()
}

func jsonObject(_ text: String) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
}

@Suite struct TransportCLITests {
    func gitFsckOK(_ s: Sandbox, _ gitDir: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let r = s.git("--git-dir=\(gitDir)", "fsck", "--strict", "--no-dangling")
        #expect(r.status == 0, "git fsck --strict \(gitDir): \(r.err)\(r.out)", sourceLocation: sourceLocation)
        let a = s.accord("fsck", env: ["ACCORD_DIR": gitDir])
        #expect(a.status == 0, "accord fsck \(gitDir): \(a.out)\(a.err)", sourceLocation: sourceLocation)
    }

    @Test func cloneFetchPushBetweenThreeRepositories() {
        let s = Sandbox()
        let r1 = makeReplica(s, "r1")
        s.ok("new", "C-1", "--type", "sales", "subject=Widgets", "buyer.name=Acme", cwd: r1)
        s.ok("new", "C-2", "--type", "sales", "subject=Gadgets", "buyer.name=Beta", cwd: r1)
        s.ok("clone", "--bare", "-q", r1, "hub.accord")
        let hub = "\(s.root)/hub.accord"
        #expect(s.ok("show-ref", env: ["ACCORD_DIR": hub]).contains("refs/contracts/C-1"))
        s.ok("remote", "add", "origin", "../hub.accord", cwd: r1)
        #expect(s.ok("remote", "-v", cwd: r1) == "origin\t\(hub) (fetch)\norigin\t\(hub) (push)")
        #expect(s.ok("remote", cwd: r1) == "origin")

        let cloned = jsonObject(s.ok("clone", "--json", hub, "r2"))
        let r2 = "\(s.root)/r2"
        #expect((cloned["objects"] as? Int ?? 0) > 0)
        #expect(s.ok("rev-parse", "refs/contracts/C-1", cwd: r2) == s.ok("rev-parse", "refs/contracts/C-1", cwd: r1))
        #expect(s.ok("rev-parse", "refs/remotes/origin/contracts/C-2", cwd: r2) == s.ok("rev-parse", "refs/contracts/C-2", cwd: r1))
        #expect(packDirListing("\(r2)/.accord").filter { $0.hasSuffix(".pack") }.count == 1)
        // As git's clone, the refs a clone creates get no reflogs (a file per ref is most of a
        // large clone's cost); the next update of a ref starts its reflog.
        #expect(!FileManager.default.fileExists(atPath: "\(r2)/.accord/logs/refs/contracts"))
        #expect(!FileManager.default.fileExists(atPath: "\(r2)/.accord/logs/refs/remotes"))
        #expect(s.ok("reflog", "C-1", cwd: r2) == "")

        // A second fetch moves nothing.
        let again = jsonObject(s.ok("fetch", "--json", cwd: r2))
        #expect(again["objects"] as? Int == 0)
        #expect(s.ok("fetch", cwd: r2) == "")

        // r1 changes one field and pushes: only that commit's new objects travel (commit, root tree, contract.json).
        s.ok("fetch", "-q", cwd: r1)
        s.ok("set", "C-1", "subject=Sprockets", cwd: r1)
        let pushed = jsonObject(s.ok("push", "--json", cwd: r1))
        let pushedObjects = pushed["objects"] as? Int ?? -1
        #expect(pushedObjects == 3)
        let fetched = s.ok("fetch", "--json", cwd: r2)
        #expect(jsonObject(fetched)["objects"] as? Int == pushedObjects)
        let head = s.ok("rev-parse", "refs/contracts/C-1", cwd: r1)
        #expect(s.ok("rev-parse", "refs/remotes/origin/contracts/C-1", cwd: r2) == head)
        #expect(fetched.contains("\"status\":\"fast-forward\""))
        // The text report, git style.
        s.ok("set", "C-2", "subject=Gizmos", cwd: r1)
        s.ok("push", "-q", cwd: r1)
        let text = s.ok("fetch", cwd: r2)
        #expect(text.hasPrefix("From \(hub)\n"))
        #expect(text.contains("..") && text.contains("C-2 -> origin/contracts/C-2"))

        // r2 diverges on C-1: its push is rejected (exit 1), the hub keeps r1's head.
        for (k, v) in [("user.name", "Bo Seller"), ("user.email", "bo@example.com"), ("user.role", "salesRep"), ("user.office", "SH")] {
            s.ok("config", k, v, cwd: r2)
        }
        s.ok("set", "C-1", "subject=Other", cwd: r2)
        #expect(s.ok("reflog", "C-1", cwd: r2).split(separator: "\n").count == 1) // the set began it
        let rejected = s.accord("push", cwd: r2)
        #expect(rejected.status == 1)
        #expect(rejected.out.contains("[rejected]") && rejected.out.contains("non-fast-forward"))
        // Only lost races: git's hint, which fetching and merging answers.
        #expect(rejected.err == "error: failed to push some refs to '\(hub)'; fetch, merge, and push again\n", "\(rejected.err)")
        #expect(s.ok("rev-parse", "refs/contracts/C-1", env: ["ACCORD_DIR": hub]) == head)
        for d in [hub, "\(r1)/.accord", "\(r2)/.accord"] { gitFsckOK(s, d) }
    }

    /// A fetch or push killed at each point leaves both sides valid; the next one completes.
    @Test(arguments: ["after-temp-pack", "after-index", "before-ref-update"])
    func interruptedTransfersRecover(_ point: String) {
        let s = Sandbox()
        let r1 = makeReplica(s, "r1")
        s.ok("new", "C-1", "--type", "sales", "subject=Widgets", "buyer.name=Acme", cwd: r1)
        s.ok("clone", "--bare", "-q", r1, "hub")
        let hub = "\(s.root)/hub"
        s.ok("remote", "add", "origin", hub, cwd: r1)
        s.ok("clone", "-q", hub, "r2")
        let r2 = "\(s.root)/r2"
        let before = s.ok("rev-parse", "refs/contracts/C-1", cwd: r1)
        s.ok("set", "C-1", "subject=Sprockets", cwd: r1)
        let head = s.ok("rev-parse", "refs/contracts/C-1", cwd: r1)

        // Push, killed: the hub's ref has not moved; the hub is valid.
        let killedPush = s.accord("push", "-q", cwd: r1, env: ["ACCORD_TEST_FAULT": point])
        #expect(killedPush.status == 99)
        #expect(s.ok("rev-parse", "refs/contracts/C-1", env: ["ACCORD_DIR": hub]) == before)
        gitFsckOK(s, hub)
        #expect(s.accord("push", "-q", cwd: r1).status == 0)
        #expect(s.ok("rev-parse", "refs/contracts/C-1", env: ["ACCORD_DIR": hub]) == head)

        // Fetch, killed: the tracking ref has not moved; r2 is valid; the next fetch completes.
        let killedFetch = s.accord("fetch", "-q", cwd: r2, env: ["ACCORD_TEST_FAULT": point])
        #expect(killedFetch.status == 99)
        #expect(s.ok("rev-parse", "refs/remotes/origin/contracts/C-1", cwd: r2) == before)
        if point != "before-ref-update" {
            #expect(packDirListing("\(r2)/.accord").contains { $0.hasPrefix("tmp_") }) // the killed run's leftovers
        }
        gitFsckOK(s, "\(r2)/.accord")
        let done = s.accord("fetch", "--json", cwd: r2)
        #expect(done.status == 0)
        #expect(s.ok("rev-parse", "refs/remotes/origin/contracts/C-1", cwd: r2) == head)
        #expect(jsonObject(done.out)["objects"] as? Int == (point == "before-ref-update" ? 0 : 3))
        gitFsckOK(s, "\(r2)/.accord")
        gitFsckOK(s, hub)
    }

    /// A pull of more contracts than a batch writes loose (so its refs go through packed-refs),
    /// killed right after packed-refs is written and before its locks are released: the replica
    /// stays valid, the next pull finishes the job over the killed process's locks, and gc
    /// removes the locks nothing touched since.
    @Test func aPullKilledInItsRefBatchIsFinishedByTheNextPull() {
        let s = Sandbox()
        let r1 = makeReplica(s, "r1")
        let n = 40
        for i in 0..<n { s.ok("new", "K-\(i)", "--type", "sales", "subject=Widgets", "buyer.name=Acme", cwd: r1) }
        s.ok("clone", "-q", r1, "r2")
        let r2 = "\(s.root)/r2"
        setIdentity(s, r2, name: "Bo Buyer", email: "bo@example.com", office: "BJ")
        for i in 0..<n { s.ok("set", "K-\(i)", "subject=Gears", cwd: r1) }

        let killed = s.accord("pull", "-q", cwd: r2, env: ["ACCORD_TEST_FAULT": "ref-batch-packed"])
        #expect(killed.status == 99)
        let left = s.git("--git-dir=\(r2)/.accord", "fsck", "--strict", "--no-dangling")
        #expect(left.status == 0, "\(left.err)")
        let fsck = s.accord("fsck", cwd: r2)
        #expect(fsck.status == 0 && fsck.err.contains("warning:") && fsck.err.contains("killed accord process"), "\(fsck.out)\(fsck.err)")

        let again = s.accord("pull", "-q", cwd: r2)
        #expect(again.status == 0, "\(again.err)")
        for i in [0, n - 1] {
            #expect(s.ok("rev-parse", "refs/contracts/K-\(i)", cwd: r2) == s.ok("rev-parse", "refs/contracts/K-\(i)", cwd: r1))
        }
        #expect(s.ok("show", "K-7", "--json", cwd: r2).contains("Gears"))
        s.ok("gc", "-q", cwd: r2)
        gitFsckOK(s, "\(r2)/.accord")
        #expect(s.ok("status", cwd: r2).split(separator: "\n").allSatisfy { $0.hasSuffix("up to date") })
    }

    /// A contract whose ref another process holds is left out of a pull (exit 1, named on
    /// stderr); the others are merged, and the next pull finishes it.
    @Test func aPullLeavesOutOnlyTheContractsItCannotLock() {
        let s = Sandbox()
        let r1 = makeReplica(s, "r1")
        for i in 0..<3 { s.ok("new", "L-\(i)", "--type", "sales", "subject=Widgets", "buyer.name=Acme", cwd: r1) }
        s.ok("clone", "-q", r1, "r2")
        let r2 = "\(s.root)/r2"
        setIdentity(s, r2, name: "Bo Buyer", email: "bo@example.com", office: "BJ")
        for i in 0..<3 { s.ok("set", "L-\(i)", "subject=Gears", cwd: r1) }
        let lock = "\(r2)/.accord/refs/contracts/L-1.lock"
        FileManager.default.createFile(atPath: lock, contents: Data()) // another (git) process's lock
        let r = s.accord("pull", cwd: r2)
        #expect(r.status == 1)
        #expect(r.err.contains("error: L-1: not merged") && r.err.contains("run accord pull again"), "\(r.err)")
        #expect(r.out.contains("L-0: fast-forward") && r.out.contains("L-2: fast-forward") && !r.out.contains("L-1"))
        #expect(s.ok("rev-parse", "refs/contracts/L-1", cwd: r2) != s.ok("rev-parse", "refs/contracts/L-1", cwd: r1))
        try? FileManager.default.removeItem(atPath: lock)
        #expect(s.accord("pull", "-q", cwd: r2).status == 0)
        #expect(s.ok("rev-parse", "refs/contracts/L-1", cwd: r2) == s.ok("rev-parse", "refs/contracts/L-1", cwd: r1))
    }

    @Test func remoteErrors() {
        let s = Sandbox()
        let r1 = makeReplica(s, "r1")
        let r = s.accord("fetch", "nowhere", cwd: r1)
        #expect(r.status == 128 && r.err.contains("neither a remote"))
        s.ok("remote", "add", "gone", "\(s.root)/missing", cwd: r1)
        let p = s.accord("push", "gone", cwd: r1)
        #expect(p.status == 128 && p.err.contains("does not appear to be an accord repository"))
        s.ok("remote", "remove", "gone", cwd: r1)
        #expect(s.ok("remote", cwd: r1) == "")
        let c = s.accord("clone", "\(s.root)/missing", "x")
        #expect(c.status == 128 && !FileManager.default.fileExists(atPath: "\(s.root)/x"))
    }
}
