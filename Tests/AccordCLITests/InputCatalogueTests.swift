import Foundation
import Testing

/// The bad-input catalogue (issue 10): hundreds of hostile or mistaken inputs, each run through
/// the real binary against one prepared repository, each expected to fail with a clear message
/// (`fatal:` naming what and where, or a usage error), a non-zero exit, no crash or hang, and
/// the repository byte-identical before and after (every file under .accord).
///
/// The table is grouped by what the input is (config, contract numbers, amounts, dates, enums,
/// field paths, records, files, documents, refs and revisions, remotes and bundles, plumbing);
/// each group runs against its own copy of the fixture, one group after the other (the suite is
/// serialized: 500 short processes in parallel would starve the other suites' time limits).
@Suite(.serialized, .timeLimit(.minutes(10))) struct InputCatalogueTests {
    struct BadInput: CustomStringConvertible, Sendable {
        var args: [String]
        var mentions: [String]
        var status: Int32 = 128
        var role = "salesRep"
        var input = ""
        var description: String { args.joined(separator: " ").debugDescription }
    }

    static func e(_ args: [String], _ mentions: [String], status: Int32 = 128, role: String = "salesRep", input: String = "") -> BadInput {
        BadInput(args: args, mentions: mentions, status: status, role: role, input: input)
    }

    /// The fixture: the signed/executing fixtures, a complete draft HT-D with an attachment, a
    /// remote `origin` (a bare hub), and files of every awkward kind in `{dir}`.
    final class Fixture: @unchecked Sendable {
        let s = Sandbox()
        let repo: String, gitDir: String, files: String
        init() {
            s.ok("init", "-q", "repo")
            repo = "\(s.root)/repo"; gitDir = "\(repo)/.accord"
            files = s.dir.sub("files")
            let admin = ["ACCORD_ROLE": "contractAdmin"], rep = ["ACCORD_ROLE": "salesRep"]
            for args in [["import", ContractRepo.fixtureFiles[1]], salesContractArgs("HT-D")] {
                let r = s.accord(args, cwd: repo, input: [], env: args[0] == "import" ? admin : rep)
                #expect(r.status == 0, "fixture: \(r.err)")
            }
            s.ok("attach", "HT-D", s.dir.write("files/scan.pdf", "%PDF-1.4 signed"), cwd: repo, env: rep)
            s.ok("clone", "--bare", "-q", repo, "hub.accord")
            s.ok("remote", "add", "origin", "\(s.root)/hub.accord", cwd: repo)
            _ = makeFIFO("\(files)/fifo")
            _ = makeFIFO("\(files)/fifo.bundle")
            _ = s.dir.write("files/empty", "")
            _ = s.dir.sub("files/adir")
            FileManager.default.createFile(atPath: "\(files)/latin1.json", contents: Data([0x7B, 0x22, 0xE9, 0x22, 0x7D]))
            _ = s.dir.write("files/truncated.json", #"{"number": "HT-X", "type": "sa"#)
            _ = s.dir.write("files/trailing-comma.json", #"{"number": "HT-X", "type": "sales",}"#)
            _ = s.dir.write("files/duplicate-key.json", #"{"number": "HT-X", "number": "HT-Y", "type": "sales"}"#)
            _ = s.dir.write("files/comment.json", "// c\n{\"number\": \"HT-X\", \"type\": \"sales\"}")
            _ = s.dir.write("files/deep.json", String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000))
            _ = s.dir.write("files/deep.yaml", String(repeating: "[", count: 50_000) + String(repeating: "]", count: 50_000))
            _ = s.dir.write("files/deep-block.yaml", (0..<800).map { String(repeating: " ", count: $0) + "a:\n" }.joined() + "x\n")
            _ = s.dir.write("files/array.json", "[1, 2]")
            _ = s.dir.write("files/string.json", #""just a string""#)
            _ = s.dir.write("files/null.json", "null")
            _ = s.dir.write("files/number.json", "12")
            _ = s.dir.write("files/bad.yaml", "a: [unclosed\n")
            _ = s.dir.write("files/tab.yaml", "number: HT-X\n\ttype: sales\n")
            _ = s.dir.write("files/bomb.yaml", "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + (1...7).map { "l\($0): &l\($0) [" + String(repeating: "*\($0 == 1 ? "a" : "l\($0 - 1)"), ", count: 10).dropLast(2) + "]" }.joined(separator: "\n") + "\n")
            _ = s.dir.write("files/existing.json", #"{"number": "HT-D", "type": "sales"}"#)
            _ = s.dir.write("files/twice.json", #"[{"number": "HT-N1", "type": "sales"}, {"number": "HT-N1", "type": "sales"}]"#)
            _ = s.dir.write("files/unknown-entry.json", #"{"contract": {"number": "HT-N2", "type": "sales"}, "extra": 1}"#)
            _ = s.dir.write("files/files-not-object.json", #"{"contract": {"number": "HT-N3", "type": "sales"}, "files": []}"#)
            _ = s.dir.write("files/files-not-base64.json", #"{"contract": {"number": "HT-N4", "type": "sales"}, "files": {"a": "***"}}"#)
            _ = s.dir.write("files/files-extra.json", #"{"contract": {"number": "HT-N5", "type": "sales"}, "files": {"a": "eA=="}}"#)
            _ = s.dir.write("files/renews-missing.json", #"{"number": "HT-N6", "type": "service", "signKind": "renewal", "renews": "NO-SUCH"}"#)
            _ = s.dir.write("files/past-draft.json", #"{"number": "HT-N7", "type": "sales", "status": "signed"}"#)
            _ = s.dir.write("files/bad-number.json", #"{"number": "a b", "type": "sales"}"#)
            _ = s.dir.write("files/head.json", #"{"number": "HEAD", "type": "sales"}"#)
            _ = s.dir.write("files/no-type.json", #"{"number": "HT-N8"}"#)
            _ = s.dir.write("files/records-not-list.json", #"{"contract": {"number": "HT-N10", "type": "sales"}, "records": {}}"#)
            _ = s.dir.write("files/not-a-bundle.bundle", "# v2 git bundle\nxyz\n")
            _ = s.dir.write("files/v3-no-format.bundle", "# v3 git bundle\n\(String(repeating: "a", count: 64)) refs/contracts/X\n\nPACK")
            _ = s.dir.write("files/v3-sha1.bundle", "# v3 git bundle\n@object-format=sha1\n\(String(repeating: "a", count: 64)) refs/contracts/X\n\nPACK")
            _ = s.dir.write("files/v3-truncated.bundle", "# v3 git bundle\n@object-format=sha256\n")
            _ = s.dir.write("files/v3-no-pack.bundle", "# v3 git bundle\n@object-format=sha256\n\(String(repeating: "a", count: 64)) refs/contracts/X\n\nnot a pack")
            _ = s.dir.write("files/v3-bad-ref.bundle", "# v3 git bundle\n@object-format=sha256\n\(String(repeating: "a", count: 64)) refs/a..b\n\nPACK")
            _ = s.dir.write("files/v3-no-refs.bundle", "# v3 git bundle\n@object-format=sha256\n\nPACK")
            _ = s.dir.write("files/v3-filter.bundle", "# v3 git bundle\n@object-format=sha256\n@filter=blob:none\n\nPACK")
            s.ok("list", cwd: repo) // the ledger cache exists before any refused command runs
        }

        func expand(_ a: String) -> String { a.replacingOccurrences(of: "{dir}", with: files).replacingOccurrences(of: "{root}", with: s.root) }

        func check(_ bad: BadInput, sourceLocation: SourceLocation = #_sourceLocation) {
            let args = bad.args.map(expand)
            let started = Date()
            let r = expectRefusedUnchanged(gitDir, bad.description, status: bad.status, mentions: bad.mentions.map(expand),
                                           sourceLocation: sourceLocation) {
                s.accord(args, cwd: repo, input: Array(bad.input.utf8), env: ["ACCORD_ROLE": bad.role])
            }
            if bad.status == 64 { #expect(r.err.contains("Error:") || r.err.contains("Usage:"), "\(bad): \(r.err)", sourceLocation: sourceLocation) }
            #expect(Date().timeIntervalSince(started) < 30, "\(bad) took \(Date().timeIntervalSince(started)) s", sourceLocation: sourceLocation)
        }
    }

    // MARK: the table

    static let configNames = ["user.1abc", "us er.name", "a.b\nc.d", "user.名字", "名字.x", "user.na_me", "us_er.name", "user.-x",
                              "user.name.", "a", "a.", ".a", "user.", "user.na me", "user.n\u{1B}x", "user.na\tme", "user.a.b\rc.d", "x.-y"]
    static let formatKeys = [("core.repositoryformatversion", "0"), ("core.repositoryFormatVersion", "1"), ("extensions.objectformat", "sha1"),
                             ("extensions.objectFormat", "sha256"), ("extensions.worktreeConfig", "true"), ("extensions.noop", "true"),
                             ("extensions.preciousObjects", "true"), ("EXTENSIONS.refStorage", "reftable")]
    static let badSizes = ["99999999999g", "9223372036854775807k", "0", "-1", "100", "1023k", "65g", "abc", "1x", "", "1.5m", " ", "1 m", "0x100000", "1t"]

    static var config: [BadInput] {
        var out: [BadInput] = []
        for n in configNames {
            out.append(e(["config", "--", n, "v"], ["not a valid setting name"]))
            out.append(e(["config", "--", n], ["not a valid setting name"]))
        }
        for (k, v) in formatKeys { out.append(e(["config", k, v], [k, "repository format"])) }
        for v in badSizes { out.append(e(["config", "--", "accord.maxObjectSize", v], ["accord.maxObjectSize"])) }
        for k in ["accord.fsyncObjectFiles", "core.bare", "core.logAllRefUpdates", "core.fileMode"] {
            for v in ["maybe", "2", "yes please"] { out.append(e(["config", k, v], [k, "boolean"])) }
        }
        for v in ["x\ry", "\r", "a\r\nb", "trailing\r"] { out.append(e(["config", "user.name", v], ["carriage return"])) }
        out.append(e(["config"], ["name a setting"], status: 64))
        return out
    }

    static let badNumbers = ["a/b", "a b", ".x", "-x", "_x", "a..b", "x.lock", "x.", "a~1", "a^", "a:b", "a?", "a*", "a[", "a\\b", "@", "x@{1}",
                             "HEAD", "FETCH_HEAD", "ORIG_HEAD", "MERGE_HEAD", String(repeating: "ab", count: 32), String(repeating: "x", count: 101),
                             "x\u{1B}y", "a\nb", "😀", "a\tb"]

    static var numbers: [BadInput] {
        var out: [BadInput] = []
        for n in badNumbers {
            out.append(e(["new", "--type", "sales", "--", n], ["number", "not a valid contract number"]))
            out.append(e(["show", "--", n], ["not a valid contract number"]))
        }
        out.append(e(["new", "HT-D", "--type", "sales"], ["HT-D", "already exists"]))
        out.append(e(["new", "--type", "sales"], ["number", "is required"]))
        out.append(e(["show", "NO-SUCH"], ["no contract 'NO-SUCH'"]))
        out.append(e(["submit", "NO-SUCH"], ["no contract 'NO-SUCH'"]))
        out.append(e(["new", "HT-NEW", "--type", "sales", "status=approved"], ["status", "starts as draft"]))
        return out
    }

    static let badAmounts = ["12,000", "1e5", "-3", "0.001", "NaN", "Infinity", "1 000", "+5", ".5", "5.", "１２", "0x10", "1,5", "--1", "1e-2",
                             "1_000", "", " ", "999999999999999999999999.00", "1000000000000000", "٣", "1.2.3", "$5", "5元"]
    static let badDates = ["2026-02-30", "2026-13-01", "2026-6-30", "26-06-30", "2026/06/30", "today", "2026-06-30T00:00:00", "+2026-06-30",
                           "2026-00-10", "2026-06-00", "20260630", "2025-02-29", "2026-06-31", "２０２６-06-30", "2026-06-30 ", " 2026-06-30"]

    static var values: [BadInput] {
        var out: [BadInput] = []
        for a in badAmounts {
            if !a.isEmpty { out.append(e(["set", "HT-D", "totalAmount=\(a)"], ["totalAmount"])) } // empty: back to the draft's 0.00
            out.append(e(["set", "HT-D", "lineItems[L1].unitPrice=\(a)"], ["lineItems[0].unitPrice"]))
        }
        for a in ["0", "-1", "abc", "1e3", "0.00001"] { out.append(e(["set", "HT-D", "lineItems[L1].quantity=\(a)"], ["lineItems[0].quantity"])) }
        for d in badDates {
            out.append(e(["set", "HT-D", "deliveryDeadline=\(d)"], ["deliveryDeadline"]))
        }
        for d in ["2026-02-30", "never", "open", "2026-13-01"] { out.append(e(["set", "HT-D", "expiryDate=\(d)"], ["expiryDate"])) }
        for c in ["FOO", "XXX", "XTS", "usd", "RMB", "¥", "CNY ", "C N Y", "CNYY", "HRK", "cny"] {
            out.append(e(["set", "HT-D", "currency=\(c)"], ["currency", "invariant 3"]))
        }
        for (path, v) in [("type", "bogus"), ("signKind", "x"), ("source", "x"), ("risk.kind", "x"), ("risk.severity", "x"),
                          ("disputeResolution.method", "x"), ("paymentMilestones[M1].kind", "x"), ("signatory.capacity", "x"),
                          ("taxRate", "101"), ("taxRate", "-1"), ("deposit", "-1"), ("taxInclusive", "maybe"),
                          ("paymentMilestones[M1].percent", "101"), ("paymentMilestones[M1].amount", "-5")] {
            out.append(e(["set", "HT-D", "\(path)=\(v)"], [path.split(separator: "[").first.map(String.init) ?? path]))
        }
        out.append(e(["set", "HT-D", "status=approved"], ["status", "invariant 8"]))
        out.append(e(["set", "HT-D", "number=HT-E"], ["number", "invariant 1"]))
        out.append(e(["set", "HT-D", "signDate=2026-03-10", "effectiveDate=2026-03-01"], ["effectiveDate", "invariant 7"]))
        return out
    }

    static var paths: [BadInput] {
        var out: [BadInput] = []
        for a in ["colour=red", "buyer.nope=x", "lineItems[L1].colour=x", "x", "=x", "lineItems[=1", "[0]=1", "a..b=1", "buyer..name=x",
                  "lineItems[L1]]=1", "lineItems[L1].name.x=1", "totalAmount.x=1", "deliverables=x", "seller=x", "lineItems=x",
                  "paymentMilestones={}", "buyer={\"name\":1}", "lineItems=[{\"id\":\"L1\"}]", "risk={\"kind\":\"business\"}",
                  "attachments=[{\"name\":\"x\"}]", "lineItems[L1].quantity=", "subject={}"] {
            out.append(e(["set", "HT-D", a], []))
        }
        out.append(e(["set", "HT-D"], ["usage"], status: 64))
        out.append(e(["item", "bogus", "HT-D", "L1"], ["verb"], status: 64))
        out.append(e(["item", "add", "HT-D", "L1", "name=x"], ["lineItems[L1]", "already exists"]))
        out.append(e(["item", "set", "HT-D", "L9", "name=x"], ["lineItems[L9]", "no such line item"]))
        out.append(e(["item", "add", "HT-D", "L9", "name=x", "quantity=abc", "unitPrice=1"], ["quantity"]))
        out.append(e(["item", "remove", "HT-D", "L9"], ["lineItems[L9]", "no such line item"]))
        return out
    }

    static var records: [BadInput] {
        var out: [BadInput] = []
        let n = "HT-2026-009"
        out.append(e(["record", n, "bogus"], ["kind", "not a record kind"]))
        out.append(e(["record", n, "review"], ["kind", "approve and reject"]))
        out.append(e(["record", n, "tracking"], ["customer", "is required"]))
        out.append(e(["record", n, "tracking", "customer=a", "colour=b"], ["colour", "not a field of tracking"]))
        for k in ["id", "kind", "author", "role", "replica", "createdAt", "filedDate"] {
            out.append(e(["record", n, "tracking", "customer=a", "\(k)=x"], [k, "set by accord"]))
        }
        out.append(e(["record", n, "tracking", "customer=a", "--supersedes", "nope"], ["supersedes", "no record nope"]))
        out.append(e(["record", n, "tracking", "customer=a", "--attach", "nope"], ["attachments", "not an attachment"]))
        for d in ["2026-02-30", "yesterday", "2026-1-1"] { out.append(e(["record", n, "tracking", "customer=a", "--filed", d], ["filedDate"])) }
        for a in ["12,000", "-1", "0.001", "abc"] {
            out.append(e(["record", n, "paymentReceipt", "date=2026-04-01", "amount=\(a)"], ["amount"], role: "finance"))
        }
        out.append(e(["record", n, "delivery", "lineItem=NOPE", "date=2026-04-01", "quantity=1"], ["lineItem"]))
        out.append(e(["record", n, "delivery", "lineItem=L1", "date=2026-04-01", "quantity=0"], ["quantity", "invariant 3"]))
        out.append(e(["record", n, "delivery", "lineItem=L1", "date=2026-02-30", "quantity=1"], ["date"]))
        out.append(e(["record", n, "monthlyExecution", "month=2026-13", "office=x", "progress=y"], ["month"]))
        out.append(e(["record", n, "correspondence", "type=fax", "date=2026-04-01", "summary=x"], ["type"]))
        out.append(e(["record", n, "deviationReport", "summary=x", "proposedHandling=y", "hasAttachments=maybe"], ["hasAttachments"]))
        out.append(e(["record", n, "leaderDecision", "report=nope", "by=x", "date=2026-04-01", "text=t"], ["report", "nope"], role: "salesRep"))
        out.append(e(["record", n, "tracking", "customer=a"], ["'nobody' is not a role"], role: "nobody"))
        out.append(e(["record", "NO-SUCH", "tracking", "customer=a"], ["no contract 'NO-SUCH'"]))
        return out
    }

    static var files: [BadInput] {
        var out: [BadInput] = []
        for (what, path, words) in [("FIFO", "{dir}/fifo", "FIFO"), ("/dev/zero", "/dev/zero", "character device"),
                                    ("directory", "{dir}/adir", "directory"), ("missing", "{dir}/missing", "no such file")] {
            _ = what
            out.append(e(["attach", "HT-D", path, "--name", "x.pdf"], [words]))
            out.append(e(["import", path], [words], role: "contractAdmin"))
            out.append(e(["new", "--file", path], [words]))
            out.append(e(["hash-object", path], [words]))
        }
        out.append(e(["attach", "HT-D", "{dir}/empty"], ["empty"]))
        out.append(e(["attach", "HT-D", "{dir}/scan.pdf"], ["scan.pdf", "already exists"]))
        for name in ["a\nb", "tab\there", "esc\u{1B}[31m", ".", "..", ".git", ".GIT", " lead", "trail ", "a/b", String(repeating: "名", count: 90)] {
            out.append(e(["attach", "HT-D", "{dir}/scan.pdf", "--name", name], ["attachment"]))
        }
        out.append(e(["attach", "HT-D", "{dir}/scan.pdf", "--kind", "bogus"], ["kind", "not an attachment kind"]))
        for (f, words) in [("latin1.json", "UTF-8"), ("truncated.json", "truncated.json"), ("trailing-comma.json", "trailing-comma.json"),
                           ("duplicate-key.json", "duplicate key"), ("comment.json", "comment.json"), ("deep.json", "nested deeper"),
                           ("deep.yaml", "nested too deeply"), ("deep-block.yaml", "nested too deeply"), ("bad.yaml", "not valid YAML"),
                           ("tab.yaml", "not valid YAML"), ("bomb.yaml", "too many values"), ("empty", "empty")] {
            out.append(e(["import", "{dir}/\(f)"], [words], role: "contractAdmin"))
            out.append(e(["new", "--file", "{dir}/\(f)"], [words]))
        }
        for f in ["null.json", "number.json", "string.json", "array.json"] {
            out.append(e(["import", "{dir}/\(f)"], ["entry 1", "must be an object", "nothing imported"], role: "contractAdmin"))
            out.append(e(["new", "--file", "{dir}/\(f)"], ["{dir}/\(f)", "must hold one contract"]))
        }
        return out
    }

    static var documents: [BadInput] {
        var out: [BadInput] = []
        for (f, words) in [("existing.json", "already exists"), ("twice.json", "appears twice"), ("unknown-entry.json", "unknown field"),
                           ("files-not-object.json", "files"), ("files-not-base64.json", "base64"), ("files-extra.json", "not an attachment"),
                           ("renews-missing.json", "invariant 14"), ("bad-number.json", "not a valid contract number"),
                           ("head.json", "not a valid contract number"), ("no-type.json", "type"),
                           ("records-not-list.json", "records: must be a list")] {
            out.append(e(["import", "{dir}/\(f)"], [words, "nothing imported"], role: "contractAdmin"))
        }
        out.append(e(["import", "{dir}/past-draft.json"], ["invariant", "nothing imported"], role: "salesRep"))
        out.append(e(["new", "--file", "{dir}/past-draft.json"], ["status", "starts as draft"]))
        // An empty ACCORD_ROLE is as if unset (the config then decides; here it has no role).
        out.append(e(["import", "{dir}/existing.json"], ["your role is not set"], role: ""))
        out.append(e(["import", "{dir}/existing.json"], ["ACCORD_ROLE 'boss' is not a role", "销售人员"], role: "boss"))
        return out
    }

    static let badRefNames = ["refs/a..b", "refs/x.lock", "refs/ a", "refs/a/", "refs//a", "refs/a/.hidden", "refs/a.", "refs/a@{1}",
                              "refs/a~1", "refs/a^", "refs/a:b", "refs/a?", "refs/a*", "refs/a[", "refs/a\\b", "refs/a\u{7f}", "refs/tab\tx",
                              "heads/main", "main", "refs/heads/x.lock/y", "/refs/heads/a", "refs/a\u{1B}b"]

    static var refs: [BadInput] {
        var out: [BadInput] = []
        for n in badRefNames { out.append(e(["update-ref", "--", n, "HT-D"], ["not a valid ref name"])) }
        let missing = String(repeating: "cd", count: 32)
        out.append(e(["update-ref", "refs/heads/main", missing], [missing, "not found"]))
        out.append(e(["update-ref", "refs/heads/main", "nosuchrev"], ["nosuchrev"]))
        out.append(e(["update-ref", "refs/contracts/HT-Z", "HT-D^{tree}"], ["must point at a commit", "tree"]))
        out.append(e(["update-ref", "refs/contracts/HT-D", "HT-D^{tree}"], ["must point at a commit"]))
        out.append(e(["update-ref", "refs/remotes/origin/contracts/HT-Z", "HT-D^{tree}"], ["must point at a commit"]))
        out.append(e(["update-ref", "refs/contracts/HT-D", "HT-D", String(repeating: "ab", count: 32)], ["expected"]))
        out.append(e(["update-ref", "-d", "refs/contracts/NO-SUCH"], ["NO-SUCH", "not found"]))
        out.append(e(["update-ref", "-d", "HEAD"], ["HEAD"]))
        for n in ["refs/contracts/NO-SUCH", "NO-SUCH", "refs/heads/nothing"] { out.append(e(["reflog", n], ["no reflog"])) }
        for r in ["nosuch", "HT-D~99", "HT-D^3", "HT-D^{blob}", "HT-D^{bogus}", "abcd", "", "^", "~", "HT-D@{1}", String(repeating: "a", count: 5000)] {
            out.append(e(["rev-parse", "--", r], []))
        }
        for r in ["nosuch", "HT-D~99", "HT-2026-009"] { out.append(e(["show", "HT-D", "--at", r], [])) }
        for r in ["nosuch", "HT-D~99"] {
            out.append(e(["diff", "HT-D", r], []))
            out.append(e(["blame", "HT-D", "--at", r], []))
            out.append(e(["revert", "HT-D", r], []))
            out.append(e(["merge", "HT-D", r], []))
        }
        for t in ["a..b", "x.lock", "a b", "a:b", "a~", ".x", "x/"] { out.append(e(["tag", "HT-D", t], ["not a valid ref name"])) }
        out.append(e(["tag", "NO-SUCH", "x"], ["no contract 'NO-SUCH'"]))
        out.append(e(["cat-file", "-p", missing], [missing]))
        out.append(e(["cat-file", "-t", "nosuch"], ["nosuch"]))
        out.append(e(["cat-file", "-p"], [], status: 64))
        out.append(e(["merge-base", "HT-D"], [], status: 64))
        out.append(e(["log", "-n", "-1"], [], status: 64))
        out.append(e(["log", "--since", "2026-02-30"], [], status: 64))
        out.append(e(["log", "--field", "x", "refs/heads/nothing"], []))
        out.append(e(["list", "--status", "bogus"], ["status", "not a status"]))
        out.append(e(["export", "--format", "xml"], [], status: 64))
        out.append(e(["export", "NO-SUCH"], ["no contract 'NO-SUCH'"]))
        out.append(e(["no-such-command"], [], status: 64))
        return out
    }

    static var lifecycle: [BadInput] {
        var out: [BadInput] = []
        out.append(e(["approve", "HT-D", "-m", "ok"], ["status", "invariant 8"]))
        out.append(e(["reject", "HT-D", "-m", "no"], ["status"]))
        out.append(e(["sign", "HT-D"], ["status"], role: "management"))
        out.append(e(["start", "HT-D"], ["status"], role: "contractAdmin"))
        out.append(e(["complete", "HT-2026-009"], ["invariant"], role: "contractAdmin"))
        out.append(e(["archive", "HT-D"], ["status"], role: "contractAdmin"))
        out.append(e(["terminate", "HT-D"], ["status"], role: "contractAdmin"))
        out.append(e(["submit", "HT-D"], ["role"], role: "finance"))
        out.append(e(["cancel", "HT-2026-009"], ["status"], role: "management"))
        out.append(e(["approve", "HT-D", "--change", "nope", "-m", "x"], ["change"], role: "salesHead"))
        out.append(e(["approve", "HT-D", "--termination", "nope", "-m", "x"], ["termination"], role: "salesHead"))
        out.append(e(["resolve", "HT-D", "subject", "--ours"], ["no conflict"]))
        out.append(e(["resolve", "HT-D", "subject", "--ours", "--theirs"], [], status: 64))
        out.append(e(["set", "HT-2026-009", "totalAmount=1.00"], ["invariant"]))
        out.append(e(["set", "HT-2026-009", "subject=改", "--change-agreement", "nope"], ["nope"]))
        return out
    }

    static var transport: [BadInput] {
        var out: [BadInput] = []
        for n in ["", ".x", "a..b", "a b", "x.lock", "-x", "a/b", "名字", String(repeating: "r", count: 101)] {
            out.append(e(["remote", "add", "--", n, "/tmp"], ["not a valid remote name"]))
        }
        out.append(e(["remote", "add", "origin", "/tmp"], ["already exists"]))
        out.append(e(["remote", "remove", "nosuch"], ["no such remote"]))
        for r in ["nosuch", "{dir}/missing.bundle"] {
            out.append(e(["fetch", r], ["neither a remote"]))
            out.append(e(["pull", r], ["neither a remote"]))
        }
        out.append(e(["push", "nosuch"], ["not a remote"]))
        out.append(e(["push", "origin", "NO-SUCH"], ["does not match any ref"]))
        out.append(e(["sync", "nosuch"], ["not a remote"]))
        for (f, words) in [("not-a-bundle.bundle", "v2 bundle"), ("v3-no-format.bundle", "object-format"), ("v3-sha1.bundle", "sha1"),
                           ("v3-truncated.bundle", "truncated"), ("v3-no-pack.bundle", "not a pack"), ("v3-bad-ref.bundle", "not a valid ref name"),
                           ("v3-no-refs.bundle", "no refs"), ("v3-filter.bundle", "filtered"), ("fifo.bundle", "FIFO"), ("scan.pdf", "bad bundle")] {
            out.append(e(["bundle", "verify", "{dir}/\(f)"], [words]))
            out.append(e(["bundle", "unbundle", "{dir}/\(f)"], [words]))
            out.append(e(["pull", "{dir}/\(f)"], [words]))
        }
        out.append(e(["bundle", "create", "{dir}/out.bundle", "NO-SUCH"], ["NO-SUCH"]))
        out.append(e(["bundle", "create", "{dir}/out.bundle", "--since", "nosuch", "--all"], ["nosuch"]))
        out.append(e(["bundle", "create", "{dir}/adir", "--all"], ["adir"]))
        out.append(e(["clone", "-q", "/nonexistent/x", "{root}/c1"], ["does not appear to be an accord repository"]))
        out.append(e(["clone", "-q", "{dir}/fifo", "{root}/c2"], ["FIFO"]))
        out.append(e(["clone", "-q", "{root}/hub.accord", "{dir}"], ["already exists"]))
        out.append(e(["clone", "-q", "{dir}/not-a-bundle.bundle", "{root}/c3"], ["v2 bundle"]))
        return out
    }

    static var all: [(String, [BadInput])] {
        [("config", config), ("numbers", numbers), ("values", values), ("paths", paths), ("records", records), ("files", files),
         ("documents", documents), ("refs", refs), ("lifecycle", lifecycle), ("transport", transport)]
    }

    @Test(arguments: ["config", "numbers", "values", "paths", "records", "files", "documents", "refs", "lifecycle", "transport"])
    func badInputIsRefusedAndChangesNothing(group: String) {
        let inputs = Self.all.first { $0.0 == group }?.1 ?? []
        #expect(!inputs.isEmpty)
        let f = Fixture()
        for bad in inputs { f.check(bad) }
    }

    @Test func theCatalogueHasAtLeast300Inputs() {
        let count = Self.all.reduce(0) { $0 + $1.1.count }
        #expect(count >= 300, "\(count) inputs")
    }
}
