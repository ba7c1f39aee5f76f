import Foundation
import AccordTestSupport
import Testing
import AccordObjects
import AccordStore
import AccordContracts
@testable import AccordSync

/// A scratch directory removed when released.
final class SyncTempDir: @unchecked Sendable {
    let path: String
    init() {
        path = FileManager.default.temporaryDirectory.path + "/accord-sync-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

let who = Identity(name: "Tester", email: "t@example.com", seconds: 1_700_000_000, offsetMinutes: 480)

/// Commits `files` (path → content; paths may have one directory level) on `ref`, on top of its tip.
@discardableResult
func commit(_ repo: Repository, _ ref: String, _ files: [String: String], message: String = "change",
            time: Int64 = 1_700_000_000) throws -> ObjectID {
    let db = repo.objects
    var top: [TreeEntry] = []
    var dirs: [String: [TreeEntry]] = [:]
    for (path, content) in files {
        let blob = try db.write(type: .blob, payload: Array(content.utf8))
        let parts = path.split(separator: "/")
        if parts.count == 2 { dirs[String(parts[0]), default: []].append(TreeEntry(mode: .regular, name: String(parts[1]), id: blob)) }
        else { top.append(TreeEntry(mode: .regular, name: path, id: blob)) }
    }
    for (d, entries) in dirs { top.append(TreeEntry(mode: .directory, name: d, id: try db.write(.tree(try Tree(entries: entries))))) }
    let tree = try db.write(.tree(try Tree(entries: top)))
    let parent = try repo.refs.resolve(ref)
    let when = Identity(name: who.name, email: who.email, seconds: time, offsetMinutes: 480)
    let c = Commit(tree: tree, parents: parent.map { [$0] } ?? [], author: when, committer: when, message: message + "\n")
    let id = try db.write(.commit(c))
    db.flush()
    try repo.refs.update(ref, to: id, expected: parent.map { .value($0) } ?? .absent, who: who, message: "commit")
    return id
}

/// A valid draft `contract.json` (the receiver of a push or fetch checks every contract it is sent).
func contractJSON(_ number: String, _ subject: String = "") -> String {
    var c = Contract(number: number, type: .sales)
    c.subject = subject
    return c.canonicalJSON
}

func packFiles(_ repo: Repository) -> [String] {
    (try? FileManager.default.contentsOfDirectory(atPath: "\(repo.objects.directory)/pack"))?.sorted() ?? []
}

func gitFsck(_ repo: Repository) -> (Int32, String) {
    var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("GIT_") }
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    do {
        let r = try ChildProcess.run("/usr/bin/git", ["--git-dir=\(repo.gitDir)", "fsck", "--strict", "--no-dangling"], environment: env)
        return (r.status, String(decoding: r.stdout + r.stderr, as: UTF8.self))
    } catch { return (-1, "\(error)") }
}

func expectClean(_ repos: [Repository], sourceLocation: SourceLocation = #_sourceLocation) {
    for r in repos {
        #expect(Fsck(repository: r).run().isEmpty, "accord fsck \(r.gitDir)", sourceLocation: sourceLocation)
        let (status, out) = gitFsck(r)
        #expect(status == 0, "git fsck --strict \(r.gitDir): \(out)", sourceLocation: sourceLocation)
    }
}

func reachableCount(_ repo: Repository, _ tips: [ObjectID]) throws -> Int {
    var h = History(objects: repo.objects)
    return try h.reachableObjects(from: tips).count
}

@Suite struct TransportTests {
    /// A bare hub and two replicas: clone, push, fetch; only missing objects move, as one pack.
    @Test func hubAndTwoReplicas() throws {
        let tmp = SyncTempDir()
        let hub = try Repository.create(at: "\(tmp.path)/hub.accord", bare: true)
        let a = try Repository.create(at: "\(tmp.path)/a", bare: false)
        try commit(a, "refs/contracts/C-1", ["contract.json": contractJSON("C-1", "v1"), "attachments/r1.txt": "a"])
        try commit(a, "refs/contracts/C-1", ["contract.json": contractJSON("C-1", "v2"), "attachments/r1.txt": "a"])
        let c2 = try commit(a, "refs/contracts/C-2", ["contract.json": contractJSON("C-2")])
        try Remote.add("origin", url: hub.gitDir, to: a)

        // A pushes everything to the empty hub: one pack with every reachable object.
        let pushed = try Transfer.push(from: a, to: hub, remoteName: "origin", who: who)
        let c1 = try #require(try a.refs.resolve("refs/contracts/C-1"))
        #expect(pushed.rejected.isEmpty)
        #expect(pushed.objects == (try reachableCount(a, [c1, c2])))
        #expect(packFiles(hub).filter { $0.hasSuffix(".pack") }.count == 1)
        #expect(packFiles(hub).allSatisfy { $0.hasPrefix("pack-") })
        #expect(try hub.refs.resolve("refs/contracts/C-1") == c1)
        #expect(try a.refs.resolve("refs/remotes/origin/contracts/C-2") == c2)

        // B clones the hub.
        let (b, cloned) = try Transfer.clone(from: hub.gitDir, to: "\(tmp.path)/b", bare: false, who: who)
        #expect(cloned.objects == pushed.objects)
        #expect(packFiles(b).filter { $0.hasSuffix(".pack") }.count == 1)
        #expect(try b.refs.resolve("refs/contracts/C-1") == c1)
        #expect(try b.refs.resolve("refs/remotes/origin/contracts/C-2") == c2)
        #expect(Remote.named("origin", in: b)?.url == hub.gitDir)

        // Fetching again moves nothing.
        let again = try Transfer.fetch(into: b, from: hub, remoteName: "origin", who: who)
        #expect(again.objects == 0 && again.packID == nil)
        #expect(again.changes.allSatisfy { $0.status == .upToDate })
        #expect(packFiles(b).count == 2)

        // A adds one commit that changes one attachment file: commit + root tree + attachments/ tree + blob.
        let c1b = try commit(a, "refs/contracts/C-1", ["contract.json": contractJSON("C-1", "v2"), "attachments/r1.txt": "b"], time: 1_700_000_100)
        let up = try Transfer.push(from: a, to: hub, remoteName: "origin", who: who)
        #expect(up.objects == 4)
        #expect(up.changes.first { $0.ref == "refs/contracts/C-1" }?.status == .fastForward)
        let fetched = try Transfer.fetch(into: b, from: hub, remoteName: "origin", who: who)
        #expect(fetched.objects == 4)
        let change = try #require(fetched.changes.first { $0.ref == "refs/remotes/origin/contracts/C-1" })
        #expect(change.status == .fastForward && change.old == c1 && change.new == c1b)
        #expect(try b.refs.resolve("refs/contracts/C-1") == c1) // own refs untouched by fetch
        #expect(try Transfer.fetch(into: b, from: hub, remoteName: "origin", who: who).objects == 0)

        // B pushes a new contract of its own; A fetches it.
        let c3 = try commit(b, "refs/contracts/C-3", ["contract.json": contractJSON("C-3")])
        let bPush = try Transfer.push(from: b, to: hub, remoteName: "origin", who: who)
        #expect(bPush.changes.first { $0.ref == "refs/contracts/C-3" }?.status == .new)
        #expect(bPush.rejected.map(\.ref) == ["refs/contracts/C-1"]) // B's C-1 is behind the hub's
        let aFetch = try Transfer.fetch(into: a, from: hub, remoteName: "origin", who: who)
        #expect(aFetch.objects == 3) // commit, tree, blob
        #expect(try a.refs.resolve("refs/remotes/origin/contracts/C-3") == c3)
        expectClean([hub, a, b])
    }

    /// A non-fast-forward and a lost race are rejected without overwriting; the rest go through.
    @Test func pushRejectsNonFastForwardAndLostRace() throws {
        let tmp = SyncTempDir()
        let hub = try Repository.create(at: "\(tmp.path)/hub", bare: true)
        let seed = try Repository.create(at: "\(tmp.path)/seed", bare: false)
        for n in 1...3 { try commit(seed, "refs/contracts/C-\(n)", ["contract.json": contractJSON("C-\(n)")]) }
        _ = try Transfer.push(from: seed, to: hub, remoteName: "origin", who: who)
        let (a, _) = try Transfer.clone(from: hub.gitDir, to: "\(tmp.path)/a", bare: false, who: who)
        let (b, _) = try Transfer.clone(from: hub.gitDir, to: "\(tmp.path)/b", bare: false, who: who)

        let aC1 = try commit(a, "refs/contracts/C-1", ["contract.json": contractJSON("C-1", "by a")], time: 1_700_000_100)
        #expect(try Transfer.push(from: a, to: hub, remoteName: "origin", who: who).rejected.isEmpty)

        _ = try commit(b, "refs/contracts/C-1", ["contract.json": contractJSON("C-1", "by b")], time: 1_700_000_200)
        let bC2 = try commit(b, "refs/contracts/C-2", ["contract.json": contractJSON("C-2", "by b")], time: 1_700_000_200)
        _ = try commit(b, "refs/contracts/C-3", ["contract.json": contractJSON("C-3", "by b")], time: 1_700_000_200)
        _ = try Transfer.fetch(into: b, from: hub, remoteName: "origin", who: who) // B now knows A's C-1

        // The race: someone moves the hub's C-3 after B read it and before B's compare-and-swap.
        let racer = try commit(hub, "refs/contracts/RACE", ["contract.json": contractJSON("RACE")])
        let hubC3Before = try #require(try hub.refs.resolve("refs/contracts/C-3"))
        var options = Transfer.PushOptions()
        options.beforeRefUpdate = { ref in
            if ref == "refs/contracts/C-3" {
                try? hub.refs.update("refs/contracts/C-3", to: racer, expected: .value(hubC3Before), who: who, message: "racer")
            }
        }
        let report = try Transfer.push(from: b, to: hub, remoteName: "origin", who: who, options: options)
        let byRef = Dictionary(uniqueKeysWithValues: report.changes.map { ($0.ref, $0) })
        #expect(byRef["refs/contracts/C-1"]?.status == .rejected)
        #expect(byRef["refs/contracts/C-1"]?.reason?.contains("non-fast-forward") == true)
        #expect(byRef["refs/contracts/C-3"]?.status == .rejected)
        #expect(byRef["refs/contracts/C-3"]?.reason?.contains("lost a race") == true)
        #expect(byRef["refs/contracts/C-2"]?.status == .fastForward)
        #expect(try hub.refs.resolve("refs/contracts/C-1") == aC1)
        #expect(try hub.refs.resolve("refs/contracts/C-3") == racer)
        #expect(try hub.refs.resolve("refs/contracts/C-2") == bC2)
        // Our tracking ref for the rejected ref did not move to our value.
        #expect(try b.refs.resolve("refs/remotes/origin/contracts/C-1") == aC1)
        expectClean([hub, a, b])
    }

    /// A pack with a malformed commit, or one that misses an object, moves no ref and leaves no pack.
    @Test func pushOfBadPackChangesNothing() throws {
        let tmp = SyncTempDir()
        let hub = try Repository.create(at: "\(tmp.path)/hub", bare: true)
        let a = try Repository.create(at: "\(tmp.path)/a", bare: false)
        let c1 = try commit(a, "refs/contracts/C-1", ["contract.json": contractJSON("C-1")])
        _ = try Transfer.push(from: a, to: hub, remoteName: "origin", who: who)
        let packsBefore = packFiles(hub)
        let next = try commit(a, "refs/contracts/C-1", ["contract.json": contractJSON("C-1", "v2")], time: 1_700_000_100)

        // 1. A corrupted commit rides along (hash-consistent bytes that are not a valid commit).
        let bad = Array("tree \(c1.hex)\nauthor nobody\n\nnot a commit\n".utf8)
        let badID = try bad.withUnsafeBytes { try a.objects.loose.write(type: .commit, payload: $0) }
        var options = Transfer.PushOptions()
        options.tamper = { $0 + [PackWriter.Input(id: badID)] }
        #expect(throws: TransportError.self) { try Transfer.push(from: a, to: hub, remoteName: "origin", who: who, options: options) }
        #expect(try hub.refs.resolve("refs/contracts/C-1") == c1)
        #expect(packFiles(hub) == packsBefore)

        // 2. The new commit's tree is left out: connectivity fails.
        let tree = try a.objects.readCommit(next).tree
        options.tamper = { $0.filter { $0.id != tree } }
        do {
            _ = try Transfer.push(from: a, to: hub, remoteName: "origin", who: who, options: options)
            Issue.record("push of an incomplete pack succeeded")
        } catch let e as TransportError {
            #expect(e.description.contains("neither in the pack nor in the receiving repository"))
        }
        #expect(try hub.refs.resolve("refs/contracts/C-1") == c1)
        #expect(packFiles(hub) == packsBefore)

        // The honest push then goes through.
        #expect(try Transfer.push(from: a, to: hub, remoteName: "origin", who: who).rejected.isEmpty)
        #expect(try hub.refs.resolve("refs/contracts/C-1") == next)
        expectClean([hub])
    }

    /// Stale temp files of an interrupted transfer do not disturb the next one.
    @Test func staleTempFilesAreHarmless() throws {
        let tmp = SyncTempDir()
        let hub = try Repository.create(at: "\(tmp.path)/hub", bare: true)
        let a = try Repository.create(at: "\(tmp.path)/a", bare: false)
        try commit(a, "refs/contracts/C-1", ["contract.json": contractJSON("C-1")])
        let packDir = "\(hub.objects.directory)/pack"
        FileManager.default.createFile(atPath: "\(packDir)/tmp_pack_1_1_1", contents: Data("PACK\0\0\0\u{2}garbage".utf8))
        FileManager.default.createFile(atPath: "\(packDir)/tmp_idx_1_1_1", contents: Data([1, 2, 3]))
        try FileManager.default.createDirectory(atPath: "\(packDir)/tmp_pack_stage_1_1_1", withIntermediateDirectories: true)
        #expect(try Transfer.push(from: a, to: hub, remoteName: "origin", who: who).rejected.isEmpty)
        #expect(Fsck(repository: hub).run().isEmpty)
        #expect(gitFsck(hub).0 == 0)
    }

    /// gc removes an interrupted transfer's temp files and staging directory once they are an hour old.
    @Test func gcRemovesStaleTransferTemporaries() throws {
        let tmp = SyncTempDir()
        let hub = try Repository.create(at: "\(tmp.path)/hub", bare: true)
        let a = try Repository.create(at: "\(tmp.path)/a", bare: false)
        try commit(a, "refs/contracts/C-1", ["contract.json": contractJSON("C-1")])
        _ = try Transfer.push(from: a, to: hub, remoteName: "origin", who: who)
        let packDir = "\(hub.objects.directory)/pack"
        let stage = "\(packDir)/tmp_pack_stage_9_9_9"
        try FileManager.default.createDirectory(atPath: stage, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: "\(stage)/pack-x.idx", contents: Data([1]))
        FileManager.default.createFile(atPath: "\(packDir)/tmp_pack_9_9_9", contents: Data([1]))
        FileManager.default.createFile(atPath: "\(packDir)/tmp_pack_fresh", contents: Data([1]))
        let old = Date(timeIntervalSinceNow: -7200)
        for p in [stage, "\(packDir)/tmp_pack_9_9_9"] {
            try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: p)
        }
        try GarbageCollector().run(repository: hub)
        let left = packFiles(hub)
        #expect(!left.contains("tmp_pack_stage_9_9_9") && !left.contains("tmp_pack_9_9_9"))
        #expect(left.contains("tmp_pack_fresh"))
        #expect(Fsck(repository: hub).run().isEmpty)
    }

    @Test func remotesConfig() throws {
        let tmp = SyncTempDir()
        let a = try Repository.create(at: "\(tmp.path)/a", bare: false)
        try Remote.add("origin", url: "/x/hub", to: a)
        try Remote.add("laptop", url: "/y/laptop.bundle", to: a)
        #expect(Remote.all(in: a).map(\.name) == ["origin", "laptop"])
        #expect(throws: TransportError.self) { try Remote.add("origin", url: "/z", to: a) }
        #expect(throws: TransportError.self) { try Remote.add("bad name", url: "/z", to: a) }
        try Remote.remove("origin", from: a)
        let reopened = try Repository(gitDir: a.gitDir)
        #expect(Remote.all(in: reopened) == [Remote(name: "laptop", url: "/y/laptop.bundle")])
        #expect(reopened.config.get("core.bare") == "false")
    }
}
