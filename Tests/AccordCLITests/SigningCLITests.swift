import Foundation
import Testing

/// Signed commits and tags through the binary, with stock git and ssh-keygen as the oracles
/// (issue "Authority you can verify", items 1 and 2).
@Suite struct SigningCLITests {
    static let sshKeygen = "/usr/bin/ssh-keygen"
    static var available: Bool { FileManager.default.isExecutableFile(atPath: sshKeygen) }

    /// A replica whose user signs with a key made by ssh-keygen (user.signingKey), and the
    /// allowed-signers file git needs to check it.
    static func signingReplica(_ s: Sandbox) -> (repo: String, allowed: String) {
        let key = "\(s.root)/ann_ed25519"
        _ = CLI.run(sshKeygen, ["-q", "-t", "ed25519", "-N", "", "-C", "ann@example.com", "-f", key], cwd: s.root, env: s.env())
        let repo = makeReplica(s, "r")
        s.ok("config", "user.signingKey", key, cwd: repo)
        let pub = (try? String(contentsOfFile: key + ".pub", encoding: .utf8)) ?? ""
        let allowed = "\(s.root)/allowed_signers"
        FileManager.default.createFile(atPath: allowed, contents: Data("ann@example.com \(pub)".utf8))
        return (repo, allowed)
    }

    @Test(.enabled(if: available, "needs ssh-keygen"))
    func everyCommitAndTagIsSignedAndGitVerifiesThem() {
        let s = Sandbox()
        let (repo, allowed) = Self.signingReplica(s)
        let gitDir = "\(repo)/.accord"
        s.ok("new", "HT-1", "--type", "sales", "subject=数控车床", "buyer.name=华东机械", cwd: repo)
        s.ok("set", "HT-1", "subject=车床", cwd: repo)
        s.ok("record", "HT-1", "tracking", "customer=华东机械", cwd: repo)
        // A merge commit too: a clone edits, the replica merges it.
        s.ok("clone", "-q", repo, "other")
        let other = "\(s.root)/other"
        setIdentity(s, other, name: "Bo", email: "bo@example.com")
        s.ok("set", "HT-1", "buyer.phone=021-1", cwd: other)
        let bos = s.ok("rev-parse", "refs/contracts/HT-1", cwd: other)
        s.ok("set", "HT-1", "supervisor=王", cwd: repo)
        s.ok("remote", "add", "other", other, cwd: repo)
        s.ok("pull", "-q", "other", cwd: repo)
        s.ok("tag", "HT-1", "v1", cwd: repo)
        let commits = s.gitOK("--git-dir=\(gitDir)", "rev-list", "refs/contracts/HT-1").split(separator: "\n").map(String.init)
        #expect(commits.count == 6, "\(commits)")
        let parents = s.gitOK("--git-dir=\(gitDir)", "log", "-1", "--format=%P", "refs/contracts/HT-1").split(separator: " ")
        #expect(parents.count == 2, "the tip is the merge commit")
        for c in commits {
            let signedByAnn = c != bos
            let git = s.git("--git-dir=\(gitDir)", "-c", "gpg.ssh.allowedSignersFile=\(allowed)", "verify-commit", c)
            let accord = s.accord("verify-commit", c, cwd: repo)
            if signedByAnn {
                #expect(git.status == 0 && git.err.contains("Good \"git\" signature for ann@example.com"), "\(c): \(git.err)")
                #expect(accord.status == 0 && accord.err.contains("Good \"git\" signature with ED25519 key SHA256:"), "\(accord.err)")
            } else {
                // Bo has no key: his commit is unsigned, and both say so.
                #expect(git.status != 0)
                #expect(accord.status == 1 && accord.err.contains("no signature"), "\(accord.err)")
            }
        }
        let tag = s.git("--git-dir=\(gitDir)", "-c", "gpg.ssh.allowedSignersFile=\(allowed)", "verify-tag", "refs/tags/HT-1/v1")
        #expect(tag.status == 0, "\(tag.err)")
        #expect(s.accord("verify-tag", "refs/tags/HT-1/v1", cwd: repo).status == 0)
        #expect(s.git("--git-dir=\(gitDir)", "fsck", "--strict").status == 0)
        // The key the replica signs with is the one ssh-keygen names.
        let fp = CLI.run(Self.sshKeygen, ["-l", "-f", "\(s.root)/ann_ed25519.pub"], cwd: s.root, env: s.env()).out
        #expect(fp.contains(s.ok("key", "show", cwd: repo).split(separator: "\n").last.map { String($0.split(separator: " ")[1]) } ?? "?"))
    }

    @Test(.enabled(if: available, "needs ssh-keygen"))
    func commitsGitSignsAreVerifiedAndTamperingIsCaught() {
        let s = Sandbox()
        let (repo, _) = Self.signingReplica(s)
        let gitDir = "\(repo)/.accord"
        s.ok("new", "HT-1", "--type", "sales", "subject=机床", cwd: repo)
        // git signs a commit with the same key.
        let tree = s.gitOK("--git-dir=\(gitDir)", "rev-parse", "refs/contracts/HT-1^{tree}")
        let gitSigned = s.gitOK("--git-dir=\(gitDir)", "-c", "gpg.format=ssh", "-c", "user.signingKey=\(s.root)/ann_ed25519",
                                "commit-tree", "-S", "-m", "by git", tree)
        #expect(s.accord("verify-commit", gitSigned, cwd: repo).status == 0)
        // The same commit with one byte of its message changed (re-hashed as a new object) fails.
        let raw = s.gitOK("--git-dir=\(gitDir)", "cat-file", "commit", gitSigned)
        let forged = s.gitOK("--git-dir=\(gitDir)", "hash-object", "-t", "commit", "-w", "--stdin",
                             input: raw.replacingOccurrences(of: "by git", with: "by gut") + "\n")
        let r = s.accord("verify-commit", forged, cwd: repo)
        #expect(r.status == 1 && r.err.contains("bad signature"), "\(r.err)")
        // An unsigned commit.
        let plain = s.gitOK("--git-dir=\(gitDir)", "commit-tree", "-m", "plain", tree)
        #expect(s.accord("verify-commit", plain, cwd: repo).err.contains("no signature"))
    }

    @Test func generatedKeyIsPrivateAndNotReplacedByAccident() {
        let s = Sandbox()
        let repo = makeReplica(s, "r")
        let pub = s.ok("key", "generate", cwd: repo)
        #expect(pub.hasPrefix("ssh-ed25519 AAAA") && pub.hasSuffix(" ann@example.com"), "\(pub)")
        let path = "\(s.homeDir)/accord/signing_key"
        let mode = (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? 0
        #expect(mode == 0o600, "mode \(String(mode, radix: 8))")
        let again = s.accord("key", "generate", cwd: repo)
        #expect(again.status == 128 && again.err.contains("already") && again.err.contains("--force"), "\(again.err)")
        #expect(s.ok("key", "show", cwd: repo).hasPrefix(pub))
        if Self.available {
            let fromSSH = CLI.run(Self.sshKeygen, ["-y", "-f", path], cwd: s.root, env: s.env())
            #expect(fromSSH.status == 0 && pub.hasPrefix(fromSSH.trimmed.split(separator: " ").prefix(2).joined(separator: " ")), "\(fromSSH.out)")
        }
        // The generated key signs from now on.
        s.ok("new", "HT-1", "--type", "sales", "subject=机床", cwd: repo)
        #expect(s.accord("verify-commit", "refs/contracts/HT-1", cwd: repo).status == 0)
    }

    @Test func aBrokenKeyStopsWritingButNotTheConfigThatFixesIt() {
        let s = Sandbox()
        let repo = makeReplica(s, "r")
        s.ok("new", "HT-1", "--type", "sales", "subject=机床", cwd: repo)
        let bad = "\(s.root)/not-a-key"
        FileManager.default.createFile(atPath: bad, contents: Data("hello\n".utf8))
        for (value, mentions) in [(bad, "not-a-key"), ("\(s.root)/missing", "does not exist")] {
            s.ok("config", "user.signingKey", value, cwd: repo)
            expectRefusedUnchanged("\(repo)/.accord", "set with user.signingKey=\(value)", mentions: [mentions, "user.signingKey"]) {
                s.accord("set", "HT-1", "subject=改", cwd: repo)
            }
            #expect(s.accord("show", "HT-1", cwd: repo).status == 0, "reading needs no key")
        }
        s.ok("config", "user.signingKey", "", cwd: repo)
        s.ok("set", "HT-1", "subject=改", cwd: repo)
    }
}
