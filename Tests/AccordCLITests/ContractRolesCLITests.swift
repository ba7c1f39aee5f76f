import Foundation
import Testing

/// Terminate, cancel, approve --termination and configured review stages from the command line:
/// the allowed role succeeds; every other role is refused (exit 128) with a message naming the
/// role, the stage and who is allowed, and nothing is written.
@Suite struct ContractRolesCLITests {
    static func refused(_ r: ContractRepo, _ role: String, _ args: [String], stderr: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let refs = r.refs(), objects = r.objectCount()
        let res = r.run(role, args)
        #expect(res.status == 128, "\(args) as \(role): exit \(res.status)", sourceLocation: sourceLocation)
        #expect(res.err == stderr, "\(args) as \(role)", sourceLocation: sourceLocation)
        #expect(res.stdout.isEmpty, sourceLocation: sourceLocation)
        #expect(r.refs() == refs && r.objectCount() == objects, "nothing written by \(args) as \(role)", sourceLocation: sourceLocation)
    }

    static func status(_ r: ContractRepo, _ n: String) -> String? { r.contract(n)["status"] as? String }

    static func terminationRequest(_ r: ContractRepo, _ n: String, consent: Bool) -> String {
        let before = r.recordIDs(n)
        r.ok("salesRep", "record", n, "terminationRequest", "reason=买方破产清算", "writtenConsent=\(consent)")
        return r.newRecordID(n, kind: "terminationRequest", notIn: before)
    }

    @Test func terminateAnExecutingContract() throws {
        let r = ContractRepo()
        r.ok("contractAdmin", "import", ContractRepo.fixtureFiles[1])
        let n = "HT-2026-009"
        #expect(Self.status(r, n) == "executing")
        let inv11 = "fatal: status: termination needs a termination request with written consent, approved (review stage termination) [invariant 11]\n"
        Self.refused(r, "contractAdmin", ["terminate", n], stderr: inv11)

        // A request without written consent, even approved, does not allow termination.
        let noConsent = Self.terminationRequest(r, n, consent: false)
        r.ok("management", "approve", n, "--termination", noConsent, "-m", "同意")
        Self.refused(r, "contractAdmin", ["terminate", n], stderr: inv11)

        // With consent: only change approvers (salesHead, management) approve it, with an opinion.
        let request = Self.terminationRequest(r, n, consent: true)
        for role in ["legal", "finance", "salesRep", "contractAdmin"] {
            Self.refused(r, role, ["approve", n, "--termination", request, "-m", "同意"],
                         stderr: "fatal: status: role \(role) may not approve changes or terminations; allowed: management, salesHead [invariant 8]\n")
        }
        Self.refused(r, "salesHead", ["approve", n, "--termination", request], stderr: "fatal: opinion: approving needs your opinion: -m \"…\"\n")
        Self.refused(r, "salesHead", ["approve", n, "--termination", "no-such-request", "-m", "同意"],
                     stderr: "fatal: termination: no terminationRequest record 'no-such-request'\n")
        Self.refused(r, "contractAdmin", ["terminate", n], stderr: inv11)
        r.ok("salesHead", "approve", n, "--termination", request, "-m", "同意解除")
        let review = try #require(r.records(n).last { $0["kind"] as? String == "review" && $0["subject"] as? String == request })
        #expect(review["stage"] as? String == "termination" && review["decision"] as? String == "approve")
        #expect(review["role"] as? String == "salesHead" && review["opinion"] as? String == "同意解除")
        #expect(Self.status(r, n) == "executing", "approving a request does not move the status")

        // Only contractAdmin and management terminate.
        for (role, label) in [("salesRep", "销售人员"), ("finance", "财务"), ("legal", "法务"), ("salesHead", "销售部门负责人")] {
            Self.refused(r, role, ["terminate", n],
                         stderr: "fatal: status: role \(role) (\(label)) may not terminate at executing; allowed: contractAdmin, management [invariant 8]\n")
        }
        let out = r.ok("management", "terminate", n, "-m", "双方书面同意解除")
        let head = r.commits(n)[0]
        let title = "Terminate \(n): executing → terminated (履行中 → 终止): 双方书面同意解除"
        #expect(out == "\(n) \(head.prefix(12)) \(title)")
        #expect(Self.status(r, n) == "terminated")
        let entry = try #require(r.logJSON([n, "-n", "1"]).first)
        #expect((entry["message"] as? String)?.hasPrefix(title + "\n") == true)
        let trailers = entry["trailers"] as? [String: String] ?? [:]
        #expect(trailers["Accord-Action"] == "terminate" && trailers["Accord-Role"] == "management")
        Self.refused(r, "management", ["terminate", n],
                     stderr: "fatal: status: cannot terminate a contract that is terminated (终止); possible now: archive [invariant 8]\n")
        r.fsckClean()
    }

    @Test func terminateASignedContractAndConfiguredChangeApprovers() {
        let r = ContractRepo()
        r.ok("contractAdmin", "import", ContractRepo.fixtureFiles[1])
        r.s.ok("config", "accord.changeApprovers", "legal", cwd: r.repo)
        let n = "HT-2026-007"
        #expect(Self.status(r, n) == "signed")
        let request = Self.terminationRequest(r, n, consent: true)
        // With accord.changeApprovers = legal, management no longer approves; legal does.
        Self.refused(r, "management", ["approve", n, "--termination", request, "-m", "同意"],
                     stderr: "fatal: status: role management may not approve changes or terminations; allowed: legal [invariant 8]\n")
        r.ok("legal", "approve", n, "--termination", request, "-m", "法务同意解除")
        r.ok("contractAdmin", "terminate", n)
        #expect(Self.status(r, n) == "terminated")
        #expect(r.ok("salesRep", "diff", n) == "status: signed → terminated")
    }

    @Test func cancelADraftOrAContractUnderReview() {
        let r = ContractRepo()
        r.ok("contractAdmin", "import", ContractRepo.fixtureFiles[1])
        r.ok("salesRep", salesContractArgs("HT-C1"))
        r.ok("salesRep", salesContractArgs("HT-C2"))
        r.ok("salesRep", "submit", "HT-C2")

        for (role, label) in [("legal", "法务"), ("salesHead", "销售部门负责人"), ("contractAdmin", "合同管理部门")] {
            Self.refused(r, role, ["cancel", "HT-C1"],
                         stderr: "fatal: status: role \(role) (\(label)) may not cancel at draft; allowed: management, salesRep [invariant 8]\n")
        }
        r.ok("salesRep", "cancel", "HT-C1", "-m", "客户取消采购")
        #expect(Self.status(r, "HT-C1") == "cancelled")
        #expect(r.ok("salesRep", "log", "HT-C1", "--oneline", "-n", "1").hasSuffix("Cancel HT-C1: draft → cancelled (草拟 → 作废): 客户取消采购"))
        Self.refused(r, "salesRep", ["cancel", "HT-C1"], stderr: "fatal: status: cannot cancel a contract that is cancelled (作废); it is final [invariant 8]\n")
        Self.refused(r, "salesRep", ["submit", "HT-C1"], stderr: "fatal: status: cannot submit a contract that is cancelled (作废); it is final [invariant 8]\n")

        Self.refused(r, "finance", ["cancel", "HT-C2"],
                     stderr: "fatal: status: role finance (财务) may not cancel at initialReview; allowed: management, salesRep [invariant 8]\n")
        r.ok("management", "cancel", "HT-C2")
        #expect(Self.status(r, "HT-C2") == "cancelled")

        Self.refused(r, "management", ["cancel", "HT-2026-007"],
                     stderr: "fatal: status: cannot cancel a contract that is signed (已签署); possible now: start, terminate [invariant 8]\n")
        Self.refused(r, "salesRep", ["cancel", "HT-2026-009"],
                     stderr: "fatal: status: cannot cancel a contract that is executing (履行中); possible now: complete, terminate [invariant 8]\n")
    }

    // MARK: review stages from config

    /// The signatory is a term (frozen from submission): set on the draft.
    static func draftWithSignatory(_ r: ContractRepo, _ n: String) {
        r.ok("salesRep", salesContractArgs(n))
        r.ok("contractAdmin", "set", n, #"signatory={"name":"王建国","capacity":"legalRepresentative"}"#)
    }

    /// The signed text, attached once the contract is approved.
    static func approvedContract(_ r: ContractRepo, _ n: String) {
        r.ok("contractAdmin", "attach", n, r.s.dir.write("\(n).pdf", "%PDF signed \(n)"), "--kind", "original")
    }

    @Test func twoReviewStagesFromConfig() throws {
        let r = ContractRepo()
        r.s.ok("config", "accord.reviewStages", "initialReview,finalReview", cwd: r.repo)
        r.s.ok("config", "accord.approvers.initialReview", "salesHead, finance", cwd: r.repo)
        r.s.ok("config", "accord.approvers.finalReview", "legal", cwd: r.repo)
        let n = "HT-2S"
        Self.draftWithSignatory(r, n)
        r.ok("salesRep", "submit", n)
        #expect(Self.status(r, n) == "initialReview")
        for (role, label) in [("legal", "法务"), ("management", "管理层"), ("salesRep", "销售人员")] {
            Self.refused(r, role, ["approve", n, "-m", "同意"],
                         stderr: "fatal: status: role \(role) (\(label)) may not approve at initialReview; allowed: finance, salesHead [invariant 8]\n")
        }
        // finance is an initial reviewer here; the next stage is finalReview (no secondReview).
        #expect(r.ok("finance", "approve", n, "-m", "财务同意").hasSuffix("Approve \(n): initialReview → finalReview (初审 → 终审): 财务同意"))
        #expect(Self.status(r, n) == "finalReview")
        for (role, label) in [("management", "管理层"), ("salesHead", "销售部门负责人"), ("finance", "财务")] {
            Self.refused(r, role, ["approve", n, "-m", "同意"],
                         stderr: "fatal: status: role \(role) (\(label)) may not approve at finalReview; allowed: legal [invariant 8]\n")
            Self.refused(r, role, ["reject", n, "-m", "不同意"],
                         stderr: "fatal: status: role \(role) (\(label)) may not reject at finalReview; allowed: legal [invariant 8]\n")
        }
        r.ok("legal", "approve", n, "-m", "法务同意")
        #expect(Self.status(r, n) == "approved", "two approvals suffice")
        let reviews = r.records(n).filter { $0["kind"] as? String == "review" }
        #expect(reviews.compactMap { $0["stage"] as? String }.sorted() == ["finalReview", "initialReview"])
        #expect(Set(reviews.compactMap { $0["role"] as? String }) == ["finance", "legal"])
        // Signing checks the configured stages only.
        Self.approvedContract(r, n)
        r.ok("management", "sign", n, "--date", "2026-02-01")
        #expect(Self.status(r, n) == "signed")

        // The same steps under the default three stages need a third approval.
        let d = ContractRepo()
        d.ok("salesRep", salesContractArgs(n))
        d.ok("salesRep", "submit", n)
        d.ok("salesHead", "approve", n, "-m", "同意")
        #expect(Self.status(d, n) == "secondReview")
        d.ok("legal", "approve", n, "-m", "同意")
        #expect(Self.status(d, n) == "finalReview")
        Self.refused(d, "legal", ["approve", n, "-m", "同意"],
                     stderr: "fatal: status: role legal (法务) may not approve at finalReview; allowed: management [invariant 8]\n")
    }

    @Test func oneLegalReviewFromConfig() {
        // The simplest form in the sources [004]: one legal review, then signing.
        let r = ContractRepo()
        r.s.ok("config", "accord.reviewStages", "secondReview", cwd: r.repo)
        r.s.ok("config", "accord.approvers.secondReview", "legal", cwd: r.repo)
        let n = "HT-1S"
        Self.draftWithSignatory(r, n)
        r.ok("salesRep", "submit", n)
        #expect(Self.status(r, n) == "secondReview")
        Self.refused(r, "finance", ["approve", n, "-m", "同意"],
                     stderr: "fatal: status: role finance (财务) may not approve at secondReview; allowed: legal [invariant 8]\n")
        r.ok("legal", "reject", n, "-m", "补充违约条款")
        #expect(Self.status(r, n) == "draft")
        r.ok("salesRep", "submit", n)
        r.ok("legal", "approve", n, "-m", "同意")
        #expect(Self.status(r, n) == "approved")
        Self.approvedContract(r, n)
        r.ok("contractAdmin", "sign", n, "--date", "2026-02-01")
        #expect(Self.status(r, n) == "signed")
    }

    @Test func badReviewConfigurationIsReported() {
        let r = ContractRepo()
        r.ok("salesRep", "new", "HT-BAD", "--type", "sales")
        r.s.ok("config", "accord.reviewStages", "initialReview,legalReview", cwd: r.repo)
        let a = r.run("salesRep", ["show", "HT-BAD"])
        #expect(a.status == 128)
        #expect(a.err == "fatal: accord.reviewStages: 'legalReview' is not a review stage (initialReview, secondReview, finalReview)\n")
        r.s.ok("config", "accord.reviewStages", "initialReview", cwd: r.repo)
        r.s.ok("config", "accord.approvers.initialReview", "salesHead,boss", cwd: r.repo)
        let b = r.run("salesRep", ["submit", "HT-BAD"])
        #expect(b.status == 128)
        #expect(b.err.hasPrefix("fatal: accord.approvers.initialReview: 'boss' is not a role (salesRep (销售人员), salesAdmin (销售内勤), "), "\(b.err)")
        #expect(r.commits("HT-BAD").count == 1)
    }
}
