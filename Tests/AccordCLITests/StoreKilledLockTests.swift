import Foundation
import Testing

/// A process killed at any moment of holding a lock (ref locks, packed-refs.lock, config.lock)
/// leaves either the old file or the new one, complete, and a lock that the next command takes
/// over by itself: the marker is in the lock from the instant its name exists, and the lock file
/// is never rewritten (new content goes to a temp file renamed over the target). git's locks are
/// still never taken.
@Suite(.timeLimit(.minutes(3))) struct StoreKilledLockTests {
    /// Every moment a kill can stop a lock's holder at, in order.
    static let points = ["lock-seeded", "lock-linked", "lock-temp-written", "lock-installed"]

    static func contents(_ path: String) -> [UInt8]? { FileManager.default.contents(atPath: path).map { [UInt8]($0) } }

    /// Every `.lock` left is an abandoned Accord lock: fsck stays successful and warns that a
    /// killed accord process left it (not "remove it by hand").
    func expectOnlyAbandonedLocks(_ s: Sandbox, _ repo: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let fsck = s.accord("fsck", "--json", cwd: repo)
        #expect(fsck.status == 0, "\(what): \(fsck.out)", sourceLocation: sourceLocation)
        let report = (try? JSONSerialization.jsonObject(with: Data(fsck.stdout))) as? [String: Any] ?? [:]
        #expect((report["problems"] as? [Any])?.isEmpty == true, "\(what): \(report)", sourceLocation: sourceLocation)
        for p in report["warnings"] as? [[String: Any]] ?? [] where p["kind"] as? String != "temp-file" {
            let message = p["message"] as? String ?? ""
            #expect(p["kind"] as? String == "abandoned-lock" && message.contains("killed accord process") && !message.contains("rm '"),
                    "\(what): \(p)", sourceLocation: sourceLocation)
        }
    }

    /// No lock, no temp file but those a gc may remove later, both fscks clean.
    func expectClean(_ s: Sandbox, _ repo: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let fsck = s.accord("fsck", cwd: repo)
        #expect(fsck.status == 0, "\(what): \(fsck.out)\(fsck.err)", sourceLocation: sourceLocation)
        let git = s.git("--git-dir=\(repo)/.accord", "fsck", "--strict", "--no-dangling")
        #expect(git.status == 0, "\(what): \(git.err)", sourceLocation: sourceLocation)
    }

    @Test(arguments: points)
    func aRefUpdateKilledAtAnyMomentIsTakenOverByTheNextOne(point: String) {
        let s = Sandbox()
        s.ok("init", "-q", "repo")
        let repo = "\(s.root)/repo", gitDir = "\(repo)/.accord"
        let tree = s.ok("mktree", cwd: repo)
        let c1 = s.ok("commit-tree", tree, "-m", "first", cwd: repo)
        let c2 = s.ok("commit-tree", tree, "-p", c1, "-m", "second", cwd: repo)
        let c3 = s.ok("commit-tree", tree, "-p", c1, "-m", "third", cwd: repo)
        s.ok("update-ref", "-m", "first", "refs/heads/main", c1, cwd: repo)
        let refPath = "\(gitDir)/refs/heads/main", lock = refPath + ".lock", logPath = "\(gitDir)/logs/refs/heads/main"
        let logBefore = Self.contents(logPath) ?? []

        let killed = s.accord("update-ref", "-m", "killed", "refs/heads/main", c2, c1, cwd: repo, env: ["ACCORD_TEST_FAULT": "\(point)@main"])
        #expect(killed.status == 99, "\(point) not reached: \(killed.status) \(killed.err)")
        // The ref holds the old value or the new one, whole; git agrees.
        let now = point == "lock-installed" ? c2 : c1
        #expect(Self.contents(refPath) == Array((now + "\n").utf8), "\(point)")
        #expect(s.gitOK("--git-dir=\(gitDir)", "rev-parse", "refs/heads/main") == now)
        // The lock is there from "lock-linked" on, always with the marker: an abandoned Accord lock.
        #expect(FileManager.default.fileExists(atPath: lock) == (point != "lock-seeded"), "\(point)")
        if point != "lock-seeded" {
            #expect(Self.contents(lock).map { $0.text.hasPrefix("accord lock:") } == true, "\(point): \(Self.contents(lock)?.text ?? "")")
        }
        expectOnlyAbandonedLocks(s, repo, "\(point)")
        // The reflog line is written after the ref moved: never an entry for an update that did
        // not happen (killed before the rename), at worst none for one that did (killed after).
        #expect(Self.contents(logPath) == logBefore, "\(point): \(Self.contents(logPath)?.text ?? "")")

        // The next update takes the lock over and completes; nothing needs a hand.
        s.ok("update-ref", "-m", "after the kill", "refs/heads/main", c3, now, cwd: repo)
        #expect(s.ok("rev-parse", "refs/heads/main", cwd: repo) == c3)
        let log = (Self.contents(logPath) ?? []).text
        #expect(log.hasPrefix(logBefore.text) && log.dropFirst(logBefore.count).hasPrefix("\(now) \(c3) ")
                && log.hasSuffix("\tafter the kill\n") && log.split(separator: "\n").count == 2, "\(point): \(log)")
        #expect(s.gitOK("--git-dir=\(gitDir)", "rev-parse", "refs/heads/main@{1}") == now)
        #expect(!FileManager.default.fileExists(atPath: lock))
        expectClean(s, repo, "\(point)")
        // gc removes what the kill left in the git directory once it is an hour old.
        let left = FileManager.default.enumerator(atPath: gitDir)?.compactMap { $0 as? String }.filter { $0.split(separator: "/").last?.hasPrefix("tmp_") == true } ?? []
        for name in left { #expect(storeTouch("\(gitDir)/\(name)", secondsAgo: 7200), "\(name)") }
        s.ok("gc", "-q", cwd: repo)
        let after = FileManager.default.enumerator(atPath: gitDir)?.compactMap { $0 as? String }.filter { $0.split(separator: "/").last?.hasPrefix("tmp_") == true } ?? []
        #expect(after.isEmpty, "\(point): temp files left after gc: \(after)")
    }

    @Test(arguments: points)
    func aConfigChangeKilledAtAnyMomentIsTakenOverByTheNextOne(point: String) {
        let s = Sandbox()
        s.ok("init", "-q", "repo")
        let repo = "\(s.root)/repo", gitDir = "\(repo)/.accord"
        s.ok("config", "user.name", "Old Name", cwd: repo)
        let before = Self.contents("\(gitDir)/config")

        let killed = s.accord("config", "user.name", "New Name", cwd: repo, env: ["ACCORD_TEST_FAULT": "\(point)@config"])
        #expect(killed.status == 99, "\(point) not reached: \(killed.status) \(killed.err)")
        let now = point == "lock-installed" ? "New Name" : "Old Name"
        #expect(s.ok("config", "user.name", cwd: repo) == now)
        #expect(s.gitOK("--git-dir=\(gitDir)", "config", "user.name") == now)
        if point != "lock-installed" { #expect(Self.contents("\(gitDir)/config") == before) }
        #expect(FileManager.default.fileExists(atPath: "\(gitDir)/config.lock") == (point != "lock-seeded"))
        expectOnlyAbandonedLocks(s, repo, "\(point)")

        s.ok("config", "user.name", "Newer Name", cwd: repo)
        #expect(s.gitOK("--git-dir=\(gitDir)", "config", "user.name") == "Newer Name")
        #expect(!FileManager.default.fileExists(atPath: "\(gitDir)/config.lock"))
        expectClean(s, repo, "\(point)")
    }

    /// gc packing refs, and a deletion of a packed ref, killed holding packed-refs.lock: the
    /// lock would block every later gc and every batch of 32 refs or more if it were not taken over.
    @Test(arguments: points)
    func packedRefsKilledAtAnyMomentIsTakenOverByTheNextWriter(point: String) {
        let s = Sandbox()
        s.ok("init", "-q", "repo")
        let repo = "\(s.root)/repo", gitDir = "\(repo)/.accord"
        let tree = s.ok("mktree", cwd: repo)
        let c1 = s.ok("commit-tree", tree, "-m", "first", cwd: repo)
        for name in ["A", "B", "C"] { s.ok("update-ref", "refs/heads/\(name)", c1, cwd: repo) }

        // gc writes packed-refs (there is none yet).
        let gc = s.accord("gc", "-q", cwd: repo, env: ["ACCORD_TEST_FAULT": "\(point)@packed-refs"])
        #expect(gc.status == 99, "\(point) not reached: \(gc.status) \(gc.err)")
        #expect(FileManager.default.fileExists(atPath: "\(gitDir)/packed-refs") == (point == "lock-installed"), "\(point)")
        for name in ["A", "B", "C"] { #expect(s.gitOK("--git-dir=\(gitDir)", "rev-parse", "refs/heads/\(name)") == c1) }
        expectOnlyAbandonedLocks(s, repo, "gc \(point)")
        s.ok("gc", "-q", cwd: repo)
        #expect(String(decoding: Self.contents("\(gitDir)/packed-refs") ?? [], as: UTF8.self).contains("refs/heads/B"))
        #expect(!FileManager.default.fileExists(atPath: "\(gitDir)/refs/heads/B"))
        expectClean(s, repo, "gc \(point)")

        // Deleting a packed ref rewrites packed-refs.
        let del = s.accord("update-ref", "-d", "refs/heads/B", c1, cwd: repo, env: ["ACCORD_TEST_FAULT": "\(point)@packed-refs"])
        #expect(del.status == 99, "\(point) not reached: \(del.status) \(del.err)")
        let gone = point == "lock-installed"
        #expect(s.git("--git-dir=\(gitDir)", "rev-parse", "--verify", "-q", "refs/heads/B").status == (gone ? 1 : 0), "\(point)")
        #expect(s.gitOK("--git-dir=\(gitDir)", "rev-parse", "refs/heads/A") == c1)
        expectOnlyAbandonedLocks(s, repo, "delete \(point)")
        // Deleted already: nothing updates B again, so gc removes its abandoned lock.
        if gone { s.ok("gc", "-q", cwd: repo) } else { s.ok("update-ref", "-d", "refs/heads/B", c1, cwd: repo) }
        s.ok("update-ref", "-d", "refs/heads/C", c1, cwd: repo)
        #expect(s.git("--git-dir=\(gitDir)", "rev-parse", "--verify", "-q", "refs/heads/B").status == 1)
        #expect(s.git("--git-dir=\(gitDir)", "rev-parse", "--verify", "-q", "refs/heads/C").status == 1)
        #expect(s.gitOK("--git-dir=\(gitDir)", "rev-parse", "refs/heads/A") == c1)
        #expect(!FileManager.default.fileExists(atPath: "\(gitDir)/packed-refs.lock"))
        expectClean(s, repo, "delete \(point)")
    }

    /// A large batch keeps packed-refs.lock until the loose files of the refs it moved into
    /// packed-refs are deleted: killed between the two (fault point `ref-batch-packed`), the lock is
    /// still there (abandoned), so no gc can have packed those stale loose values over the new ones
    /// meanwhile; the next pull takes it over.
    @Test func aBatchHoldsPackedRefsLockUntilItsStaleLooseRefsAreGone() {
        let s = Sandbox()
        s.ok("init", "-q", "r1")
        let r1 = "\(s.root)/r1"
        for (k, v) in [("user.name", "Ann Seller"), ("user.email", "ann@example.com"), ("user.role", "salesRep"), ("user.office", "SH")] {
            s.ok("config", k, v, cwd: r1)
        }
        let n = 33
        for i in 0..<n { s.ok("new", "K-\(i)", "--type", "sales", "subject=Widgets", "buyer.name=Acme", cwd: r1) }
        s.ok("clone", "-q", r1, "r2")
        let r2 = "\(s.root)/r2"
        for i in 0..<n { s.ok("set", "K-\(i)", "subject=Gears", cwd: r1) }

        let killed = s.accord("fetch", "-q", cwd: r2, env: ["ACCORD_TEST_FAULT": "ref-batch-packed"])
        #expect(killed.status == 99, "\(killed.status) \(killed.err)")
        #expect(FileManager.default.fileExists(atPath: "\(r2)/.accord/packed-refs.lock"), "the batch let packed-refs.lock go before its loose refs were gone")
        expectOnlyAbandonedLocks(s, r2, "ref-batch-packed")
        s.ok("fetch", "-q", cwd: r2)
        for i in [0, n - 1] {
            #expect(s.ok("rev-parse", "refs/remotes/origin/contracts/K-\(i)", cwd: r2) == s.ok("rev-parse", "refs/contracts/K-\(i)", cwd: r1))
        }
        s.ok("gc", "-q", cwd: r2)
        expectClean(s, r2, "ref-batch-packed")
    }

    /// Locks that are not Accord's own abandoned ones are never taken: git's (its ref locks hold
    /// the new value; an empty one is what git holds before writing), or one whose content is
    /// anything but the marker. fsck names each with the command to remove it.
    @Test func gitsLocksAreNeverTaken() {
        let s = Sandbox()
        s.ok("init", "-q", "repo")
        let repo = "\(s.root)/repo", gitDir = "\(repo)/.accord"
        let tree = s.ok("mktree", cwd: repo)
        let c1 = s.ok("commit-tree", tree, "-m", "first", cwd: repo)
        let c2 = s.ok("commit-tree", tree, "-p", c1, "-m", "second", cwd: repo)
        s.ok("update-ref", "refs/heads/main", c1, cwd: repo)
        let locks = [("\(gitDir)/refs/heads/main.lock", c2 + "\n"), ("\(gitDir)/config.lock", ""), ("\(gitDir)/packed-refs.lock", "")]
        for (path, content) in locks { FileManager.default.createFile(atPath: path, contents: Data(content.utf8)) }

        let update = s.accord("update-ref", "refs/heads/main", c2, c1, cwd: repo)
        #expect(update.status == 128 && update.err.contains("main.lock': file exists"), "\(update.err)")
        let config = s.accord("config", "user.name", "X", cwd: repo)
        #expect(config.status == 128 && config.err.contains("config.lock': file exists"), "\(config.err)")
        let gc = s.accord("gc", "-q", cwd: repo)
        #expect(gc.status == 128 && gc.err.contains("packed-refs.lock': file exists"), "\(gc.err)")
        for (path, content) in locks { #expect(Self.contents(path) == Array(content.utf8), "\(path) was touched") }
        let fsck = s.accord("fsck", cwd: repo)
        #expect(fsck.status == 1)
        for (path, _) in locks { #expect(fsck.out.contains("rm '\(path)'"), "\(fsck.out)") }
        #expect(s.ok("rev-parse", "refs/heads/main", cwd: repo) == c1)
    }
}

/// Sets a file's modification time `secondsAgo` in the past.
func storeTouch(_ path: String, secondsAgo: Int) -> Bool {
    var times = [timespec(tv_sec: time(nil) - secondsAgo, tv_nsec: 0), timespec(tv_sec: time(nil) - secondsAgo, tv_nsec: 0)]
    return utimensat(AT_FDCWD, path, &times, AT_SYMLINK_NOFOLLOW) == 0
}
