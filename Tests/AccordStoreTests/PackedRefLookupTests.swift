import Foundation
import Testing
import AccordObjects
@testable import AccordStore

/// One ref is found in packed-refs by binary search over the sorted file; the answers must be
/// those of a full parse, for every name, neighbours with shared prefixes, and missing names.
@Suite struct PackedRefLookupTests {
    func id(_ n: Int) -> ObjectID { ObjectHasher.id(type: .blob, payload: Array("blob \(n)".utf8)) }

    @Test func binarySearchAgreesWithAFullParse() throws {
        let tmp = StoreTempDir("packed-lookup")
        let repo = try Repository.create(at: tmp.path, bare: true)
        let who = Identity(name: "T", email: "t@x", seconds: 1_795_000_000, offsetMinutes: 0)
        var names: [String] = []
        for n in 0..<300 {
            // Neighbours that share prefixes (A, A-1, A-10, A.x) catch comparison mistakes.
            let name = ["refs/contracts/HT-\(n)", "refs/contracts/HT-\(n)-1", "refs/tags/HT-\(n)/v1"][n % 3]
            _ = try repo.objects.write(type: .blob, payload: Array("blob \(n)".utf8))
            try repo.refs.update(name, to: id(n), expected: .absent, who: who, message: "t")
            names.append(name)
        }
        try repo.refs.packAll(peel: { _ in nil })
        let full = try repo.refs.parsePacked()
        #expect(full.count == names.count)
        // The search itself (lookupPacked answers from this process's parse when it has one).
        func search(_ name: String) throws -> RefStore.PackedRef? {
            guard case let .found(entry)? = try repo.refs.searchPacked(name), entry.name == name else { return nil }
            return entry.ref
        }
        for name in names { #expect(try search(name)?.id == full[name]?.id, "\(name)") }
        for missing in ["refs/contracts/HT-1000", "refs/contracts/A", "refs/contracts/HT-3-2", "refs/zzz", "refs/"] {
            #expect(try search(missing) == nil, "\(missing)")
        }
        // "Is any ref under this directory?" (a new ref's file/directory check) by the same search.
        for (dir, expected) in [("refs/tags/HT-2", true), ("refs/tags/HT-1", false), ("refs/contracts", true),
                                ("refs/contracts/HT-0", false), ("refs/zzz", false)] {
            guard case let .found(entry)? = try repo.refs.searchPacked(dir + "/") else { #expect(!expected, "\(dir)"); continue }
            #expect(entry.name.hasPrefix(dir + "/") == expected, "\(dir)")
            #expect(try repo.refs.packedFile().directories.contains(dir) == expected, "\(dir)")
        }
    }

    @Test func unsortedPackedRefsFallBackToAFullParse() throws {
        let tmp = StoreTempDir("packed-unsorted")
        let repo = try Repository.create(at: tmp.path, bare: true)
        // No "sorted" trait and out of order: binary search would miss refs/contracts/A.
        let text = "# pack-refs with: peeled\n\(id(2).hex) refs/contracts/Z\n\(id(1).hex) refs/contracts/A\n"
        try FileIO.writeAtomically("\(repo.gitDir)/packed-refs", Array(text.utf8))
        #expect(try repo.refs.resolve("refs/contracts/A") == id(1))
        #expect(try repo.refs.resolve("refs/contracts/Z") == id(2))
    }
}
