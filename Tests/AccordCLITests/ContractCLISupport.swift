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
