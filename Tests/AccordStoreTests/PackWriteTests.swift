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

    /// Pack reuse (transfers): what a pack stores is copied as stored, so a pack of everything a
    /// pack holds is that pack again, byte for byte; a part whose delta bases stay behind is packed
    /// the ordinary way; damaged stored bytes are never copied.
    @Test func reusedPacksCopyWhatIsStoredAndGitAcceptsThem() throws {
        let dir = S.tempDir("reuse")
        defer { S.remove(dir) }
        let repo = try Repository.create(at: dir, bare: true)
        let ids = try S.fillAccordRepo(repo, commits: 8, files: 6)
        // Stored with settings a transfer would not choose, so only a copy can reproduce it.
        let first = try PackWriter.write(ids.map { PackWriter.Input(id: $0) }, from: repo.objects, to: "\(dir)/objects/pack",
                                         options: PackWriter.Options(window: 3, depth: 2, compressionLevel: 1))
        for id in ids { repo.objects.loose.remove(id) }
        _ = repo.objects.packs.reloadIfChanged()
        #expect(try S.gitString(["--git-dir=\(dir)", "verify-pack", "-v", first.indexPath]).contains("chain length = "))

        let all = try PackWriter.write(ids.reversed().map { PackWriter.Input(id: $0) }, from: repo.objects, to: "\(dir)/out-all", options: .transfer)
        #expect(all.packID == first.packID, "a copy of every stored entry is the same pack")
        // A pack only sent (a hub's answer): the same bytes, no idx beside it.
        let sent = try PackWriter.write(ids.reversed().map { PackWriter.Input(id: $0) }, from: repo.objects, to: "\(dir)/out-sent", options: .upload)
        #expect(sent.packID == first.packID && sent.indexPath.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(dir)/out-sent") == ["pack-\(sent.packID.hex).pack"])
        #expect(S.bytes(sent.packPath) == S.bytes(all.packPath))

        // Every other object: deltas whose base is not sent cannot be copied as deltas.
        let part = ids.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
        let some = try PackWriter.write(part.map { PackWriter.Input(id: $0) }, from: repo.objects, to: "\(dir)/out-part", options: .transfer)
        #expect(some.count == Set(part).count)
        _ = try S.git(["--git-dir=\(dir)", "verify-pack", some.indexPath])
        let reader = try PackReader(packPath: some.packPath, indexPath: some.indexPath, maxObjectSize: 1 << 30)
        try reader.verify()
        for id in part { #expect(try reader.read(id)?.payload == (try repo.objects.read(id)).payload) }
        let again = "\(dir)/again.pack"
        S.write(again, S.bytes(some.packPath))
        _ = try PackIndexer.index(packPath: again) // what a receiver does: every delta resolves within the pack

        // A damaged byte in a stored entry: its CRC no longer matches the index, so it is read
        // (and its hash checked) instead of copied, and the damage is reported.
        var bytes = S.bytes(first.packPath)
        bytes[bytes.count / 2] ^= 0x40
        FileIO.remove(first.packPath)
        S.write(first.packPath, bytes)
        let damaged = try Repository(gitDir: dir)
        #expect(throws: StoreError.self) {
            try PackWriter.write(ids.map { PackWriter.Input(id: $0) }, from: damaged.objects, to: "\(dir)/out-damaged", options: .transfer)
        }
    }
}
