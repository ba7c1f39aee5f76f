import Foundation
import Testing
import AccordObjects
@testable import AccordStore

/// `deleteAll` (remote remove, fetch --prune): every ref keeps a single delete's guarantees and is
/// refused alone; the rest go, packed or loose, with their reflogs.
@Suite struct RefDeletionTests {
    func id(_ n: Int) -> ObjectID { ObjectHasher.id(type: .blob, payload: Array("blob \(n)".utf8)) }
    let who = Identity(name: "T", email: "t@x", seconds: 1_795_000_000, offsetMinutes: 0)

    @Test func eachRefIsDeletedOrRefusedAlone() throws {
        let tmp = StoreTempDir("ref-delete")
        let repo = try Repository.create(at: tmp.path, bare: true)
        let names = (0..<100).map { "refs/remotes/origin/contracts/C-\($0)" }
        #expect(try repo.refs.apply(names.enumerated().map { RefUpdate($1, to: id($0), expected: .absent, message: "t") }, who: who)
            .allSatisfy { $0 == nil })
        try repo.refs.packAll(peel: { _ in nil })
        // Some loose again (with reflogs), one moved since it was listed, one locked by another writer.
        for n in 0..<10 { try repo.refs.update(names[n], to: id(500 + n), who: who, message: "moved") }
        #expect(FileManager.default.fileExists(atPath: "\(tmp.path)/logs/\(names[3])"))
        let held = try repo.refs.lock(names[50]) // a live writer's lock
        defer { held.rollback() }
        var batch: [(name: String, expected: RefExpectation)] = names.enumerated().map { n, name in
            (name, .value(n < 10 ? id(500 + n) : id(n)))
        }
        batch[7].expected = .value(id(7)) // stale: it moved to id(507)
        batch.append(("refs/remotes/origin/contracts/NEVER", .any))
        let results = try repo.refs.deleteAll(batch)
        for (n, r) in results.enumerated() {
            switch n {
            case 7: guard case .staleValue? = r else { Issue.record("ref 7: \(String(describing: r))"); continue }
            case 50: guard case .lockHeld? = r else { Issue.record("ref 50: \(String(describing: r))"); continue }
            case 100: guard case .refNotFound? = r else { Issue.record("NEVER: \(String(describing: r))"); continue }
            default: #expect(r == nil, "ref \(n): \(String(describing: r))")
            }
        }
        let left = try repo.refs.list(prefix: "refs/remotes/")
        #expect(left.map(\.name) == [names[50], names[7]].sorted())
        #expect(try repo.refs.resolve(names[7]) == id(507))
        #expect(try repo.refs.resolve(names[50]) == id(50))
        #expect(!FileManager.default.fileExists(atPath: "\(tmp.path)/logs/\(names[3])"))
        #expect(!FileManager.default.fileExists(atPath: "\(tmp.path)/\(names[3])"))
        // The file itself (no parse cached here): only the refused refs' packed entries are left
        // (ref 7's old packed value, which its loose file overrides).
        let fresh = try RefStore.parsePacked(Array(try Data(contentsOf: URL(fileURLWithPath: "\(tmp.path)/packed-refs"))))
        #expect(fresh.keys.filter { $0.hasPrefix("refs/remotes/") }.sorted() == [names[50], names[7]].sorted())
    }

    @Test func aSingleDeleteIsTheBatchOfOne() throws {
        let tmp = StoreTempDir("ref-delete")
        let repo = try Repository.create(at: tmp.path, bare: true)
        try repo.refs.update("refs/contracts/A", to: id(1), expected: .absent, who: who, message: "t")
        #expect(throws: StoreError.self) { try repo.refs.delete("refs/contracts/A", expected: .value(id(2))) }
        #expect(try repo.refs.resolve("refs/contracts/A") == id(1))
        try repo.refs.delete("refs/contracts/A", expected: .value(id(1)))
        #expect(try repo.refs.resolve("refs/contracts/A") == nil)
        #expect(throws: StoreError.self) { try repo.refs.delete("refs/contracts/A") }
        #expect(throws: StoreError.self) { try repo.refs.delete("HEAD") }
    }
}
