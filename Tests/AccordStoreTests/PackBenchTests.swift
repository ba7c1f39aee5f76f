import Foundation
import AccordTestSupport
import Testing
@testable import AccordStore
import AccordObjects

/// Packing 100k small similar blobs with Accord's gc vs `git repack -adf`.
/// Run with: ACCORD_PACK_BENCH=100000 swift test -c release --filter PackBenchTests
@Suite("Pack benchmark")
struct PackBenchTests {
    typealias S = PackTestSupport

    static var count: Int? { ProcessInfo.processInfo.environment["ACCORD_PACK_BENCH"].flatMap(Int.init) }

    @Test(.enabled(if: count != nil)) func gcVersusGitRepack() throws {
        let n = Self.count ?? 1000
        let dir = S.tempDir("bench")
        defer { S.remove(dir) }
        let repo = try Repository.create(at: "\(dir)/a", bare: true)
        try repo.setConfig("accord.fsyncObjectFiles", "false")
        let r2 = try Repository(gitDir: "\(dir)/a")
        var t0 = Date()
        var dirs: [TreeEntry] = []
        let per = 1000
        for d in 0..<((n + per - 1) / per) {
            var entries: [TreeEntry] = []
            for i in (d * per)..<min(n, (d + 1) * per) {
                var text = "record \(i % 97)\n"
                for l in 0..<20 { text += "field\(l): value \(l * 31 % 17) \(l == i % 20 ? "changed \(i)" : "same")\n" }
                let id = try r2.objects.write(type: .blob, payload: Array(text.utf8))
                entries.append(TreeEntry(mode: .regular, name: "item\(i % per).txt", id: id))
            }
            let t = try r2.objects.write(.tree(try Tree(entries: entries)))
            dirs.append(TreeEntry(mode: .directory, name: "d\(d)", id: t))
        }
        let root = try r2.objects.write(.tree(try Tree(entries: dirs)))
        let c = try r2.objects.write(.commit(Commit(tree: root, parents: [], author: S.who, committer: S.who, message: "bench\n")))
        try r2.refs.update("refs/heads/main", to: c, who: S.who, message: "bench")
        print("created \(n) blobs in \(Date().timeIntervalSince(t0))s")
        try ChildProcess.run("/bin/cp", ["-a", "\(dir)/a", "\(dir)/b"])

        t0 = Date()
        let report = try GarbageCollector().run(repository: try Repository(gitDir: "\(dir)/a"))
        let accordTime = Date().timeIntervalSince(t0)
        let accordSize = (try? FileManager.default.attributesOfItem(atPath: report.pack!.packPath)[.size] as? Int) ?? 0

        t0 = Date()
        try S.git(["--git-dir=\(dir)/b", "repack", "-adf", "-q"])
        let gitTime = Date().timeIntervalSince(t0)
        let gitPack = try #require(S.packFiles("\(dir)/b/objects/pack").first)
        let gitSize = (try? FileManager.default.attributesOfItem(atPath: gitPack)[.size] as? Int) ?? 0
        print("BENCH accord gc: \(accordTime)s \(accordSize) bytes; git repack -adf: \(gitTime)s \(gitSize) bytes; time ratio \(accordTime / gitTime), size ratio \(Double(accordSize) / Double(gitSize))")
        var ru = rusage()
        getrusage(RUSAGE_SELF.rawValue, &ru)
        print("BENCH peak RSS of the test process: \(ru.ru_maxrss / 1024) MB")
        try S.git(["--git-dir=\(dir)/a", "fsck", "--full", "--strict"])
    }
}
