import Foundation
import Testing

/// docs/format.md's worked example is what Accord writes, byte for byte: the commands it lists are
/// run and the blobs compared with the document's blocks (and contract.json's id with the one it
/// names), so the layout description cannot drift from the code.
@Suite struct FormatDocTests {
    /// The fenced block after `<!-- format-example: NAME -->`.
    static func example(_ doc: String, _ name: String) throws -> String {
        let marker = try #require(doc.range(of: "<!-- format-example: \(name) -->\n```json\n"), "no example \(name)")
        let end = try #require(doc.range(of: "```\n", range: marker.upperBound..<doc.endIndex))
        return String(doc[marker.upperBound..<end.lowerBound])
    }

    @Test func workedExampleIsWhatAccordWrites() throws {
        let doc = try String(contentsOfFile: "\(CLI.packageRoot)/docs/format.md", encoding: .utf8)
        let s = Sandbox()
        s.extraEnv = ["ACCORD_AUTHOR_NAME": "Li Wei", "ACCORD_AUTHOR_EMAIL": "li.wei@example.com"]
        s.ok("init", "-q", "repo")
        let repo = "\(s.root)/repo", gitDir = "\(repo)/.accord"
        for (k, v) in [("user.name", "Li Wei"), ("user.email", "li.wei@example.com"), ("user.role", "salesRep"), ("user.office", "华东办事处")] {
            s.ok("config", k, v, cwd: repo)
        }
        s.ok("new", "HT-2026-001", "--type", "sales", "subject=数控车床", "buyer.name=华东机械有限公司", "totalAmount=120000.00", cwd: repo)
        s.ok("item", "add", "HT-2026-001", "L1", "name=数控车床", "quantity=2", "unitPrice=60000.00", "unit=台", cwd: repo)
        s.ok("record", "HT-2026-001", "tracking", "customer=华东机械", "coordinationContent=电话确认交期", cwd: repo)
        let ref = "refs/contracts/HT-2026-001"

        let contract = s.git("--git-dir=\(gitDir)", "show", "\(ref):contract.json").out
        #expect(contract == (try Self.example(doc, "contract.json")))
        let blob = s.git("--git-dir=\(gitDir)", "rev-parse", "\(ref):contract.json").trimmed
        #expect(doc.contains("`\(blob)`"), "format.md names contract.json's blob id \(blob)")

        let files = s.git("--git-dir=\(gitDir)", "ls-tree", "-r", "--name-only", ref).lines
        let recordFile = try #require(files.first { $0.hasPrefix("records/") })
        let record = s.git("--git-dir=\(gitDir)", "show", "\(ref):\(recordFile)").out
        // The run's own id, times and replica go into the documented example; the rest must match.
        let actual = try #require(try JSONSerialization.jsonObject(with: Data(record.utf8)) as? [String: Any])
        var expected = try Self.example(doc, "record")
        let documented = try #require(try JSONSerialization.jsonObject(with: Data(expected.utf8)) as? [String: Any])
        for key in ["id", "createdAt", "filedDate", "replica"] {
            let was = try #require(documented[key] as? String), now = try #require(actual[key] as? String)
            expected = expected.replacingOccurrences(of: was, with: now)
        }
        #expect(record == expected)
        // The file name is the digits of createdAt, then the id.
        let digits = (actual["createdAt"] as? String ?? "").filter(\.isNumber)
        #expect(recordFile == "records/\(digits)-\(actual["id"] as? String ?? "").json")
        #expect(doc.contains("records/<createdAt digits>-<id>.json"))
    }
}
