import Foundation
import Testing

/// `accord demo` end to end.
@Suite struct DemoTests {
    @Test func demoSucceedsAndConverges() throws {
        let s = Sandbox()
        let r = s.accord("demo", "--keep")
        #expect(r.status == 0, "\(r.out)\(r.err)")
        #expect(r.out.contains("All three replicas hold identical contract heads"))
        let kept = try #require(r.lines.last { $0.hasPrefix("Kept ") }).dropFirst("Kept ".count)
        defer { try? FileManager.default.removeItem(atPath: String(kept)) }
        let heads = ["head-office", "rep-east", "rep-north"].map {
            s.gitOK("--git-dir=\(kept)/\($0)/.accord", "for-each-ref", "--format=%(refname) %(objectname)", "refs/contracts/")
        }
        #expect(heads[0].split(separator: "\n").count == 2)
        #expect(heads.allSatisfy { $0 == heads[0] })
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
