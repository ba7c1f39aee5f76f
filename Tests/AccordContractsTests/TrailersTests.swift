import Foundation
import Testing
import AccordTestSupport
@testable import AccordContracts

/// Commit trailers (`Accord-Role: salesRep` …) are read by a byte-level parser; it must give what
/// the plain definition gives: the last of two or more paragraphs, every line `Key: value`.
@Suite struct TrailersTests {
    /// The definition, written plainly (trailing blank lines are not a paragraph).
    func reference(_ message: String) -> [String: String] {
        var out: [String: String] = [:]
        var message = Substring(message)
        while message.hasSuffix("\n") { message = message.dropLast() }
        let paragraphs = message.split(separator: "\n\n", omittingEmptySubsequences: true)
        guard let last = paragraphs.last, paragraphs.count > 1 else { return out }
        for line in last.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { return [:] }
            out[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: CharacterSet(charactersIn: " \t"))
        }
        return out
    }

    @Test func knownMessages() {
        let m = Trailers.message(summary: "Set subject", details: ["subject: A → B"],
                                 trailers: [("Accord-Role", "salesRep"), ("Accord-Office", "上海")])
        #expect(Trailers.parse(m) == ["Accord-Role": "salesRep", "Accord-Office": "上海"])
        #expect(Trailers.parse("one paragraph: only\n").isEmpty)
        #expect(Trailers.parse("Summary\n\nnot a trailer line\n").isEmpty)
        #expect(Trailers.parse("Summary\n\nKey:\tvalue with: colon  \n\n\n") == ["Key": "value with: colon"])
    }

    @Test func agreesWithTheDefinitionOnRandomMessages() {
        var rng = SeededRNG(seed: 42)
        let pieces = ["Summary", "\n", "\n\n", "Key: v", "K2:  spaced\t", "no colon", ":", " ", "\t", "合同", "Accord-Role: headOffice"]
        for _ in 0..<3000 {
            let message = (0..<Int.random(in: 0...9, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
            #expect(Trailers.parse(message) == reference(message), "\(message.debugDescription) \(Array(message.utf8))")
        }
    }
}
