import Foundation
import Testing
@testable import AccordStore
import AccordObjects

@Suite("Garbage collection")
struct GCTests {
    typealias S = PackTestSupport

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

    @Test func leftoversOfAKilledGcAreHarmless() throws {
        let dir = S.tempDir("gckill")
        defer { S.remove(dir) }
        let repo = try Repository.create(at: dir, bare: true)
        let ids = try S.fillAccordRepo(repo, commits: 3)
        let first = try GarbageCollector().run(repository: repo)
        let pack = try #require(first.pack)
        // What a kill leaves behind at various points: a temp pack, a pack renamed without its idx,
        // and (killed while deleting) loose copies of packed objects.
        S.write("\(dir)/objects/pack/tmp_pack_999_1_2", Array(S.bytes(pack.packPath).prefix(100)))
        S.write("\(dir)/objects/pack/pack-\(String(repeating: "0", count: 64)).pack", S.bytes(pack.packPath))
        let extra = try repo.objects.write(type: .blob, payload: Array("written after gc\n".utf8))
        try [UInt8]("dangling blob\n".utf8).withBytes { (p) throws(StoreError) in _ = try repo.objects.loose.write(type: .blob, payload: p) }
        #expect(repo.objects.loose.contains(ObjectHasher.id(type: .blob, payload: Array("dangling blob\n".utf8))))
        let fresh = try Repository(gitDir: dir)
        for id in ids + [extra] { _ = try fresh.objects.read(id) }
        try S.git(["--git-dir=\(dir)", "fsck", "--full", "--strict"])
        try GarbageCollector().run(repository: fresh)
        for id in ids + [extra] { _ = try Repository(gitDir: dir).objects.read(id) }
        try S.git(["--git-dir=\(dir)", "fsck", "--full", "--strict"])
    }
}
