import Foundation
import Testing

/// Import, clone and bundle creation are all-or-nothing under a kill: killed at any system call
/// of the kinds that make changes visible (rename, link, unlink), they leave either nothing or
/// the whole result, never a part that looks whole, and the next command needs no hand repair.
@Suite(.timeLimit(.minutes(10))) struct InputAtomicWriteTests {
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
}
