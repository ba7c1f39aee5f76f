import Foundation
import Testing
@testable import AccordStore
import AccordObjects

@Suite("Writing packs and gc")
struct PackWriteTests {
    typealias S = PackTestSupport

    @Test func packWriterOutputIsAcceptedByGit() throws {
        let dir = S.tempDir("writer")
        defer { S.remove(dir) }
        let repo = try Repository.create(at: dir, bare: true)
        let ids = try S.fillAccordRepo(repo, commits: 8, files: 6)
        let out = "\(dir)/objects/pack"
        let r = try PackWriter.write(ids.map { PackWriter.Input(id: $0, name: nil) }, from: repo.objects, to: out)
        #expect(r.count == Set(ids).count)
        #expect(FileIO.exists(r.packPath) && FileIO.exists(r.indexPath))
        #expect(!FileIO.list(out).contains { $0.hasPrefix("tmp_") })
        let verify = try S.gitString(["--git-dir=\(dir)", "verify-pack", "-v", r.indexPath])
        #expect(verify.contains("chain length = "), "expected deltas in Accord's pack:\n\(verify)")
        // Our reader reads it back, and our indexer reproduces the idx byte for byte.
        let reader = try PackReader(packPath: r.packPath, indexPath: r.indexPath, maxObjectSize: 1 << 30)
        try reader.verify()
        for id in ids { #expect(try reader.read(id)?.payload == (try repo.objects.loose.read(id))?.payload) }
        let copy = "\(dir)/copy.pack"
        S.write(copy, S.bytes(r.packPath))
        let again = try PackIndexer.index(packPath: copy)
        #expect(S.bytes(again.indexPath) == S.bytes(r.indexPath))
        FileIO.remove(copy); FileIO.remove(again.indexPath)
        // Remove the loose copies: git must read everything from the pack.
        for id in ids { repo.objects.loose.remove(id) }
        try S.git(["--git-dir=\(dir)", "fsck", "--full", "--strict", "--no-dangling"])
        let head = try #require(try repo.refs.resolve("refs/heads/main"))
        let shown = try S.gitString(["--git-dir=\(dir)", "cat-file", "-p", head.hex])
        #expect(shown.contains("commit 7"))
        let blob = try S.gitString(["--git-dir=\(dir)", "cat-file", "-p", "main:f3.txt"])
        #expect(blob.contains("file 3 line 1 "))
    }

    @Test func gcPacksEverythingAndGitAgrees() throws {
        let dir = S.tempDir("gc")
        defer { S.remove(dir) }
        var repo = try Repository.create(at: dir, bare: true)
        var ids = try S.fillAccordRepo(repo, commits: 5)
        var phases: [String] = []
        let report = try GarbageCollector().run(repository: repo) { phase, _, _ in
            if phases.last != phase { phases.append(phase) }
        }
        #expect(report.objects == Set(ids).count)
        #expect(phases.contains("Writing objects"))
        #expect(repo.objects.loose.allIDs().isEmpty, "loose objects remain")
        #expect(S.packFiles("\(dir)/objects/pack").count == 1)
        // refs packed, tag peeled
        #expect(!FileIO.exists("\(dir)/refs/heads/main"))
        let packed = try repo.refs.readPacked()
        #expect(packed["refs/heads/main"] != nil)
        #expect(packed["refs/tags/v1"]?.peeled == packed["refs/heads/main"]?.id)
        try S.git(["--git-dir=\(dir)", "fsck", "--full", "--strict"])
        // more objects, then gc again: the old pack is replaced, nothing is lost
        repo = try Repository(gitDir: dir)
        ids += [try repo.objects.write(type: .blob, payload: Array("late blob\n".utf8))]
        let head = try #require(try repo.refs.resolve("refs/heads/main"))
        let c = try repo.objects.readCommit(head)
        let next = try repo.objects.write(.commit(Commit(tree: c.tree, parents: [head], author: S.who, committer: S.who, message: "again\n")))
        try repo.refs.update("refs/heads/main", to: next, who: S.who, message: "again")
        ids.append(next)
        try GarbageCollector().run(repository: repo)
        let fresh = try Repository(gitDir: dir)
        #expect(S.packFiles("\(dir)/objects/pack").count == 1)
        #expect(fresh.objects.loose.allIDs().isEmpty)
        for id in ids { _ = try fresh.objects.read(id) }
        #expect(Set(fresh.objects.allIDs()) == Set(ids))
        try S.git(["--git-dir=\(dir)", "fsck", "--full", "--strict"])
        let out = try S.gitString(["--git-dir=\(dir)", "verify-pack", "-v"] + S.packFiles("\(dir)/objects/pack").map { String($0.dropLast(5)) + ".idx" })
        #expect(out.contains(": ok"))
    }

    @Test func gcOnGitRepositoryKeepsEveryObject() throws {
        let dir = try S.makeGitRepo(commits: 4)
        defer { S.remove(dir) }
        let gitDir = "\(dir)/.git"
        // some loose objects next to git's pack
        try "new content\n".write(toFile: "\(dir)/new.txt", atomically: true, encoding: .utf8)
        try S.git(["add", "new.txt"], in: dir)
        try S.git(["commit", "-q", "-m", "loose"], in: dir)
        let before = try S.gitObjects(gitDir)
        let repo = try Repository(gitDir: gitDir)
        try GarbageCollector().run(repository: repo)
        #expect(repo.objects.loose.allIDs().isEmpty)
        let after = try S.gitObjects(gitDir)
        #expect(Set(after.keys) == Set(before.keys))
        for (id, o) in before { #expect(try repo.objects.read(id).payload == o.bytes) }
        try S.git(["--git-dir=\(gitDir)", "fsck", "--full", "--strict"])
    }
}
