import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A full disk (issue 10): every mutating command runs on a small tmpfs filled to leave a few
/// bytes to a few hundred KiB free. Each that runs out of space fails with a message naming the
/// cause and a non-zero exit, never a crash; the repositories stay valid with nothing
/// acknowledged lost; once space returns, the same command completes and the replica takes an
/// edit, with no hand repair. Needs root to mount the tmpfs (CI runs as root); skipped otherwise.
@Suite(.serialized, .timeLimit(.minutes(20))) struct DiskFullTests {
    static let canMount: Bool = {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/bin/mount") else { return false }
        let probe = CLITempDir("accord-mount-probe")
        guard mount(probe.path, megabytes: 1) else { return false }
        unmount(probe.path)
        return true
    }()

    @discardableResult
    static func mount(_ dir: String, megabytes: Int) -> Bool {
        CLI.run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", dir], cwd: "/", env: [:]).status == 0
    }

    static func unmount(_ dir: String) {
        _ = CLI.run("/bin/umount", [dir], cwd: "/", env: [:])
    }

    static func freeBytes(_ dir: String) -> Int {
        var st = statvfs()
        guard statvfs(dir, &st) == 0 else { return 0 }
        return Int(st.f_bavail) * Int(st.f_frsize)
    }

    /// Fills the file system of `dir` until `free` bytes are left (within a page).
    static func fill(_ dir: String, leaving free: Int) -> String {
        let filler = "\(dir)/filler"
        let size = max(0, freeBytes(dir) - free)
        guard let h = FileHandle(forWritingAtPath: filler) ?? {
            FileManager.default.createFile(atPath: filler, contents: nil)
            return FileHandle(forWritingAtPath: filler)
        }() else { return filler }
        let chunk = Data(count: 1 << 16)
        var left = size
        while left > 0 {
            let n = min(left, chunk.count)
            do { try h.write(contentsOf: chunk.prefix(n)) } catch { break }
            left -= n
        }
        try? h.close()
        return filler
    }

    /// Free space to leave: nothing, a page, and a few sizes around what the commands write.
    static let levels = [0, 4096, 16_384, 65_536, 262_144]

    @Test(.enabled(if: canMount, "needs root to mount a tmpfs"))
    func everyMutatingCommandOnAFullDiskFailsCleanlyAndRecovers() {
        let s = Sandbox()
        MutatingWorld.buildTemplate(s)
        let world = MutatingWorld.World(s: s)
        try? FileManager.default.createDirectory(atPath: world.root, withIntermediateDirectories: true)
        var refused: [String: Int] = [:], completed = 0
        for c in MutatingWorld.commands {
            for free in Self.levels {
                guard Self.mount(world.root, megabytes: 16) else { Issue.record("mount failed"); return }
                defer { Self.unmount(world.root) }
                // The template, copied into the (empty) tmpfs mounted where the world lives.
                for name in (try? FileManager.default.contentsOfDirectory(atPath: "\(s.root)/template")) ?? [] {
                    do { try FileManager.default.copyItem(atPath: "\(s.root)/template/\(name)", toPath: "\(world.root)/\(name)") } catch {
                        Issue.record("copying \(name): \(error)")
                    }
                }
                let acknowledged = MutatingWorld.acknowledged(world)
                let filler = Self.fill(world.root, leaving: free)
                let r = s.accord(c.args, cwd: world.path(c.cwd), input: [])
                let what = "\(c.name) with \(free) bytes free"
                if c.writesOnlyDerived {
                    // A cache that cannot be written is skipped: the command still answers.
                    #expect(r.status == 0, "\(what): a command that writes only derived data failed: \(r.err.prefix(300))")
                    continue
                }
                if r.status == 0 { completed += 1; continue }
                refused[c.name, default: 0] += 1
                if ProcessInfo.processInfo.environment["ACCORD_DISKFULL_DEBUG"] != nil { print("\(what): \(r.status) \(r.err) OUT: \(r.out)") }
                // A clean failure: git's exit statuses, never a signal (128 + n for a crash).
                #expect(r.status == 1 || r.status == 128, "\(what): exit \(r.status): \(r.err.prefix(500))")
                #expect(r.err.contains("No space left on device"), "\(what): the cause is not named: \(r.err.prefix(500))")
                #expect(!r.err.contains("does not verify"), "\(what): a local write failure blamed on the pack: \(r.err.prefix(500))")
                try? FileManager.default.removeItem(atPath: filler)
                let problems = MutatingWorld.problemsAfterFailure(world, c, acknowledged: acknowledged)
                #expect(problems.isEmpty, "\(what): \(problems.joined(separator: "; "))")
            }
        }
        print("disk full: \(refused.values.reduce(0, +)) refused runs, \(completed) completed; refused by command: \(refused.sorted { $0.key < $1.key })")
        let never = Set(MutatingWorld.commands.filter { !$0.writesOnlyDerived }.map(\.name)).subtracting(refused.keys)
        #expect(never.isEmpty, "commands that never ran out of space: \(never.sorted())")
    }
}
