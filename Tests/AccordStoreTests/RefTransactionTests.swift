import Foundation
import Testing
import AccordObjects
@testable import AccordStore

/// Many refs moved at once (fetch, pull, push, clone): each keeps its own lock and
/// compare-and-swap, refused ones fail alone, and git reads the result.
@Suite struct RefTransactionTests {
    func ids(_ repo: Repository, _ n: Int) throws -> [ObjectID] {
        try (0..<n).map { try blobID(repo, "value \($0)") }
    }

    func gitRefs(_ repo: Repository) -> [String: String] {
        var out: [String: String] = [:]
        for line in storeGit(["--git-dir=\(repo.gitDir)", "for-each-ref", "--format=%(refname) %(objectname)"]).stdout.split(separator: "\n") {
            let parts = line.split(separator: " ")
            out[String(parts[0])] = String(parts[1])
        }
        return out
    }

    @Test func aLargeBatchGoesIntoPackedRefsAndRefusesOnlyTheStaleAndLocked() throws {
        let dir = StoreTempDir()
        let repo = try newRepo(dir)
        let v = try ids(repo, 400)
        // 100 packed refs, 100 loose refs (20 of them overriding packed ones), then a batch that
        // moves all of them and creates 100 more.
        for i in 0..<100 { try repo.refs.update("refs/contracts/P-\(i)", to: v[i], expected: .absent, who: testWho, message: "p") }
        try repo.refs.packAll { _ in nil }
        for i in 100..<200 { try repo.refs.update("refs/contracts/L-\(i)", to: v[i], expected: .absent, who: testWho, message: "l") }
        for i in 0..<20 { try repo.refs.update("refs/contracts/P-\(i)", to: v[i + 200], expected: .value(v[i]), who: testWho, message: "l") }

        var updates: [RefUpdate] = []
        for i in 0..<100 { updates.append(RefUpdate("refs/contracts/P-\(i)", to: v[300], expected: .value(i < 20 ? v[i + 200] : v[i]), message: "b")) }
        for i in 100..<200 { updates.append(RefUpdate("refs/contracts/L-\(i)", to: v[301], expected: .value(v[i]), message: "b")) }
        for i in 0..<100 { updates.append(RefUpdate("refs/contracts/N-\(i)", to: v[302], expected: .absent, message: "b")) }
        updates[5].expected = .value(v[399])                 // stale: someone moved it
        updates[150].expected = .absent                      // stale: it exists
        let held = try LockFile(path: "\(repo.gitDir)/refs/contracts/N-7") // another writer on N-7
        let results = try repo.refs.apply(updates, who: testWho)
        held.rollback()

        #expect(results.count == 300)
        #expect(results.indices.filter { results[$0] != nil } == [5, 150, 207])
        #expect(results[5] == .staleValue(ref: "refs/contracts/P-5", expected: v[399], actual: v[205]))
        if case .lockHeld? = results[207] {} else { Issue.record("N-7: \(String(describing: results[207]))") }
        // Moved refs live in packed-refs; their loose files are gone; refused ones are untouched.
        let packed = try repo.refs.parsePacked()
        #expect(packed["refs/contracts/L-100"]?.id == v[301])
        #expect(!FileManager.default.fileExists(atPath: "\(repo.gitDir)/refs/contracts/L-100"))
        #expect(!FileManager.default.fileExists(atPath: "\(repo.gitDir)/refs/contracts/P-3"))
        #expect(try repo.refs.resolve("refs/contracts/P-5") == v[205])
        #expect(try repo.refs.resolve("refs/contracts/L-150") == v[150])
        #expect(try repo.refs.resolve("refs/contracts/N-7") == nil)
        #expect(repo.refs.lockFiles().isEmpty)
        #expect(FileIO.list(repo.gitDir).filter { $0.hasPrefix("tmp_") }.isEmpty) // the shared lock seed is gone
        // Every moved ref has its reflog line.
        #expect(try repo.refs.reflog("refs/contracts/P-3").map(\.new) == [v[3], v[203], v[300]])
        #expect(try repo.refs.reflog("refs/contracts/N-0").map(\.old) == [.zero])
        // git sees exactly what Accord lists.
        let mine = Dictionary(try repo.refs.list().map { ($0.name, $0.id.hex) }, uniquingKeysWith: { a, _ in a })
        #expect(mine.count == 299)
        #expect(gitRefs(repo) == mine)
        #expect(storeGit(["--git-dir=\(repo.gitDir)", "pack-refs", "--all"]).status == 0)
        #expect(gitRefs(repo) == mine)
    }

    @Test func aSmallBatchWritesLooseRefsAndTagsStayLoose() throws {
        let dir = StoreTempDir()
        let repo = try newRepo(dir)
        let v = try ids(repo, 3)
        let small = try repo.refs.apply([RefUpdate("refs/contracts/A", to: v[0], message: "m"),
                                         RefUpdate("refs/contracts/B", to: v[1], message: "m")], who: testWho)
        #expect(small == [nil, nil])
        #expect(FileManager.default.fileExists(atPath: "\(repo.gitDir)/refs/contracts/A"))
        #expect(!FileManager.default.fileExists(atPath: "\(repo.gitDir)/packed-refs"))
        // A large batch with tags: the tags are loose files (packed-refs promises peeled values).
        var big = (0..<40).map { RefUpdate("refs/contracts/C-\($0)", to: v[2], message: "m") }
        big.append(RefUpdate("refs/tags/A/v1", to: v[0], expected: .absent, message: "m"))
        #expect(try repo.refs.apply(big, who: testWho).allSatisfy { $0 == nil })
        #expect(FileManager.default.fileExists(atPath: "\(repo.gitDir)/refs/tags/A/v1"))
        #expect(try repo.refs.parsePacked()["refs/tags/A/v1"] == nil)
        #expect(try repo.refs.parsePacked()["refs/contracts/C-0"]?.id == v[2])
        #expect(gitRefs(repo).count == 43)
    }

    /// A large batch waits (up to a second) for another writer of packed-refs, then fails whole.
    @Test func aLargeBatchWaitsForPackedRefsLockThenGivesUp() throws {
        let dir = StoreTempDir()
        let repo = try newRepo(dir)
        let v = try ids(repo, 1)
        let batch = (0..<40).map { RefUpdate("refs/contracts/W-\($0)", to: v[0], expected: .absent, message: "m") }
        let packedLockPath = "\(repo.gitDir)/packed-refs.lock"
        // Held briefly by another writer: the batch waits and goes through.
        FileManager.default.createFile(atPath: packedLockPath, contents: Data())
        let release = Thread { usleep(200_000); unlink(packedLockPath) }
        release.start()
        #expect(try repo.refs.apply(batch, who: testWho).allSatisfy { $0 == nil })
        #expect(try repo.refs.list().count == 40)
        // Held for good (a git lock, never taken over): the batch fails and moves nothing.
        FileManager.default.createFile(atPath: packedLockPath, contents: Data())
        let more = (0..<40).map { RefUpdate("refs/contracts/X-\($0)", to: v[0], expected: .absent, message: "m") }
        #expect(throws: StoreError.lockHeld(path: packedLockPath)) { try repo.refs.apply(more, who: testWho) }
        #expect(try repo.refs.list().count == 40)
        #expect(repo.refs.lockFiles() == [packedLockPath])
    }

    @Test func namesThatClashWithinABatchOrTwiceAreRefused() throws {
        let dir = StoreTempDir()
        let repo = try newRepo(dir)
        let v = try ids(repo, 1)
        var batch = (0..<40).map { RefUpdate("refs/contracts/X-\($0)", to: v[0], expected: .absent, message: "m") }
        batch.append(RefUpdate("refs/contracts/X-1/sub", to: v[0], expected: .absent, message: "m"))
        batch.append(RefUpdate("refs/contracts/X-2", to: v[0], message: "twice"))
        batch.append(RefUpdate("refs/contracts/bad..name", to: v[0], message: "m"))
        let results = try repo.refs.apply(batch, who: testWho)
        // X-1 and X-1/sub cannot both exist: both are refused, the others go through.
        #expect(results.indices.filter { results[$0] != nil } == [1, 40, 41, 42])
        #expect(try repo.refs.list().count == 39)
        #expect(repo.refs.lockFiles().isEmpty)
    }

    /// A directory of refs bigger than any ref file (hundreds of contracts): reading a ref name
    /// that is such a directory means "no ref here", never an error.
    @Test func aLargeRefDirectoryIsNotARef() throws {
        let dir = StoreTempDir()
        let repo = try newRepo(dir)
        let v = try ids(repo, 1)
        for i in 0..<300 { try repo.refs.update("refs/remotes/origin/contracts/HT-\(100_000 + i)", to: v[0], who: testWho, message: "m") }
        #expect(FileIO.identity("\(repo.gitDir)/refs/remotes/origin/contracts").map { $0[1] > 4096 } == true)
        #expect(try repo.refs.read("refs/remotes/origin/contracts") == nil)
        try repo.refs.update("refs/remotes/origin/contracts/HT-1", to: v[0], expected: .absent, who: testWho, message: "m")
        let batch = (0..<50).map { RefUpdate("refs/remotes/origin/contracts/N-\($0)", to: v[0], expected: .absent, message: "m") }
        #expect(try repo.refs.apply(batch, who: testWho).allSatisfy { $0 == nil })
        #expect(try repo.refs.list(prefix: "refs/remotes/origin/contracts/").count == 351)
    }
}
