import Foundation
import Testing
import AccordObjects
@testable import AccordStore

/// Fixtures/git-sha256-repo: a bare SHA-256 repository written by git 2.39 (a pack made by
/// `git gc --aggressive`, then loose objects). Checked against Fixtures/git-sha256-repo.expected,
/// so these tests do not need git installed.
@Suite struct GitFixtureTests {
    struct Manifest {
        var refs: [(String, String)] = []
        var head: (String, String) = ("", "")
        var objects: [(id: String, type: String, size: Int, loose: Bool)] = []
        var batchSHA256 = ""
    }

    static func manifest() throws -> Manifest {
        let text = try String(contentsOfFile: StoreFixtures.gitRepoManifest, encoding: .utf8)
        var m = Manifest()
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let f = line.split(separator: " ").map(String.init)
            switch f[0] {
            case "ref": m.refs.append((f[2], f[1]))
            case "head": m.head = (f[1], f[2])
            case "object": m.objects.append((f[1], f[2], Int(f[3])!, f[4] == "loose"))
            case "batch-sha256": m.batchSHA256 = f[1]
            default: Issue.record("unknown manifest line \(line)")
            }
        }
        return m
    }

    @Test func manifestIsSane() throws {
        let m = try Self.manifest()
        #expect(m.refs.count == 4)
        #expect(m.objects.contains { $0.loose } && m.objects.contains { !$0.loose })
        #expect(m.objects.contains { $0.type == "tag" } && m.objects.filter { $0.type == "commit" }.count >= 5)
    }

    @Test func opensAndReadsRefsIncludingPackedRefs() throws {
        let m = try Self.manifest()
        let repo = try Repository(gitDir: StoreFixtures.gitRepo)
        #expect(repo.isBare)
        let listed = try repo.refs.list()
        #expect(listed.map(\.name) == m.refs.map(\.0))
        #expect(listed.map(\.id.hex) == m.refs.map(\.1))
        #expect(try repo.refs.resolvedName("HEAD") == m.head.0)
        #expect(try repo.refs.resolve("HEAD")?.hex == m.head.1)
        // refs/tags/v1 lives only in packed-refs, with its peeled value.
        let packed = try repo.refs.readPacked()
        #expect(packed["refs/tags/v1"]?.peeled != nil)
        #expect(!FileManager.default.fileExists(atPath: "\(StoreFixtures.gitRepo)/refs/tags/v1"))
    }

    @Test func looseObjectsReadExactlyAsGitListsThem() throws {
        let m = try Self.manifest()
        let repo = try Repository(gitDir: StoreFixtures.gitRepo)
        let loose = m.objects.filter(\.loose)
        #expect(loose.count >= 5)
        #expect(Set(repo.objects.loose.allIDs().map(\.hex)) == Set(loose.map(\.id)))
        for o in loose {
            let id = try #require(ObjectID(hex: o.id))
            let (type, payload) = try repo.objects.read(id)          // hash-verified
            #expect(type.name == o.type, "\(o.id)")
            #expect(payload.count == o.size, "\(o.id)")
            let h = try repo.objects.header(id)
            #expect(h.type.name == o.type && h.size == o.size)
            #expect(throws: Never.self) { try Object.decode(type: type, payload: payload) } // strict decoders accept git's bytes
            #expect((try? Object.decode(type: type, payload: payload))?.encoded() == payload)
        }
        // The loose tag v2 peels to the loose commit main.
        let v2 = try #require(try repo.refs.resolve("refs/tags/v2"))
        let tag = try repo.objects.readTag(v2)
        #expect(tag.name == "v2")
        #expect(tag.object.hex == m.head.1)
        let head = try repo.objects.readCommit(tag.object)
        #expect(head.messageText == "第四版 (loose objects)\n")
        #expect(head.author.offsetMinutes == 480)
    }

    /// The fixture exists to prove that git's delta chains are read: a regenerated fixture whose
    /// pack holds only whole objects would let every delta test above pass without testing
    /// deltas. Each entry's type is read from its header byte (at the offset the index gives),
    /// independently of the pack reader.
    @Test func fixturePackHoldsDeltaEntries() throws {
        let packDir = "\(StoreFixtures.gitRepo)/objects/pack"
        let packs = FileIO.list(packDir).filter { $0.hasSuffix(".pack") }
        #expect(packs.count == 1)
        var counts: [UInt8: Int] = [:]
        var deltaIDs: [ObjectID] = []
        for name in packs {
            let path = "\(packDir)/\(name)"
            let bytes = [UInt8](try #require(FileManager.default.contents(atPath: path)))
            let index = try PackIndex(path: String(path.dropLast(5)) + ".idx")
            #expect(index.count > 0)
            for i in 0..<index.count {
                let offset = try index.offset(at: i)
                try #require(offset >= 12 && offset < bytes.count - 32)
                let code = (bytes[offset] >> 4) & 7
                counts[code, default: 0] += 1
                if code == PackFormat.ofsDelta || code == PackFormat.refDelta { deltaIDs.append(index.id(at: i)) }
            }
        }
        let deltas = counts[PackFormat.ofsDelta, default: 0] + counts[PackFormat.refDelta, default: 0]
        #expect(deltas >= 3, "the fixture pack has \(deltas) delta entries (types: \(counts.sorted { $0.key < $1.key }))")
        #expect(counts[PackFormat.ofsDelta, default: 0] > 0, "git gc --aggressive writes OFS_DELTA entries")
        #expect(counts.keys.allSatisfy { (1...4).contains($0) || $0 == PackFormat.ofsDelta || $0 == PackFormat.refDelta })
        // And those delta entries resolve to objects that hash to their ids.
        let repo = try Repository(gitDir: StoreFixtures.gitRepo)
        for id in deltaIDs { #expect(throws: Never.self, "\(id)") { _ = try repo.objects.read(id) } }
    }

    @Test func packedObjectsReadExactlyAsGitListsThem() throws {
        let m = try Self.manifest()
        let repo = try Repository(gitDir: StoreFixtures.gitRepo)
        #expect(Set(repo.objects.allIDs().map(\.hex)) == Set(m.objects.map(\.id)), "every object, loose and packed")
        // Rebuild `git cat-file --batch-all-objects --batch` and compare its digest with git's.
        var stream: [UInt8] = []
        var unreadable: [String] = []
        for o in m.objects {
            let id = try #require(ObjectID(hex: o.id))
            guard let (type, payload) = try? repo.objects.read(id) else {
                unreadable.append("\(o.loose ? "loose" : "packed") \(o.id)")
                continue
            }
            #expect(type.name == o.type && payload.count == o.size, "\(o.id)")
            stream += Array("\(o.id) \(type.name) \(payload.count)\n".utf8) + payload + [0x0A]
        }
        #expect(unreadable.isEmpty, "cannot read \(unreadable.count) objects: \(unreadable.joined(separator: ", "))")
        #expect(stream.withUnsafeBytes { ObjectHasher.digest($0) }.hex == m.batchSHA256)
        // History through the packed part: main has 6 commits, side's tip is an ancestor.
        var history = History(objects: repo.objects)
        let main = try #require(try repo.refs.resolve("refs/heads/main"))
        let side = try #require(try repo.refs.resolve("refs/heads/side"))
        #expect(try history.walk(from: [main]).count == 6)
        #expect(try history.isAncestor(side, of: main))
        #expect(Fsck(repository: repo).run().isEmpty)
    }
}
