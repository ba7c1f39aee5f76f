import Foundation
import Testing
import AccordObjects
@testable import AccordStore

/// Temp files are named as git names its own, gc removes those a killed process left once they
/// are an hour old, wherever Accord makes them, and fsck reports them as warnings.
@Suite struct TemporaryFileTests {
    static func age(_ path: String, hours: Int) {
        var times = [timespec(tv_sec: time(nil) - hours * 3600, tv_nsec: 0), timespec(tv_sec: time(nil) - hours * 3600, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, path, &times, AT_SYMLINK_NOFOLLOW) == 0, "\(path)")
    }

    @Test func gcRemovesTempFilesAnHourOldEverywhereAndFsckWarnsOfThem() throws {
        let dir = StoreTempDir()
        let repo = try newRepo(dir)
        let a = try blobID(repo, "a"), b = try blobID(repo, "b")
        try repo.refs.update("refs/heads/main", to: try makeCommit(repo, "c"), expected: .absent, who: testWho, message: "m")
        let fanOut = "\(repo.objects.directory)/\(a.hex.prefix(2))", otherFanOut = "\(repo.objects.directory)/\(b.hex.prefix(2))"
        try FileIO.makeDirectories("\(repo.gitDir)/accord")
        // What killed writes leave: loose objects (git's name, and the name older Accords used),
        // a pack being written, a staging directory, a ref value, a lock seed, the ledger cache.
        let old = ["\(fanOut)/tmp_obj_abcdef", "\(otherFanOut)/tmp_1234_5_678", "\(repo.objects.directory)/tmp_obj_x",
                   "\(repo.objects.directory)/pack/tmp_pack_y", "\(repo.objects.directory)/pack/tmp_idx_y",
                   "\(repo.gitDir)/tmp_lock_z", "\(repo.gitDir)/tmp_w", "\(repo.gitDir)/accord/tmp_v"]
        for path in old { FileManager.default.createFile(atPath: path, contents: Data("partial".utf8)) }
        let staging = "\(repo.objects.directory)/pack/tmp_pack_stage_q"
        try FileIO.makeDirectories("\(staging)/sub")
        FileManager.default.createFile(atPath: "\(staging)/sub/f", contents: Data("x".utf8))
        for path in old + ["\(staging)/sub/f", "\(staging)/sub", staging] { Self.age(path, hours: 2) }
        // One a process may still be writing (a minute old): left alone.
        let fresh = "\(fanOut)/tmp_obj_fresh1"
        FileManager.default.createFile(atPath: fresh, contents: Data("partial".utf8))

        // fsck: warnings, each with its age and what removes it; no damage.
        let warnings = Fsck(repository: repo).warnings()
        #expect(Set(warnings.map { $0.message.components(separatedBy: " (")[0] }) == Set(old + [staging, fresh]), "\(warnings)")
        #expect(warnings.allSatisfy { $0.kind == .temporary && $0.isWarning })
        #expect(warnings.first { $0.message.hasPrefix(fresh) }?.message.contains("once it is an hour old") == true)
        #expect(warnings.first { $0.message.hasPrefix(old[0]) }?.message.contains("(7200s old)") == true)
        #expect(Fsck(repository: repo).run().isEmpty)

        let report = try GarbageCollector().run(repository: repo)
        #expect(report.removedTemporaries == old.count + 1)
        for path in old + [staging] { #expect(!FileManager.default.fileExists(atPath: path), "\(path) survived gc") }
        #expect(FileManager.default.fileExists(atPath: fresh))
        #expect(!FileIO.isDirectory(otherFanOut), "the fan-out directory a stale temp file kept is removed")
        #expect(Fsck(repository: repo).warnings().map { $0.message.components(separatedBy: " (")[0] } == [fresh])
        let git = storeGit(["--git-dir=\(repo.gitDir)", "fsck", "--strict"])
        #expect(git.status == 0 && !git.stderr.contains("bad"), "\(git.stderr)")
    }

    /// git recognises Accord's temp files as its own: `git fsck` is silent about them, `git prune`
    /// removes them. (It calls `objects/xx/tmp_<pid>_…`, the name Accord used, a bad object file.)
    @Test func gitTreatsAccordsTempFilesAsItsOwn() throws {
        let dir = StoreTempDir()
        let repo = try newRepo(dir)
        let a = try blobID(repo, "a")
        let fanOut = "\(repo.objects.directory)/\(a.hex.prefix(2))"
        let name = FileIO.tempName(in: fanOut, prefix: "tmp_obj_") // what LooseObjects.write uses
        FileManager.default.createFile(atPath: name, contents: Data("partial".utf8))
        let legacy = "\(fanOut)/tmp_4242_1_99"
        FileManager.default.createFile(atPath: legacy, contents: Data("partial".utf8))
        let fsck = storeGit(["--git-dir=\(repo.gitDir)", "fsck", "--strict"])
        #expect(!fsck.stderr.contains(name), "\(fsck.stderr)")
        #expect(fsck.stderr.contains("bad sha1 file: \(legacy)"), "\(fsck.stderr)")
        let prune = storeGit(["--git-dir=\(repo.gitDir)", "prune", "-n"])
        #expect(prune.stdout.contains("Removing stale temporary file \(name)"), "\(prune.stdout)\(prune.stderr)")
    }
}
