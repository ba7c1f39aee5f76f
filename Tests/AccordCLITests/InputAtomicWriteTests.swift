import Foundation
import Testing

/// Import, clone and bundle creation are all-or-nothing under a kill: killed at any system call
/// of the kinds that make changes visible (rename, link, unlink), they leave either nothing or
/// the whole result, never a part that looks whole, and the next command needs no hand repair.
/// (Serialized: the strace runs are slow, and in parallel they starve the other suites.)
@Suite(.serialized, .timeLimit(.minutes(10))) struct InputAtomicWriteTests {
    static let contractsInFile = 3

    /// A repository and an import file of three draft contracts (exported from a scratch repository).
    static func importFile(_ s: Sandbox) -> String {
        s.ok("init", "-q", "scratch")
        let scratch = "\(s.root)/scratch"
        let env = ["ACCORD_ROLE": "salesRep"]
        for n in 1...contractsInFile {
            s.ok("new", "IMP-\(n)", "--type", "sales", "subject=机床 \(n)", "buyer.name=买方 \(n)", cwd: scratch, env: env)
        }
        let file = "\(s.root)/three.json"
        s.ok("export", "-o", file, cwd: scratch)
        return file
    }

    static func contractRefs(_ s: Sandbox, _ gitDir: String) -> [String] {
        s.git("--git-dir=\(gitDir)", "for-each-ref", "--format=%(refname)", "refs/contracts/").lines
    }

    @Test(.enabled(if: Strace.available, "needs strace to kill at the N-th system call"), arguments: ["rename", "link", "unlink"])
    func importKilledAtAnyStepLeavesNoContractOrAll(syscall: String) {
        let s = Sandbox()
        let file = Self.importFile(s)
        let env = ["ACCORD_ROLE": "contractAdmin"]
        s.ok("init", "-q", "probe")
        let calls = Strace.count(of: [syscall], s, ["import", file], cwd: "\(s.root)/probe", env: env)
        #expect(calls > 0 || syscall != "rename", "the import makes no \(syscall) call")
        var outcomes: [Int: Int] = [:]
        for n in stride(from: 1, through: calls, by: 1) {
            let dir = "k\(syscall)\(n)"
            s.ok("init", "-q", dir)
            let repo = "\(s.root)/\(dir)", gitDir = "\(repo)/.accord"
            let killed = CLI.run(Strace.path, Strace.killing(at: n, of: [syscall], ["import", file]), cwd: repo, env: s.env(env))
            #expect(killed.status != 0, "killed at \(syscall) #\(n): \(killed.err)")
            let left = Self.contractRefs(s, gitDir).count
            outcomes[left, default: 0] += 1
            #expect(left == 0 || left == Self.contractsInFile, "killed at \(syscall) #\(n) of \(calls): \(left) of \(Self.contractsInFile) contracts left")
            let fsck = s.git("--git-dir=\(gitDir)", "fsck", "--strict", "--no-dangling")
            #expect(fsck.status == 0, "killed at \(syscall) #\(n): git fsck: \(fsck.err)")
            // The next command needs no repair: the same import completes, or says it is done.
            let again = s.accord(["import", file], cwd: repo, input: [], env: env)
            if again.err.contains("packed-refs.lock': file exists") {
                // Killed at the rename of a lock whose content was already written: that lock no
                // longer holds Accord's marker and is not taken over (issue 10 item 2, the lock
                // protocol, fixed on its own branch). Nothing was imported, so nothing is lost.
                withKnownIssue("a lock killed between its write and its rename is not taken over (issue 10, item 2)", isIntermittent: true) {
                    Issue.record("killed at \(syscall) #\(n): \(again.err)")
                }
                #expect(left == 0)
                continue
            }
            if left == 0 {
                #expect(again.status == 0, "killed at \(syscall) #\(n), then: \(again.err)")
            } else {
                #expect(again.status == 128 && again.err.contains("already exists"), "\(again.err)")
            }
            #expect(Self.contractRefs(s, gitDir).count == Self.contractsInFile, "killed at \(syscall) #\(n), then re-run")
            #expect(s.accord(["list"], cwd: repo, input: []).lines.count == Self.contractsInFile)
        }
        #expect(calls == 0 || outcomes[0] != nil, "no kill left the repository without the contracts: \(outcomes)")
    }

    /// The commit point: killed after the contract objects are written, before the refs, nothing
    /// is imported; killed right after packed-refs took the batch, everything is.
    @Test func importKilledAtItsFaultPoints() {
        let s = Sandbox()
        let file = Self.importFile(s)
        let env = ["ACCORD_ROLE": "contractAdmin"]
        for (point, expected) in [("import-written", 0), ("refs-create-locked", 0), ("refs-created", Self.contractsInFile)] {
            s.ok("init", "-q", point)
            let repo = "\(s.root)/\(point)", gitDir = "\(repo)/.accord"
            let r = s.accord(["import", file], cwd: repo, input: [], env: env.merging(["ACCORD_TEST_FAULT": point]) { $1 })
            #expect(r.status == 99, "\(point): the fault point was not reached: \(r.status) \(r.err)")
            #expect(Self.contractRefs(s, gitDir).count == expected, "\(point)")
            let again = s.accord(["import", file], cwd: repo, input: [], env: env)
            #expect(again.status == (expected == 0 ? 0 : 128), "\(point): \(again.err)")
            #expect(Self.contractRefs(s, gitDir).count == Self.contractsInFile)
            // Each contract can be changed at once: an abandoned lock of the kill is taken over.
            s.ok("set", "IMP-1", "subject=改", cwd: repo, env: ["ACCORD_ROLE": "salesRep"])
        }
    }

    // MARK: clone

    /// A source replica with three contracts.
    static func source(_ s: Sandbox) -> String {
        let src = makeReplica(s, "src")
        for n in 1...3 { s.ok("new", "CL-\(n)", "--type", "sales", "subject=件 \(n)", cwd: src) }
        return src
    }

    static func leftovers(_ dir: String, _ prefix: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasPrefix(prefix) }.sorted()
    }

    /// Killed after fetching everything (or with the clone complete but not yet in place), a
    /// clone leaves no repository at its target, only a temporary directory; cloning again
    /// succeeds, removes that leftover, and gives a complete clone.
    @Test(arguments: ["before-ref-update", "clone-built"])
    func killedCloneLeavesNoRepositoryAndDoesNotBlockTheNext(point: String) {
        let s = Sandbox()
        let src = Self.source(s)
        let killed = s.accord("clone", "-q", src, "dst", env: ["ACCORD_TEST_FAULT": point])
        #expect(killed.status == 99, "\(point) not reached: \(killed.status) \(killed.err)")
        #expect(!FileManager.default.fileExists(atPath: "\(s.root)/dst"), "a killed clone left a repository that looks complete")
        #expect(Self.leftovers(s.root, ".tmp_clone_").count == 1)
        let again = s.accord("clone", "-q", src, "dst")
        #expect(again.status == 0, "\(again.err)")
        #expect(s.ok("list", cwd: "\(s.root)/dst").split(separator: "\n").count == 3)
        #expect(Self.leftovers(s.root, ".tmp_clone_").isEmpty, "the next clone removes what the killed one left")
        #expect(s.accord("fsck", cwd: "\(s.root)/dst").status == 0)
        // Bare too.
        #expect(s.accord("clone", "--bare", "-q", src, "hub.accord", env: ["ACCORD_TEST_FAULT": point]).status == 99)
        #expect(!FileManager.default.fileExists(atPath: "\(s.root)/hub.accord"))
        s.ok("clone", "--bare", "-q", src, "hub.accord")
        #expect(s.ok("show-ref", env: ["ACCORD_DIR": "\(s.root)/hub.accord"]).split(separator: "\n").filter { $0.contains(" refs/contracts/") }.count == 3)
    }

    /// Killed at any rename (objects, pack, refs, the final move): the target is absent or a
    /// complete clone, and a clone into a fresh target always succeeds afterwards.
    @Test(.enabled(if: Strace.available, "needs strace to kill at the N-th system call"))
    func cloneKilledAtAnyRenameIsAbsentOrComplete() {
        let s = Sandbox()
        let src = Self.source(s)
        let calls = Strace.count(of: ["rename"], s, ["clone", "-q", src, "probe"], cwd: s.root)
        #expect(calls > 3)
        for n in 1...max(calls, 1) {
            let target = "t\(n)"
            let killed = CLI.run(Strace.path, Strace.killing(at: n, of: ["rename"], ["clone", "-q", src, target]), cwd: s.root, env: s.env())
            #expect(killed.status != 0, "killed at rename #\(n)")
            let path = "\(s.root)/\(target)"
            if FileManager.default.fileExists(atPath: path) {
                // Present means complete.
                #expect(s.accord(["list"], cwd: path, input: []).lines.count == 3, "rename #\(n): a partial clone at the target")
            }
            let again = s.accord(["clone", "-q", src, "\(target)-again"], input: [])
            #expect(again.status == 0, "after a kill at rename #\(n): \(again.err)")
        }
        #expect(Self.leftovers(s.root, ".tmp_clone_").count <= 1, "leftovers are swept: \(Self.leftovers(s.root, ".tmp_clone_"))")
    }

    /// A clone into an existing empty directory, even the current one, still works (only the
    /// git directory moves in), and into a non-empty one is refused with nothing changed.
    @Test func cloneIntoAnExistingEmptyDirectory() {
        let s = Sandbox()
        let src = Self.source(s)
        let here = s.dir.sub("here")
        s.ok("clone", "-q", src, ".", cwd: here)
        #expect(s.ok("list", cwd: here).split(separator: "\n").count == 3)
        let busy = s.dir.sub("busy")
        _ = s.dir.write("busy/keep.txt", "x")
        let r = s.accord("clone", "-q", src, busy)
        #expect(r.status == 128 && r.err.contains("already exists"), "\(r.err)")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: busy)) ?? []) == ["keep.txt"])
        #expect(Self.leftovers(s.root, ".tmp_clone_").isEmpty)
    }

    // MARK: bundle create

    /// Killed at any rename or unlink, `bundle create` leaves either no bundle or a whole one,
    /// and the next `bundle create` there removes the temporary files a killed one left.
    @Test(.enabled(if: Strace.available, "needs strace to kill at the N-th system call"), arguments: ["rename", "unlink"])
    func killedBundleCreateLeavesNoTemporaryFilesBehindTheNextRun(syscall: String) {
        let s = Sandbox()
        let src = Self.source(s)
        let out = s.dir.sub("out")
        let calls = Strace.count(of: [syscall], s, ["bundle", "create", "-q", "\(out)/probe.bundle", "--all"], cwd: src)
        for n in 1...max(calls, 1) {
            let file = "\(out)/b\(n).bundle"
            _ = CLI.run(Strace.path, Strace.killing(at: n, of: [syscall], ["bundle", "create", "-q", file, "--all"]), cwd: src, env: s.env())
            if FileManager.default.fileExists(atPath: file) {
                #expect(s.accord(["bundle", "verify", "-q", file], cwd: src, input: []).status == 0, "\(syscall) #\(n): a partial bundle")
            }
            s.ok("bundle", "create", "-q", file, "--all", cwd: src)
            #expect(Self.leftovers(out, ".tmp_bundle").isEmpty, "\(syscall) #\(n): left \(Self.leftovers(out, ".tmp_bundle"))")
            #expect(s.accord(["bundle", "verify", "-q", file], cwd: src, input: []).status == 0)
        }
    }

    /// At the fault point (the bundle complete in its temporary file), the target does not exist
    /// yet; a failing create (the target is a directory) leaves no temporary file either.
    @Test func bundleCreateFailureAndKillLeaveNoBundle() {
        let s = Sandbox()
        let src = Self.source(s)
        let out = s.dir.sub("out")
        let r = s.accord("bundle", "create", "-q", "\(out)/a.bundle", "--all", cwd: src, env: ["ACCORD_TEST_FAULT": "bundle-written"])
        #expect(r.status == 99, "\(r.err)")
        #expect(!FileManager.default.fileExists(atPath: "\(out)/a.bundle"))
        #expect(Self.leftovers(out, ".tmp_bundle_").count == 1)
        _ = s.dir.sub("out/adir")
        let failed = s.accord("bundle", "create", "-q", "\(out)/adir", "--all", cwd: src)
        #expect(failed.status == 128 && failed.err.hasPrefix("fatal: ") && failed.err.contains("adir"), "\(failed.err)")
        #expect(Self.leftovers(out, ".tmp_bundle_").isEmpty, "failure cleans up, and the killed run's leftover is swept")
    }
}
