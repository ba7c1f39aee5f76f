import Foundation
import Testing
import AccordObjects
@testable import AccordStore

/// `firstDifference(under:from:)` compares packed-refs lines in place; its answer must be the one
/// a full read of both groups gives, with loose refs overriding packed ones on either side.
@Suite struct RefComparisonTests {
    func id(_ n: Int) -> ObjectID { ObjectHasher.id(type: .blob, payload: Array("blob \(n)".utf8)) }
    let who = Identity(name: "T", email: "t@x", seconds: 1_795_000_000, offsetMinutes: 0)
    let own = "refs/contracts/", mirror = "refs/remotes/origin/contracts/"

    /// The answer from a full read of both groups.
    func expected(_ refs: RefStore) throws -> String? {
        let m = try refs.values(prefix: mirror)
        return try refs.list(prefix: own).first { m[mirror + $0.name.dropFirst(own.count)] != $0.id }?.name
    }

    /// 200 contracts (neighbours sharing prefixes, A-1x) and their tracking refs, packed.
    func packedRepository(_ tmp: StoreTempDir) throws -> Repository {
        let repo = try Repository.create(at: tmp.path, bare: true)
        var batch: [RefUpdate] = []
        for n in 0..<200 {
            let name = ["HT-\(n)", "HT-\(n)-1", "HT-\(n)x"][n % 3]
            batch.append(RefUpdate(own + name, to: id(n), expected: .absent, message: "t"))
            batch.append(RefUpdate(mirror + name, to: id(n), expected: .absent, message: "t"))
        }
        batch.append(RefUpdate("refs/remotes/origin/contracts/ONLY-THERE", to: id(1), expected: .absent, message: "t"))
        #expect(try repo.refs.apply(batch, who: who).allSatisfy { $0 == nil })
        try repo.refs.packAll(peel: { _ in nil })
        #expect(FileManager.default.fileExists(atPath: "\(tmp.path)/packed-refs"))
        return repo
    }

    @Test func equalGroupsHaveNoDifference() throws {
        let tmp = StoreTempDir("ref-compare")
        let repo = try packedRepository(tmp)
        #expect(try repo.refs.firstDifference(under: own, from: mirror) == nil)
        #expect(try expected(repo.refs) == nil)
    }

    @Test func aPackedValueThatDiffersIsNamed() throws {
        let tmp = StoreTempDir("ref-compare")
        let repo = try packedRepository(tmp)
        try repo.refs.update(own + "HT-10-1", to: id(999), who: who, message: "t")
        try repo.refs.packAll(peel: { _ in nil })
        #expect(try repo.refs.firstDifference(under: own, from: mirror) == own + "HT-10-1")
        #expect(try expected(repo.refs) == own + "HT-10-1")
    }

    @Test func aContractWithoutTrackingRefIsNamed() throws {
        let tmp = StoreTempDir("ref-compare")
        let repo = try packedRepository(tmp)
        try repo.refs.update(own + "NEW-1", to: id(5), expected: .absent, who: who, message: "t")
        try repo.refs.packAll(peel: { _ in nil })
        #expect(try repo.refs.firstDifference(under: own, from: mirror) == own + "NEW-1")
        // Still named while loose.
        try repo.refs.update(own + "NEW-2", to: id(6), expected: .absent, who: who, message: "t")
        try repo.refs.delete(own + "NEW-1")
        #expect(try repo.refs.firstDifference(under: own, from: mirror) == own + "NEW-2")
    }

    @Test func looseRefsOverridePackedOnEitherSide() throws {
        let tmp = StoreTempDir("ref-compare")
        let repo = try packedRepository(tmp)
        // A loose contract ref that moved: named.
        try repo.refs.update(own + "HT-20x", to: id(777), who: who, message: "t")
        #expect(try repo.refs.firstDifference(under: own, from: mirror) == own + "HT-20x")
        // Its tracking ref follows, loose too: equal again, though packed-refs still differs from neither.
        try repo.refs.update(mirror + "HT-20x", to: id(777), who: who, message: "t")
        #expect(try repo.refs.firstDifference(under: own, from: mirror) == nil)
        // Only the tracking ref moves (loose): the contract's packed value no longer matches.
        try repo.refs.update(mirror + "HT-30", to: id(888), who: who, message: "t")
        #expect(try repo.refs.firstDifference(under: own, from: mirror) == own + "HT-30")
        #expect(try expected(repo.refs) == own + "HT-30")
    }

    @Test func anUnsortedFileIsComparedTheGeneralWay() throws {
        let tmp = StoreTempDir("ref-compare")
        let repo = try Repository.create(at: tmp.path, bare: true)
        // As an old git or a hand might write it: no `sorted` trait, lines out of order.
        let text = "# pack-refs with: peeled\n"
            + "\(id(2).hex) \(mirror)B\n\(id(1).hex) \(own)A\n\(id(2).hex) \(own)B\n\(id(1).hex) \(mirror)A\n"
        FileManager.default.createFile(atPath: "\(tmp.path)/packed-refs", contents: Data(text.utf8))
        #expect(try repo.refs.firstDifference(under: own, from: mirror) == nil)
        let changed = text.replacingOccurrences(of: "\(id(2).hex) \(own)B", with: "\(id(3).hex) \(own)B") + "\(id(4).hex) \(own)C\n"
        FileManager.default.createFile(atPath: "\(tmp.path)/packed-refs", contents: Data(changed.utf8))
        #expect(try repo.refs.firstDifference(under: own, from: mirror) == own + "B")
    }
}
