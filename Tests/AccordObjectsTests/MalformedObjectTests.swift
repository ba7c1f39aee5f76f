import Testing
import AccordObjects

/// Every kind of malformed object is refused with an `ObjectError` that says what is wrong.
@Suite(.timeLimit(.minutes(10))) struct MalformedTreeTests {
    @Test func wellFormedTreeDecodes() throws {
        let t = try Tree.decode(rawTree([("100644", bytes("a.txt"), someID), ("40000", bytes("dir"), someID)]))
        #expect(t.entries.map(\.nameString) == ["a.txt", "dir"])
        #expect(t.entries.map(\.mode) == [.regular, .directory])
    }

    /// Each bad name is refused for its own reason (the error says which). A name with a NUL
    /// cannot be written in raw tree bytes (NUL ends the name there), so only `Tree(entries:)`
    /// can be handed one; it must refuse it rather than write a tree git would read differently.
    @Test(arguments: [
        ("slash", bytes("a/b"), "contains '/'"),
        ("dot", bytes("."), "'.' is not allowed"),
        ("dotdot", bytes(".."), "'..' is not allowed"),
        ("dotgit", bytes(".git"), "reserved for git"),
        ("DOTGIT", bytes(".GIT"), "reserved for git"),
        ("DotGit", bytes(".Git"), "reserved for git"),
        ("git~1", bytes("GIT~1"), "reserved for git"),
        ("empty", [], "empty entry name"),
        ("NUL", bytes("a") + [0] + bytes("b"), "NUL"),
        ("only NUL", [0], "NUL"),
    ] as [(String, [UInt8], String)])
    func refusesBadEntryNames(label: String, name: [UInt8], reason: String) {
        func expectReason(_ error: ObjectError?, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
            guard let error else { return } // already recorded: nothing was thrown
            #expect(error.description.contains(reason), "\(label) \(what): '\(error)' does not say \(reason)", sourceLocation: sourceLocation)
            if case .malformed(.tree, _) = error {} else { Issue.record("\(label) \(what): \(error) is not a malformed tree", sourceLocation: sourceLocation) }
        }
        if !name.contains(0) {
            let raw = rawTree([("100644", name, someID)])
            expectReason(#expect(throws: ObjectError.self, "\(label)") { try Tree.decode(raw) }, "decoded")
        } else {
            // Written raw, the NUL ends the name early and the rest misreads as id and next entry.
            #expect(throws: ObjectError.self, "\(label)") { try Tree.decode(rawTree([("100644", name, someID)])) }
        }
        // Building one by hand is refused too, so we never write such a tree.
        expectReason(#expect(throws: ObjectError.self, "\(label)") {
            try Tree(entries: [TreeEntry(mode: .regular, name: name, id: someID)])
        }, "as a file")
        expectReason(#expect(throws: ObjectError.self, "\(label)") {
            try Tree(entries: [TreeEntry(mode: .directory, name: name, id: someID)])
        }, "as a directory")
    }

    @Test func nameErrorsSayWhichName() {
        do {
            _ = try Tree.decode(rawTree([("100644", bytes(".git"), someID)]))
            Issue.record("accepted .git")
        } catch {
            #expect(error.description.contains(".git"))
            #expect(error.description.contains("tree"))
        }
    }

    @Test(arguments: ["100664", "040000", "0100644", "100645", "644", "1006444", "12345670", "", "10a644"])
    func refusesBadModes(mode: String) {
        let raw = rawTree([(mode, bytes("file"), someID)])
        #expect(throws: ObjectError.self, "mode '\(mode)'") { try Tree.decode(raw) }
    }

    @Test func refusesUnsortedEntries() {
        let raw = rawTree([("100644", bytes("b"), someID), ("100644", bytes("a"), someID)])
        #expect { try Tree.decode(raw) } throws: { ($0 as? ObjectError)?.description.contains("sorted") == true }
    }

    @Test func directoriesSortAsIfTheyEndedInSlash() throws {
        // git order: "a.b" (0x2E) < "a/" (0x2F) < "a0" (0x30) for a directory "a".
        let ok = rawTree([("100644", bytes("a.b"), someID), ("40000", bytes("a"), someID), ("100644", bytes("a0"), someID)])
        #expect(try Tree.decode(ok).entries.count == 3)
        let wrong = rawTree([("40000", bytes("a"), someID), ("100644", bytes("a.b"), someID)])
        #expect(throws: ObjectError.self) { try Tree.decode(wrong) }
        // Built in any order, the tree comes out in git's order and encodes to the sorted bytes.
        let built = try Tree(entries: [TreeEntry(mode: .regular, name: "a0", id: someID),
                                       TreeEntry(mode: .directory, name: "a", id: someID),
                                       TreeEntry(mode: .regular, name: "a.b", id: someID)])
        #expect(built.encoded() == ok)
    }

    @Test func refusesDuplicateEntries() {
        let raw = rawTree([("100644", bytes("same"), someID), ("100644", bytes("same"), someID)])
        #expect(throws: ObjectError.self) { try Tree.decode(raw) }
        #expect(throws: ObjectError.self) {
            try Tree(entries: [TreeEntry(mode: .regular, name: "x", id: someID), TreeEntry(mode: .executable, name: "x", id: someID)])
        }
    }

    /// A file "a" and a directory "a" are duplicates (git fsck: duplicateEntries) even though
    /// other names sort between them ("a" < "a.b" < "a/").
    @Test func refusesFileAndDirectoryWithTheSameNameEvenWhenNotAdjacent() {
        let raw = rawTree([("100644", bytes("a"), someID), ("100644", bytes("a.b"), someID), ("40000", bytes("a"), someID)])
        #expect(throws: ObjectError.self) { try Tree.decode(raw) }
        #expect(throws: ObjectError.self) {
            try Tree(entries: [TreeEntry(mode: .regular, name: "a", id: someID),
                               TreeEntry(mode: .regular, name: "a.b", id: someID),
                               TreeEntry(mode: .directory, name: "a", id: someID)])
        }
    }

    @Test func refusesTruncatedEntries() {
        let full = rawTree([("100644", bytes("file"), someID)])
        for cut in [1, 7, 12, 20, 31] {
            #expect(throws: ObjectError.self, "cut \(cut)") { try Tree.decode(Array(full.dropLast(cut))) }
        }
        // Mode with no name or NUL at all.
        #expect(throws: ObjectError.self) { try Tree.decode(bytes("100644")) }
        #expect(throws: ObjectError.self) { try Tree.decode(bytes("100644 name")) }
    }

    @Test func emptyTreeIsValid() throws {
        #expect(try Tree.decode([UInt8]()).entries.isEmpty)
    }
}

@Suite(.timeLimit(.minutes(10))) struct MalformedCommitTests {
    let tree = String(repeating: "1", count: 64)
    let parent = String(repeating: "2", count: 64)
    let who = "A U Thor <a@example.com> 1700000000 +0800"

    func commit(_ text: String) throws(ObjectError) -> Commit { try Commit.decode(bytes(text)) }

    @Test func wellFormedCommitDecodes() throws {
        let c = try commit("tree \(tree)\nparent \(parent)\nauthor \(who)\ncommitter \(who)\n\nmsg\n")
        #expect(c.parents.count == 1)
        #expect(c.author.offsetMinutes == 480)
        #expect(c.messageText == "msg\n")
    }

    @Test(arguments: [
        ("missing tree", "author A <a@b> 1 +0000\ncommitter A <a@b> 1 +0000\n\nm"),
        ("missing author", "tree 1111111111111111111111111111111111111111111111111111111111111111\ncommitter A <a@b> 1 +0000\n\nm"),
        ("missing committer", "tree 1111111111111111111111111111111111111111111111111111111111111111\nauthor A <a@b> 1 +0000\n\nm"),
        ("short tree id", "tree 11111111\nauthor A <a@b> 1 +0000\ncommitter A <a@b> 1 +0000\n\nm"),
        ("sha1-length tree id", "tree 1111111111111111111111111111111111111111\nauthor A <a@b> 1 +0000\ncommitter A <a@b> 1 +0000\n\nm"),
        ("uppercase tree id", "tree AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\nauthor A <a@b> 1 +0000\ncommitter A <a@b> 1 +0000\n\nm"),
        ("parent after author", "tree 1111111111111111111111111111111111111111111111111111111111111111\nauthor A <a@b> 1 +0000\nparent 2222222222222222222222222222222222222222222222222222222222222222\ncommitter A <a@b> 1 +0000\n\nm"),
        ("second tree", "tree 1111111111111111111111111111111111111111111111111111111111111111\nauthor A <a@b> 1 +0000\ncommitter A <a@b> 1 +0000\ntree 1111111111111111111111111111111111111111111111111111111111111111\n\nm"),
        ("unterminated header", "tree 1111111111111111111111111111111111111111111111111111111111111111"),
        ("continuation first", " x\ntree 1111111111111111111111111111111111111111111111111111111111111111\n\nm"),
    ])
    func refusesBadCommits(label: String, text: String) {
        #expect(throws: ObjectError.self, "\(label)") { try commit(text) }
    }

    @Test(arguments: [
        "A U Thor a@example.com> 1700000000 +0800",     // no <
        "A U Thor <a@example.com 1700000000 +0800",     // no >
        "A U Thor<a@example.com> 1700000000 +0800",     // no space before <
        "A U Thor <a@example.com>1700000000 +0800",     // no space before date
        "A U Thor <a@example.com> +0800",               // no date
        "A U Thor <a@example.com> 01700000000 +0800",   // zero-padded date
        "A U Thor <a@example.com> 1700000000",          // no time zone
        "A U Thor <a@example.com> 1700000000 0800",     // no sign
        "A U Thor <a@example.com> 1700000000 +800",     // 3 digits
        "A U Thor <a@example.com> 1700000000 +08000",   // 5 digits
        "A U Thor <a@example.com> 1700000000 +08a0",    // not a digit
        "A U Thor <a@example.com> 1700000000 +0800 ",   // trailing space
        "A U >Thor <a@example.com> 1700000000 +0800",   // '>' in the name
        "A U Thor <a<b@example.com> 1700000000 +0800",  // '<' in the email
        "A <a@b> 99999999999999999999999 +0000",       // date out of range
    ])
    func refusesBadIdentities(line: String) {
        #expect(throws: ObjectError.self, "\(line)") {
            try commit("tree \(tree)\nauthor \(line)\ncommitter \(who)\n\nm\n")
        }
        #expect(throws: ObjectError.self, "\(line)") {
            try Identity(parsing: bytes(line)[...], what: "author", in: .commit)
        }
    }

    @Test func identityErrorsNameTheField() {
        do {
            _ = try commit("tree \(tree)\nauthor \(who)\ncommitter A <a@b> 1 +08\n\nm\n")
            Issue.record("accepted a bad time zone")
        } catch {
            #expect(error.description.contains("committer"))
            #expect(error.description.contains("time zone"))
        }
    }

    @Test func commitWithoutMessageIsAccepted() throws {
        // git accepts a commit whose header block is not followed by a blank line.
        let c = try commit("tree \(tree)\nauthor \(who)\ncommitter \(who)\n")
        #expect(c.message.isEmpty)
    }
}

@Suite(.timeLimit(.minutes(10))) struct MalformedTagTests {
    let obj = String(repeating: "3", count: 64)
    let who = "Tagger <t@example.com> 1700000000 -0500"

    @Test func wellFormedTagDecodes() throws {
        let t = try Tag.decode(bytes("object \(obj)\ntype commit\ntag v1\ntagger \(who)\n\nrelease\n"))
        #expect(t.targetType == .commit)
        #expect(t.name == "v1")
        #expect(t.tagger?.offsetMinutes == -300)
    }

    @Test(arguments: [
        ("bad type", "object OBJ\ntype commmit\ntag v1\ntagger T <t@e> 1 +0000\n\nm"),
        ("empty type", "object OBJ\ntype \ntag v1\n\nm"),
        ("missing type", "object OBJ\ntag v1\ntagger T <t@e> 1 +0000\n\nm"),
        ("missing object", "type commit\ntag v1\n\nm"),
        ("bad object id", "object 1234\ntype commit\ntag v1\n\nm"),
        ("missing tag name", "object OBJ\ntype commit\ntagger T <t@e> 1 +0000\n\nm"),
        ("empty tag name", "object OBJ\ntype commit\ntag \n\nm"),
        ("bad tagger", "object OBJ\ntype commit\ntag v1\ntagger T <t@e> 1 0000\n\nm"),
    ])
    func refusesBadTags(label: String, text: String) {
        let raw = bytes(text.replacingOccurrences(of: "OBJ", with: obj))
        #expect(throws: ObjectError.self, "\(label)") { try Tag.decode(raw) }
    }
}

@Suite struct ObjectTypeAndIDTests {
    @Test func unknownTypeNamesAreRefused() {
        for n in ["", "Blob", "blobs", "ofs-delta", "commit ", "tree\0"] { #expect(ObjectType(name: n) == nil, "\(n)") }
        for t in ObjectType.allCases { #expect(ObjectType(name: t.name) == t) }
    }

    @Test func hashesLikeGit() {
        // `git hash-object --object-format=sha256` of an empty file and of "hello\n".
        #expect(ObjectHasher.id(type: .blob, payload: []).hex == "473a0f4c3be8a93681a267e3b1e9a7dcda1185436fe141f7749120a303721813")
        #expect(ObjectHasher.id(type: .blob, payload: bytes("hello\n")).hex == "2cf8d83d9ee29543b34a87727421fdecb7e3f3a183d337639025de576db9ebb4")
    }

    @Test func malformedHexIsRefused() {
        let good = String(repeating: "0123456789abcdef", count: 4)
        #expect(ObjectID(hex: good)?.hex == good)
        #expect(ObjectID(hex: String(good.dropLast())) == nil)
        #expect(ObjectID(hex: good + "0") == nil)
        #expect(ObjectID(hex: String(good.dropLast()) + "g") == nil)
        #expect(ObjectID(hex: String(good.dropLast()) + " ") == nil)
        #expect(ObjectID(hex: "") == nil)
        #expect(ObjectID(bytes: [UInt8](repeating: 1, count: 20)) == nil)
    }
}

extension String {
    func replacingOccurrences(of a: String, with b: String) -> String {
        split(separator: a, omittingEmptySubsequences: false).joined(separator: b)
    }
}
