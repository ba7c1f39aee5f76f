import Foundation
import Testing

/// A lock left in the remote (by git, or by a process accord cannot take over) refuses the push
/// of that ref every time: sync names the ref and the lock and stops at once (exit 1) instead of
/// pulling and pushing five rounds and blaming the remote for moving. Only a lost race (the
/// remote ref moved) goes round again.
@Suite(.timeLimit(.minutes(10))) struct InputSyncLockTests {
    @Test func syncNamesALockLeftInTheRemote() throws {
        let s = Sandbox()
        let r1 = makeReplica(s, "r1")
        s.ok("new", "C-1", "--type", "sales", "subject=x", cwd: r1)
        s.ok("new", "C-2", "--type", "sales", "subject=y", cwd: r1)
        s.ok("clone", "--bare", "-q", r1, "hub.accord")
        let hub = "\(s.root)/hub.accord"
        s.ok("remote", "add", "origin", hub, cwd: r1)
        s.ok("sync", "-q", cwd: r1)
        s.ok("set", "C-1", "subject=x2", cwd: r1)
        s.ok("set", "C-2", "subject=y2", cwd: r1)
        // A lock as a git process leaves it (holding a ref value, not accord's marker).
        let lock = "\(hub)/refs/contracts/C-1.lock"
        try FileManager.default.createDirectory(atPath: "\(hub)/refs/contracts", withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: lock, contents: Data((String(repeating: "0", count: 64) + "\n").utf8)))
        let started = Date()
        let sync = s.accord("sync", cwd: r1)
        #expect(sync.status == 1, "sync exit \(sync.status): \(sync.err)")
        #expect(sync.err.contains("refs/contracts/C-1") && sync.err.contains(lock) && sync.err.contains("file exists"), "\(sync.err)")
        #expect(!sync.err.contains("kept moving") && !sync.err.contains("round 2"), "\(sync.err)")
        #expect(Date().timeIntervalSince(started) < 30)
        // The other contract went through.
        #expect(s.ok("rev-parse", "refs/contracts/C-2", env: ["ACCORD_DIR": hub]) == s.ok("rev-parse", "refs/contracts/C-2", cwd: r1))
        try FileManager.default.removeItem(atPath: lock)
        s.ok("sync", "-q", cwd: r1)
        #expect(s.ok("rev-parse", "refs/contracts/C-1", env: ["ACCORD_DIR": hub]) == s.ok("rev-parse", "refs/contracts/C-1", cwd: r1))
    }
}
