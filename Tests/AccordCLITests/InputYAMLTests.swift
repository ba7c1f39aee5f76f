import Foundation
import Testing

/// YAML nested thousands deep used to overflow the stack inside the YAML library (a segfault of
/// `import` and `new --file`) before the depth check ran. The text is now scanned first: any
/// nesting style (flow brackets, flow mappings, compact `- - -`, indentation, sequences of
/// mappings) is refused with a clear message and nothing written; ordinary documents, with
/// brackets, dashes and colons inside quoted or block scalars, are unaffected.
@Suite(.timeLimit(.minutes(10))) struct InputYAMLTests {
    static func deep(_ style: String, _ depth: Int) -> String {
        switch style {
        case "flow": return String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "\n"
        case "flow-map": return String(repeating: "{a: ", count: depth) + "1" + String(repeating: "}", count: depth) + "\n"
        case "compact": return String(repeating: "- ", count: depth) + "x\n"
        case "indent": return (0..<depth).map { String(repeating: " ", count: $0) + "a:\n" }.joined() + String(repeating: " ", count: depth) + "b\n"
        case "seq-of-maps": return (0..<depth).map { String(repeating: "  ", count: $0) + "- a:\n" }.joined()
        case "multi-line-flow": return (0..<depth).map { String(repeating: " ", count: $0 % 7) + "[\n" }.joined() + String(repeating: "]", count: depth) + "\n"
        case "anchored": return (0..<depth).map { "&a\($0) [" }.joined() + String(repeating: "]", count: depth) + "\n"
        default: return ""
        }
    }

    @Test(arguments: ["flow", "flow-map", "compact", "indent", "seq-of-maps", "multi-line-flow", "anchored"])
    func deeplyNestedYAMLIsRefusedNotACrash(style: String) {
        let s = Sandbox()
        s.ok("init", "-q", "repo")
        let repo = "\(s.root)/repo", gitDir = "\(repo)/.accord"
        let depth = style == "indent" || style == "seq-of-maps" ? 1_500 : 100_000
        let file = s.dir.write("deep-\(style).yaml", Self.deep(style, depth))
        for args in [["import", file], ["new", "--file", file]] {
            expectRefusedUnchanged(gitDir, "\(args[0]) \(style) ×\(depth)", mentions: [file, "nested too deeply"]) {
                s.accord(args, cwd: repo, input: [], env: ["ACCORD_ROLE": "contractAdmin"])
            }
        }
        // Just past the limit is refused too (by the scan or by the exact check after it).
        let near = s.dir.write("near-\(style).yaml", Self.deep(style, 70))
        expectRefusedUnchanged(gitDir, "import \(style) ×70", mentions: ["nested too deeply"]) {
            s.accord(["import", near], cwd: repo, input: [], env: ["ACCORD_ROLE": "contractAdmin"])
        }
    }

    /// 30 levels (60 nodes deep for sequences of mappings), inside the limit, get past the scan
    /// in every style: what refuses them is the contract reader (they are no contract), not the depth.
    @Test(arguments: ["flow", "flow-map", "compact", "indent", "seq-of-maps", "multi-line-flow", "anchored"])
    func moderatelyNestedYAMLGetsPastTheScan(style: String) {
        let s = Sandbox()
        s.ok("init", "-q", "repo")
        let file = s.dir.write("ok-\(style).yaml", Self.deep(style, 30))
        let r = s.accord(["import", file], cwd: "\(s.root)/repo", input: [], env: ["ACCORD_ROLE": "contractAdmin"])
        #expect(r.status == 128 && !r.err.contains("nested too deeply"), "\(style): \(r.err)")
    }

    /// Brackets, dashes, colons and quotes inside scalars are text, not nesting.
    @Test func scalarsThatLookNestedAreText() {
        let s = Sandbox()
        s.ok("init", "-q", "repo")
        let repo = "\(s.root)/repo"
        let brackets = String(repeating: "[", count: 300)
        let block = (0..<300).map { String(repeating: " ", count: 4 + $0) + "- - - [[[{ \($0): x" }.joined(separator: "\n")
        let yaml = """
        number: HT-YAML-DEEP
        type: sales
        subject: "\(brackets) it's: - a \\" quote"
        buyer:
          name: '\(brackets) o''brien: - x'
        paymentMethod: plain text with [brackets] and {braces} - and colons:x # a comment [[[[
        breachLiability: |
        \(block)
        deliveryMethod: >-
          folded [[[[
            more {{{{
        """
        let file = s.dir.write("text.yaml", yaml + "\n")
        let r = s.accord(["new", "--file", file], cwd: repo, input: [], env: ["ACCORD_ROLE": "salesRep"])
        #expect(r.status == 0, "\(r.err)")
        let show = s.accord(["show", "HT-YAML-DEEP", "--json"], cwd: repo, input: [])
        let contract = (try? JSONSerialization.jsonObject(with: Data(show.stdout))) as? [String: Any]
        let c = contract?["contract"] as? [String: Any]
        #expect((c?["subject"] as? String)?.hasPrefix(brackets) == true)
        #expect((c?["breachLiability"] as? String)?.split(separator: "\n").count == 300)
    }
}
