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
}
