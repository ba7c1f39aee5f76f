import Foundation
import Testing
import AccordObjects
import AccordStore
import AccordContracts
@testable import AccordSync
@testable import AccordMerge

/// The receiver of a push, fetch or unbundle checks every contract commit the transfer adds
/// before a `refs/contracts/*` ref (or its tracking ref) moves.
@Suite struct ContractValidationTests {
    /// A sales contract complete enough to be submitted (every required term), still a draft.
    static func fullContract(_ number: String) throws -> Contract {
        var c = Contract(number: number, type: .sales)
        c.subject = "数控车床"
        c.seller = Party(name: "本公司", address: "上海", contact: "张三", phone: "021-0000")
        c.buyer = Party(name: "华东机械有限公司", address: "南京", contact: "李四", phone: "025-1234")
        c.customerCredit = "A"
        c.owner = "Li Wei"; c.office = "华东办事处"
        c.risk = Risk(kind: .business, severity: .low, likelihood: .low, points: "none")
        c.lineItems = [LineItem(id: "L1", name: "车床", quantity: Dec(2), unit: "台", unitPrice: Dec(500))]
        c.totalAmount = Dec(1000)
        c.paymentMethod = "bank transfer"
        c.paymentMilestones = [Milestone(id: "M1", kind: .balance, percent: Dec(100), amount: Dec(1000), trigger: "验收合格后")]
        c.qualityStandard = "GB/T 1"
        c.deliveryMethod = "送货上门"
        c.deliveryDeadline = try CivilDate.parse("2027-06-30")
        c.breachLiability = "违约方赔偿损失。"
        c.disputeResolution = DisputeResolution(method: .negotiation, venue: "上海")
        c.expiryDate = .date(try CivilDate.parse("2027-12-31"))
        return c
    }

    /// Moves `ref` of `repo` back to `to` (the replica drops a commit the hub refused).
    static func reset(_ repo: Repository, _ ref: String, to id: ObjectID) throws {
        try repo.refs.update(ref, to: id, expected: .any, who: who, message: "reset")
    }

    /// `{}` as contract.json, a bad commit in the middle of a pushed line, a commit whose number
    /// is not its ref's, and a brand-new contract that is not one: each refused with the contract,
    /// the commit and the reason; the hub's refs do not move; valid refs in the same push go through.
    @Test func pushOfInvalidContractCommitsIsRefused() throws {
        let tmp = SyncTempDir()
        let hub = try Repository.create(at: "\(tmp.path)/hub", bare: true)
        let a = try Repository.create(at: "\(tmp.path)/a", bare: false)
        for n in ["C-1", "C-2", "C-3"] { try commit(a, "refs/contracts/\(n)", ["contract.json": contractJSON(n, "v1")]) }
        #expect(try Transfer.push(from: a, to: hub, remoteName: "origin", who: who).rejected.isEmpty)
        let hubBefore = try hub.refs.values(prefix: "refs/contracts/")

        let empty = try commit(a, "refs/contracts/C-1", ["contract.json": "{}"], time: 1_700_000_100)
        // C-2: a bad commit hidden under a valid tip.
        let hidden = try commit(a, "refs/contracts/C-2", ["contract.json": contractJSON("C-2", "v2"), "records/x.json": "{}"], time: 1_700_000_100)
        _ = try commit(a, "refs/contracts/C-2", ["contract.json": contractJSON("C-2", "v3")], time: 1_700_000_200)
        // C-3: contract.json of another contract.
        let other = try commit(a, "refs/contracts/C-3", ["contract.json": contractJSON("C-9", "v2")], time: 1_700_000_100)
        // C-4: new on the hub, and not a contract at all.
        let notJSON = try commit(a, "refs/contracts/C-4", ["contract.json": "not json"], time: 1_700_000_100)
        // C-5: new and valid.
        let good = try commit(a, "refs/contracts/C-5", ["contract.json": contractJSON("C-5", "ok")], time: 1_700_000_100)

        let report = try Transfer.push(from: a, to: hub, remoteName: "origin", who: who)
        let byRef = Dictionary(uniqueKeysWithValues: report.changes.map { ($0.ref, $0) })
        func reason(_ n: String) -> String { byRef["refs/contracts/\(n)"]?.reason ?? "" }
        #expect(report.rejected.map(\.ref) == ["refs/contracts/C-1", "refs/contracts/C-2", "refs/contracts/C-3", "refs/contracts/C-4"])
        #expect(reason("C-1").contains("contract C-1, commit \(empty.hex.prefix(12)): contract.json is invalid"), "\(reason("C-1"))")
        #expect(reason("C-1").contains("number"), "\(reason("C-1"))")
        #expect(reason("C-2").contains("contract C-2, commit \(hidden.hex.prefix(12)): records/x.json is invalid"), "\(reason("C-2"))")
        #expect(reason("C-3").contains("contract C-3, commit \(other.hex.prefix(12)): number: is 'C-9'"), "\(reason("C-3"))")
        #expect(reason("C-3").contains("[invariant 1]"))
        #expect(reason("C-4").contains("contract C-4, commit \(notJSON.hex.prefix(12)): contract.json is invalid"), "\(reason("C-4"))")
        #expect(byRef["refs/contracts/C-5"]?.status == .new)

        var hubAfter = try hub.refs.values(prefix: "refs/contracts/")
        #expect(hubAfter.removeValue(forKey: "refs/contracts/C-5") == good)
        #expect(hubAfter == hubBefore)
        // The pusher's tracking refs of the refused contracts stay at the hub's values.
        #expect(try a.refs.resolve("refs/remotes/origin/contracts/C-1") == hubBefore["refs/contracts/C-1"])
        #expect(try a.refs.resolve("refs/remotes/origin/contracts/C-4") == nil)
        expectClean([hub])

        // The refused objects may sit in the hub now; pushing again is still refused.
        #expect(try Transfer.push(from: a, to: hub, remoteName: "origin", who: who).rejected.count == 4)
        #expect(try hub.refs.values(prefix: "refs/contracts/") == hubBefore.merging(["refs/contracts/C-5": good]) { a, _ in a })
    }

    /// A submitted contract whose total is not the sum of its line amounts is refused naming the
    /// field and the invariant; the corrected commit then goes through.
    @Test func pushBreakingAnInvariantIsRefused() throws {
        let tmp = SyncTempDir()
        let hub = try Repository.create(at: "\(tmp.path)/hub", bare: true)
        let a = try Repository.create(at: "\(tmp.path)/a", bare: false)
        var c = try Self.fullContract("HT-1")
        let draft = try commit(a, "refs/contracts/HT-1", ["contract.json": c.canonicalJSON])
        var c2 = try Self.fullContract("HT-2")
        try commit(a, "refs/contracts/HT-2", ["contract.json": c2.canonicalJSON])
        #expect(try Transfer.push(from: a, to: hub, remoteName: "origin", who: who).rejected.isEmpty)

        c.status = .initialReview
        c.totalAmount = Dec(1200)
        c.paymentMilestones[0].amount = Dec(1200)
        let submit = "Submit HT-1\n\nAccord-Action: submit\nAccord-Role: salesRep\n"
        // Submitting without naming the action and role: whose authority is unknown (invariant 8).
        let anonymous = try commit(a, "refs/contracts/HT-1", ["contract.json": c.canonicalJSON], time: 1_700_000_050)
        let unclaimed = try Transfer.push(from: a, to: hub, remoteName: "origin", who: who)
        #expect(unclaimed.rejected.first?.reason?.contains("contract HT-1, commit \(anonymous.hex.prefix(12)): status: moves to initialReview, but the commit has no valid Accord-Role trailer") == true, "\(unclaimed.rejected)")
        try Self.reset(a, "refs/contracts/HT-1", to: draft)
        let bad = try commit(a, "refs/contracts/HT-1", ["contract.json": c.canonicalJSON], message: submit, time: 1_700_000_100)
        c2.subject = "v2"
        let ht2 = try commit(a, "refs/contracts/HT-2", ["contract.json": c2.canonicalJSON], time: 1_700_000_100)
        let report = try Transfer.push(from: a, to: hub, remoteName: "origin", who: who)
        let refused = try #require(report.rejected.first)
        #expect(report.rejected.count == 1 && refused.ref == "refs/contracts/HT-1")
        let why = refused.reason ?? ""
        #expect(why.contains("contract HT-1, commit \(bad.hex.prefix(12)): totalAmount: is 1200.00 but the line amounts sum to 1000.00 [invariant 2]"), "\(why)")
        #expect(report.changes.first { $0.ref == "refs/contracts/HT-2" }?.status == .fastForward)
        #expect(try hub.refs.resolve("refs/contracts/HT-1") == draft)
        #expect(try hub.refs.resolve("refs/contracts/HT-2") == ht2)

        // The replica drops the bad commit and commits the right total: accepted.
        c.totalAmount = Dec(1000)
        c.paymentMilestones[0].amount = Dec(1000)
        try Self.reset(a, "refs/contracts/HT-1", to: draft)
        let fixed = try commit(a, "refs/contracts/HT-1", ["contract.json": c.canonicalJSON], message: submit, time: 1_700_000_200)
        #expect(try Transfer.push(from: a, to: hub, remoteName: "origin", who: who).rejected.isEmpty)
        #expect(try hub.refs.resolve("refs/contracts/HT-1") == fixed)

        // A commit is checked against its parent: a record removed breaks invariant 13.
        let store = try ContractStore(repository: a)
        let actor = Actor(name: "Fin", email: "f@example.com", role: .finance, office: "HQ", replica: "a")
        let snap = try store.load("HT-2")
        var withReceipt = snap.state
        withReceipt.records.append(Record(id: "r-1", kind: .tracking, author: "Fin", role: .finance, replica: "a",
                                          createdAt: "2026-11-10T10:00:00Z", filedDate: try CivilDate.parse("2026-11-10"),
                                          fields: ["customer": .text("华东机械")]))
        try store.commit(ContractStore.Change(state: withReceipt, summary: "receipt", actor: actor, author: who), parent: snap)
        #expect(try Transfer.push(from: a, to: hub, remoteName: "origin", who: who).rejected.isEmpty)
        let dropped = try commit(a, "refs/contracts/HT-2", ["contract.json": c2.canonicalJSON], time: 1_700_000_300)
        let again = try Transfer.push(from: a, to: hub, remoteName: "origin", who: who)
        #expect(again.rejected.first?.reason?.contains("contract HT-2, commit \(dropped.hex.prefix(12)): records: record r-1 (tracking) was removed") == true,
                "\(again.rejected)")
        #expect(again.rejected.first?.reason?.contains("[invariant 13]") == true)
        expectClean([hub])
    }

    /// Merges made by MergeDriver go through a push, with field conflicts and with an
    /// `invariant N` conflict (a merged state that breaks an invariant): conflicts are data.
    @Test func mergeCommitsWithConflictsAreAccepted() throws {
        let tmp = SyncTempDir()
        let hub = try Repository.create(at: "\(tmp.path)/hub", bare: true)
        // Receipts on these drafts: the replicas and the hub let them be recorded in any status
        // (by default, only from signing on), so that the merge can break invariant 5.
        let anyStatus = "draft,initialReview,secondReview,finalReview,approved,signed,executing,completed,terminated"
        try hub.setConfig("accord.recordStatuses.paymentReceipt", anyStatus)
        let aRepo = try Repository.create(at: "\(tmp.path)/a", bare: false)
        try aRepo.setConfig("accord.recordStatuses.paymentReceipt", anyStatus)
        let seed = try Replica("A", repo: aRepo, role: .salesRep, office: "SH")
        let base = ContractState(contract: try Self.fullContract("HT-7"), records: [])
        try Sim.commit(seed, base, parent: nil, summary: "Create HT-7")
        try Sim.commit(seed, ContractState(contract: try Self.fullContract("HT-8"), records: []), parent: nil, summary: "Create HT-8")
        try Remote.add(Sim.remote, url: hub.gitDir, to: seed.repo)
        #expect(try Sim.push(seed, hub: hub).rejected.isEmpty)
        let (bRepo, _) = try Transfer.clone(from: hub.gitDir, to: "\(tmp.path)/b", bare: false, who: who)
        try bRepo.setConfig("accord.recordStatuses.paymentReceipt", anyStatus)
        let b = try Replica("B", repo: bRepo, role: .finance, office: "HQ")

        // HT-7: both change the buyer's phone. HT-8: each records a receipt of 60% of the total.
        for (r, phone) in [(seed, "021-1111"), (b, "021-2222")] {
            let snap = try r.store.load("HT-7")
            var next = snap.state
            next.contract.buyer.phone = phone
            try Sim.commit(r, next, parent: snap, summary: "phone")
            let s8 = try r.store.load("HT-8")
            var n8 = s8.state
            n8.records.append(Record(id: "receipt-\(r.name)", kind: .paymentReceipt, author: r.name, role: .finance, replica: r.name,
                                     createdAt: "2026-11-10T10:00:00Z", filedDate: try CivilDate.parse("2026-11-10"),
                                     fields: ["date": .date(try CivilDate.parse("2026-11-10")), "amount": .dec(Dec(600))]))
            try Sim.commit(r, n8, parent: s8, summary: "receipt")
        }
        #expect(try Sim.push(seed, hub: hub).rejected.isEmpty)
        let merges = try Sim.pull(b, hub: hub)
        var conflicted: [String: Int] = [:]
        for m in merges { if case let .merged(_, n, _, _) = m.outcome { conflicted[m.number] = n } }
        #expect(conflicted["HT-7"] ?? 0 > 0 && conflicted["HT-8"] ?? 0 > 0, "\(merges)")
        #expect(try b.store.load("HT-8").conflicts.contains { $0.path == "invariant 5" })

        let pushed = try Sim.push(b, hub: hub)
        #expect(pushed.rejected.isEmpty, "\(pushed.rejected)")
        #expect(try hub.refs.values(prefix: "refs/contracts/") == b.repo.refs.values(prefix: "refs/contracts/"))
        // And the replica that fetches them stores them.
        let fetched = try Transfer.fetch(into: seed.repo, from: hub, remoteName: Sim.remote, who: who)
        #expect(fetched.rejected.isEmpty, "\(fetched.rejected)")
        expectClean([hub, seed.repo, b.repo])
    }

    /// A contract the hub holds that is not valid (written there by other means) is reported by
    /// fetch and unbundle and not stored under the tracking ref; the other contracts are; a clone
    /// fails naming it.
    @Test func fetchAndUnbundleReportInvalidContracts() throws {
        let tmp = SyncTempDir()
        let hub = try Repository.create(at: "\(tmp.path)/hub", bare: true)
        let a = try Repository.create(at: "\(tmp.path)/a", bare: false)
        try commit(a, "refs/contracts/C-1", ["contract.json": contractJSON("C-1", "v1")])
        try commit(a, "refs/contracts/C-2", ["contract.json": contractJSON("C-2", "v1")])
        #expect(try Transfer.push(from: a, to: hub, remoteName: "origin", who: who).rejected.isEmpty)
        let c1 = try #require(try a.refs.resolve("refs/contracts/C-1"))

        // Behind the transport's back: C-1 on the hub becomes `{}`; C-2 moves on validly; C-3 is new and bad.
        let bad = try commit(hub, "refs/contracts/C-1", ["contract.json": "{}"], time: 1_700_000_100)
        let c2 = try commit(hub, "refs/contracts/C-2", ["contract.json": contractJSON("C-2", "v2")], time: 1_700_000_100)
        let bad3 = try commit(hub, "refs/contracts/C-3", ["contract.json": contractJSON("C-3", "x"), "conflicts.json": "[1]"], time: 1_700_000_100)

        let report = try Transfer.fetch(into: a, from: hub, remoteName: "origin", who: who)
        let byRef = Dictionary(uniqueKeysWithValues: report.changes.map { ($0.remoteRef, $0) })
        #expect(report.rejected.map(\.remoteRef).sorted() == ["refs/contracts/C-1", "refs/contracts/C-3"])
        #expect(byRef["refs/contracts/C-1"]?.reason?.contains("contract C-1, commit \(bad.hex.prefix(12)): contract.json is invalid") == true,
                "\(byRef["refs/contracts/C-1"]?.reason ?? "")")
        #expect(byRef["refs/contracts/C-3"]?.reason?.contains("contract C-3, commit \(bad3.hex.prefix(12)): conflicts.json is invalid") == true,
                "\(byRef["refs/contracts/C-3"]?.reason ?? "")")
        #expect(byRef["refs/contracts/C-2"]?.status == .fastForward)
        #expect(try a.refs.resolve("refs/remotes/origin/contracts/C-1") == c1)
        #expect(try a.refs.resolve("refs/remotes/origin/contracts/C-3") == nil)
        #expect(try a.refs.resolve("refs/remotes/origin/contracts/C-2") == c2)

        // The same contracts in a bundle.
        let bundle = "\(tmp.path)/hub.bundle"
        try BundleFile.create(at: bundle, from: hub, refs: try hub.refs.list(prefix: "refs/contracts/"))
        let c = try Repository.create(at: "\(tmp.path)/c", bare: false)
        let unbundled = try BundleFile.unbundle(try #require(try FileIO.read(bundle, limit: 1 << 30)), into: c, who: who)
        #expect(unbundled.rejected.map(\.remoteRef).sorted() == ["refs/contracts/C-1", "refs/contracts/C-3"])
        #expect(try c.refs.list(prefix: "refs/remotes/bundle/").map(\.name) == ["refs/remotes/bundle/contracts/C-2"])

        do {
            _ = try Transfer.clone(from: hub.gitDir, to: "\(tmp.path)/d", bare: false, who: who)
            Issue.record("a clone of a hub with invalid contracts succeeded")
        } catch {
            #expect("\(error)".contains("contract C-1, commit \(bad.hex.prefix(12))"), "\(error)")
        }
        #expect(!FileManager.default.fileExists(atPath: "\(tmp.path)/d"))
        expectClean([a, c])
    }
}
