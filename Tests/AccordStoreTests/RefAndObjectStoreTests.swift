import Foundation
import Testing
import AccordObjects
@testable import AccordStore

@Suite struct RefNameTests {
    static let invalid = ["refs/a..b", "refs/x.lock", "refs/ a", "refs/a/", "refs//a", "refs/.a", "refs/a/.b", "refs/a.",
                          "refs/a@{1}", "refs/a~", "refs/a^", "refs/a:", "refs/a?", "refs/a*", "refs/a[", "refs/a\\b",
                          "refs/a\u{1}", "refs/a\u{7f}", "refs/heads/x.lock/y", "main", "", "refs/heads/a b"]
    static let valid = ["HEAD", "refs/heads/main", "refs/tags/v1.0", "refs/heads/feature/合同", "refs/heads/a-b_c",
                        "refs/contracts/2024/acme", "refs/heads/a.b", "refs/heads/@", "refs/heads/x.locked"]

    @Test(arguments: invalid)
    func invalidNamesAreRefusedWithAReason(name: String) {
        #expect(!RefName.isValid(name))
        #expect {
            try RefName.validate(name)
        } throws: { e in
            guard let e = e as? StoreError, case let .badRefName(n, why) = e else { return false }
            return n == name && !why.isEmpty
        }
    }

    @Test(arguments: valid)
    func validNamesAreAccepted(name: String) {
        #expect(RefName.isValid(name))
        if name != "HEAD" { #expect(storeGit(["check-ref-format", name]).status == 0, "git refuses \(name)") }
    }

    /// The one-pass check batches use must agree with the rules one by one, on the listed names
    /// and on 20,000 random names made of the characters the rules are about.
    @Test func theOnePassCheckAgreesWithTheRules() {
        var rng = SystemRandomNumberGenerator()
        let pieces = ["refs/", "refs", "/", ".", "..", "a", "合", "@", "{", "@{", ".lock", "lock", " ", "~", "^", ":", "?", "*", "[",
                      "\\", "\u{1}", "\u{7f}", "-", "x"]
        var names = Self.invalid + Self.valid.filter { $0 != "HEAD" }
        for _ in 0..<20_000 {
            names.append((Int.random(in: 0..<4, using: &rng) == 0 ? "" : "refs/") + (0..<Int.random(in: 1...8, using: &rng)).map { _ in pieces.randomElement(using: &rng) ?? "a" }.joined())
        }
        for name in names {
            let byRules = (try? RefName.rules(name)) != nil
            #expect(RefName.isPlainlyValid(name) == byRules, "\(name.debugDescription): one pass \(RefName.isPlainlyValid(name)), rules \(byRules)")
        }
    }

    @Test func gitAgreesOnInvalidRefsNames() {
        for name in Self.invalid where name.hasPrefix("refs/") {
            #expect(storeGit(["check-ref-format", name]).status != 0, "git accepts \(name.debugDescription)")
        }
    }
}

@Suite struct RefStoreTests {
    @Test func compareAndSwapUpdatesAndReflog() throws {
        let dir = StoreTempDir()
        let repo = try newRepo(dir)
        let refs = repo.refs
        let a = try blobID(repo, "a"), b = try blobID(repo, "b"), c = try blobID(repo, "c")
        try refs.update("refs/heads/main", to: a, expected: .absent, who: testWho, message: "create")
        #expect(throws: StoreError.staleValue(ref: "refs/heads/main", expected: nil, actual: a)) {
            try refs.update("refs/heads/main", to: b, expected: .absent, who: testWho, message: "again")
        }
        #expect(throws: StoreError.staleValue(ref: "refs/heads/main", expected: b, actual: a)) {
            try refs.update("refs/heads/main", to: c, expected: .value(b), who: testWho, message: "wrong old")
        }
        try refs.update("refs/heads/main", to: b, expected: .value(a), who: testWho, message: "move\nwith newline")
        // HEAD moves the branch it points at, and both reflogs record it.
        try refs.update("HEAD", to: c, expected: .value(b), who: testWho, message: "via HEAD")
        #expect(try refs.resolve("refs/heads/main") == c)
        #expect(try refs.read("HEAD") == .symbolic("refs/heads/main"))
        let log = try refs.reflog("refs/heads/main")
        #expect(log.map(\.new) == [a, b, c])
        #expect(log.map(\.old) == [.zero, a, b])
        #expect(log[1].message == "move with newline")
        #expect(log[0].who == testWho)
        #expect(try refs.reflog("HEAD").map(\.new) == [c])
        // Failed updates left no trace.
        #expect(refs.lockFiles().isEmpty)
        // git reads ref and reflog.
        #expect(storeGit(["--git-dir=\(repo.gitDir)", "rev-parse", "main@{2}"]).trimmed == a.hex)
    }

    @Test func deleteChecksExpectationAndRemovesPackedCopies() throws {
        let dir = StoreTempDir()
        let repo = try newRepo(dir)
        let refs = repo.refs
        let a = try blobID(repo, "a"), b = try blobID(repo, "b")
        try refs.update("refs/tags/t", to: a, who: testWho, message: "m")
        try refs.update("refs/heads/x", to: b, who: testWho, message: "m")
        try refs.packAll { _ in nil }
        #expect(!FileManager.default.fileExists(atPath: "\(repo.gitDir)/refs/tags/t"))
        #expect(try refs.resolve("refs/tags/t") == a)
        // A loose update overrides the packed value.
        try refs.update("refs/heads/x", to: a, expected: .value(b), who: testWho, message: "m")
        #expect(try refs.list().map(\.name) == ["refs/heads/x", "refs/tags/t"])
        #expect(try refs.resolve("refs/heads/x") == a)
        #expect(throws: StoreError.self) { try refs.delete("refs/tags/t", expected: .value(b)) }
        try refs.delete("refs/tags/t", expected: .value(a))
        #expect(try refs.resolve("refs/tags/t") == nil)
        #expect(throws: StoreError.refNotFound("refs/tags/t")) { try refs.delete("refs/tags/t") }
        #expect(throws: StoreError.self) { try refs.delete("HEAD") }
        // git agrees with what is left.
        #expect(storeGit(["--git-dir=\(repo.gitDir)", "for-each-ref", "--format=%(refname) %(objectname)"]).trimmed
                == "refs/heads/x \(a.hex)")
    }

    @Test func fileDirectoryConflictsAreRefused() throws {
        let dir = StoreTempDir()
        let repo = try newRepo(dir)
        let a = try blobID(repo, "a")
        try repo.refs.update("refs/heads/a", to: a, who: testWho, message: "m")
        #expect(throws: StoreError.self) { try repo.refs.update("refs/heads/a/b", to: a, who: testWho, message: "m") }
        try repo.refs.update("refs/heads/x/y", to: a, who: testWho, message: "m")
        #expect(throws: StoreError.self) { try repo.refs.update("refs/heads/x", to: a, who: testWho, message: "m") }
        #expect(try repo.refs.list().map(\.name) == ["refs/heads/a", "refs/heads/x/y"])
    }

    @Test func aHeldLockIsReportedAndNeverStolen() throws {
        let dir = StoreTempDir()
        let repo = try newRepo(dir)
        let a = try blobID(repo, "a"), b = try blobID(repo, "b")
        try repo.refs.update("refs/heads/main", to: a, who: testWho, message: "m")
        let path = "\(repo.gitDir)/refs/heads/main"
        let held = try LockFile(path: path)   // another writer, mid-update
        let err = errorText { try repo.refs.update("refs/heads/main", to: b, who: testWho, message: "m") }
        #expect(err?.contains("rm '\(path).lock'") == true, "\(err ?? "no error")")
        // The failed attempt must not have removed the holder's lock: its commit still works.
        #expect(FileManager.default.fileExists(atPath: path + ".lock"))
        #expect(throws: StoreError.self) { try LockFile(path: path) }
        try held.commit(Array((b.hex + "\n").utf8))
        #expect(try repo.refs.resolve("refs/heads/main") == b)
        #expect(repo.refs.lockFiles().isEmpty)
        #expect(try repo.refs.reflog("refs/heads/main").count == 1)
    }

    @Test func corruptRefFilesAreErrorsNotGuesses() throws {
        let dir = StoreTempDir()
        let repo = try newRepo(dir)
        dir.write("repo/.accord/refs/heads/bad", "0123\n")
        #expect(throws: StoreError.self) { try repo.refs.resolve("refs/heads/bad") }
        dir.write("repo/.accord/packed-refs", "# pack-refs with: peeled\nnot-an-id refs/heads/p\n")
        #expect(throws: StoreError.self) { try repo.refs.readPacked() }
        dir.write("repo/.accord/HEAD", "ref: refs/heads/../../etc\n")
        #expect(throws: StoreError.self) { try repo.refs.resolve("HEAD") }
    }
}

@Suite(.timeLimit(.minutes(10))) struct LooseObjectTests {
    static func plant(_ objects: String, _ raw: [UInt8], name: ObjectID? = nil, compress: ([UInt8]) -> [UInt8] = { Zlib.deflate($0) }) throws -> ObjectID {
        let id = name ?? raw.withUnsafeBytes { ObjectHasher.digest($0) }
        let hex = id.hex
        let d = "\(objects)/\(hex.prefix(2))"
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: "\(d)/\(hex.dropFirst(2))", contents: Data(compress(raw)))
        return id
    }

    @Test func writeThenReadRoundTripsAndGitAgrees() throws {
        let dir = StoreTempDir()
        let repo = try newRepo(dir)
        var rng = SystemRandomNumberGenerator()
        for size in [0, 1, 100, 65_536, 300_000] {
            let payload = (0..<size).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let id = try repo.objects.write(type: .blob, payload: payload)
            #expect(try repo.objects.read(id) == (.blob, payload))
            #expect(try repo.objects.header(id) == (.blob, size))
            let st = try FileManager.default.attributesOfItem(atPath: repo.objects.loose.path(of: id))
            #expect((st[.posixPermissions] as? Int) == 0o444, "objects are read-only")
            #expect(storeGit(["--git-dir=\(repo.gitDir)", "cat-file", "-s", id.hex]).trimmed == String(size))
        }
        #expect(throws: StoreError.objectNotFound(ObjectID.zero)) { try repo.objects.read(.zero) }
        let blob = try blobID(repo, "x")
        #expect(throws: StoreError.wrongType(blob, expected: .commit, actual: .blob)) { try repo.objects.readCommit(blob) }
    }

    @Test func malformedTreesCommitsAndTagsAreNeverWritten() throws {
        let dir = StoreTempDir()
        let repo = try newRepo(dir)
        for (type, payload) in [(ObjectType.tree, Array("100644 a\0short".utf8)), (.commit, Array("tree x\n\n".utf8)),
                                (.tag, Array("object 12\ntype blob\ntag t\n\n".utf8))] {
            #expect(throws: StoreError.self) { try repo.objects.write(type: type, payload: payload) }
        }
        #expect(repo.objects.allIDs().isEmpty)
    }

    @Test(arguments: [
        ("blob 01\0x", "bad size"),
        ("blob -1\0", "bad size"),
        ("blob\0", "no space"),
        ("blob \0", "bad size"),
        ("blobx 1\0x", "unknown type"),
        ("BLOB 1\0x", "unknown type"),
        ("blob 1 \0x", "bad size"),
        ("blob 5\0abc", "5 bytes but 3"),
        ("blob 2\0abc", "more data than the header declares"),
        ("blob 3", "NUL"),
    ])
    func badHeadersAreCorruptObjects(raw: String, words: String) throws {
        let dir = StoreTempDir()
        let objects = dir.mkdir("objects")
        let id = try Self.plant(objects, Array(raw.utf8))
        let loose = LooseObjects(directory: objects, maxObjectSize: 1 << 20, durable: false)
        let err = errorText { _ = try loose.read(id) }
        #expect(err?.contains(id.hex) == true, "\(err ?? "read succeeded")")
        #expect(err?.contains(words) == true, "\(raw.debugDescription): \(err ?? "read succeeded")")
    }

    @Test func absurdSizesAreRefusedBeforeInflating() throws {
        let dir = StoreTempDir()
        let objects = dir.mkdir("objects")
        let loose = LooseObjects(directory: objects, maxObjectSize: 1 << 20, durable: false)
        let absurd = try Self.plant(objects, Array("blob 9223372036854775807\0abc".utf8))
        #expect(throws: StoreError.self) { try loose.read(absurd) }
        let tooBig = try Self.plant(objects, Array("blob 99999999\0".utf8) + [UInt8](repeating: 7, count: 4 << 20))
        for read in [{ _ = try loose.read(tooBig) }, { _ = try loose.header(tooBig) }] as [() throws -> Void] {
            #expect {
                try read()
            } throws: { e in
                guard let e = e as? StoreError, case let .objectTooLarge(id, size, limit) = e else { return false }
                return id == tooBig && size == 99_999_999 && limit == 1 << 20
            }
        }
        // A 19-digit size does not overflow into something small.
        let overflow = try Self.plant(objects, Array("blob 99999999999999999999\0a".utf8))
        #expect(throws: StoreError.self) { try loose.read(overflow) }
    }

    @Test func zlibBombIsStoppedAtTheLimit() throws {
        let dir = StoreTempDir()
        let objects = dir.mkdir("objects")
        let loose = LooseObjects(directory: objects, maxObjectSize: 1 << 20, durable: false)
        // Declares a size within the limit, inflates to 64 MiB: refused as corrupt.
        let bomb = try Self.plant(objects, Array("blob 1000\0".utf8) + [UInt8](repeating: 0, count: 64 << 20), compress: { Zlib.deflate($0, level: 9) })
        #expect(FileManager.default.contents(atPath: loose.path(of: bomb))!.count < 200_000, "a small file")
        #expect(throws: StoreError.self) { try loose.read(bomb) }
        // Plain zlib: the limit is enforced while inflating.
        let z = Zlib.deflate([UInt8](repeating: 1, count: 8 << 20), level: 9)
        #expect(throws: Zlib.Error.tooLarge(limit: 1 << 20)) { try z.withUnsafeBytes { _ = try Zlib.inflate($0, limit: 1 << 20) } }
    }

    @Test func damagedStreamsAreErrors() throws {
        let payload = Array("blob 11\0hello world".utf8)
        let z = Zlib.deflate(payload)
        #expect(try z.withUnsafeBytes { try Zlib.inflate($0, limit: 100) }.output == payload)
        #expect(throws: Zlib.Error.self) { try Array(z.dropLast(3)).withUnsafeBytes { _ = try Zlib.inflate($0, limit: 100) } }
        #expect(throws: Zlib.Error.self) { try [UInt8](repeating: 0x41, count: 20).withUnsafeBytes { _ = try Zlib.inflate($0, limit: 100) } }
        #expect(throws: Zlib.Error.self) { try z.withUnsafeBytes { _ = try Zlib.inflateExact($0, size: payload.count - 1) } }
        #expect(throws: Zlib.Error.self) { try z.withUnsafeBytes { _ = try Zlib.inflateExact($0, size: payload.count + 1) } }
        #expect(try z.withUnsafeBytes { try Zlib.inflateExact($0, size: payload.count) }.output == payload)
        // Trailing bytes after a loose object's stream are corruption.
        let dir = StoreTempDir()
        let objects = dir.mkdir("objects")
        let id = try Self.plant(objects, payload, compress: { Zlib.deflate($0) + [0, 1, 2] })
        #expect(throws: StoreError.self) { try LooseObjects(directory: objects, maxObjectSize: 1 << 20, durable: false).read(id) }
    }
}

@Suite struct HistoryTests {
    @Test func mergeBasesOnCrissCrossAndAncestry() throws {
        let dir = StoreTempDir()
        let repo = try newRepo(dir)
        let base = try makeCommit(repo, "base", n: 1)
        let a1 = try makeCommit(repo, "a1", parents: [base], n: 2), b1 = try makeCommit(repo, "b1", parents: [base], n: 3)
        let a2 = try makeCommit(repo, "a2", parents: [a1, b1], n: 4), b2 = try makeCommit(repo, "b2", parents: [b1, a1], n: 5)
        let lone = try makeCommit(repo, "lone", n: 6)
        var h = History(objects: repo.objects)
        #expect(Set(try h.mergeBases(a2, b2)) == [a1, b1])
        #expect(try h.mergeBases(a1, b1) == [base])
        #expect(try h.mergeBases(a2, a1) == [a1])
        #expect(try h.mergeBases(a2, lone).isEmpty)
        #expect(try h.isAncestor(base, of: b2))
        #expect(try !h.isAncestor(b2, of: base))
        #expect(try !h.isAncestor(lone, of: a2))
        #expect(try h.isAncestor(a2, of: a2))
        let walk = try h.walk(from: [a2, b2])
        #expect(walk.count == 5 && Set(walk) == [a2, b2, a1, b1, base])
        #expect(walk.first == b2 && walk.last == base)
        let topo = try h.walk(from: [a2, b2], order: .topological)
        for (i, id) in topo.enumerated() {
            for p in try h.commit(id).parents { #expect(topo.firstIndex(of: p)! > i, "parent before child") }
        }
        #expect(try h.walk(from: [a2], limit: 2).count == 2)
    }

    @Test func walkingIntoAMissingCommitIsAnError() throws {
        let dir = StoreTempDir()
        let repo = try newRepo(dir)
        let ghost = ObjectID(hex: String(repeating: "9", count: 64))!
        let c = try makeCommit(repo, "child of a missing parent", parents: [ghost], n: 1)
        var h = History(objects: repo.objects)
        #expect(throws: StoreError.objectNotFound(ghost)) { try h.walk(from: [c]) }
        let problems = Fsck(repository: repo).run()
        #expect(problems.contains { $0.kind == .badLink && $0.id == c && $0.message.contains(ghost.hex) })
    }

    @Test func revisionsResolve() throws {
        let dir = StoreTempDir()
        let repo = try newRepo(dir)
        let c1 = try makeCommit(repo, "one", n: 1), c2 = try makeCommit(repo, "two", parents: [c1], n: 2)
        try repo.refs.update("refs/heads/main", to: c2, who: testWho, message: "m")
        let tag = try repo.objects.write(.tag(Tag(object: c2, targetType: .commit, name: "v1", tagger: testWho, message: "t\n")))
        try repo.refs.update("refs/tags/v1", to: tag, who: testWho, message: "m")
        let r = RevisionResolver(repository: repo)
        #expect(try r.resolve("HEAD") == c2)
        #expect(try r.resolve("HEAD~1") == c1)
        #expect(try r.resolve("main^") == c1)
        #expect(try r.resolve("v1") == tag)
        #expect(try r.resolve("v1^{}") == c2)
        #expect(try r.resolve("v1~1") == c1)
        #expect(try r.resolve("HEAD^{tree}") == (try repo.objects.readCommit(c2)).tree)
        #expect(try r.resolve(String(c1.hex.prefix(6))) == c1)
        for bad in ["HEAD~2", "HEAD^2", "nope", "v1^{blob}", "", "HEAD^{}}", "abc"] {
            #expect(throws: StoreError.self, "\(bad)") { try r.resolve(bad) }
        }
    }
}
