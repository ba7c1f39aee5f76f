import AccordTestSupport
import Testing
import AccordObjects

/// decode(encode(x)) == x and encode(decode(bytes)) == bytes, over seeded random objects.
@Suite struct RoundTripTests {
    static let seeds: [UInt64] = [1, 2, 3, 42, 2024, 0xDEAD_BEEF]

    static func randomName<R: RandomNumberGenerator>(_ rng: inout R) -> [UInt8] {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.+= ~()".utf8)
        let words = ["合同", "甲方", "乙方", "条款", "é", "ü", "☃"]
        while true {
            var n: [UInt8] = []
            for _ in 0..<Int.random(in: 1...12, using: &rng) {
                if Int.random(in: 0..<6, using: &rng) == 0 { n += Array(words.randomElement(using: &rng)!.utf8) }
                else { n.append(alphabet.randomElement(using: &rng)!) }
            }
            // Keep only names git would allow (the decoder's rule is tested separately).
            if (try? Tree.validate(name: n)) != nil { return n }
        }
    }

    static func randomText<R: RandomNumberGenerator>(_ rng: inout R, lines: ClosedRange<Int>) -> String {
        let words = ["contract", "价格", "delivery", "付款", "clause", "§4.2", "net-30", "", "  indented", "tab\there"]
        return (0..<Int.random(in: lines, using: &rng)).map { _ in
            (0..<Int.random(in: 0...6, using: &rng)).map { _ in words.randomElement(using: &rng)! }.joined(separator: " ")
        }.joined(separator: "\n")
    }

    static func randomIdentity<R: RandomNumberGenerator>(_ rng: inout R) -> Identity {
        let names = ["A U Thor", "张三", "Zoë Example", "x", "O'Brien, Pat"]
        let offsets = [0, 60, -300, 480, 345, -570, 840, -720]
        let off = offsets.randomElement(using: &rng)!
        return Identity(name: names.randomElement(using: &rng)!, email: "p\(Int.random(in: 0...999, using: &rng))@example.com",
                        seconds: Int64.random(in: 0...4_000_000_000, using: &rng), offsetMinutes: off,
                        negativeZero: off == 0 && Bool.random(using: &rng))
    }

    static func signature<R: RandomNumberGenerator>(_ rng: inout R) -> [UInt8] {
        var lines = ["-----BEGIN PGP SIGNATURE-----", ""]
        for _ in 0..<Int.random(in: 1...5, using: &rng) {
            lines.append(String((0..<64).map { _ in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef0123456789+/".randomElement(using: &rng)! }))
        }
        lines.append("=abcd")
        lines.append("-----END PGP SIGNATURE-----")
        return Array(lines.joined(separator: "\n").utf8)
    }

    static func randomCommit<R: RandomNumberGenerator>(_ rng: inout R) -> Commit {
        var extras: [Commit.ExtraHeader] = []
        if Bool.random(using: &rng) { extras.append(.init(key: "encoding", value: Array("UTF-8".utf8))) }
        if Bool.random(using: &rng) { extras.append(.init(key: "gpgsig-sha256", value: signature(&rng))) }
        if Bool.random(using: &rng) {
            // A mergetag: a whole tag object (with its own blank line and message) as a header value.
            let tag = Tag(object: randomID(&rng), targetType: .commit, name: "v\(Int.random(in: 0...99, using: &rng))",
                          tagger: randomIdentity(&rng), message: "signed tag\n\nbody line\n")
            var value = tag.encoded()
            if value.last == 0x0A { value.removeLast() }
            extras.append(.init(key: "mergetag", value: value))
        }
        let parents = (0..<Int.random(in: 0...3, using: &rng)).map { _ in randomID(&rng) }
        let message = randomText(&rng, lines: 0...6) + (Bool.random(using: &rng) ? "\n" : "")
        return Commit(tree: randomID(&rng), parents: parents, author: randomIdentity(&rng),
                      committer: randomIdentity(&rng), extraHeaders: extras, message: message)
    }

    @Test(arguments: seeds)
    func treesRoundTrip(seed: UInt64) throws {
        var rng = SeededRNG(seed: seed)
        for _ in 0..<50 {
            var entries: [TreeEntry] = []
            var used = Set<[UInt8]>()
            for _ in 0..<Int.random(in: 0...20, using: &rng) {
                let name = Self.randomName(&rng)
                guard used.insert(name).inserted else { continue }
                entries.append(TreeEntry(mode: FileMode.allCases.randomElement(using: &rng)!, name: name, id: randomID(&rng)))
            }
            entries.shuffle(using: &rng)
            let tree = try Tree(entries: entries)
            let bytes = tree.encoded()
            let decoded = try Tree.decode(bytes)
            #expect(decoded == tree)
            #expect(decoded.encoded() == bytes)
            #expect(Set(decoded.entries) == Set(entries))
            let obj = Object.tree(tree)
            #expect(try Object.decode(type: .tree, payload: obj.encoded()) == obj)
        }
    }

    @Test(arguments: seeds)
    func commitsRoundTrip(seed: UInt64) throws {
        var rng = SeededRNG(seed: seed)
        for _ in 0..<50 {
            let commit = Self.randomCommit(&rng)
            let bytes = commit.encoded()
            let decoded = try Commit.decode(bytes)
            #expect(decoded == commit)
            #expect(decoded.encoded() == bytes)
        }
    }

    @Test(arguments: seeds)
    func tagsRoundTrip(seed: UInt64) throws {
        var rng = SeededRNG(seed: seed)
        for _ in 0..<50 {
            var extras: [Commit.ExtraHeader] = []
            if Bool.random(using: &rng) { extras.append(.init(key: "gpgsig-sha256", value: Self.signature(&rng))) }
            let tag = Tag(object: randomID(&rng), targetType: ObjectType.allCases.randomElement(using: &rng)!,
                          name: "release/\(Int.random(in: 0...9999, using: &rng))-版本",
                          tagger: Bool.random(using: &rng) ? Self.randomIdentity(&rng) : nil,
                          extraHeaders: extras, message: Self.randomText(&rng, lines: 0...4) + "\n")
            let bytes = tag.encoded()
            let decoded = try Tag.decode(bytes)
            #expect(decoded == tag)
            #expect(decoded.encoded() == bytes)
        }
    }

    /// Bytes as git writes them (continuation lines of a signature begin with one space).
    @Test func gitWrittenSignedCommitBytesRoundTrip() throws {
        let tree = String(repeating: "a", count: 64), parent = String(repeating: "b", count: 64)
        let text = """
            tree \(tree)
            parent \(parent)
            author A U Thor <author@example.com> 1700000000 -0000
            committer C O Mitter <committer@example.com> 1700000001 +0530
            gpgsig-sha256 -----BEGIN PGP SIGNATURE-----
             
             iQEzBAABCAAdFiEE
             =x1y2
             -----END PGP SIGNATURE-----
            mergetag object \(parent)
             type commit
             tag v1.0
             tagger T <t@example.com> 1699999999 +0000
             
             Release 1.0
            encoding UTF-8

            签名的提交

            body

            """
        let raw = Array(text.utf8)
        let c = try Commit.decode(raw)
        #expect(c.encoded() == raw)
        #expect(c.extraHeaders.map(\.key) == ["gpgsig-sha256", "mergetag", "encoding"])
        #expect(c.author.timezone == "-0000")
        #expect(c.committer.offsetMinutes == 330)
        // A signature's lines come back without their continuation space.
        #expect(String(decoding: c.extraHeaders[0].value, as: UTF8.self).hasPrefix("-----BEGIN PGP SIGNATURE-----\n\niQEz"))
    }

    @Test func negativeZeroTimeZoneIsPreserved() throws {
        let line = "A <a@example.com> 1700000000 -0000"
        let id = try Identity(parsing: bytes(line)[...], what: "author", in: .commit)
        #expect(id.negativeZero)
        #expect(id.offsetMinutes == 0)
        #expect(id.description == line)
        let plus = try Identity(parsing: bytes("A <a@example.com> 1700000000 +0000")[...], what: "author", in: .commit)
        #expect(plus.description.hasSuffix("+0000"))
        #expect(plus != id)
        for tz in ["+1400", "-1200", "+0545", "-0930", "+0000", "-0000"] {
            let l = "N <e> 0 \(tz)"
            #expect(try Identity(parsing: bytes(l)[...], what: "tagger", in: .tag).description == l)
        }
    }

    @Test(arguments: seeds)
    func objectIDHexRoundTrip(seed: UInt64) {
        var rng = SeededRNG(seed: seed)
        for _ in 0..<200 {
            let id = randomID(&rng)
            #expect(ObjectID(hex: id.hex) == id)
            #expect(ObjectID(hex: id.hex.uppercased()) == id)
            #expect(ObjectID(bytes: id.bytes) == id)
            var appended: [UInt8] = []
            id.appendHex(to: &appended)
            #expect(String(decoding: appended, as: UTF8.self) == id.hex)
            #expect(id.firstByte == id.bytes[0])
            #expect(id.hasHexPrefix(String(id.hex.prefix(7)).uppercased()))
            // Ordering is the byte order of the raw id (as pack indexes sort).
            let other = randomID(&rng)
            #expect((id < other) == id.bytes.lexicographicallyPrecedes(other.bytes))
        }
    }
}
