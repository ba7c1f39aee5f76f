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

    /// One mutating command of the matrix: where it runs, and what "done" means afterwards.
    struct Command: Sendable {
        var name: String
        var cwd: String            // relative to the world
        var args: [String]
        /// Repositories it changes (relative to the world), checked by both fscks.
        var touches: [String]
        /// Outcomes of the re-run that mean "already done" (the killed run had completed its work).
        var alreadyDone: [String] = []
        /// After the re-run: is the work visibly done? (nil: nothing more to check)
        var done: (@Sendable (World) -> String?)? = nil
    }

    /// The repositories every trial starts from (copied fresh each time, always at the same path,
    /// so remote URLs stay valid): `hub.accord` (bare), `rep` (a clone with two unpushed edits of
    /// CM-A, behind the hub on CM-B, tracking CM-C which the hub deleted), `hq` (another clone),
    /// `cf` (a clone with a conflict on CM-B's subject), `imp` (empty, for import), a bundle `d.bundle` carrying CM-D, an export `imp.json`.
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
    }

    static let repos = ["hub.accord", "rep", "hq", "cf", "imp"]

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
        Command(name: "pull bundle", cwd: "rep", args: ["pull", "-q", "../d.bundle"], touches: ["rep"],
                done: { $0.tip("rep", "refs/contracts/CM-D").isEmpty ? "CM-D not pulled" : nil }),
    ]

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

    static func fresh(_ s: Sandbox) {
        let w = "\(s.root)/w"
        try? FileManager.default.removeItem(atPath: w)
        do { try FileManager.default.copyItem(atPath: "\(s.root)/template", toPath: w) } catch {
            Issue.record("copying the template: \(error)")
        }
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
        Self.buildTemplate(s)
        let world = World(s: s)
        var rng = SeededRNG(seed: Self.seed)
        let useStrace = Strace.available && ProcessInfo.processInfo.environment["ACCORD_CRASH_TIMERS"] == nil
        // What each command does when nothing kills it: its system calls (strace) or its duration.
        var profile: [String: [String: Int]] = [:]
        var duration: [String: Double] = [:]
        for c in Self.commands {
            Self.fresh(s)
            if useStrace {
                profile[c.name] = Self.counts(s, c.args, cwd: world.path(c.cwd))
            } else {
                let t0 = Date()
                _ = s.accord(c.args, cwd: world.path(c.cwd), input: [])
                duration[c.name] = Date().timeIntervalSince(t0)
            }
        }
        if ProcessInfo.processInfo.environment["ACCORD_CRASH_DEBUG"] != nil { print("profile: \(profile) \(duration)") }
        // Acknowledged before any trial: every commit on a contract ref of every repository.
        Self.fresh(s)
        var acknowledged: [String: Set<String>] = [:]
        for r in Self.repos { acknowledged[r] = world.contractCommits(r) }
        #expect(Self.repos.filter { $0 != "imp" }.allSatisfy { acknowledged[$0]?.isEmpty == false })

        var kills = 0, attempts = 0, failures = 0
        var byCommand: [String: Int] = [:], bySyscall: [String: Int] = [:]
        while kills < Self.kills && attempts < Self.kills * 3 && failures < 10 {
            attempts += 1
            let c = Self.commands[attempts % Self.commands.count] // round robin: every command gets its share
            Self.fresh(s)
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
            var problems: [String] = []
            // 1. Not corrupt: both fscks accept every repository the command touched.
            for r in c.touches {
                let g = s.git("--git-dir=\(world.gitDir(r))", "fsck", "--strict", "--no-dangling")
                if g.status != 0 { problems.append("git fsck \(r): \(g.err.prefix(300))") }
                let a = s.accord(["fsck"], cwd: world.root, input: [], env: ["ACCORD_DIR": world.gitDir(r)])
                if a.status != 0 { problems.append("accord fsck \(r): \(a.err.prefix(300)) \(a.out.prefix(300))") }
            }
            // 2. Nothing acknowledged lost.
            for r in Self.repos {
                let lost = (acknowledged[r] ?? []).subtracting(world.contractCommits(r))
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
        #expect(Set(byCommand.keys).count == Self.commands.count || Self.kills < 60,
                "commands never killed: \(Set(Self.commands.map(\.name)).subtracting(byCommand.keys).sorted())")
    }
}
