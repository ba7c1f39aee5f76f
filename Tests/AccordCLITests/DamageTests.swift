import Foundation
import Testing
import AccordStore
import AccordObjects

/// Damaged objects and stale locks are found and reported with the object or file they concern.
@Suite(.timeLimit(.minutes(10))) struct DamageTests {
    enum Damage: String, CaseIterable, Sendable {
        case truncated, bitFlipped, wrongContent, malformedButHashCorrect
    }

    /// A repository with main → commit → tree → blob; returns (sandbox, repo dir, gitDir, blob id, commit id).
    static func setup() -> (Sandbox, String, String, String, String) {
        let s = Sandbox()
        s.ok("init", "-q", "repo")
        let repo = "\(s.root)/repo"
        let text = (1...200).map { "clause \($0): payment due in \($0) days\n" }.joined()
        let blob = s.ok("hash-object", "-w", "--stdin", cwd: repo, input: text)
        let tree = s.ok("mktree", cwd: repo, input: "100644 blob \(blob)\tcontract.txt\n")
        let commit = s.ok("commit-tree", tree, "-m", "first", cwd: repo)
        s.ok("update-ref", "refs/heads/main", commit, cwd: repo)
        #expect(s.accord("fsck", cwd: repo).status == 0)
        return (s, repo, "\(repo)/.accord", blob, commit)
    }

    static func objectPath(_ gitDir: String, _ id: String) -> String {
        "\(gitDir)/objects/\(id.prefix(2))/\(id.dropFirst(2))"
    }

    static func overwrite(_ path: String, _ bytes: [UInt8]) {
        chmod(path, 0o644)
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
    }

    @Test(arguments: Damage.allCases)
    func damagedLooseObjectIsReported(damage: Damage) throws {
        let (s, repo, gitDir, blob, _) = Self.setup()
        var target = blob
        let path = Self.objectPath(gitDir, blob)
        let original = Array(try #require(FileManager.default.contents(atPath: path)))
        switch damage {
        case .truncated:
            Self.overwrite(path, Array(original.prefix(original.count / 2)))
        case .bitFlipped:
            var b = original
            b[b.count / 2] ^= 0x10
            Self.overwrite(path, b)
        case .wrongContent:
            // A perfectly valid zlib stream of a well-formed object, just not the one named.
            Self.overwrite(path, Zlib.deflate(Array("blob 9\0forged!!\n".utf8)))
        case .malformedButHashCorrect:
            // The hash matches, but the content is not a valid tree (the same name twice).
            var payload: [UInt8] = []
            for _ in 0..<2 { payload += Array("100644 contract.txt\0".utf8) + ObjectID(hex: blob)!.bytes }
            let loose = LooseObjects(directory: "\(gitDir)/objects", maxObjectSize: 1 << 20, durable: false)
            target = try payload.withUnsafeBytes { try loose.write(type: .tree, payload: $0) }.hex
        }
        let cat = s.accord("cat-file", "-p", target, cwd: repo)
        #expect(cat.status == 128, "cat-file -p exit \(cat.status): \(cat.err)")
        #expect(cat.err.hasPrefix("fatal:"))
        #expect(cat.err.contains(target), "the error names the object: \(cat.err)")
        if damage != .malformedButHashCorrect { // -e checks the object's bytes, as git's does, not its syntax
            #expect(s.accord("cat-file", "-e", target, cwd: repo).status == 1)
        }

        let fsck = s.accord("fsck", cwd: repo)
        #expect(fsck.status == 1, "fsck exit \(fsck.status)")
        #expect(fsck.out.contains(target), "fsck names the object: \(fsck.out)")
        #expect(fsck.out.contains("corrupt"))

        let json = s.accord("fsck", "--json", cwd: repo)
        #expect(json.status == 1)
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout)) as? [String: Any])
        #expect(obj["ok"] as? Bool == false)
        let problems = try #require(obj["problems"] as? [[String: Any]])
        #expect(problems.contains { ($0["id"] as? String) == target && ($0["kind"] as? String) == "corrupt" }, "\(problems)")

        // git agrees that something is wrong with this object.
        let g = s.git("--git-dir=\(gitDir)", "fsck", "--full", "--strict")
        #expect(g.status != 0)
        #expect((g.out + g.err).contains(target))
    }

    enum PackDamage: String, CaseIterable, Sendable { case packTruncated, packBitFlipped, indexTruncated }

    /// After `accord gc` every object is in one pack: damage to the pack or its index is reported
    /// by reads (naming the object and the file) and by fsck, never passed off as "not found",
    /// and gc refuses to repack it away.
    @Test(arguments: PackDamage.allCases)
    func damagedPackIsReported(damage: PackDamage) throws {
        let (s, repo, gitDir, blob, _) = Self.setup()
        s.ok("gc", "-q", cwd: repo)
        let packDir = "\(gitDir)/objects/pack"
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: packDir).first { $0.hasSuffix(".pack") })
        let pack = "\(packDir)/\(name)", index = String(pack.dropLast(5)) + ".idx"
        #expect(!FileManager.default.fileExists(atPath: Self.objectPath(gitDir, blob)), "the blob is packed")
        let path = damage == .indexTruncated ? index : pack
        var bytes = Array(try #require(FileManager.default.contents(atPath: path)))
        switch damage {
        case .packTruncated: bytes = Array(bytes.prefix(bytes.count / 2))
        case .indexTruncated: bytes = Array(bytes.prefix(1100))
        case .packBitFlipped:
            // Inside the blob's compressed data: the pack still opens, the blob fails its checks.
            let entries = s.git("--git-dir=\(gitDir)", "verify-pack", "-v", index).out.split(separator: "\n")
            let line = try #require(entries.first { $0.hasPrefix(blob) })
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            let offset = try #require(Int(fields[4])), size = try #require(Int(fields[3]))
            bytes[offset + size / 2] ^= 0x10
        }
        Self.overwrite(path, bytes)

        let cat = s.accord("cat-file", "-p", blob, cwd: repo)
        #expect(cat.status == 128, "cat-file -p exit \(cat.status): \(cat.err)")
        #expect(cat.err.hasPrefix("fatal:"))
        #expect(!cat.err.contains("not found"), "damage is not reported as absence: \(cat.err)")
        #expect(cat.err.contains(damage == .indexTruncated ? index : pack), "the error names the file: \(cat.err)")
        if damage != .indexTruncated { // a readable index says which object the damage hides
            #expect(cat.err.contains(blob), "the error names the object: \(cat.err)")
        }

        let json = s.accord("fsck", "--json", cwd: repo)
        #expect(json.status == 1)
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout)) as? [String: Any])
        let problems = try #require(obj["problems"] as? [[String: Any]])
        if damage != .indexTruncated {
            #expect(problems.contains { ($0["id"] as? String) == blob && ($0["kind"] as? String) == "corrupt" }, "\(problems)")
        }
        #expect(problems.contains { ($0["message"] as? String)?.contains(name.dropLast(5)) == true }, "fsck names the pack: \(problems)")

        // gc must not repack the damage away (deleting whatever the pack still holds).
        let before = FileManager.default.contents(atPath: path)
        let gc = s.accord("gc", "-q", cwd: repo)
        if damage == .packBitFlipped {
            #expect(gc.status == 128 && gc.err.contains(blob), "gc cannot read the blob: \(gc.err)")
        } else {
            #expect(gc.status == 128 && gc.err.contains("nothing was changed"), "gc refuses: \(gc.err)")
        }
        #expect(FileManager.default.contents(atPath: path) == before, "the damaged file is kept")
        #expect(FileManager.default.fileExists(atPath: pack) && FileManager.default.fileExists(atPath: index))

        // git agrees that something is wrong.
        #expect(s.git("--git-dir=\(gitDir)", "fsck", "--full", "--strict").status != 0)
    }

    @Test func damageInOneObjectDoesNotHideTheOthers() throws {
        let (s, repo, gitDir, blob, commit) = Self.setup()
        Self.overwrite(Self.objectPath(gitDir, blob), [0x78, 0x01, 0x00])
        // Objects that are intact still read.
        #expect(s.accord("cat-file", "-t", commit, cwd: repo).trimmed == "commit")
        let fsck = s.accord("fsck", "--json", cwd: repo)
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(fsck.stdout)) as? [String: Any])
        let problems = try #require(obj["problems"] as? [[String: Any]])
        // The commit itself is fine; the damaged blob is the only object reported as corrupt.
        let corrupt = problems.filter { ($0["kind"] as? String) == "corrupt" }.compactMap { $0["id"] as? String }
        #expect(corrupt == [blob])
    }

    @Test func staleRefLockBlocksUpdatesAndIsReported() throws {
        let (s, repo, gitDir, blob, c1) = Self.setup()
        let tree2 = s.ok("mktree", cwd: repo, input: "100644 blob \(blob)\tother.txt\n")
        let c2 = s.ok("commit-tree", tree2, "-p", c1, "-m", "second", cwd: repo)
        let refPath = "\(gitDir)/refs/heads/main"
        let lock = refPath + ".lock"
        #expect(FileManager.default.createFile(atPath: lock, contents: Data()))
        let before = FileManager.default.contents(atPath: refPath)
        let reflogBefore = FileManager.default.contents(atPath: "\(gitDir)/logs/refs/heads/main")

        for args in [["update-ref", "refs/heads/main", c2], ["update-ref", "refs/heads/main", c2, c1],
                     ["update-ref", "HEAD", c2], ["update-ref", "-d", "refs/heads/main"]] {
            let r = s.accord(args, cwd: repo, input: [])
            #expect(r.status == 128, "\(args): \(r.status)")
            #expect(r.err.hasPrefix("fatal:"))
            #expect(r.err.contains("rm '\(lock)'"), "the message says how to recover: \(r.err)")
        }
        // Nothing changed, and the lock was not silently removed.
        #expect(FileManager.default.contents(atPath: refPath) == before)
        #expect(FileManager.default.contents(atPath: "\(gitDir)/logs/refs/heads/main") == reflogBefore)
        #expect(FileManager.default.fileExists(atPath: lock))
        #expect(s.ok("rev-parse", "refs/heads/main", cwd: repo) == c1)

        let fsck = s.accord("fsck", cwd: repo)
        #expect(fsck.status == 1)
        #expect(fsck.out.contains("stale-lock"))
        #expect(fsck.out.contains("rm '\(lock)'"), "\(fsck.out)")
        let json = s.accord("fsck", "--json", cwd: repo)
        #expect(json.out.contains("stale-lock"))

        // Following the advice recovers.
        try FileManager.default.removeItem(atPath: lock)
        s.ok("update-ref", "refs/heads/main", c2, c1, cwd: repo)
        #expect(s.ok("rev-parse", "refs/heads/main", cwd: repo) == c2)
        #expect(s.accord("fsck", cwd: repo).status == 0)
    }

    @Test func corruptRefIsReportedNotTrusted() throws {
        let (s, repo, gitDir, _, _) = Self.setup()
        // A torn ref file (half an id).
        #expect(FileManager.default.createFile(atPath: "\(gitDir)/refs/heads/torn", contents: Data("abcd1234\n".utf8)))
        let r = s.accord("rev-parse", "refs/heads/torn", cwd: repo)
        #expect(r.status == 128)
        #expect(r.err.contains("refs/heads/torn"))
        let fsck = s.accord("fsck", cwd: repo)
        #expect(fsck.status == 1)
        #expect(fsck.out.contains("refs/heads/torn"), "\(fsck.out)")
    }

    @Test func refToMissingObjectIsReported() throws {
        let (s, repo, gitDir, _, _) = Self.setup()
        let missing = String(repeating: "ab", count: 32)
        #expect(FileManager.default.createFile(atPath: "\(gitDir)/refs/heads/lost", contents: Data((missing + "\n").utf8)))
        let fsck = s.accord("fsck", "--json", cwd: repo)
        #expect(fsck.status == 1)
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(fsck.stdout)) as? [String: Any])
        let problems = try #require(obj["problems"] as? [[String: Any]])
        #expect(problems.contains { ($0["kind"] as? String) == "bad-ref" && ($0["id"] as? String) == missing })
    }
}
