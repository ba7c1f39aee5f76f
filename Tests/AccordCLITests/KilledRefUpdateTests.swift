import Foundation
import Testing

/// `accord update-ref` killed while it holds the ref's lock (fault point `ref-locked`): the ref
/// and its reflog are unchanged, fsck reports the lock as left by a killed accord process, and
/// the next update takes the abandoned lock over and completes, adding one reflog entry.
@Suite(.timeLimit(.minutes(10))) struct KilledRefUpdateTests {
    static func contents(_ path: String) -> [UInt8]? {
        FileManager.default.contents(atPath: path).map { [UInt8]($0) }
    }

    @Test(arguments: ["refs/heads/main", "HEAD"])
    func updateKilledHoldingTheLockIsTakenOverByTheNextOne(name: String) throws {
        let s = Sandbox()
        s.ok("init", "-q", "repo")
        let repo = "\(s.root)/repo", gitDir = "\(repo)/.accord"
        let tree = s.ok("mktree", cwd: repo)
        let c1 = s.ok("commit-tree", tree, "-m", "first", cwd: repo)
        let c2 = s.ok("commit-tree", tree, "-p", c1, "-m", "second", cwd: repo)
        s.ok("update-ref", "-m", "first", "refs/heads/main", c1, cwd: repo)
        let refPath = "\(gitDir)/refs/heads/main", lock = refPath + ".lock", logPath = "\(gitDir)/logs/refs/heads/main"
        let refBefore = Self.contents(refPath), logBefore = Self.contents(logPath)
        #expect(refBefore == Array((c1 + "\n").utf8))

        let killed = s.accord("update-ref", "-m", "killed", name, c2, c1, cwd: repo, env: ["ACCORD_TEST_FAULT": "ref-locked"])
        #expect(killed.status == 99, "the fault point was not reached: \(killed.status) \(killed.err)")
        // Nothing moved; the abandoned lock is there, still holding Accord's marker.
        #expect(Self.contents(refPath) == refBefore)
        #expect(Self.contents(logPath) == logBefore)
        #expect(!FileManager.default.fileExists(atPath: "\(gitDir)/logs/HEAD"))
        #expect(String(decoding: Self.contents(lock) ?? [], as: UTF8.self).hasPrefix("accord lock:"), "lock left: \(lock)")
        #expect(s.ok("rev-parse", "refs/heads/main", cwd: repo) == c1)
        #expect(s.gitOK("--git-dir=\(gitDir)", "rev-parse", "refs/heads/main") == c1)

        // fsck names the lock and says a killed accord process left it (not "remove it by hand"):
        // a warning, no damage, so fsck succeeds.
        let fsck = s.accord("fsck", "--json", cwd: repo)
        #expect(fsck.status == 0, "\(fsck.out)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(fsck.stdout)) as? [String: Any])
        #expect((report["problems"] as? [Any])?.isEmpty == true, "\(report)")
        let problems = (report["warnings"] as? [[String: Any]] ?? []).filter { $0["kind"] as? String != "temp-file" }
        #expect(problems.count == 1, "\(problems)")
        let lockProblem = problems.first { $0["kind"] as? String == "abandoned-lock" }
        let message = lockProblem?["message"] as? String ?? ""
        #expect(message.contains(lock), "\(problems)")
        #expect(message.contains("killed accord process"), "\(message)")
        #expect(!message.contains("rm '"), "an abandoned Accord lock needs no manual removal: \(message)")

        // The next update takes the abandoned lock over and completes.
        s.ok("update-ref", "-m", "after the kill", name, c2, c1, cwd: repo)
        #expect(s.ok("rev-parse", "refs/heads/main", cwd: repo) == c2)
        #expect(!FileManager.default.fileExists(atPath: lock))
        let before = String(decoding: logBefore ?? [], as: UTF8.self).split(separator: "\n")
        let after = String(decoding: Self.contents(logPath) ?? [], as: UTF8.self).split(separator: "\n")
        #expect(after.count == before.count + 1, "exactly one reflog entry more: \(after)")
        #expect(Array(after.prefix(before.count)) == before)
        if let last = after.last {
            #expect(last.hasPrefix("\(c1) \(c2) "))
            #expect(last.hasSuffix("\tafter the kill"))
        }
        #expect(s.gitOK("--git-dir=\(gitDir)", "rev-parse", "refs/heads/main@{1}") == c1)
        // Through HEAD, HEAD's own reflog gets that one entry too.
        let headLog = String(decoding: Self.contents("\(gitDir)/logs/HEAD") ?? [], as: UTF8.self).split(separator: "\n")
        #expect(headLog.count == (name == "HEAD" ? 1 : 0))
        let clean = s.accord("fsck", cwd: repo)
        #expect(clean.status == 0, "\(clean.out)")
    }
}
