import Foundation
import Testing
@testable import AccordStore
import AccordObjects

@Suite("Reading git's packs")
struct PackReadTests {
    typealias S = PackTestSupport

    @Test func gitAggressivePackReadsIdentically() throws {
        let dir = try S.makeGitRepo()
        defer { S.remove(dir) }
        let gitDir = "\(dir)/.git"
        let verify = try S.gitString(["--git-dir=\(gitDir)", "verify-pack", "-v"] + S.packFiles("\(gitDir)/objects/pack").map { String($0.dropLast(5)) + ".idx" })
        #expect(verify.contains("chain length = "), "expected delta chains in git's pack")
        #expect(FileIO.list("\(gitDir)/objects").filter { $0.count == 2 }.isEmpty, "all objects should be packed")
        let expected = try S.gitObjects(gitDir)
        #expect(expected.count > 30)
        let repo = try Repository(gitDir: gitDir)
        #expect(Set(repo.objects.allIDs()) == Set(expected.keys))
        var deltas = 0
        for (id, e) in expected {
            let o = try repo.objects.read(id)
            #expect(o.type.name == e.type, "type of \(id)")
            #expect(o.payload == e.bytes, "content of \(id)")
            let h = try repo.objects.header(id)
            #expect(h.type.name == e.type && h.size == e.bytes.count, "header of \(id)")
        }
        for pack in repo.objects.packs.packs {
            try pack.verify()
            for i in 0..<pack.count where try pack.data.entry(at: try pack.index.offset(at: i)).code == PackFormat.ofsDelta { deltas += 1 }
        }
        #expect(deltas > 5)
    }

    @Test func refDeltaPackReadsAndIndexesIdentically() throws {
        let dir = try S.makeGitRepo(commits: 5)
        defer { S.remove(dir) }
        let gitDir = "\(dir)/.git"
        let out = S.tempDir("refdelta")
        defer { S.remove(out) }
        let list = try S.git(["--git-dir=\(gitDir)", "rev-list", "--objects", "--all"])
        let name = try S.gitString(["--git-dir=\(gitDir)", "pack-objects", "--no-delta-base-offset", "-q", "\(out)/pack"], input: list)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let base = "\(out)/pack-\(name)"
        let verify = try S.gitString(["--git-dir=\(gitDir)", "verify-pack", "-v", base + ".idx"])
        #expect(verify.contains("chain length = "))
        let reader = try PackReader(packPath: base + ".pack", indexPath: base + ".idx", maxObjectSize: 1 << 30)
        var refs = 0
        for i in 0..<reader.count where try reader.data.entry(at: try reader.index.offset(at: i)).code == PackFormat.refDelta { refs += 1 }
        #expect(refs > 0, "expected REF_DELTA entries")
        let expected = try S.gitObjects(gitDir)
        for id in reader.allIDs() {
            let o = try #require(try reader.read(id))
            #expect(o.type.name == expected[id]?.type && o.payload == expected[id]?.bytes)
        }
        try reader.verify()
        // Re-index the pack without its idx: byte-identical to git's.
        let copy = "\(out)/copy.pack"
        S.write(copy, S.bytes(base + ".pack"))
        let r = try PackIndexer.index(packPath: copy)
        #expect(r.count == reader.count)
        #expect(S.bytes(r.indexPath) == S.bytes(base + ".idx"))
    }

    @Test func indexerMatchesGitIndexPack() throws {
        let dir = try S.makeGitRepo(commits: 6)
        defer { S.remove(dir) }
        let pack = try #require(S.packFiles("\(dir)/.git/objects/pack").first)
        let out = S.tempDir("indexer")
        defer { S.remove(out) }
        let copy = "\(out)/received.pack"
        S.write(copy, S.bytes(pack))
        var phases = Set<String>()
        let r = try PackIndexer.index(packPath: copy, progress: { p, _, _ in phases.insert(p) })
        #expect(phases.contains("Indexing objects"))
        #expect(S.bytes(r.indexPath) == S.bytes(String(pack.dropLast(5)) + ".idx"))
        // and git's own index-pack agrees on a fresh copy
        let copy2 = "\(out)/again.pack"
        S.write(copy2, S.bytes(pack))
        try S.git(["index-pack", "--object-format=sha256", "-o", "\(out)/again-git.idx", copy2])
        #expect(S.bytes(r.indexPath) == S.bytes("\(out)/again-git.idx"))
        _ = try S.gitString(["--git-dir=\(dir)/.git", "verify-pack", r.indexPath])
    }
}

@Suite("Indexing thin packs")
struct PackThinTests {
    typealias S = PackTestSupport

    @Test func thinPackNeedsItsExternalBases() throws {
        let dir = try S.makeGitRepo(commits: 4)
        defer { S.remove(dir) }
        let gitDir = "\(dir)/.git"
        let out = S.tempDir("thin")
        defer { S.remove(out) }
        let pack = try S.git(["--git-dir=\(gitDir)", "pack-objects", "--revs", "--thin", "--stdout", "-q"],
                             input: Data("main\n^main~1\n".utf8))
        S.write("\(out)/thin.pack", [UInt8](pack))
        do throws(StoreError) {
            _ = try PackIndexer.index(packPath: "\(out)/thin.pack", indexPath: "\(out)/a.idx")
            Issue.record("thin pack indexed without its bases")
        } catch {
            #expect(error.description.contains("neither in the pack nor in the repository"), "\(error)")
        }
        #expect(!FileIO.exists("\(out)/a.idx"))
        let repo = try Repository(gitDir: gitDir)
        let r = try PackIndexer.index(packPath: "\(out)/thin.pack", indexPath: "\(out)/b.idx", bases: repo.objects)
        #expect(r.externalBases > 0)
        let idx = try PackIndex(path: "\(out)/b.idx")
        #expect(idx.count == r.count)
        for id in idx.allIDs() { #expect(repo.objects.contains(id)) }
    }
}
