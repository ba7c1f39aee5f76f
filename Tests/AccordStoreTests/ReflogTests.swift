import Foundation
import Testing
import AccordObjects
@testable import AccordStore

/// Reflog lines are whole lines that follow the ref: a line cut short (a kill in the middle of
/// a write, a full disk) is never glued to the next one, and a full disk refuses the update
/// before the ref moves rather than leaving half a line.
@Suite struct ReflogTests {
    static func text(_ path: String) -> String { String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self) }

    @Test func anAppendAfterAPartialLineStartsOnALineBoundary() throws {
        let dir = StoreTempDir()
        let repo = try newRepo(dir)
        let c = try (0..<4).map { try makeCommit(repo, "c\($0)", n: Int64($0)) }
        let ref = "refs/heads/main", log = "\(repo.gitDir)/logs/\(ref)"
        try repo.refs.update(ref, to: c[0], expected: .absent, who: testWho, message: "one")
        try repo.refs.update(ref, to: c[1], expected: .value(c[0]), who: testWho, message: "two")
        let whole = Self.text(log)
        // What a write cut short leaves: the start of a line, no newline.
        let handle = try #require(FileHandle(forWritingAtPath: log))
        handle.seekToEndOfFile()
        handle.write(Data("\(c[1].hex) \(c[2].hex) Tes".utf8))
        try handle.close()
        // Readers leave the partial line out, as git does.
        #expect(try repo.refs.reflog(ref).map(\.message) == ["one", "two"])

        try repo.refs.update(ref, to: c[3], expected: .value(c[1]), who: testWho, message: "three")
        let after = Self.text(log)
        #expect(after.hasPrefix(whole), "the whole lines before are kept")
        #expect(after.split(separator: "\n", omittingEmptySubsequences: false).count == 4, "three lines and the final newline: \(after)")
        #expect(after.hasSuffix("\tthree\n"))
        #expect(try repo.refs.reflog(ref).map(\.message) == ["one", "two", "three"])
        #expect(try repo.refs.reflog(ref).map(\.new) == [c[0], c[1], c[3]])
        // git reads the same three entries.
        let git = storeGit(["--git-dir=\(repo.gitDir)", "log", "-g", "--format=%gs", ref])
        #expect(git.stdout == "three\ntwo\none\n", "\(git.stdout)\(git.stderr)")

        // A reflog that is only a partial line.
        try repo.refs.update("refs/heads/other", to: c[0], expected: .absent, who: testWho, message: "first")
        try Data("abc".utf8).write(to: URL(fileURLWithPath: "\(repo.gitDir)/logs/refs/heads/other"))
        #expect(try repo.refs.reflog("refs/heads/other").isEmpty)
        try repo.refs.update("refs/heads/other", to: c[1], expected: .value(c[0]), who: testWho, message: "second")
        #expect(try repo.refs.reflog("refs/heads/other").map(\.message) == ["second"])
    }

    /// Whether this process may mount a file system (root in CI): the disk-full test needs a
    /// small tmpfs of its own.
    static let canMount: Bool = {
        let probe = "\(FileManager.default.temporaryDirectory.path)/accord-mount-probe-\(getpid())"
        guard mkdir(probe, 0o700) == 0 else { return false }
        defer { rmdir(probe) }
        guard mount("tmpfs", probe, "tmpfs", 0, "size=64k") == 0 else { return false }
        umount(probe)
        return true
    }()

    /// On a full disk the line's space is reserved before the ref moves: the update is refused
    /// with nothing changed (no half line), and once there is space again the next update
    /// appends a whole line. (Without the reservation, the line was written partly.)
    @Test(.enabled(if: canMount, "needs to mount a tmpfs (root)"))
    func aFullDiskRefusesTheUpdateBeforeTheRefMovesAndLeavesNoHalfLine() throws {
        let mountPoint = "\(FileManager.default.temporaryDirectory.path)/accord-full-\(UUID().uuidString)"
        try #require(mkdir(mountPoint, 0o700) == 0)
        defer { rmdir(mountPoint) }
        try #require(mount("tmpfs", mountPoint, "tmpfs", 0, "size=2m") == 0)
        defer { umount(mountPoint) }
        let dir = StoreTempDir("repo", base: mountPoint)
        let repo = try newRepo(dir)
        let c = try (0..<3).map { try makeCommit(repo, "c\($0)", n: Int64($0)) }
        let ref = "refs/heads/main", log = "\(repo.gitDir)/logs/\(ref)", refPath = "\(repo.gitDir)/\(ref)"
        try repo.refs.update(ref, to: c[0], expected: .absent, who: testWho, message: "one")
        // A reflog whose last page has 100 bytes left: room for part of a line only. (The second
        // line is the first with a message of `k` bytes instead of 3.)
        let first = Self.text(log).utf8.count
        let k = 4096 - 100 - 2 * first + 3
        try repo.refs.update(ref, to: c[1], expected: .value(c[0]), who: testWho, message: String(repeating: "p", count: k))
        #expect(Self.text(log).utf8.count == 4096 - 100)
        let logBefore = Self.text(log), refBefore = Self.text(refPath)

        // Fill the disk, then give back one page: enough for the lock's marker, not for the line.
        let filler = "\(mountPoint)/filler"
        let fd = open(filler, O_WRONLY | O_CREAT, 0o644)
        try #require(fd >= 0)
        let page = [UInt8](repeating: 0x66, count: 4096)
        var size = 0
        while page.withUnsafeBytes({ write(fd, $0.baseAddress, 4096) }) == 4096 { size += 4096 }
        #expect(ftruncate(fd, off_t(size - 4096)) == 0)
        close(fd)

        #expect(throws: StoreError.self) { try repo.refs.update(ref, to: c[2], expected: .value(c[1]), who: testWho, message: "on a full disk") }
        #expect(Self.text(refPath) == refBefore, "the ref did not move")
        #expect(Self.text(log) == logBefore, "no half line")
        #expect(repo.refs.lockFiles().isEmpty)

        unlink(filler)
        try repo.refs.update(ref, to: c[2], expected: .value(c[1]), who: testWho, message: "with space again")
        #expect(try repo.refs.reflog(ref).map(\.message).last == "with space again")
        #expect(try repo.refs.reflog(ref).count == 3)
        #expect(Self.text(log).hasPrefix(logBefore))
        let git = storeGit(["--git-dir=\(repo.gitDir)", "log", "-g", "--format=%gs", ref])
        #expect(git.stdout.hasPrefix("with space again\n") && git.stdout.hasSuffix("one\n"), "\(git.stdout)\(git.stderr)")
        withExtendedLifetime(dir) {}
    }
}
