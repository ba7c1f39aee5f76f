import Foundation
import Testing

/// Values that become names or that a domain list bounds are checked wherever a contract or a
/// record is read: record ids and times (they make the record's file name), attachment names
/// (file names under attachments/), currencies (ISO 4217 codes in use) and contract numbers
/// (not names git gives a meaning, such as HEAD). Each refusal: `fatal:` naming the field,
/// exit 128, the repository byte-identical.
@Suite(.timeLimit(.minutes(3))) struct InputContractTests {
    static let rep = ["ACCORD_ROLE": "salesRep"]
    static let admin = ["ACCORD_ROLE": "contractAdmin"]

    static func repo() -> (Sandbox, String, String) {
        let s = Sandbox()
        s.ok("init", "-q", "repo")
        let repo = "\(s.root)/repo"
        s.ok("new", "C-1", "--type", "sales", "subject=x", cwd: repo, env: rep)
        return (s, repo, "\(repo)/.accord")
    }

    @Test(arguments: ["FOO", "XXX", "XTS", "usd", "RMB", "US$", "CN", "EURO", "HRK"])
    func currenciesOutsideISO4217AreRefused(code: String) {
        let (s, repo, gitDir) = Self.repo()
        for args in [["set", "C-1", "currency=\(code)"], ["new", "C-2", "--type", "sales", "currency=\(code)"]] {
            expectRefusedUnchanged(gitDir, args.joined(separator: " "), mentions: ["currency", code, "ISO 4217", "invariant 3"]) {
                s.accord(args, cwd: repo, input: [], env: Self.rep)
            }
        }
    }

    @Test func activeCurrenciesAreAccepted() {
        let (s, repo, _) = Self.repo()
        for code in ["USD", "EUR", "JPY", "HKD", "GBP", "CNY"] { s.ok("set", "C-1", "currency=\(code)", cwd: repo, env: Self.rep) }
    }

    @Test(arguments: ["HEAD", "FETCH_HEAD", "ORIG_HEAD", "MERGE_HEAD", "CHERRY_PICK_HEAD", String(repeating: "ab", count: 32),
                      String(repeating: "AB", count: 32)])
    func numbersGitGivesAMeaningAreRefused(number: String) {
        let (s, repo, gitDir) = Self.repo()
        expectRefusedUnchanged(gitDir, "new \(number)", mentions: ["not a valid contract number", "HEAD"]) {
            s.accord(["new", number, "--type", "sales"], cwd: repo, input: [], env: Self.rep)
        }
        let file = s.dir.write("n.json", #"{"number": "\#(number)", "type": "sales"}"#)
        expectRefusedUnchanged(gitDir, "import \(number)", mentions: ["number", "not a valid contract number"]) {
            s.accord(["import", file], cwd: repo, input: [], env: Self.admin)
        }
        #expect(s.accord("rev-parse", "HEAD", cwd: repo).status == 128, "HEAD stays unborn, naming no contract")
    }

    /// An export of C-1 with one record, as a mutable JSON document.
    static func exportWithRecord(_ s: Sandbox, _ repo: String) -> [[String: Any]] {
        s.ok("record", "C-1", "tracking", "customer=甲", cwd: repo, env: Self.rep)
        let out = s.ok("export", "C-1", cwd: repo)
        var entries = (try? JSONSerialization.jsonObject(with: Data(out.utf8))) as? [[String: Any]] ?? []
        #expect(entries.count == 1)
        if var c = entries.first?["contract"] as? [String: Any] { c["number"] = "C-IMP"; entries[0]["contract"] = c }
        return entries
    }

    static func write(_ s: Sandbox, _ name: String, _ entries: [[String: Any]]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: entries, options: [.sortedKeys])) ?? Data()
        return s.dir.write(name, String(decoding: data, as: UTF8.self))
    }

    @Test(arguments: [("createdAt", "yesterday"), ("createdAt", ""), ("createdAt", "2026-02-30T10:00:00Z"), ("createdAt", "2026-01-01T24:00:00Z"),
                      ("createdAt", "2026-01-01 10:00:00"), ("createdAt", "2026-01-01T10:00:00+08:00"), ("id", "../x"), ("id", "x y"),
                      ("id", "-x"), ("id", "a\nb"), ("id", String(repeating: "a", count: 65)), ("id", "名字")])
    func importedRecordsNeedAnIdAndATime(field: String, value: String) {
        let (s, repo, gitDir) = Self.repo()
        var entries = Self.exportWithRecord(s, repo)
        var records = entries[0]["records"] as? [[String: Any]] ?? []
        records[0][field] = value
        entries[0]["records"] = records
        let file = Self.write(s, "bad-record.json", entries)
        expectRefusedUnchanged(gitDir, "import record \(field)=\(value.debugDescription)", mentions: ["records[0].\(field)", "nothing imported"]) {
            s.accord(["import", file], cwd: repo, input: [], env: Self.admin)
        }
    }

    /// The issue's case: createdAt "yesterday" and id "x" used to be stored as records/-x.json.
    /// A short id with a real time is fine, and names its file by that time.
    @Test func aShortIdWithARealTimeIsStoredUnderItsTime() {
        let (s, repo, gitDir) = Self.repo()
        var entries = Self.exportWithRecord(s, repo)
        var records = entries[0]["records"] as? [[String: Any]] ?? []
        records[0]["id"] = "x"
        records[0]["createdAt"] = "2026-03-01T08:00:00Z"
        entries[0]["records"] = records
        s.ok("import", Self.write(s, "ok.json", entries), cwd: repo, env: Self.admin)
        let names = s.git("--git-dir=\(gitDir)", "ls-tree", "--name-only", "refs/contracts/C-IMP:records").lines
        #expect(names == ["20260301080000-x.json"])
    }

    @Test(arguments: ["a\nb", "tab\there", "esc\u{1B}[31m", "", ".", "..", ".GIT", " lead", "trail ", String(repeating: "名", count: 90)])
    func attachmentNamesMustBePrintableFileNames(name: String) {
        let (s, repo, gitDir) = Self.repo()
        let file = s.dir.write("scan.pdf", "%PDF-1.4")
        expectRefusedUnchanged(gitDir, "attach --name \(name.debugDescription)", mentions: ["attachment"]) {
            s.accord(["attach", "C-1", file, "--name", name], cwd: repo, input: [], env: Self.rep)
        }
    }

    @Test func importedAttachmentNamesAreChecked() {
        let (s, repo, gitDir) = Self.repo()
        s.ok("attach", "C-1", s.dir.write("scan.pdf", "%PDF-1.4"), cwd: repo, env: Self.rep)
        let out = s.ok("export", "C-1", cwd: repo)
        let text = out.replacingOccurrences(of: "\"scan.pdf\"", with: "\"scan\\n.pdf\"").replacingOccurrences(of: "\"C-1\"", with: "\"C-IMP\"")
        let file = s.dir.write("att.json", text)
        expectRefusedUnchanged(gitDir, "import an attachment name with a newline", mentions: ["attachments[0].name", "control character"]) {
            s.accord(["import", file], cwd: repo, input: [], env: Self.admin)
        }
    }
}
