import Foundation
import Testing

/// Contract fields, record values, author names and commit messages are any replica's text: a
/// remote can put terminal control sequences there (retitle the window, clear the screen, hide
/// lines with a carriage return). The human-readable output of show, list, log, diff, blame,
/// reflog and error messages shows them escaped (`\u{1B}`); --json output stays exact.
@Suite(.timeLimit(.minutes(10))) struct InputTerminalTests {
    static let esc = "\u{1B}"
    static let hostile = "\u{1B}]0;pwned\u{07}\u{1B}[2J\u{1B}[31mred\rover\u{08}\u{9B}31m"

    static func raw(_ r: RunResult) -> [String] {
        var found: [String] = []
        for (what, bytes) in [("stdout", r.stdout), ("stderr", r.stderr)] {
            for b in bytes where b < 0x20 && b != 0x0A && b != 0x09 || b == 0x7F { found.append("\(what) 0x\(String(b, radix: 16))") }
            if String(decoding: bytes, as: UTF8.self).unicodeScalars.contains(where: { (0x80...0x9F).contains($0.value) }) { found.append("\(what) C1") }
        }
        return found
    }

    @Test func hostileTextIsShownEscaped() {
        let s = Sandbox()
        s.ok("init", "-q", "repo")
        let repo = "\(s.root)/repo"
        let env = ["ACCORD_ROLE": "salesRep", "ACCORD_AUTHOR_NAME": "Mallory\(Self.hostile)", "ACCORD_OFFICE": "HQ\(Self.esc)[8m"]
        s.ok("new", "C-1", "--type", "sales", "subject=机床\(Self.hostile)", "buyer.name=甲\(Self.hostile)", cwd: repo, env: env)
        s.ok("set", "C-1", "paymentMethod=电汇\(Self.hostile)", "-m", "pay\(Self.hostile)", cwd: repo, env: env)
        s.ok("record", "C-1", "tracking", "customer=甲\(Self.hostile)", cwd: repo, env: env)
        for args in [["show", "C-1"], ["list"], ["log", "C-1"], ["log", "C-1", "--oneline"], ["log"], ["diff", "C-1", "C-1~1"],
                     ["blame", "C-1"], ["reflog", "refs/contracts/C-1"], ["set", "C-1", "currency=\(Self.hostile)"], ["show", "C-\(Self.esc)"]] {
            let r = s.accord(args, cwd: repo, input: [], env: env)
            #expect(Self.raw(r).isEmpty, "\(args.joined(separator: " ").debugDescription) printed raw control bytes: \(Self.raw(r))\n\(r.out.debugDescription)")
            #expect((r.out + r.err).contains("\\u{1B}"), "\(args.first ?? "") shows the escape as text: \(r.out) \(r.err)")
        }
        // JSON keeps the exact text (JSON's own escapes).
        let json = s.accord("show", "C-1", "--json", cwd: repo)
        let parsed = (try? JSONSerialization.jsonObject(with: Data(json.stdout))) as? [String: Any]
        #expect((parsed?["contract"] as? [String: Any])?["subject"] as? String == "机床\(Self.hostile)")
        // (C0 controls are escaped by JSON itself; C1 ones stay, as the canonical format writes them.)
        #expect(Self.raw(json).filter { !$0.hasSuffix("C1") }.isEmpty)
    }
}
