import Foundation
import Testing
import AccordObjects

/// Repositories written by accord are valid to git, and repositories written by git read
/// identically through accord. The git binary is the oracle.
@Suite struct InteropTests {
    /// Writes a small history with accord alone, returning the ids it printed.
    struct AccordMade {
        var gitDir: String
        var blobs: [String: String] = [:]      // content label → id
        var blobContent: [String: [UInt8]] = [:]
        var trees: [String] = []
        var commits: [String] = []             // oldest first; last is the merge
        var commitMessages: [String: String] = [:]
        var tag = ""
        var tagText = ""
        var merge = ""
    }

    static func makeWithAccord(_ s: Sandbox) -> AccordMade {
        s.ok("init", "-q", "repo")
        let repo = "\(s.root)/repo"
        var m = AccordMade(gitDir: "\(repo)/.accord")
        func date(_ n: Int) -> [String: String] {
            ["ACCORD_AUTHOR_DATE": "\(1_700_000_000 + n * 100) +0800", "ACCORD_COMMITTER_DATE": "\(1_700_000_000 + n * 100) -0000"]
        }
        // Blobs: from files (one with a Chinese name) and from stdin.
        let contract = s.dir.write("合同-甲方.txt", "甲方：示例公司\n价格：100 元\n")
        m.blobs["contract"] = s.ok("hash-object", "-w", contract, cwd: repo)
        m.blobContent["contract"] = Array("甲方：示例公司\n价格：100 元\n".utf8)
        m.blobs["v2"] = s.ok("hash-object", "-w", "--stdin", cwd: repo, input: "甲方：示例公司\n价格：120 元\n")
        m.blobContent["v2"] = Array("甲方：示例公司\n价格：120 元\n".utf8)
        m.blobs["script"] = s.ok("hash-object", "-w", "--stdin", cwd: repo, input: "#!/bin/sh\necho 签署\n")
        m.blobs["empty"] = s.ok("hash-object", "-w", "--stdin", cwd: repo)
        m.blobContent["empty"] = []
        // Trees: a subtree with Chinese names, and roots built on it.
        let sub = s.ok("mktree", cwd: repo, input: """
            100644 blob \(m.blobs["contract"]!)\t乙方.txt
            100755 blob \(m.blobs["script"]!)\trun.sh
            120000 blob \(m.blobs["empty"]!)\tlink

            """)
        let root1 = s.ok("mktree", cwd: repo, input: "040000 tree \(sub)\t合同\n100644 blob \(m.blobs["contract"]!)\tREADME\n")
        let root2 = s.ok("mktree", cwd: repo, input: "040000 tree \(sub)\t合同\n100644 blob \(m.blobs["v2"]!)\tREADME\n")
        let root3 = s.ok("mktree", cwd: repo, input: "040000 tree \(sub)\t合同\n100644 blob \(m.blobs["v2"]!)\tREADME\n100644 blob \(m.blobs["empty"]!)\tEMPTY\n")
        m.trees = [sub, root1, root2, root3]
        // Commits: root, two branches, a merge (messages in Chinese).
        let msgs = ["初始合同", "价格调整为 120 元", "添加空文件", "合并：价格与空文件"]
        let c1 = s.ok("commit-tree", root1, "-m", msgs[0], cwd: repo, env: date(1))
        let c2 = s.ok("commit-tree", root2, "-p", c1, "-m", msgs[1], "-m", "第二段。", cwd: repo, env: date(2))
        let c3 = s.ok("commit-tree", root1, "-p", c1, "-m", msgs[2], cwd: repo, env: date(3))
        let merge = s.ok("commit-tree", root3, "-p", c2, "-p", c3, cwd: repo, input: msgs[3] + "\n\n详细说明\n", env: date(4))
        m.commits = [c1, c2, c3, merge]
        m.merge = merge
        m.commitMessages = [c1: msgs[0] + "\n", c2: msgs[1] + "\n\n第二段。\n", c3: msgs[2] + "\n", merge: msgs[3] + "\n\n详细说明\n"]
        // An annotated tag written as a raw object.
        m.tagText = "object \(merge)\ntype commit\ntag v1.0-签署\ntagger 张三 <zhang@example.com> 1700000500 +0800\n\n已签署的版本\n"
        m.tag = s.ok("hash-object", "-t", "tag", "-w", "--stdin", cwd: repo, input: m.tagText)
        s.ok("update-ref", "refs/heads/main", merge, cwd: repo)
        s.ok("update-ref", "refs/heads/side", c3, cwd: repo)
        s.ok("update-ref", "refs/tags/v1.0-签署", m.tag, cwd: repo)
        return m
    }

    @Test func accordWrittenRepositoryPassesGitFsckStrict() throws {
        let s = Sandbox()
        let m = Self.makeWithAccord(s)
        let fsck = s.git("--git-dir=\(m.gitDir)", "fsck", "--full", "--strict", "--no-dangling")
        #expect(fsck.status == 0, "git fsck failed: \(fsck.err) \(fsck.out)")
        #expect(!fsck.err.contains("error"), "\(fsck.err)")
        #expect(!fsck.err.contains("warning"), "\(fsck.err)")
        // git sees every object with the type and content we wrote.
        for (label, id) in m.blobs {
            #expect(s.gitOK("--git-dir=\(m.gitDir)", "cat-file", "-t", id) == "blob")
            if let want = m.blobContent[label] {
                #expect(s.git("--git-dir=\(m.gitDir)", "cat-file", "-p", id).stdout == want, "blob \(label)")
            }
        }
        #expect(s.git("--git-dir=\(m.gitDir)", "cat-file", "-p", m.tag).out == m.tagText)
        for c in m.commits {
            let raw = s.git("--git-dir=\(m.gitDir)", "cat-file", "commit", c).out
            let body = raw.components(separatedBy: "\n\n").dropFirst().joined(separator: "\n\n")
            #expect(body == m.commitMessages[c], "commit \(c)")
            // Byte-identical object content both ways.
            #expect(s.git("--git-dir=\(m.gitDir)", "cat-file", "-p", c).stdout
                    == s.accord("cat-file", "-p", c, env: ["ACCORD_DIR": m.gitDir]).stdout)
        }
        let mergeText = s.gitOK("--git-dir=\(m.gitDir)", "cat-file", "-p", m.merge)
        #expect(mergeText.contains("parent \(m.commits[1])\nparent \(m.commits[2])\n"))
        #expect(mergeText.contains("author Test Author <author@example.com> 1700000400 +0800\n"))
        #expect(mergeText.contains("committer Test Committer <committer@example.com> 1700000400 -0000\n"))
        // Trees print the same through both tools (ls-tree format, Chinese names unquoted by accord).
        for t in m.trees {
            let g = s.git("-c", "core.quotepath=false", "--git-dir=\(m.gitDir)", "cat-file", "-p", t)
            let a = s.accord("cat-file", "-p", t, env: ["ACCORD_DIR": m.gitDir])
            #expect(g.status == 0 && a.status == 0)
            #expect(g.out == a.out, "tree \(t)")
        }
        #expect(s.gitOK("--git-dir=\(m.gitDir)", "rev-parse", "refs/tags/v1.0-签署^{}") == m.merge)
        #expect(s.gitOK("--git-dir=\(m.gitDir)", "rev-parse", "main^2") == m.commits[2])
    }

    @Test func accordLogMatchesGitLog() throws {
        let s = Sandbox()
        let m = Self.makeWithAccord(s)
        for ref in ["refs/heads/main", "refs/heads/side", "refs/tags/v1.0-签署"] {
            let gitIDs = s.gitOK("--git-dir=\(m.gitDir)", "log", "--format=%H", ref).split(separator: "\n").map(String.init)
            let json = s.ok("log", "--json", ref, env: ["ACCORD_DIR": m.gitDir])
            let accordIDs = try json.split(separator: "\n").map { line -> String in
                let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                return obj?["id"] as? String ?? ""
            }
            #expect(!gitIDs.isEmpty)
            #expect(accordIDs == gitIDs, "\(ref)")
        }
        // The JSON carries the message and author exactly.
        let first = s.ok("log", "--json", "-n", "1", "refs/heads/main", env: ["ACCORD_DIR": m.gitDir])
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any])
        #expect(obj["message"] as? String == m.commitMessages[m.merge])
        #expect((obj["parents"] as? [String]) == [m.commits[1], m.commits[2]])
        #expect(((obj["author"] as? [String: Any])?["name"] as? String) == "Test Author")
    }

    // MARK: git → accord

    /// A repository written by git (loose objects only), with a merge and annotated tags.
    static func makeWithGit(_ s: Sandbox) -> String {
        let w = "\(s.root)/gitrepo"
        _ = s.gitOK("init", "-q", "--object-format=sha256", "-b", "main", w)
        func g(_ args: String..., n: Int = 0) {
            let env = ["GIT_AUTHOR_DATE": "\(1_700_000_000 + n * 60) +0100", "GIT_COMMITTER_DATE": "\(1_700_000_000 + n * 60) +0100"]
            let r = s.git(["-C", w, "-c", "gc.auto=0", "-c", "core.quotepath=false"] + args, input: [], env: env)
            #expect(r.status == 0, "git \(args): \(r.err)")
        }
        func file(_ name: String, _ text: String) {
            let p = "\(w)/\(name)"
            try? FileManager.default.createDirectory(atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: p, contents: Data(text.utf8))
        }
        file("合同.txt", "v1\n"); file("docs/说明.md", "# 说明\n"); file("bin/run", "#!/bin/sh\n")
        chmod("\(w)/bin/run", 0o755)
        g("add", "-A"); g("commit", "-q", "-m", "第一版", n: 1)
        file("合同.txt", "v2\n"); g("commit", "-q", "-am", "第二版\n\n正文", n: 2)
        g("checkout", "-q", "-b", "side", "HEAD~1")
        file("side.txt", "side\n"); g("add", "-A"); g("commit", "-q", "-m", "side work", n: 3)
        g("checkout", "-q", "main")
        g("merge", "-q", "--no-ff", "-m", "合并 side", "side", n: 4)
        g("tag", "-a", "-m", "签署 v1", "v1", n: 5)
        g("tag", "-a", "-m", "tag of a tag", "v1-outer", "v1", n: 6)
        g("tag", "lightweight", "HEAD~1")
        file("合同.txt", "v3\n"); g("commit", "-q", "-am", "第三版", n: 7)
        return "\(w)/.git"
    }

    @Test func gitWrittenRepositoryReadsIdentically() throws {
        let s = Sandbox()
        let gitDir = Self.makeWithGit(s)
        let env = ["ACCORD_DIR": gitDir]
        #expect(FileManager.default.fileExists(atPath: "\(gitDir)/objects/pack") )
        let packs = (try? FileManager.default.contentsOfDirectory(atPath: "\(gitDir)/objects/pack")) ?? []
        #expect(packs.isEmpty, "this test is about loose objects")
        // Every object, in one stream, byte for byte.
        s.expectBatchAllObjectsMatchesGit(gitDir: gitDir, atLeast: 1000)
        let gitCheck = s.git("--git-dir=\(gitDir)", "cat-file", "--batch-all-objects", "--batch-check")
        #expect(s.accord("cat-file", "--batch-all-objects", "--batch-check", env: env).stdout == gitCheck.stdout)
        // --batch fed the same ids (reversed, plus names and a missing id) answers as git does.
        var ids = gitCheck.lines.map { String($0.prefix(64)) }.reversed().map { $0 }
        ids += ["HEAD", "v1", String(repeating: "0", count: 64), "main~1^{tree}"]
        let input = Array((ids.joined(separator: "\n") + "\n").utf8)
        let gb = s.git(["--git-dir=\(gitDir)", "cat-file", "--batch"], input: input)
        let ab = s.accord(["cat-file", "--batch"], input: input, env: env)
        #expect(ab.status == 0, "\(ab.err)")
        #expect(ab.stdout == gb.stdout)
        let gc = s.git(["--git-dir=\(gitDir)", "cat-file", "--batch-check"], input: input)
        #expect(s.accord(["cat-file", "--batch-check"], input: input, env: env).stdout == gc.stdout)
        // Each object one at a time: type, size, content.
        for line in gitCheck.lines {
            let parts = line.split(separator: " ")
            let id = String(parts[0])
            #expect(s.ok("cat-file", "-t", id, env: env) == String(parts[1]))
            #expect(s.ok("cat-file", "-s", id, env: env) == String(parts[2]))
            #expect(s.accord("cat-file", String(parts[1]), id, env: env).stdout
                    == s.git("--git-dir=\(gitDir)", "cat-file", String(parts[1]), id).stdout)
        }
        // And accord's fsck finds nothing wrong with git's repository.
        let fsck = s.accord("fsck", env: env)
        #expect(fsck.status == 0, "\(fsck.out) \(fsck.err)")
        // Refs: show-ref lists what git lists.
        #expect(s.ok("show-ref", env: env) == s.gitOK("--git-dir=\(gitDir)", "show-ref"))
    }

    @Test func revParseAgreesWithGit() throws {
        let s = Sandbox()
        let gitDir = Self.makeWithGit(s)
        let env = ["ACCORD_DIR": gitDir]
        let head = s.gitOK("--git-dir=\(gitDir)", "rev-parse", "HEAD")
        var specs = ["HEAD", "HEAD~1", "HEAD~2", "HEAD^", "HEAD^^2", "HEAD~1^2", "HEAD~1^1", "main", "side",
                     "refs/heads/side", "v1", "v1^{}", "v1^{commit}", "v1-outer", "v1-outer^{}", "v1-outer^{tag}",
                     "HEAD^{tree}", "v1^{tree}", "HEAD~1^{tree}", "lightweight", "tags/v1", "HEAD^0", "v1^0", "side~0"]
        // Short prefixes of a commit, a tree and a blob (long enough to be unique here).
        let all = s.gitOK("--git-dir=\(gitDir)", "cat-file", "--batch-all-objects", "--batch-check=%(objectname)").split(separator: "\n")
        for full in [head] + all.prefix(3).map(String.init) {
            specs.append(String(full.prefix(12)))
            specs.append(String(full.prefix(8)))
        }
        specs.append(head)
        for spec in specs {
            let g = s.git("--git-dir=\(gitDir)", "rev-parse", "--verify", "-q", spec)
            let a = s.accord("rev-parse", spec, env: env)
            #expect(g.status == 0, "git could not parse \(spec)")
            #expect(a.status == 0, "accord rev-parse \(spec): \(a.err)")
            #expect(a.trimmed == g.trimmed, "rev-parse \(spec)")
        }
        // Both refuse what does not exist.
        for bad in ["HEAD~10", "HEAD^3", "nosuchref", "v1^{blob}", "HEAD^{nonsense}"] {
            let a = s.accord("rev-parse", bad, env: env)
            #expect(s.git("--git-dir=\(gitDir)", "rev-parse", "--verify", "-q", bad).status != 0)
            #expect(a.status == 128, "\(bad): \(a.out)")
            #expect(a.err.hasPrefix("fatal:"), "\(bad): \(a.err)")
        }
    }

    @Test func mergeBaseAllAgreesWithGitOnCrissCross() throws {
        let s = Sandbox()
        let w = "\(s.root)/cc"
        _ = s.gitOK("init", "-q", "--object-format=sha256", "-b", "main", w)
        var n = 0
        func commit(_ msg: String, parents: [String]) -> String {
            n += 1
            let tree = s.gitOK("-C", w, "mktree", input: "")
            let env = ["GIT_AUTHOR_DATE": "\(1_700_000_000 + n * 60) +0000", "GIT_COMMITTER_DATE": "\(1_700_000_000 + n * 60) +0000"]
            let r = s.git(["-C", w, "commit-tree", tree, "-m", msg] + parents.flatMap { ["-p", $0] }, input: [], env: env)
            #expect(r.status == 0, "\(r.err)")
            return r.trimmed
        }
        // base → a1, b1; a2 = merge(a1, b1); b2 = merge(b1, a1): criss-cross, two best bases.
        let base = commit("base", parents: [])
        let a1 = commit("a1", parents: [base]), b1 = commit("b1", parents: [base])
        let a2 = commit("a2", parents: [a1, b1]), b2 = commit("b2", parents: [b1, a1])
        let a3 = commit("a3", parents: [a2]), b3 = commit("b3", parents: [b2])
        let lone = commit("unrelated", parents: [])
        let env = ["ACCORD_DIR": "\(w)/.git"]
        for (x, y) in [(a2, b2), (a3, b3), (b3, a3), (a3, a1), (a1, b1), (a3, a3), (base, b3)] {
            let g = Set(s.gitOK("-C", w, "merge-base", "--all", x, y).split(separator: "\n").map(String.init))
            let a = Set(s.ok("merge-base", "--all", x, y, env: env).split(separator: "\n").map(String.init))
            #expect(a == g, "merge-base --all \(x.prefix(8)) \(y.prefix(8))")
            // Without --all, accord prints one of git's answers.
            #expect(g.contains(s.ok("merge-base", x, y, env: env)))
        }
        #expect(Set(s.ok("merge-base", "--all", a3, b3, env: env).split(separator: "\n").map(String.init)) == [a1, b1])
        // No common ancestor: exit 1 like git, nothing printed.
        let none = s.accord("merge-base", "--all", a3, lone, env: env)
        #expect(none.status == 1)
        #expect(none.out.isEmpty)
        // --is-ancestor agrees with git.
        for (x, y) in [(base, a3), (a1, b2), (a3, b3), (b3, b3), (lone, a1)] {
            let g = s.git("-C", w, "merge-base", "--is-ancestor", x, y).status
            let a = s.accord("merge-base", "--is-ancestor", x, y, env: env).status
            #expect(a == g, "is-ancestor \(x.prefix(8)) \(y.prefix(8))")
        }
    }
}

/// The committed git-made fixture through the binary (no git needed).
@Suite struct FixtureCLITests {
    static let fixture = "\(CLI.packageRoot)/Fixtures/git-sha256-repo"

    static func manifestLines(_ kind: String) throws -> [[String]] {
        try String(contentsOfFile: "\(fixture).expected", encoding: .utf8).split(separator: "\n")
            .map { $0.split(separator: " ").map(String.init) }.filter { $0.first == kind }
    }

    @Test func looseObjectsAndRefsOfTheFixture() throws {
        let s = Sandbox()
        let env = ["ACCORD_DIR": Self.fixture]
        let loose = try Self.manifestLines("object").filter { $0[4] == "loose" }
        let input = Array(loose.map { $0[1] + "\n" }.joined().utf8)
        let check = s.accord(["cat-file", "--batch-check"], input: input, env: env)
        #expect(check.status == 0, "\(check.err)")
        #expect(check.out == loose.map { "\($0[1]) \($0[2]) \($0[3])\n" }.joined())
        let refs = try Self.manifestLines("ref")
        #expect(s.ok("show-ref", env: env) == refs.map { "\($0[1]) \($0[2])" }.joined(separator: "\n"))
        #expect(s.ok("rev-parse", "HEAD", env: env) == (try Self.manifestLines("head"))[0][2])
    }

    @Test func everyObjectOfTheFixture() throws {
        let s = Sandbox()
        let env = ["ACCORD_DIR": Self.fixture]
        let all = s.accord("cat-file", "--batch-all-objects", "--batch", env: env)
        #expect(all.status == 0, "\(all.err)")
        let digest = all.stdout.withUnsafeBytes { ObjectHasher.digest($0) }.hex
        #expect(digest == (try Self.manifestLines("batch-sha256"))[0][1])
        let fsck = s.accord("fsck", env: env)
        #expect(fsck.status == 0, "\(fsck.out)")
        #expect(s.ok("log", "--oneline", "refs/heads/main", env: env).split(separator: "\n").count == 6)
    }
}
