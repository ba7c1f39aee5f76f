import Foundation
import Testing

/// Refs that lead nowhere a contract can be read: `update-ref` refuses to point a contract ref
/// at anything but a commit, and a bad ref planted behind accord's back (by git) is named by
/// list, status and export, which go on with the other contracts (exit 1). `reflog` of a ref
/// that does not exist fails instead of printing nothing.
@Suite(.timeLimit(.minutes(10))) struct InputRefTests {
    static func repo() -> (Sandbox, String, String) {
        let s = Sandbox()
        s.ok("init", "-q", "repo")
        let repo = "\(s.root)/repo"
        for n in ["C-1", "C-3"] { s.ok("new", n, "--type", "sales", "subject=x", "buyer.name=甲", cwd: repo, env: ["ACCORD_ROLE": "salesRep"]) }
        return (s, repo, "\(repo)/.accord")
    }

    @Test func contractRefsPointOnlyAtCommits() {
        let (s, repo, gitDir) = Self.repo()
        let blob = s.ok("hash-object", "-w", "--stdin", cwd: repo, input: "not a contract")
        let tree = s.ok("rev-parse", "refs/contracts/C-1^{tree}", cwd: repo)
        for (ref, target, type) in [("refs/contracts/C-2", blob, "blob"), ("refs/contracts/C-2", tree, "tree"),
                                    ("refs/contracts/C-1", blob, "blob"), ("refs/remotes/origin/contracts/C-2", blob, "blob")] {
            expectRefusedUnchanged(gitDir, "update-ref \(ref) <\(type)>", mentions: [ref, "must point at a commit", "is a \(type)"]) {
                s.accord(["update-ref", ref, target], cwd: repo, input: [])
            }
        }
        s.ok("update-ref", "refs/heads/scratch", blob, cwd: repo) // other refs are git's business
    }

    @Test func aBadContractRefIsNamedAndTheOthersListed() {
        let (s, repo, gitDir) = Self.repo()
        let blob = s.ok("hash-object", "-w", "--stdin", cwd: repo, input: "not a contract")
        s.gitOK("--git-dir=\(gitDir)", "update-ref", "refs/contracts/C-2", blob)
        let list = s.accord("list", cwd: repo)
        #expect(list.status == 1, "\(list.err)")
        #expect(list.lines.map { String($0.prefix(3)) } == ["C-1", "C-3"], "\(list.out)")
        #expect(list.err.contains("error: refs/contracts/C-2: not a readable contract"), "\(list.err)")
        let status = s.accord("status", "--all", cwd: repo)
        #expect(status.status == 1 && status.out.contains("C-1") && status.out.contains("C-3") && status.err.contains("refs/contracts/C-2"),
                "\(status.out) \(status.err)")
        let export = s.accord("export", cwd: repo)
        #expect(export.status == 1 && export.err.contains("refs/contracts/C-2"), "\(export.err)")
        let entries = (try? JSONSerialization.jsonObject(with: Data(export.stdout))) as? [[String: Any]] ?? []
        #expect(entries.compactMap { ($0["contract"] as? [String: Any])?["number"] as? String } == ["C-1", "C-3"])
        let csv = s.accord("export", "--format", "csv", cwd: repo)
        #expect(csv.status == 1 && csv.out.contains("\"C-1\"") && csv.out.contains("\"C-3\"") && csv.err.contains("refs/contracts/C-2"))
        // Repaired, everything is clean again.
        s.ok("update-ref", "-d", "refs/contracts/C-2", cwd: repo)
        #expect(s.accord("list", cwd: repo).status == 0)
    }

    @Test func reflogOfAMissingRefFails() {
        let (s, repo, gitDir) = Self.repo()
        for name in ["refs/contracts/NO-SUCH", "NO-SUCH", "refs/heads/nothing"] {
            expectRefusedUnchanged(gitDir, "reflog \(name)", mentions: ["no reflog", name]) {
                s.accord(["reflog", name], cwd: repo, input: [])
            }
        }
        #expect(s.ok("reflog", "C-1", cwd: repo).contains("refs/contracts/C-1@{0}"))
        #expect(s.accord("reflog", "refs/contracts/C-3", cwd: repo).status == 0)
    }
}
