import Foundation
import Testing
import AccordStore

/// A write killed before its rename leaves a temp file named as git names its own
/// (`objects/xx/tmp_obj_*`): git's fsck does not call it a bad object file, git's prune removes
/// it, accord fsck reports it as a warning only, and accord gc removes it once it is an hour old.
@Suite(.timeLimit(.minutes(10))) struct StoreTempFileTests {
    @Test func aKilledObjectWriteLeavesATempFileGitUnderstandsAndGcRemoves() throws {
        let s = Sandbox()
        s.ok("init", "-q", "repo")
        let repo = "\(s.root)/repo", gitDir = "\(repo)/.accord"
        let file = s.dir.write("contract-scan.txt", "signed scan\n")
        let killed = s.accord("hash-object", "-w", file, cwd: repo, env: ["ACCORD_TEST_FAULT": "temp-written"])
        #expect(killed.status == 99, "\(killed.status) \(killed.err)")
        let id = s.ok("hash-object", file, cwd: repo)
        let fanOut = "\(gitDir)/objects/\(id.prefix(2))"
        let temps = ((try? FileManager.default.contentsOfDirectory(atPath: fanOut)) ?? []).filter { $0.hasPrefix("tmp_") }
        #expect(temps.count == 1 && temps.allSatisfy { $0.hasPrefix("tmp_obj_") }, "\(temps)")
        #expect(!FileManager.default.fileExists(atPath: "\(fanOut)/\(id.dropFirst(2))"))

        // git: not a bad object file; prune knows it as a temp file.
        let gitFsck = s.git("--git-dir=\(gitDir)", "fsck", "--strict")
        #expect(gitFsck.status == 0 && !gitFsck.err.contains("bad sha1 file"), "\(gitFsck.err)")
        #expect(s.git("--git-dir=\(gitDir)", "prune", "-n").out.contains("Removing stale temporary file"))
        // accord: a warning, no damage.
        let fsck = s.accord("fsck", cwd: repo)
        #expect(fsck.status == 0 && fsck.err.contains("warning: ") && fsck.err.contains("tmp_obj_") && fsck.err.contains("temporary file"), "\(fsck.err)")
        let fsckJSON = jsonObject(s.ok("fsck", "--json", cwd: repo))
        #expect(fsckJSON["ok"] as? Bool == true && (fsckJSON["warnings"] as? [[String: Any]])?.first?["kind"] as? String == "temp-file", "\(fsckJSON)")
        let warnings = Fsck(repository: try Repository(gitDir: gitDir)).warnings()
        #expect(warnings.count == 1 && warnings[0].kind == .temporary && warnings[0].message.contains("tmp_obj_"), "\(warnings)")

        // gc leaves a fresh one (its writer may be running) and removes it an hour later.
        s.ok("gc", "-q", cwd: repo)
        for t in temps { #expect(FileManager.default.fileExists(atPath: "\(fanOut)/\(t)")) }
        for t in temps { #expect(storeTouch("\(fanOut)/\(t)", secondsAgo: 3601 + 60)) }
        s.ok("gc", "-q", cwd: repo)
        for t in temps { #expect(!FileManager.default.fileExists(atPath: "\(fanOut)/\(t)"), "\(t) survived gc") }
        #expect(Fsck(repository: try Repository(gitDir: gitDir)).warnings().isEmpty)
        // The write itself goes through next time.
        #expect(s.ok("hash-object", "-w", file, cwd: repo) == id)
        #expect(s.ok("cat-file", "-p", id, cwd: repo) == "signed scan")
    }
}
