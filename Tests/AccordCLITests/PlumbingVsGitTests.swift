import Foundation
import Testing
import AccordTestSupport

/// Plumbing commands checked against git itself (the oracle), in SHA-256 repositories.
@Suite(.timeLimit(.minutes(10))) struct PlumbingVsGitTests {
    /// `hash-object -w --stdin-paths`: the ids git computes for the same files, in order, and
    /// what was written is each file byte for byte, as git reads it from Accord's repository.
    @Test func hashObjectStdinPathsMatchesGit() throws {
        let s = Sandbox()
        _ = s.ok("init", "-q", "repo")
        let gitDir = "\(s.root)/repo/.accord"
        _ = s.gitOK("init", "-q", "--object-format=sha256", "oracle")
        let files = s.dir.sub("files")
        var contents: [(String, [UInt8])] = [
            ("ascii.txt", Array("hello, accord\n".utf8)),
            ("合同.txt", Array("甲方：示例公司\n乙方：另一家公司\n金额：¥1,000,000.00\n".utf8)),
            ("empty", []),
            ("no newline at end", Array("付款条件".utf8)),
            ("binary.bin", (0..<512).map { UInt8($0 % 256) }),
            ("large.txt", Array(String(repeating: "条款 clause ", count: 20_000).utf8)),
        ]
        contents.append(("again-empty", [])) // the same object twice
        for (name, bytes) in contents {
            #expect(FileManager.default.createFile(atPath: "\(files)/\(name)", contents: Data(bytes)))
        }
        // Relative paths (read from the working directory) and absolute ones.
        let paths = contents.enumerated().map { i, f in i % 2 == 0 ? f.0 : "\(files)/\(f.0)" }
        let input = paths.joined(separator: "\n") + "\n"

        let gitIDs = s.gitOK("-C", files, "--git-dir=\(s.root)/oracle/.git", "hash-object", "--stdin-paths", input: input)
            .split(separator: "\n").map(String.init)
        let written = s.accord(["hash-object", "-w", "--stdin-paths"], cwd: files, input: Array(input.utf8), env: ["ACCORD_DIR": gitDir])
        #expect(written.status == 0, "\(written.err)")
        #expect(written.lines.count == contents.count)
        #expect(written.lines == gitIDs)
        // Without -w the same ids, and nothing is needed from a repository.
        let hashed = s.accord(["hash-object", "--stdin-paths"], cwd: files, input: Array(input.utf8), env: ["ACCORD_DIR": gitDir])
        #expect(hashed.lines == gitIDs)
        for (id, (name, bytes)) in zip(written.lines, contents) {
            #expect(s.gitOK("--git-dir=\(gitDir)", "cat-file", "-t", id) == "blob", "\(name)")
            let shown = s.git("--git-dir=\(gitDir)", "cat-file", "-p", id)
            #expect(shown.status == 0 && shown.stdout == bytes, "\(name): git reads back what was written")
        }
        let fsck = s.git("--git-dir=\(gitDir)", "fsck", "--strict")
        #expect(fsck.status == 0, "\(fsck.err)")
    }

    /// `accord init` records a fresh random replica id each time (bare or not), in the key the
    /// library reads (`accord.replicaId`, which git config reads case-insensitively), and a
    /// repository format git itself recognises as SHA-256.
    @Test func initRecordsDistinctReplicaIDsAndASHA256Format() throws {
        let s = Sandbox()
        _ = s.ok("init", "-q", "one")
        _ = s.ok("init", "-q", "two")
        _ = s.ok("init", "-q", "--bare", "hub.git")
        let gitDirs = ["\(s.root)/one/.accord", "\(s.root)/two/.accord", "\(s.root)/hub.git"]
        var ids: [String] = []
        for (n, dir) in gitDirs.enumerated() {
            let config = "\(dir)/config"
            let id = s.gitOK("config", "--file", config, "accord.replicaid")
            ids.append(id)
            #expect(Self.isUUIDv4(id), "\(dir): replica id '\(id)'")
            #expect(s.ok("config", "accord.replicaId", env: ["ACCORD_DIR": dir]) == id)
            #expect(s.gitOK("config", "--file", config, "core.repositoryformatversion") == "1")
            #expect(s.gitOK("config", "--file", config, "extensions.objectformat") == "sha256")
            #expect(s.gitOK("--git-dir=\(dir)", "rev-parse", "--show-object-format") == "sha256")
            #expect(s.gitOK("--git-dir=\(dir)", "rev-parse", "--is-bare-repository") == (n == 2 ? "true" : "false"))
            #expect(s.gitOK("--git-dir=\(dir)", "symbolic-ref", "HEAD") == "refs/heads/main")
            let fsck = s.git("--git-dir=\(dir)", "fsck", "--strict")
            #expect(fsck.status == 0, "\(dir): \(fsck.err)")
        }
        #expect(Set(ids).count == 3, "replica ids repeat: \(ids)")
        // An explicit id is recorded as given.
        _ = s.ok("init", "-q", "--replica-id", "laptop-7", "three")
        #expect(s.gitOK("config", "--file", "\(s.root)/three/.accord/config", "accord.replicaid") == "laptop-7")
    }

    static func isUUIDv4(_ s: String) -> Bool {
        let groups = s.split(separator: "-", omittingEmptySubsequences: false)
        guard groups.map(\.count) == [8, 4, 4, 4, 12] else { return false }
        guard s.utf8.allSatisfy({ $0 == UInt8(ascii: "-") || ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else { return false }
        return groups[2].first == "4" && "89ab".contains(groups[3].first!)
    }

    /// After `git gc --aggressive` (one pack, OFS_DELTA chains), Accord's
    /// `cat-file --batch-all-objects --batch` is git's byte for byte, and so is `--batch` fed
    /// the ids git lists (in reverse order).
    @Test func catFileBatchAfterGitGCAggressiveMatchesGit() throws {
        let s = Sandbox()
        let w = "\(s.root)/w"
        _ = s.gitOK("init", "-q", "--object-format=sha256", "-b", "main", w)
        var lines = (0..<150).map { "第\($0)条 clause \($0): the buyer pays within \($0 % 30 + 1) days" }
        for c in 0..<8 {
            lines[(c * 37) % lines.count] = "修改 \(c): amended clause"
            lines.append("appended in \(c)")
            _ = FileManager.default.createFile(atPath: "\(w)/合同.txt", contents: Data((lines.joined(separator: "\n") + "\n").utf8))
            _ = FileManager.default.createFile(atPath: "\(w)/reversed.txt", contents: Data((lines.reversed().joined(separator: "\n") + "\n").utf8))
            if c == 3 { _ = FileManager.default.createFile(atPath: "\(w)/empty", contents: Data()) }
            let env = ["GIT_AUTHOR_DATE": "\(1_700_000_000 + c * 3600) +0800", "GIT_COMMITTER_DATE": "\(1_700_000_000 + c * 3600) +0800"]
            _ = s.gitOK("-C", w, "add", "-A")
            _ = s.gitOK("-C", w, "-c", "gc.auto=0", "commit", "-q", "-m", "版本 \(c)", env: env)
        }
        _ = s.gitOK("-C", w, "tag", "-a", "-m", "签署", "v1", env: ["GIT_COMMITTER_DATE": "1700100000 +0800"])
        let gitDir = "\(w)/.git"
        _ = s.gitOK("--git-dir=\(gitDir)", "gc", "-q", "--aggressive", "--prune=now")
        // Everything is in one pack, and it has deltas (else this tests nothing new).
        let packDir = "\(gitDir)/objects/pack"
        let packs = ((try? FileManager.default.contentsOfDirectory(atPath: packDir)) ?? []).filter { $0.hasSuffix(".pack") }
        #expect(packs.count == 1)
        #expect(s.gitOK("--git-dir=\(gitDir)", "count-objects", "-v").split(separator: "\n").contains("count: 0"), "no loose objects left")
        let verify = s.gitOK("--git-dir=\(gitDir)", "verify-pack", "-v", "\(packDir)/\(packs.first ?? "")")
        let deltas = verify.split(separator: "\n").filter { $0.split(separator: " ", omittingEmptySubsequences: true).count == 7 }
        #expect(deltas.count >= 5, "git's pack has \(deltas.count) deltas")

        let env = ["ACCORD_DIR": gitDir]
        s.expectBatchAllObjectsMatchesGit(gitDir: gitDir, atLeast: 10_000)
        let check = s.gitOK("--git-dir=\(gitDir)", "cat-file", "--batch-all-objects", "--batch-check=%(objectname)")
        let input = Array((check.split(separator: "\n").reversed().joined(separator: "\n") + "\n").utf8)
        let gitBatch = s.git(["--git-dir=\(gitDir)", "cat-file", "--batch"], input: input)
        let accordBatch = s.accord(["cat-file", "--batch"], input: input, env: env)
        #expect(accordBatch.status == 0, "\(accordBatch.err)")
        #expect(accordBatch.stdout == gitBatch.stdout)
        #expect(s.accord("cat-file", "--batch-all-objects", "--batch-check", env: env).stdout
                == s.git("--git-dir=\(gitDir)", "cat-file", "--batch-all-objects", "--batch-check").stdout)
        let fsck = s.accord("fsck", env: env)
        #expect(fsck.status == 0, "\(fsck.out)")
    }

    /// `accord mktree` sorts entries as git does (directories compare as if their names ended
    /// in '/'), on random sets of names that are prefixes of each other, given in random order:
    /// its tree id is `git mktree`'s.
    @Test(arguments: 0..<6)
    func mktreeSortsAsGitDoes(seed: Int) throws {
        var rng = SeededRNG(seed: UInt64(seed) &* 0x9E37 &+ 11)
        let s = Sandbox()
        _ = s.ok("init", "-q", "--bare", "a.git")
        let accordDir = "\(s.root)/a.git"
        _ = s.gitOK("init", "-q", "--bare", "--object-format=sha256", "g.git")
        let gitDir = "\(s.root)/g.git"
        let env = ["ACCORD_DIR": accordDir]
        // The same blob and (empty) subtree in both repositories.
        let blob = s.ok("hash-object", "-w", "--stdin", input: "content\n", env: env)
        #expect(s.gitOK("--git-dir=\(gitDir)", "hash-object", "-w", "--stdin", input: "content\n") == blob)
        let subtree = s.ok("mktree", env: env)
        #expect(s.gitOK("--git-dir=\(gitDir)", "mktree", input: "") == subtree)
        let gitlink = String(repeating: "5a", count: 32)

        let stems = ["a", "a.b", "a-b", "a0", "a/", "ab", "a.", "a~", "a_b", "A", "b", "é", "合同", "合同.txt", "a b", "-", "."]
        for round in 0..<8 {
            var names = Set<String>()
            let wanted = Int.random(in: 1...14, using: &rng)
            while names.count < wanted {
                var name = stems.randomElement(using: &rng)!
                if Bool.random(using: &rng) { name += stems.randomElement(using: &rng)! }
                name = name.replacingOccurrences(of: "/", with: "")
                if ["", ".", ".."].contains(name) { continue }
                names.insert(name)
            }
            var lines: [String] = []
            for name in names {
                switch Int.random(in: 0..<6, using: &rng) {
                case 0, 1: lines.append("040000 tree \(subtree)\t\(name)")
                case 2: lines.append("100755 blob \(blob)\t\(name)")
                case 3: lines.append("120000 blob \(blob)\t\(name)")
                case 4: lines.append("160000 commit \(gitlink)\t\(name)")
                default: lines.append("100644 blob \(blob)\t\(name)")
                }
            }
            lines.shuffle(using: &rng)
            let input = lines.joined(separator: "\n") + "\n"
            let expected = s.gitOK("--git-dir=\(gitDir)", "mktree", input: input)
            let got = s.ok("mktree", input: input, env: env)
            #expect(got == expected, "seed \(seed) round \(round): \(lines)")
            // And git reads Accord's tree back with the entries in the same order as its own.
            #expect(s.git("--git-dir=\(accordDir)", "ls-tree", "-z", got).stdout == s.git("--git-dir=\(gitDir)", "ls-tree", "-z", expected).stdout)
        }
        let fsck = s.git("--git-dir=\(accordDir)", "fsck", "--strict")
        #expect(fsck.status == 0, "\(fsck.err)")
    }
}
