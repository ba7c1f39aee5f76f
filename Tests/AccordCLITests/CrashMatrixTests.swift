import AccordTestSupport
import Foundation
import Testing

/// The crash matrix (issue 10): every mutating command is killed (SIGKILL) at a random moment,
/// the N-th call of a random system call that changes the disk (strace fault injection; a random
/// timer where strace is missing). After each kill: `git fsck --strict` and `accord fsck` accept
/// every repository the command touched, every commit that was on a contract ref before the
/// command is still reachable from one, and the same command then runs to completion, followed by
/// an edit of the replica, with no hand repair (a lock the dead process left is taken over).
///
/// `ACCORD_CRASH_KILLS` (default 100) sets how many kills; `ACCORD_CRASH_SEED` replays a run;
/// `ACCORD_CRASH_TIMERS=1` kills by timer even where strace exists;
/// `scripts/crash-matrix` runs 1,000. Serialized and alone: the strace runs are slow.
@Suite(.serialized, .timeLimit(.minutes(60))) struct CrashMatrixTests {
    static let kills = Int(ProcessInfo.processInfo.environment["ACCORD_CRASH_KILLS"] ?? "") ?? 100
    static let seed = UInt64(ProcessInfo.processInfo.environment["ACCORD_CRASH_SEED"] ?? "") ?? 20_261_201

    /// System calls that write, move or remove something on disk: the moments a kill can leave
    /// a half-done change behind.
    static let syscalls = ["rename", "renameat2", "link", "linkat", "unlink", "unlinkat", "mkdir", "mkdirat",
                           "fsync", "fdatasync", "ftruncate", "write", "pwrite64"]

    /// How often `accord ARGS` makes each of `syscalls` when it runs to the end.
    static func counts(_ s: Sandbox, _ args: [String], cwd: String) -> [String: Int] {
        let log = "\(s.root)/strace-count.log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let r = CLI.run(Strace.path, ["-f", "-qq", "-o", log, "-e", "trace=\(syscalls.joined(separator: ","))", CLI.accordBinary] + args,
                        cwd: cwd, env: s.env())
        guard r.status == 0 else { Issue.record("counting run of \(args) failed (\(r.status)): \(r.err)"); return [:] }
        var counts: [String: Int] = [:]
        for line in ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n") where !line.contains("resumed>") {
            // "PID  name(args…" (with -f every line starts with the pid, padded with spaces)
            let call = line.drop { $0 != " " }.drop { $0 == " " }.prefix { $0 != "(" }
            if syscalls.contains(String(call)) { counts[String(call), default: 0] += 1 }
        }
        return counts
    }

    /// Runs `accord ARGS` and kills it `delay` seconds after it started (the timer fallback).
    static func runKilledAfter(_ delay: Double, _ s: Sandbox, _ args: [String], cwd: String) -> RunResult {
        do {
            let running = try CLI.Running(CLI.accordBinary, args, cwd: cwd, env: s.env(), input: [])
            usleep(UInt32(delay * 1_000_000))
            running.child.kill()
            return running.wait()
        } catch {
            Issue.record("could not run accord: \(error)")
            return RunResult(stdout: [], stderr: [], status: -1)
        }
    }

    @Test func everyMutatingCommandKilledAnywhereNeedsNoRepair() {
        let s = Sandbox()
        MutatingWorld.buildTemplate(s)
        let world = MutatingWorld.World(s: s)
        var rng = SeededRNG(seed: Self.seed)
        let useStrace = Strace.available && ProcessInfo.processInfo.environment["ACCORD_CRASH_TIMERS"] == nil
        // Acknowledged before any trial: every commit on a contract or organisation ref of every repository.
        MutatingWorld.fresh(s)
        let acknowledged = MutatingWorld.acknowledged(world)
        // What each command does when nothing kills it: its system calls (strace) or its duration.
        // Its checks are not vacuous (its work is not done before it runs) and hold when it ran
        // to the end (the moment a kill finds its work complete: the re-run says it is done).
        var profile: [String: [String: Int]] = [:]
        var duration: [String: Double] = [:]
        for c in MutatingWorld.commands {
            MutatingWorld.fresh(s)
            if let done = c.done, done(world) == nil { Issue.record("\(c.name): its done check holds before it ran") }
            if useStrace {
                profile[c.name] = Self.counts(s, c.args, cwd: world.path(c.cwd))
            } else {
                let t0 = Date()
                _ = s.accord(c.args, cwd: world.path(c.cwd), input: [])
                duration[c.name] = Date().timeIntervalSince(t0)
            }
            let problems = MutatingWorld.problemsAfterFailure(world, c, acknowledged: acknowledged)
            if !problems.isEmpty { Issue.record("\(c.name) run to the end: \(problems.joined(separator: "; "))") }
        }
        if ProcessInfo.processInfo.environment["ACCORD_CRASH_DEBUG"] != nil { print("profile: \(profile) \(duration)") }

        var kills = 0, attempts = 0, failures = 0
        var byCommand: [String: Int] = [:], bySyscall: [String: Int] = [:]
        while kills < Self.kills && attempts < Self.kills * 3 && failures < 10 {
            attempts += 1
            let c = MutatingWorld.commands[attempts % MutatingWorld.commands.count] // round robin: every command gets its share
            MutatingWorld.fresh(s)
            let cwd = world.path(c.cwd)
            let killed: RunResult, at: String
            if useStrace {
                let kinds = (profile[c.name] ?? [:]).filter { $0.value > 0 }.keys.sorted()
                guard let kind = kinds.isEmpty ? nil : kinds[Int.random(in: 0..<kinds.count, using: &rng)],
                      let total = profile[c.name]?[kind] else { continue }
                let n = Int.random(in: 1...total, using: &rng)
                at = "\(kind) #\(n) of \(total)"
                killed = CLI.run(Strace.path, ["-f", "-qq", "-o", "/dev/null", "-e", "trace=\(kind)",
                                               "-e", "inject=\(kind):signal=KILL:when=\(n)", CLI.accordBinary] + c.args,
                                 cwd: cwd, env: s.env())
            } else {
                let delay = Double.random(in: 0...(duration[c.name] ?? 0.2), using: &rng)
                at = String(format: "%.0f ms", delay * 1000)
                killed = Self.runKilledAfter(delay, s, c.args, cwd: cwd)
            }
            // Killed by SIGKILL (128 + 9; strace passes the signal on). Anything else: the call
            // came after the point of no return in a thread strace did not count; not a kill.
            guard killed.status == 137 else { continue }
            kills += 1
            byCommand[c.name, default: 0] += 1
            bySyscall[at.split(separator: " ").first.map(String.init) ?? at, default: 0] += 1
            let what = "\(c.name) killed at \(at) (trial \(attempts))"
            let problems = MutatingWorld.problemsAfterFailure(world, c, acknowledged: acknowledged)
            if !problems.isEmpty {
                failures += 1
                Issue.record("\(what): \(problems.joined(separator: "; "))")
            }
        }
        let summary = "crash matrix: \(kills) kills in \(attempts) trials (seed \(Self.seed), \(useStrace ? "strace" : "timers")); "
            + "failures \(failures); by command \(byCommand.sorted { $0.key < $1.key }); by call \(bySyscall.sorted { $0.key < $1.key })"
        print(summary)
        if let out = ProcessInfo.processInfo.environment["ACCORD_CRASH_SUMMARY"] {
            FileManager.default.createFile(atPath: out, contents: Data((summary + "\n").utf8))
        }
        #expect(kills >= Self.kills, "only \(kills) of \(Self.kills) kills in \(attempts) trials")
        #expect(Set(byCommand.keys).count == MutatingWorld.commands.count || Self.kills < 60,
                "commands never killed: \(Set(MutatingWorld.commands.map(\.name)).subtracting(byCommand.keys).sorted())")
    }
}
