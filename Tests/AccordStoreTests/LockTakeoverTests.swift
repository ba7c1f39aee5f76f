import Foundation
import Testing
import AccordObjects
@testable import AccordStore

/// Locks left by killed Accord processes are taken over; live ones and git's never are.
@Suite struct LockTakeoverTests {
    @Test func anAbandonedAccordLockIsTakenOverAndOthersAreNot() throws {
        let dir = StoreTempDir()
        let repo = try newRepo(dir)
        let a = try blobID(repo, "a"), b = try blobID(repo, "b")
        try repo.refs.update("refs/contracts/A", to: a, who: testWho, message: "m")
        let lock = "\(repo.gitDir)/refs/contracts/A.lock"

        // What a killed accord process leaves: the marker, and no one holding its flock.
        FileManager.default.createFile(atPath: lock, contents: Data(LockFile.marker))
        #expect(LockFile.isAbandoned(lock))
        try repo.refs.update("refs/contracts/A", to: b, expected: .value(a), who: testWho, message: "after a kill")
        #expect(try repo.refs.resolve("refs/contracts/A") == b)
        #expect(!FileManager.default.fileExists(atPath: lock))

        // A git lock (any other content, here empty) is never touched.
        FileManager.default.createFile(atPath: lock, contents: Data())
        #expect(!LockFile.isAbandoned(lock))
        #expect(throws: StoreError.lockHeld(path: lock)) { try repo.refs.update("refs/contracts/A", to: a, who: testWho, message: "m") }
        _ = try GarbageCollector().run(repository: repo)
        #expect(FileManager.default.fileExists(atPath: lock)) // gc leaves it too
        try FileManager.default.removeItem(atPath: lock)

        // A live accord lock (held in this process) is never taken over.
        let held = try LockFile(path: "\(repo.gitDir)/refs/contracts/A")
        #expect(!LockFile.isAbandoned(lock))
        #expect(throws: StoreError.lockHeld(path: lock)) { try repo.refs.update("refs/contracts/A", to: a, who: testWho, message: "m") }
        held.rollback()
        #expect(try repo.refs.resolve("refs/contracts/A") == b)
    }

    /// The lock's name holds the marker from the moment it exists; `install` puts the new content
    /// in place through a temp file and keeps the lock (held, never abandoned) until it is released.
    @Test func aLockHoldsItsMarkerUntilReleasedAndInstallKeepsItHeld() throws {
        let dir = StoreTempDir()
        let repo = try newRepo(dir)
        let path = "\(repo.gitDir)/config"
        let before = try #require(FileManager.default.contents(atPath: path))
        let lock = try LockFile(path: path)
        #expect(FileManager.default.contents(atPath: lock.lockPath) == Data(LockFile.marker))
        #expect(!LockFile.isAbandoned(lock.lockPath))
        #expect(FileManager.default.contents(atPath: path) == before)
        try lock.install(Array("[core]\n\tbare = false\n".utf8))
        #expect(FileManager.default.contents(atPath: path) == Data("[core]\n\tbare = false\n".utf8))
        #expect(FileManager.default.contents(atPath: lock.lockPath) == Data(LockFile.marker)) // never rewritten
        #expect(!LockFile.isAbandoned(lock.lockPath))
        #expect(throws: StoreError.lockHeld(path: lock.lockPath)) { try LockFile(path: path) }
        lock.rollback()
        #expect(!FileManager.default.fileExists(atPath: lock.lockPath))
        #expect(FileManager.default.contents(atPath: path) == Data("[core]\n\tbare = false\n".utf8))
        #expect(FileIO.list(repo.gitDir).filter { $0.hasPrefix("tmp_") }.isEmpty, "\(FileIO.list(repo.gitDir))")
        // A commit that cannot rename leaves the target as it was and releases the lock.
        let blocked = try LockFile(path: "\(repo.gitDir)/refs/heads")  // a directory: rename over it fails
        #expect(throws: StoreError.self) { try blocked.commit(Array("x\n".utf8)) }
        #expect(FileIO.isDirectory("\(repo.gitDir)/refs/heads"))
        #expect(!FileManager.default.fileExists(atPath: "\(repo.gitDir)/refs/heads.lock"))
        #expect(FileIO.list("\(repo.gitDir)/refs").filter { $0.hasPrefix("tmp_") }.isEmpty)
    }

    @Test func aBatchLockIsHeldWhileItsSeedLivesAndAbandonedAfter() throws {
        let dir = StoreTempDir()
        let repo = try newRepo(dir)
        let a = try blobID(repo, "a")
        let lock = "\(repo.gitDir)/refs/contracts/B.lock"
        try FileIO.makeDirectories("\(repo.gitDir)/refs/contracts")
        var seed: LockSeed? = try LockSeed(in: repo.gitDir)
        #expect(link(seed!.path, lock) == 0) // as a batch links its locks
        seed!.remove()
        #expect(!LockFile.isAbandoned(lock))
        #expect(throws: StoreError.lockHeld(path: lock)) { try repo.refs.update("refs/contracts/B", to: a, who: testWho, message: "m") }
        seed = nil // the process that held it is gone: its flock with it
        #expect(seed == nil && LockFile.isAbandoned(lock))
        // accord fsck warns of it as a killed process's lock (no damage); accord gc removes it.
        #expect(Fsck(repository: repo).run().isEmpty)
        #expect(Fsck(repository: repo).warnings().contains { $0.kind == .abandonedLock && $0.message.contains("killed accord process") })
        _ = try GarbageCollector().run(repository: repo)
        #expect(!FileManager.default.fileExists(atPath: lock))
        try repo.refs.update("refs/contracts/B", to: a, expected: .absent, who: testWho, message: "m")
    }
}
