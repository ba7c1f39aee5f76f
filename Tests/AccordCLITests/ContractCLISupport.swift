import Foundation
import Testing

/// A repository for contract tests: runs accord as a given role and person, with an author clock
/// that moves forward one hour per command so every commit has its own time.
final class ContractRepo: @unchecked Sendable {
    let s = Sandbox()
    let repo: String
    var gitDir: String { "\(repo)/.accord" }
    private var clock: Int64 = 1_767_225_600 // 2026-01-01T00:00:00Z
    private let lock = NSLock()

    init() {
        repo = "\(s.root)/repo"
        s.ok("init", "-q", "repo")
    }

    static let fixturesDir = "\(CLI.packageRoot)/Fixtures/contracts"
    static let fixtureFiles = ["drafts-and-reviews.json", "signed-and-executing.json", "closed.json"].map { "\(fixturesDir)/\($0)" }

    private func tick() -> String {
        lock.lock(); defer { lock.unlock() }
        clock += 3600
        return "\(clock) +0800"
    }

    /// Runs accord as `role` (name defaults to the role), in the repository.
    @discardableResult
    func run(_ role: String, _ args: [String], name: String? = nil, office: String = "华东办事处", env extra: [String: String] = [:]) -> RunResult {
        let t = tick()
        var env = ["ACCORD_ROLE": role, "ACCORD_OFFICE": office, "ACCORD_AUTHOR_NAME": name ?? Self.people[role] ?? role,
                   "ACCORD_AUTHOR_EMAIL": "\(role)@example.cn", "ACCORD_AUTHOR_DATE": t, "ACCORD_COMMITTER_DATE": t]
        for (k, v) in extra { env[k] = v }
        return s.accord(args, cwd: repo, input: [], env: env)
    }

    /// Runs accord as `role` and expects success; returns trimmed stdout.
    @discardableResult
    func ok(_ role: String, _ args: String..., env: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation) -> String {
        ok(role, args, env: env, sourceLocation: sourceLocation)
    }

    @discardableResult
    func ok(_ role: String, _ args: [String], env: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation) -> String {
        let r = run(role, args, env: env)
        #expect(r.status == 0, "accord \(args.joined(separator: " ")) as \(role) failed (\(r.status)): \(r.err)", sourceLocation: sourceLocation)
        return r.trimmed
    }

    static let people = ["salesRep": "张伟", "salesHead": "李娜", "legal": "陈静", "finance": "刘洋", "management": "赵强",
                         "contractAdmin": "孙丽", "salesAdmin": "周敏"]

    func git(_ args: String...) -> RunResult { s.git(["--git-dir=\(gitDir)"] + args, cwd: repo, input: []) }

    /// Commit ids on refs/contracts/NUMBER, newest first (empty if the ref does not exist).
    func commits(_ number: String) -> [String] {
        let r = git("log", "--format=%H", "refs/contracts/\(number)")
        return r.status == 0 ? r.lines : []
    }

    /// Every ref with its target (a snapshot to compare before and after a refused command).
    func refs() -> String { git("for-each-ref", "--format=%(refname) %(objectname)").out }

    func objectCount() -> String { git("count-objects", "-v").out }

    /// `accord show NUMBER --json` parsed.
    func showJSON(_ number: String, at rev: String? = nil) -> [String: Any] {
        let r = run("salesRep", ["show", number, "--json"] + (rev.map { ["--at", $0] } ?? []))
        #expect(r.status == 0, "show \(number): \(r.err)")
        return (try? JSONSerialization.jsonObject(with: Data(r.stdout))) as? [String: Any] ?? [:]
    }

    func contract(_ number: String) -> [String: Any] { showJSON(number)["contract"] as? [String: Any] ?? [:] }

    func records(_ number: String) -> [[String: Any]] { showJSON(number)["records"] as? [[String: Any]] ?? [] }

    /// The id of the one record of `kind` not in `before`.
    func newRecordID(_ number: String, kind: String, notIn before: Set<String>, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        let ids = records(number).filter { $0["kind"] as? String == kind }.compactMap { $0["id"] as? String }.filter { !before.contains($0) }
        #expect(ids.count == 1, "expected one new \(kind) record, found \(ids)", sourceLocation: sourceLocation)
        return ids.first ?? "?"
    }

    func recordIDs(_ number: String) -> Set<String> { Set(records(number).compactMap { $0["id"] as? String }) }

    func fsckClean(sourceLocation: SourceLocation = #_sourceLocation) {
        let fsck = git("fsck", "--full", "--strict", "--no-dangling")
        #expect(fsck.status == 0, "git fsck failed: \(fsck.err) \(fsck.out)", sourceLocation: sourceLocation)
        #expect(!fsck.err.contains("error") && !fsck.err.contains("warning"), "\(fsck.err)", sourceLocation: sourceLocation)
    }
}


/// A refused command: exit 128, `fatal:` naming the field (and rule), and nothing written.
func expectRefused(_ r: RunResult, _ what: String, mentions: [String], sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(r.status == 128, "\(what): exit \(r.status), stdout: \(r.out) stderr: \(r.err)", sourceLocation: sourceLocation)
    #expect(r.err.hasPrefix("fatal: "), "\(what): \(r.err)", sourceLocation: sourceLocation)
    for m in mentions { #expect(r.err.contains(m), "\(what): '\(m)' not in: \(r.err)", sourceLocation: sourceLocation) }
}

func parseJSON(_ r: RunResult) -> Any? { try? JSONSerialization.jsonObject(with: Data(r.stdout)) }

/// A complete sales contract as `accord new` assignments: 2 line items (132000.00), 2 milestones.
func salesContractArgs(_ number: String) -> [String] {
    ["new", number, "--type", "sales", "subject=数控车床", "seller.name=上海精工机械有限公司", "buyer.name=华东机械有限公司",
     "seller.address=上海市嘉定区安亭镇 88 号", "seller.contact=吴刚", "seller.phone=021-6958 0000",
     "buyer.address=江苏省苏州市工业园区星湖街 328 号", "buyer.contact=钱明", "buyer.phone=0512-6288 1234",
     "customerCredit=合作五年,信用良好", #"risk={"kind":"business","severity":"low","likelihood":"low","points":"交货期紧"}"#,
     #"lineItems=[{"id":"L1","name":"数控车床","quantity":"4","unit":"台","unitPrice":"30000.00"},{"id":"L2","name":"刀架","quantity":"10","unit":"套","unitPrice":"1200.00"}]"#,
     "totalAmount=132000.00", "paymentMethod=电汇",
     #"paymentMilestones=[{"id":"M1","kind":"advance","percent":"30","amount":"39600.00","trigger":"合同生效后"},{"id":"M2","kind":"balance","percent":"70","amount":"92400.00","trigger":"验收合格后"}]"#,
     "deliveryMethod=送货上门", "deliveryDeadline=2026-06-30", "qualityStandard=GB/T 19001", "breachLiability=逾期交货按日 0.05% 支付违约金",
     #"disputeResolution={"method":"arbitration","venue":"上海国际仲裁中心"}"#, "expiryDate=2026-12-31"]
}

/// An ACCORD_AUTHOR_DATE value ("<unix seconds> +0800") for a wall-clock time in UTC+8.
func beijingTime(_ year: Int, _ month: Int, _ day: Int, _ hour: Int = 10, _ minute: Int = 0) -> String {
    var cal = Calendar(identifier: .gregorian)
    cal.timeZone = TimeZone(secondsFromGMT: 8 * 3600)!
    let d = cal.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute))!
    return "\(Int64(d.timeIntervalSince1970)) +0800"
}

/// Today's date as YYYY-MM-DD in UTC (the tests run accord with TZ=UTC), shifted by `days`.
func utcDay(offset days: Int = 0) -> String {
    var cal = Calendar(identifier: .gregorian)
    cal.timeZone = TimeZone(identifier: "UTC")!
    let d = cal.date(byAdding: .day, value: days, to: Date())!
    let c = cal.dateComponents([.year, .month, .day], from: d)
    return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
}

extension ContractRepo {
    /// Runs accord as `role` with the author date `date` (see `beijingTime`); expects success.
    @discardableResult
    func okAt(_ date: String, _ role: String, _ args: [String], sourceLocation: SourceLocation = #_sourceLocation) -> String {
        ok(role, args, env: ["ACCORD_AUTHOR_DATE": date, "ACCORD_COMMITTER_DATE": date], sourceLocation: sourceLocation)
    }

    /// `accord log ARGS --json` parsed, one object per commit.
    func logJSON(_ args: [String]) -> [[String: Any]] {
        run("salesRep", ["log"] + args + ["--json"]).lines.compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
    }

    /// The replica id this repository records (accord.replicaId in its config).
    var replicaID: String { git("config", "accord.replicaid").trimmed }
}

/// A contract JSON document flattened as accord's diff names paths: `a.b` for objects,
/// `list[ID]` for elements with an "id", `list[N]` otherwise; empty objects and lists are leaves.
func flattenContract(_ doc: Any) -> [String: Any] {
    var out: [String: Any] = [:]
    func walk(_ node: Any, _ path: String) {
        if let o = node as? [String: Any] {
            if o.isEmpty && !path.isEmpty { out[path] = o }
            for (k, v) in o { walk(v, path.isEmpty ? k : "\(path).\(k)") }
        } else if let a = node as? [Any] {
            if a.isEmpty { out[path] = a }
            for (i, v) in a.enumerated() {
                if let id = (v as? [String: Any])?["id"] as? String { walk(v, "\(path)[\(id)]") } else { walk(v, "\(path)[\(i)]") }
            }
        } else {
            out[path] = node
        }
    }
    walk(doc, "")
    return out
}

/// Equality of two JSON values (as JSONSerialization gives them): same canonical serialization.
func jsonEqual(_ a: Any?, _ b: Any?) -> Bool {
    switch (a, b) {
    case (nil, nil): return true
    case let (x?, y?): return canonicalJSON(x) == canonicalJSON(y)
    default: return false
    }
}

/// A JSON value (or nil, as "∅") serialized with sorted keys: compare two with == in #expect.
func jsonText(_ v: Any?) -> String { v.map(canonicalJSON) ?? "∅" }

/// A JSON value serialized with sorted keys (for comparing and for readable failure messages).
func canonicalJSON(_ v: Any) -> String {
    guard let d = try? JSONSerialization.data(withJSONObject: [v], options: [.sortedKeys, .fragmentsAllowed]) else { return "\(v)" }
    return String(decoding: d, as: UTF8.self)
}
