import Foundation
import Testing
import AccordObjects

/// Objects git accepts that once decoded to a value whose encoding was not the input (found by
/// the `objects` fuzz target; the inputs are in `Fuzz/findings/`, byte 0 picking the type as in
/// `Fuzz/ObjectsFuzz.swift`). Each must re-encode byte for byte, so its id is kept.
@Suite struct FuzzFindingTests {
    static let findings = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fuzz/findings").path

    static let tree = String(repeating: "ab", count: 32)

    @Test(arguments: ["commit-identity-not-utf8.bin", "tag-without-blank-line.bin", "commit-timezone-minutes-80.bin"])
    func findingReencodesToItself(file: String) throws {
        let data = try #require(FileManager.default.contents(atPath: "\(Self.findings)/\(file)"))
        let types: [ObjectType] = [.tree, .commit, .tag]
        let type = types[Int(data[0]) % 3]
        let payload = Array(data.dropFirst())
        let object = try Object.decode(type: type, payload: payload)
        #expect(object.encoded() == payload, "\(file): decode then encode changed the bytes")
    }

    /// A name in a legacy encoding (Latin-1 "José") is shown lossily and written back as it was;
    /// changing the name drops the old bytes.
    @Test func legacyEncodedNameKeepsItsBytes() throws {
        let payload = Array("tree \(Self.tree)\nauthor Jos".utf8) + [0xE9] + Array(" <j@x> 1 +0000\ncommitter C <c@x> 2 -0000\nencoding ISO-8859-1\n\nmsg\n".utf8)
        var commit = try Commit.decode(payload)
        #expect(commit.author.name == "Jos\u{FFFD}")
        #expect(commit.encoded() == payload)
        commit.author.name = "José"
        #expect(commit.encoded() == Array("tree \(Self.tree)\nauthor José <j@x> 1 +0000\ncommitter C <c@x> 2 -0000\nencoding ISO-8859-1\n\nmsg\n".utf8))
    }

    /// A zone whose minutes are 60 or more (+0080) is kept as written, and so is its sign.
    @Test func unusualTimeZoneKeepsItsBytes() throws {
        for zone in ["+0080", "-0099", "+9960"] {
            let payload = Array("tree \(Self.tree)\nauthor A <a@x> 1 \(zone)\ncommitter C <c@x> 2 \(zone)\n\nm\n".utf8)
            #expect(try Commit.decode(payload).encoded() == payload, "\(zone)")
        }
    }

    /// Headers with no blank line and no message (git's fsck accepts it) stay so; giving the
    /// commit a message adds the blank line.
    @Test func headersOnlyCommitStaysHeadersOnly() throws {
        let payload = Array("tree \(Self.tree)\nauthor A <a@x> 1 +0000\ncommitter A <a@x> 1 +0000\n".utf8)
        var commit = try Commit.decode(payload)
        #expect(commit.encoded() == payload)
        commit.message = Array("m\n".utf8)
        #expect(commit.encoded() == payload + Array("\nm\n".utf8))
        // An empty message after a blank line is another object, and stays that one.
        #expect(try Commit.decode(payload + [0x0A]).encoded() == payload + [0x0A])
    }

    /// What could not be written back is refused, naming it.
    @Test func nonUTF8HeaderNameAndTagNameAreRefused() {
        let commit = Array("tree \(Self.tree)\nauthor A <a@x> 1 +0000\ncommitter A <a@x> 1 +0000\nx".utf8) + [0xFF] + Array(" v\n\n".utf8)
        #expect(throws: ObjectError.self) { try Commit.decode(commit) }
        let tag = Array("object \(Self.tree)\ntype commit\ntag v".utf8) + [0xFF] + Array("\n\n".utf8)
        #expect { try Tag.decode(tag) } throws: { "\($0)".contains("tag name is not UTF-8") }
    }
}
