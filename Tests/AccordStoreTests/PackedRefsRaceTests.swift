import Foundation
import Testing
import AccordObjects
@testable import AccordStore

/// Threads that start together: each body runs on its own thread (not a pool that could run
/// them one after another), all released at once, and `run` returns when every one is done.
final class RaceGate: @unchecked Sendable {
    private let cond = NSCondition()
    private var open = false

    func wait() { cond.lock(); while !open { cond.wait() }; cond.unlock() }
    func release() { cond.lock(); open = true; cond.broadcast(); cond.unlock() }

    static func run(_ bodies: [@Sendable () -> Void]) {
        let gate = RaceGate()
        let done = DispatchGroup()
        for body in bodies {
            done.enter()
            let t = Thread { gate.wait(); body(); done.leave() }
            t.start()
        }
        gate.release()
        done.wait()
    }
}

/// A value written by one thread and read after the threads joined.
final class RaceBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T
    init(_ value: T) { stored = value }
    var value: T {
        get { lock.lock(); defer { lock.unlock() }; return stored }
        set { lock.lock(); stored = newValue; lock.unlock() }
    }
}

/// Everything that rewrites packed-refs (a deletion, a large batch, gc's ref packing) reads it
/// again while holding packed-refs.lock, so no writer puts back a copy older than another's.
@Suite struct PackedRefsRaceTests {
    /// A deletion that has to remove a packed ref waits for packed-refs.lock while a gc or a batch
    /// holds it and writes new refs; the deletion must keep them.
    @Test func aDeletionKeepsWhatAnotherWriterPutIntoPackedRefsMeanwhile() throws {
        let dir = StoreTempDir()
        let repo = try newRepo(dir)
        let v = try (0..<2).map { try blobID(repo, "value \($0)") }
        _ = try repo.refs.apply((0..<32).map { RefUpdate("refs/contracts/P-\($0)", to: v[0], expected: .absent, message: "p") }, who: testWho)
        #expect(try repo.refs.parsePacked().count == 32)

        // Another writer of packed-refs (a gc, a pull's batch) holds its lock…
        let other = try repo.refs.lockPackedRefs()
        let deletion = RaceBox<StoreError??>(nil)
        let refs = repo.refs
        let deleter = Thread {
            do throws(StoreError) { try refs.delete("refs/contracts/P-0", expected: .value(v[0])); deletion.value = .some(nil) }
            catch { deletion.value = .some(error) }
        }
        deleter.start()
        // …while the deletion starts (it holds the ref's lock, then waits for packed-refs.lock,
        // which it waits up to a second for).
        let refLock = "\(repo.gitDir)/refs/contracts/P-0.lock"
        var polls = 0
        while !FileManager.default.fileExists(atPath: refLock), deletion.value == nil, polls < 20_000 { usleep(500); polls += 1 }
        usleep(100_000) // let the deletion reach its wait for packed-refs.lock
        // The other writer adds 40 refs and releases the lock.
        var packed = try repo.refs.parsePacked()
        for i in 0..<40 { packed["refs/contracts/N-\(i)"] = RefStore.PackedRef(id: v[1], peeled: nil) }
        try repo.refs.writePacked(packed, under: other)
        while deletion.value == nil { usleep(1000) }

        #expect(deletion.value == .some(nil), "the deletion failed: \(String(describing: deletion.value))")
        let after = try RefStore(gitDir: repo.gitDir).parsePacked()
        #expect(after["refs/contracts/P-0"] == nil)
        #expect((0..<40).filter { after["refs/contracts/N-\($0)"] == nil }.isEmpty, "refs the other writer added were lost")
        #expect((1..<32).filter { after["refs/contracts/P-\($0)"] == nil }.isEmpty)
        #expect(repo.refs.lockFiles().isEmpty)
    }

    /// A ref a gc packs while a deletion holds its lock must not come back once the deletion
    /// removes the loose file (the deletion removes it from packed-refs too).
    @Test func aRefPackedWhileItIsBeingDeletedStaysDeleted() throws {
        let dir = StoreTempDir()
        let repo = try newRepo(dir)
        let v = try blobID(repo, "value")
        try repo.refs.update("refs/contracts/L", to: v, expected: .absent, who: testWho, message: "l")
        let other = try repo.refs.lockPackedRefs() // a gc starting to pack refs
        let deletion = RaceBox<StoreError??>(nil)
        let refs = repo.refs
        let deleter = Thread {
            do throws(StoreError) { try refs.delete("refs/contracts/L", expected: .value(v)); deletion.value = .some(nil) }
            catch { deletion.value = .some(error) }
        }
        deleter.start()
        var polls = 0
        while !FileManager.default.fileExists(atPath: "\(repo.gitDir)/refs/contracts/L.lock"), deletion.value == nil, polls < 20_000 {
            usleep(500); polls += 1
        }
        usleep(100_000)
        // The gc packs the loose ref (it cannot prune the loose file: the deletion holds its lock).
        try repo.refs.writePacked(["refs/contracts/L": RefStore.PackedRef(id: v, peeled: nil)], under: other)
        while deletion.value == nil { usleep(1000) }
        #expect(deletion.value == .some(nil), "the deletion failed: \(String(describing: deletion.value))")
        #expect(try RefStore(gitDir: repo.gitDir).resolve("refs/contracts/L") == nil, "the deleted ref came back from packed-refs")
    }

    /// Rounds of deletions, a large batch (packed-refs), a small batch (loose refs) and gc's ref
    /// packing (a full gc every 100th round) racing on threads, against one repository. After
    /// every round each ref holds exactly what the acknowledged operations left: no ref lost,
    /// none rolled back, none resurrected. `ACCORD_STRESS_ROUNDS` runs more rounds;
    /// the repository is in /dev/shm when there is one (creating files on a busy ext4 costs
    /// five times more), or in `ACCORD_STRESS_DIR`.
    @Test func deletesBatchesAndGCRacingLoseNoRef() throws {
        let env = ProcessInfo.processInfo.environment
        let rounds = env["ACCORD_STRESS_ROUNDS"].flatMap { Int($0) } ?? 1000
        let base = env["ACCORD_STRESS_DIR"] ?? (access("/dev/shm", W_OK) == 0 ? "/dev/shm" : nil)
        let dir = StoreTempDir("accord-race", base: base)
        let repo = try newRepo(dir)
        let refs = repo.refs
        let start = Date()
        var expected: [String: ObjectID] = [:]
        // Values from a pool (written once: creating files is what costs here), each new value
        // different from every value of the previous round.
        let pool = try (0..<97).map { try blobID(repo, "v\($0)") }
        var serial = 0
        func fresh() throws -> ObjectID { serial += 1; return pool[serial % pool.count] }

        // Refs nobody touches, refs the large batch moves, refs the small batch moves.
        for i in 0..<20 { let id = try fresh(); try refs.update("refs/contracts/K-\(i)", to: id, expected: .absent, who: testWho, message: "k"); expected["refs/contracts/K-\(i)"] = id }
        for i in 0..<32 { let id = try fresh(); try refs.update("refs/contracts/B-\(i)", to: id, expected: .absent, who: testWho, message: "b"); expected["refs/contracts/B-\(i)"] = id }
        for i in 0..<4 { let id = try fresh(); try refs.update("refs/contracts/S-\(i)", to: id, expected: .absent, who: testWho, message: "s"); expected["refs/contracts/S-\(i)"] = id }

        var created: [String] = [] // the large batch's new refs of the previous round: deleted in this one
        var stats = (deleted: 0, deleteRefused: 0, moved: 0, moveRefused: 0, batchFailed: 0, packs: 0, gcs: 0,
                     lost: 0, rolledBack: 0, resurrected: 0)
        var gitChecks = 0
        for round in 0..<rounds {
            // Two loose refs to delete in this round, created before it starts.
            var doomed = created
            for j in 0..<2 {
                let name = "refs/contracts/D-\(round)-\(j)", id = try fresh()
                try refs.update(name, to: id, expected: .absent, who: testWho, message: "d")
                expected[name] = id
                doomed.append(name)
            }
            let newNames = (0..<4).map { "refs/contracts/C-\(round)-\($0)" }
            var moves: [RefUpdate] = [], smallMoves: [RefUpdate] = [], doomedValues: [(String, ObjectID)] = []
            for i in 0..<32 {
                let name = "refs/contracts/B-\(i)"
                moves.append(RefUpdate(name, to: try fresh(), expected: expected[name].map { .value($0) } ?? .absent, message: "pull"))
            }
            for name in newNames { moves.append(RefUpdate(name, to: try fresh(), expected: .absent, message: "pull")) }
            for i in 0..<4 {
                let name = "refs/contracts/S-\(i)"
                smallMoves.append(RefUpdate(name, to: try fresh(), expected: expected[name].map { .value($0) } ?? .absent, message: "small"))
            }
            for name in doomed { if let id = expected[name] { doomedValues.append((name, id)) } }
            let large = moves, small = smallMoves, deletions = doomedValues
            let fullGC = round % 100 == 99

            let deleteResults = RaceBox<[StoreError?]>([])
            let largeResults = RaceBox<Result<[StoreError?], StoreError>>(.success([]))
            let smallResults = RaceBox<Result<[StoreError?], StoreError>>(.success([]))
            let gcResult = RaceBox<StoreError?>(nil)
            RaceGate.run([
                {
                    var out: [StoreError?] = []
                    for (name, id) in deletions {
                        do throws(StoreError) { try refs.delete(name, expected: .value(id)); out.append(nil) } catch { out.append(error) }
                    }
                    deleteResults.value = out
                },
                { do throws(StoreError) { largeResults.value = .success(try refs.apply(large, who: testWho)) } catch { largeResults.value = .failure(error) } },
                { do throws(StoreError) { smallResults.value = .success(try refs.apply(small, who: testWho)) } catch { smallResults.value = .failure(error) } },
                {
                    do throws(StoreError) {
                        if fullGC { try GarbageCollector().run(repository: repo) } else { try refs.packAll { GarbageCollector.peel($0, repo.objects) } }
                    } catch { gcResult.value = error }
                },
            ])

            // What the acknowledged operations left.
            for ((name, _), error) in zip(deletions, deleteResults.value) {
                if let error {
                    stats.deleteRefused += 1
                    guard case .lockHeld = error else { Issue.record("round \(round): deleting \(name): \(error)"); continue }
                } else { expected[name] = nil; stats.deleted += 1 }
            }
            created = []
            for (batch, result) in [(large, largeResults.value), (small, smallResults.value)] {
                switch result {
                case let .failure(error):
                    stats.batchFailed += 1
                    if case .lockHeld = error {} else { Issue.record("round \(round): batch: \(error)") }
                case let .success(errors):
                    for (u, error) in zip(batch, errors) {
                        if let error {
                            stats.moveRefused += 1
                            if case .lockHeld = error {} else { Issue.record("round \(round): \(u.name): \(error)") }
                        } else {
                            expected[u.name] = u.new; stats.moved += 1
                            if u.expected == .absent { created.append(u.name) }
                        }
                    }
                }
            }
            if let error = gcResult.value {
                if case .lockHeld = error {} else { Issue.record("round \(round): gc: \(error)") }
            } else if fullGC { stats.gcs += 1 } else { stats.packs += 1 }

            // What the repository holds, read afresh.
            let actual = try RefStore(gitDir: repo.gitDir).values(prefix: "refs/")
            for (name, id) in expected where actual[name] != id {
                if actual[name] == nil { stats.lost += 1 } else { stats.rolledBack += 1 }
                Issue.record("round \(round): \(name) is \(actual[name]?.hex ?? "missing"), expected \(id.hex)")
            }
            for name in actual.keys where expected[name] == nil {
                stats.resurrected += 1
                Issue.record("round \(round): \(name) was deleted but exists")
            }
            #expect(refs.lockFiles().isEmpty, "round \(round): locks left: \(refs.lockFiles())")
            if round % 100 == 0 || round == rounds - 1 {
                gitChecks += 1
                var git: [String: String] = [:]
                for line in storeGit(["--git-dir=\(repo.gitDir)", "for-each-ref", "--format=%(refname) %(objectname)"]).stdout.split(separator: "\n") {
                    let parts = line.split(separator: " ")
                    if parts.count == 2 { git[String(parts[0])] = String(parts[1]) }
                }
                #expect(git == expected.mapValues(\.hex), "round \(round): git reads other refs")
            }
            if stats.lost + stats.rolledBack + stats.resurrected > 20 { break } // enough to show it
        }
        let fsck = storeGit(["--git-dir=\(repo.gitDir)", "fsck", "--strict", "--no-dangling"])
        #expect(fsck.status == 0, "\(fsck.stderr)")
        print("""
            packed-refs race (\(dir.path)): \(rounds) rounds in \(String(format: "%.1f", Date().timeIntervalSince(start))) s: \
            \(stats.deleted) deletions (\(stats.deleteRefused) refused: lock held), \
            \(stats.moved) ref moves in batches (\(stats.moveRefused) refused: lock held; \(stats.batchFailed) whole batches refused), \
            \(stats.packs) ref packings, \(stats.gcs) full gcs; \(gitChecks) checks by git; \
            lost \(stats.lost), rolled back \(stats.rolledBack), resurrected \(stats.resurrected)
            """)
        #expect(stats.lost == 0 && stats.rolledBack == 0 && stats.resurrected == 0)
    }
}
