import Foundation
import Testing

/// `accord demo` end to end.
@Suite struct DemoTests {
    @Test func demoSucceedsAndConverges() throws {
        let s = Sandbox()
        let r = s.accord("demo", "--keep")
        #expect(r.status == 0, "\(r.out)\(r.err)")
        #expect(r.out.contains("Every replica holds the hub's heads for the contracts it may see"))
        let kept = try #require(r.lines.last { $0.hasPrefix("Kept ") }).dropFirst("Kept ".count)
        defer { try? FileManager.default.removeItem(atPath: String(kept)) }
        func heads(_ gitDir: String) -> [String: String] {
            var out: [String: String] = [:]
            for l in s.gitOK("--git-dir=\(kept)/\(gitDir)", "for-each-ref", "--format=%(refname) %(objectname)", "refs/contracts/").split(separator: "\n") {
                let f = l.split(separator: " ")
                if f.count == 2 { out[String(f[0])] = String(f[1]) }
            }
            return out
        }
        // Stock git's view: the hub holds both contracts; head office and the bundle rep the
        // same heads; the two East reps (synced over HTTP) only the East contract, at the hub's head.
        let hub = heads("hub.git")
        #expect(hub.count == 2)
        #expect(heads("head-office/.accord") == hub)
        #expect(heads("rep-north/.accord") == hub)
        for rep in ["rep-east", "rep-south"] {
            #expect(heads("\(rep)/.accord") == hub.filter { $0.key == "refs/contracts/HT-2026-024" }, "\(rep)")
        }
        // The hub was really used: its access log shows the reps' requests, and one refusal.
        let log = (try? String(contentsOfFile: "\(kept)/hub.log", encoding: .utf8)) ?? ""
        #expect(log.contains("li.wei@east.example") && log.contains("zhou.qiang@east.example") && log.contains("refused"))
        #expect(!r.out.contains("expected"), "every step exits as expected")
    }

    /// When git fsck fails, the demo says so (and fails) instead of printing "clean".
    @Test func demoReportsAFailingFsck() throws {
        let s = Sandbox()
        let bin = s.dir.sub("fake-bin")
        let git = s.dir.write("fake-bin/git", "#!/bin/sh\necho 'error: fake fsck failure' >&2\nexit 1\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: git)
        let path = bin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let r = s.accord("demo", env: ["PATH": path])
        #expect(r.status == 1)
        #expect(r.out.contains("fake fsck failure"))
        #expect(!r.lines.contains { $0.trimmingCharacters(in: .whitespaces) == "clean" }, "\(r.out)")
    }
}
