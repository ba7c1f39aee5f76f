import Foundation
import Testing
@testable import AccordStore
import AccordObjects

/// Zlib bombs inside a pack, read through the `accord` binary: a clear `fatal:` naming the
/// object, and the process's peak memory (`/usr/bin/time -f %M`) stays near that of reading a
/// small object, far below the 64 MiB each bomb inflates to.
@Suite(.timeLimit(.minutes(10))) struct PackBombCLITests {
    static let bombSize = 64 << 20

    /// A pack of `entries` (type code, declared size, bytes after the header, data to deflate)
    /// and its index, installed in `gitDir`'s objects/pack under the given ids.
    static func install(_ gitDir: String, _ entries: [(code: UInt8, size: Int, extra: [UInt8], data: [UInt8])], ids: [ObjectID]) {
        var pack = PackFormat.packMagic
        PackFormat.appendBE32(2, to: &pack)
        PackFormat.appendBE32(UInt32(entries.count), to: &pack)
        var offsets: [Int] = []
        for e in entries {
            offsets.append(pack.count)
            PackFormat.encodeEntryHeader(type: e.code, size: e.size, into: &pack)
            pack += e.extra
            pack += Zlib.deflate(e.data, level: 9)
        }
        let sum = pack.withUnsafeBytes { ObjectHasher.digest($0) }
        PackFormat.appendID(sum, to: &pack)
        let crcs = offsets.indices.map { k in
            let end = k + 1 < offsets.count ? offsets[k + 1] : pack.count - 32
            return pack[offsets[k]..<end].withUnsafeBytes { PackFormat.crc32($0) }
        }
        let idx = PackFormat.buildIndex(zip(ids, zip(offsets, crcs)).map { ($0.0, $0.1.0, $0.1.1) }, packChecksum: sum)
        let base = "\(gitDir)/objects/pack/pack-\(sum.hex)"
        _ = FileManager.default.createFile(atPath: base + ".pack", contents: Data(pack))
        _ = FileManager.default.createFile(atPath: base + ".idx", contents: Data(idx))
    }

    /// Runs accord under /usr/bin/time; returns the result and the peak resident size in KiB.
    static func measured(_ s: Sandbox, _ args: [String], cwd: String) -> (RunResult, Int) {
        var r = CLI.run("/usr/bin/time", ["-f", "maxrss-kib=%M", CLI.accordBinary] + args, cwd: cwd, env: s.env())
        var err = r.err.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        while err.last == "" { err.removeLast() }
        let last = err.popLast() ?? ""
        let kib = last.hasPrefix("maxrss-kib=") ? Int(last.dropFirst(11)) ?? -1 : -1
        r.stderr = Array((err.joined(separator: "\n") + (err.isEmpty ? "" : "\n")).utf8)
        #expect(kib > 0, "no peak memory reported: \(last)")
        return (r, kib)
    }

    @Test func packBombsFailClearlyInBoundedMemory() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/time") else {
            Issue.record("/usr/bin/time is needed to measure the accord process's memory"); return
        }
        let (s, repo, gitDir) = BadInputCLITests.repo()
        _ = s.ok("config", "accord.maxObjectSize", "1m", cwd: repo)
        let bomb = [UInt8](repeating: 0, count: Self.bombSize)
        let small = Array("a small object, for the baseline\n".utf8)
        let smallID = ObjectHasher.id(type: .blob, payload: small)
        let fakes = (1...4).map { ObjectID(hex: String(repeating: ["b1", "b2", "b3", "b4"][$0 - 1], count: 32))! }
        var entries: [(code: UInt8, size: Int, extra: [UInt8], data: [UInt8])] = [
            (3, small.count, [], small),
            (3, 100, [], bomb),            // declares 100 bytes
            (3, 1 << 20, [], bomb),        // declares exactly the limit
            (3, 1 << 40, [], Array("tiny".utf8)), // declares 1 TiB
        ]
        // An OFS_DELTA on the small blob declaring 16 bytes of delta data.
        var probe = PackFormat.packMagic + [0, 0, 0, 2, 0, 0, 0, 0]
        for e in entries { PackFormat.encodeEntryHeader(type: e.code, size: e.size, into: &probe); probe += Zlib.deflate(e.data, level: 9) }
        var ofs: [UInt8] = []
        PackFormat.encodeOffsetDelta(probe.count - 12, into: &ofs)
        entries.append((PackFormat.ofsDelta, 16, ofs, bomb))
        Self.install(gitDir, entries, ids: [smallID] + fakes)

        let (baseline, baseKiB) = Self.measured(s, ["cat-file", "-p", smallID.hex], cwd: repo)
        #expect(baseline.status == 0, "\(baseline.err)")
        #expect(baseline.stdout == small)
        let why = ["more than the 100 bytes declared", "more than the \(1 << 20) bytes declared", "limit", "more than the 16 bytes declared"]
        for (k, id) in fakes.enumerated() {
            let (r, kib) = Self.measured(s, ["cat-file", "-p", id.hex], cwd: repo)
            BadInputCLITests.expectFatal(r, "bomb \(k + 1)", mentions: [id.hex, why[k]])
            #expect(kib < baseKiB + 16 * 1024, "bomb \(k + 1): peak \(kib) KiB, reading a small object \(baseKiB) KiB")
        }
        // Reading everything, and fsck, fail clearly the same way, in bounded memory.
        let (all, allKiB) = Self.measured(s, ["cat-file", "--batch-all-objects", "--batch"], cwd: repo)
        BadInputCLITests.expectFatal(all, "--batch-all-objects")
        #expect(allKiB < baseKiB + 16 * 1024, "--batch-all-objects: peak \(allKiB) KiB")
        let (fsck, fsckKiB) = Self.measured(s, ["fsck", "--json"], cwd: repo)
        #expect(fsck.status == 1, "\(fsck.err)")
        for id in fakes { #expect(fsck.out.contains(id.hex), "fsck names \(id)") }
        #expect(fsckKiB < baseKiB + 16 * 1024, "fsck: peak \(fsckKiB) KiB")
    }
}
