import AccordTestSupport
import Foundation
import Testing
@testable import AccordStore
import AccordObjects

@Suite("Damaged packs and indexes", .timeLimit(.minutes(10)))
struct PackDamageTests {
    typealias S = PackTestSupport

    /// A git-made pack (with deltas) copied into a scratch directory.
    struct Fixture {
        var dir: String
        var pack: String
        var idx: String
        var ids: [ObjectID]
        var repoDir: String
    }

    static func fixture() throws -> Fixture {
        let repoDir = try S.makeGitRepo(commits: 6)
        let src = try #require(S.packFiles("\(repoDir)/.git/objects/pack").first)
        let dir = S.tempDir("damage")
        let pack = "\(dir)/pack-x.pack", idx = "\(dir)/pack-x.idx"
        S.write(pack, S.bytes(src))
        S.write(idx, S.bytes(String(src.dropLast(5)) + ".idx"))
        let ids = try PackIndex(path: idx).allIDs()
        return Fixture(dir: dir, pack: pack, idx: idx, ids: ids, repoDir: repoDir)
    }

    func describe(_ e: StoreError) -> String { e.description }

    /// Opens and reads every object; returns the first error (there must be one).
    func firstError(_ f: Fixture, maxObjectSize: Int = 1 << 30) -> StoreError? {
        do throws(StoreError) {
            let r = try PackReader(packPath: f.pack, indexPath: f.idx, maxObjectSize: maxObjectSize)
            for id in f.ids { _ = try r.read(id) }
            try r.verify()
            return nil
        } catch { return error }
    }

    @Test func truncatedPackIsRefused() throws {
        let f = try Self.fixture()
        defer { S.remove(f.dir); S.remove(f.repoDir) }
        let original = S.bytes(f.pack)
        for cut in [0, 5, 11, 12, 40, original.count / 3, original.count / 2, original.count - 33, original.count - 1] {
            S.write(f.pack, Array(original.prefix(cut)))
            let e = try #require(firstError(f), "truncated at \(cut)")
            #expect(describe(e).contains(f.pack), "error names the pack: \(e)")
            // the indexer refuses it too, and writes nothing
            let out = "\(f.dir)/truncated.idx"
            #expect(throws: StoreError.self) { try PackIndexer.index(packPath: f.pack, indexPath: out) }
            #expect(!FileIO.exists(out))
        }
    }

    @Test func flippedBitInAnEntryNamesTheObject() throws {
        let f = try Self.fixture()
        defer { S.remove(f.dir); S.remove(f.repoDir) }
        let original = S.bytes(f.pack)
        let index = try PackIndex(path: f.idx)
        // pick the entry with the largest extent, flip a bit in its middle
        var offsets: [(Int, ObjectID)] = []
        for i in 0..<index.count { offsets.append((try index.offset(at: i), index.id(at: i))) }
        offsets.sort { $0.0 < $1.0 }
        var best = (start: 0, end: 0, id: ObjectID.zero)
        for (k, o) in offsets.enumerated() {
            let end = k + 1 < offsets.count ? offsets[k + 1].0 : original.count - 32
            if end - o.0 > best.end - best.start { best = (o.0, end, o.1) }
        }
        var damaged = original
        damaged[(best.start + best.end) / 2] ^= 0x10
        S.write(f.pack, damaged)
        let r = try PackReader(packPath: f.pack, indexPath: f.idx, maxObjectSize: 1 << 30)
        do throws(StoreError) {
            _ = try r.read(best.id)
            Issue.record("reading the damaged object succeeded")
        } catch {
            #expect(describe(error).contains(f.pack))
            #expect(describe(error).contains(best.id.hex), "error names the object: \(error)")
        }
        #expect(throws: StoreError.self) { try r.verify() }
    }

    @Test func verifyCatchesAFlippedBitAnywhere() throws {
        let f = try Self.fixture()
        defer { S.remove(f.dir); S.remove(f.repoDir) }
        let pack = S.bytes(f.pack), idx = S.bytes(f.idx)
        var rng = SeededRNG(state: 99)
        for trial in 0..<120 {
            let inPack = trial % 2 == 0
            var bytes = inPack ? pack : idx
            let at = Int.random(in: 0..<bytes.count, using: &rng)
            bytes[at] ^= UInt8(1 << Int.random(in: 0..<8, using: &rng))
            S.write(inPack ? f.pack : f.idx, bytes)
            let e = firstError(f)
            #expect(e != nil, "flip at \(at) in the \(inPack ? "pack" : "idx") went unnoticed")
            S.write(inPack ? f.pack : f.idx, inPack ? pack : idx)
        }
        #expect(firstError(f) == nil)
    }

    @Test func truncatedIndexAndBadFanOut() throws {
        let f = try Self.fixture()
        defer { S.remove(f.dir); S.remove(f.repoDir) }
        let idx = S.bytes(f.idx)
        for cut in [0, 4, 8, 500, 1032, 1100, idx.count - 64, idx.count - 1] {
            S.write(f.idx, Array(idx.prefix(cut)))
            #expect(throws: StoreError.self) { try PackIndex(path: f.idx) }
            let e = try #require(firstError(f))
            #expect(describe(e).contains(f.idx), "error names the idx: \(e)")
        }
        var bad = idx
        // fan-out entry 100 larger than entry 101
        let at = 8 + 4 * 100
        bad[at] = 0x7F
        S.write(f.idx, bad)
        do throws(StoreError) {
            _ = try PackIndex(path: f.idx)
            Issue.record("bad fan-out accepted")
        } catch {
            #expect(describe(error).contains("fan-out"))
            #expect(describe(error).contains(f.idx))
        }
    }

    // MARK: hand-made packs

    /// Builds a pack from raw entries: (type code, declared size, bytes between header and data, data to deflate).
    static func craftPack(_ entries: [(code: UInt8, size: Int, extra: [UInt8], data: [UInt8])]) -> (pack: [UInt8], offsets: [Int]) {
        var out = PackFormat.packMagic
        PackFormat.appendBE32(2, to: &out)
        PackFormat.appendBE32(UInt32(entries.count), to: &out)
        var offsets: [Int] = []
        for e in entries {
            offsets.append(out.count)
            PackFormat.encodeEntryHeader(type: e.code, size: e.size, into: &out)
            out += e.extra
            out += Zlib.deflate(e.data, level: 6)
        }
        let sum = out.withUnsafeBytes { ObjectHasher.digest($0) }
        PackFormat.appendID(sum, to: &out)
        return (out, offsets)
    }

    static func writeCrafted(_ dir: String, _ pack: [UInt8], _ entries: [(ObjectID, Int)]) throws -> PackReader {
        S.write("\(dir)/c.pack", pack)
        let sum = ObjectID(bytes: pack.suffix(32))!
        S.write("\(dir)/c.idx", PackFormat.buildIndex(entries.map { ($0.0, $0.1, 0) }, packChecksum: sum))
        return try PackReader(packPath: "\(dir)/c.pack", indexPath: "\(dir)/c.idx", maxObjectSize: 1 << 20)
    }

    @Test func deltaCopyOutsideItsBase() throws {
        let dir = S.tempDir("craft")
        defer { S.remove(dir) }
        let base = Array("the base object content".utf8)
        let baseID = ObjectHasher.id(type: .blob, payload: base)
        // copy 10 bytes at offset 20 of a 23-byte base
        let delta: [UInt8] = [UInt8(base.count), 10, 0x91, 20, 10]
        var ofs: [UInt8] = []
        let crafted0 = Self.craftPack([(3, base.count, [], base)])
        PackFormat.encodeOffsetDelta(crafted0.pack.count - 32 - 12, into: &ofs)
        let (pack, offsets) = Self.craftPack([(3, base.count, [], base), (PackFormat.ofsDelta, delta.count, ofs, delta)])
        #expect(offsets[1] == crafted0.pack.count - 32)
        let fake = ObjectID(hex: String(repeating: "ab", count: 32))!
        let r = try Self.writeCrafted(dir, pack, [(baseID, offsets[0]), (fake, offsets[1])])
        #expect(try r.read(baseID)?.payload == base)
        do throws(StoreError) {
            _ = try r.read(fake)
            Issue.record("bad delta accepted")
        } catch {
            let text = describe(error)
            #expect(text.contains("\(dir)/c.pack") && text.contains(fake.hex) && text.contains("outside"), "\(text)")
        }
        // The indexer refuses the same pack and writes nothing.
        do throws(StoreError) {
            _ = try PackIndexer.index(packPath: "\(dir)/c.pack", indexPath: "\(dir)/new.idx")
            Issue.record("indexer accepted a bad delta")
        } catch {
            #expect(describe(error).contains("outside"))
        }
        #expect(!FileIO.exists("\(dir)/new.idx"))
    }

    @Test func refDeltaCycleAndOversizedObjectDoNotHang() throws {
        let dir = S.tempDir("craft2")
        defer { S.remove(dir) }
        let a = ObjectID(hex: String(repeating: "11", count: 32))!
        let b = ObjectID(hex: String(repeating: "22", count: 32))!
        let delta: [UInt8] = [1, 1, 1, 65]
        let (pack, offsets) = Self.craftPack([
            (PackFormat.refDelta, delta.count, b.bytes, delta),
            (PackFormat.refDelta, delta.count, a.bytes, delta),
        ])
        let r = try Self.writeCrafted(dir, pack, [(a, offsets[0]), (b, offsets[1])])
        #expect(throws: StoreError.self) { try r.read(a) }
        #expect(throws: StoreError.self) { try r.header(a) }
        #expect(throws: StoreError.self) { try PackIndexer.index(packPath: "\(dir)/c.pack", indexPath: "\(dir)/n.idx") }
        #expect(!FileIO.exists("\(dir)/n.idx"))

        // A blob declaring 2 MB with a 1 MB limit is refused before inflating.
        let big = [UInt8](repeating: 1, count: 10)
        let (pack2, offs2) = Self.craftPack([(3, 2 << 20, [], big)])
        let id = ObjectID(hex: String(repeating: "33", count: 32))!
        let r2 = try Self.writeCrafted(dir, pack2, [(id, offs2[0])])
        #expect(throws: StoreError.objectTooLarge(id, size: 2 << 20, limit: 1 << 20)) { try r2.read(id) }
    }

    /// Zlib bombs inside pack entries: a few KB of deflated zeros that inflate to 32 MiB, in
    /// entries declaring far less (a blob of 100 bytes, a blob of exactly the size limit, a delta
    /// of 16 bytes), and a blob declaring 1 TiB. Each read fails with an error naming the pack
    /// and the object, after inflating at most the declared size (`inflateExact` allocates the
    /// declared size once and stops one byte past it); the indexer refuses the pack and writes no
    /// index. (The memory bound is measured on the `accord` process in PackBombCLITests.)
    @Test func zlibBombEntriesAreRefused() throws {
        let dir = S.tempDir("bomb")
        defer { S.remove(dir) }
        let bomb = [UInt8](repeating: 0, count: 32 << 20)
        let base = Array("the base of the delta\n".utf8)
        let baseID = ObjectHasher.id(type: .blob, payload: base)
        let limit = 1 << 20 // writeCrafted's maxObjectSize
        var entries: [(code: UInt8, size: Int, extra: [UInt8], data: [UInt8])] = [
            (3, base.count, [], base),
            (3, 100, [], bomb),
            (3, limit, [], bomb),
            (3, 1 << 40, [], Array("tiny".utf8)),
        ]
        // The OFS_DELTA goes last; its distance back to the base needs its own offset first.
        let prefix = Self.craftPack(entries)
        var ofs: [UInt8] = []
        PackFormat.encodeOffsetDelta(prefix.pack.count - 32 - prefix.offsets[0], into: &ofs)
        entries.append((PackFormat.ofsDelta, 16, ofs, bomb))
        let (pack, offsets) = Self.craftPack(entries)
        #expect(pack.count < 1 << 20, "the bombs are small on disk (\(pack.count) bytes)")
        let ids = [baseID] + (1...4).map { ObjectID(hex: String(repeating: String(format: "%02x", $0 * 17), count: 32))! }
        let r = try Self.writeCrafted(dir, pack, Array(zip(ids, offsets)))
        #expect(try r.read(baseID)?.payload == base)
        let why = [1: "more than the 100 bytes declared", 2: "more than the \(limit) bytes declared",
                   3: "limit", 4: "more than the 16 bytes declared"]
        for k in 1...4 {
            do throws(StoreError) {
                _ = try r.read(ids[k])
                Issue.record("entry \(k): a bomb was read")
            } catch {
                let text = describe(error)
                #expect(text.contains(ids[k].hex), "entry \(k) names the object: \(text)")
                #expect(text.contains(why[k]!), "entry \(k): \(text)")
                if k == 3 {
                    #expect(error == .objectTooLarge(ids[k], size: 1 << 40, limit: limit))
                } else {
                    #expect(text.contains("\(dir)/c.pack"), "entry \(k) names the pack: \(text)")
                }
            }
        }
        // Headers inflate nothing, or (for the delta's target size) only its first bytes.
        #expect(try r.header(ids[1])?.size == 100)
        for id in ids { _ = try? r.header(id) }
        #expect(throws: StoreError.self) { try r.verify() }
        // The indexer inflates every entry in order: it stops at the first bomb and writes nothing.
        do throws(StoreError) {
            _ = try PackIndexer.index(packPath: "\(dir)/c.pack", indexPath: "\(dir)/bomb.idx", maxObjectSize: limit)
            Issue.record("the indexer accepted a pack of bombs")
        } catch {
            #expect(describe(error).contains("more than the 100 bytes declared"), "\(error)")
        }
        #expect(!FileIO.exists("\(dir)/bomb.idx"))
    }

    /// Damage behind a valid checksum (as a hostile sender could make): the parser itself must
    /// cope. Every read either fails with an error or returns the right object; nothing crashes.
    @Test func damageWithRecomputedChecksumNeverCrashes() throws {
        let f = try Self.fixture()
        defer { S.remove(f.dir); S.remove(f.repoDir) }
        let pack = S.bytes(f.pack), idx = S.bytes(f.idx)
        var rng = SeededRNG(state: 1234)
        var failures = 0
        for _ in 0..<150 {
            var bytes = pack
            let at = Int.random(in: 12..<(bytes.count - 32), using: &rng)
            bytes[at] = UInt8.random(in: 0...255, using: &rng)
            let sum = Array(bytes.prefix(bytes.count - 32)).withUnsafeBytes { ObjectHasher.digest($0) }
            bytes.replaceSubrange((bytes.count - 32)..., with: sum.bytes)
            S.write(f.pack, bytes)
            var newIdx = idx
            newIdx.replaceSubrange((idx.count - 64)..<(idx.count - 32), with: sum.bytes)
            let check = Array(newIdx.prefix(newIdx.count - 32)).withUnsafeBytes { ObjectHasher.digest($0) }
            newIdx.replaceSubrange((idx.count - 32)..., with: check.bytes)
            S.write(f.idx, newIdx)
            do throws(StoreError) {
                let r = try PackReader(packPath: f.pack, indexPath: f.idx, maxObjectSize: 1 << 24)
                for id in f.ids { _ = try? r.read(id); _ = try? r.header(id) }
                try r.verify()
            } catch { failures += 1 }
            do throws(StoreError) {
                _ = try PackIndexer.index(packPath: f.pack, indexPath: "\(f.dir)/fuzz.idx", maxObjectSize: 1 << 24)
                FileIO.remove("\(f.dir)/fuzz.idx")
            } catch {}
        }
        #expect(failures > 100)
    }
}
