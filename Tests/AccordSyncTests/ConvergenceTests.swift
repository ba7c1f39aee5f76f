import AccordTestSupport
import Foundation
import Testing
import AccordObjects
import AccordStore
import AccordContracts
@testable import AccordSync
@testable import AccordMerge

@Suite struct ConvergenceTests {
    static let seeds: [UInt64] = Array(1...20)

    /// Two or three replicas run random concurrent edit scripts on a few contracts and sync with a
    /// hub in random orders for a random number of rounds; syncing until quiescent leaves them all
    /// with identical refs. Then, on the histories this produced: merging an ancestor is up to
    /// date, merging a descendant fast-forwards, and merge(a, b) and merge(b, a) commit the same
    /// contract.json with the same conflicts, sides swapped.
    @Test(arguments: seeds) func replicasConverge(seed: UInt64) throws {
        var rng = SeededRNG(state: seed &* 7919)
        let tmp = SyncTempDir()
        let hub = try Repository.create(at: "\(tmp.path)/hub.accord", bare: true)
        let seedRepo = try Repository.create(at: "\(tmp.path)/r0", bare: false)
        let first = try Replica("R0", repo: seedRepo, role: .contractAdmin, office: "总部")
        let numbers = (1...Int.random(in: 2...4, using: &rng)).map { "HT-\(seed)-\($0)" }
        for n in numbers { try Sim.commit(first, Gen.contract(&rng, number: n), parent: nil, summary: "Create \(n)") }
        try Remote.add(Sim.remote, url: hub.gitDir, to: seedRepo)
        #expect(try Sim.push(first, hub: hub).rejected.isEmpty)
        var replicas = [first]
        for i in 1..<Int.random(in: 2...3, using: &rng) {
            let (repo, _) = try Transfer.clone(from: hub.gitDir, to: "\(tmp.path)/r\(i)", bare: false, who: who)
            replicas.append(try Replica("R\(i)", repo: repo, role: .salesRep, office: "办事处\(i)"))
        }

        // Heads of two replicas that diverged, for the symmetry checks below.
        var diverged: [(number: String, a: ObjectID, b: ObjectID)] = []
        for round in 1...Int.random(in: 1...4, using: &rng) {
            for r in replicas {
                for n in numbers where Bool.random(using: &rng) {
                    for _ in 0..<Int.random(in: 1...3, using: &rng) { _ = try Sim.randomEdit(r, n, &rng) }
                }
            }
            // At least one pair that truly diverged, so the symmetry checks below always run
            // (random edits alone leave none in some seeds). Uses no randomness.
            if round == 1 { for r in replicas.prefix(2) { try Sim.clash(r, numbers[0], round: 0) } }
            for n in numbers {
                let hs = try replicas.compactMap { try $0.store.head(n) }
                if hs.count >= 2, hs[0] != hs[1] { diverged.append((n, hs[0], hs[1])) }
            }
            // A random interleaving of the replicas' pulls and pushes; some replicas sit this round out.
            var queues: [[Bool]] = replicas.map { _ in Int.random(in: 0..<4, using: &rng) == 0 ? [] : [true, false] }
            while let ri = queues.indices.filter({ !queues[$0].isEmpty }).randomElement(using: &rng) {
                let r = replicas[ri]
                if queues[ri].removeFirst() { _ = try Sim.pull(r, hub: hub) }
                else if !(try Sim.push(r, hub: hub)).rejected.isEmpty, Bool.random(using: &rng) { queues[ri] += [true, false] }
            }
        }
        try Sim.syncUntilQuiescent(replicas.shuffled(using: &rng), hub: hub)
        let hubHeads = try Sim.heads(hub)
        #expect(Set(hubHeads.keys) == Set(numbers))
        for r in replicas { #expect(try Sim.heads(r.repo) == hubHeads, "seed \(seed): \(r.name) differs from the hub") }
        expectClean([hub] + replicas.map(\.repo))

        // The algebra of MergeDriver, in a fresh clone (the replicas are left as they are).
        let (lab, _) = try Transfer.clone(from: hub.gitDir, to: "\(tmp.path)/lab", bare: false, who: who)
        let labReplica = try Replica("Lab", repo: lab, role: .contractAdmin, office: "总部")
        let driver = try labReplica.driver
        for n in numbers {
            let head = try #require(try labReplica.store.head(n))
            guard let parent = try lab.objects.readCommit(head).parents.first else { continue } // never edited
            #expect(try driver.merge(n, theirs: parent, actor: labReplica.actor, author: labReplica.author()) == .upToDate)
            #expect(try driver.merge(n, theirs: head, actor: labReplica.actor, author: labReplica.author()) == .upToDate)
            try lab.refs.update(ContractStore.refName(n), to: parent, expected: .value(head), who: who, message: "test: rewind")
            #expect(try driver.merge(n, theirs: head, actor: labReplica.actor, author: labReplica.author()) == .fastForward(head))
            #expect(try labReplica.store.head(n) == head)
        }
        var history = History(objects: lab.objects)
        var symmetric = 0
        for d in diverged {
            guard try !history.isAncestor(d.a, of: d.b), try !history.isAncestor(d.b, of: d.a) else { continue }
            let ref = ContractStore.refName(d.number)
            let tip = try #require(try lab.refs.resolve(ref))
            try lab.refs.update(ref, to: d.a, expected: .value(tip), who: who, message: "test: a")
            let ab = try driver.merge(d.number, theirs: d.b, actor: labReplica.actor, author: labReplica.author())
            let abSnap = try labReplica.store.load(d.number)
            try lab.refs.update(ref, to: d.b, expected: .value(abSnap.commit), who: who, message: "test: b")
            let ba = try driver.merge(d.number, theirs: d.a, actor: labReplica.actor, author: labReplica.author())
            let baSnap = try labReplica.store.load(d.number)
            try lab.refs.update(ref, to: tip, expected: .value(baSnap.commit), who: who, message: "test: back")
            guard case .merged = ab, case .merged = ba else {
                Issue.record("seed \(seed): \(d.number): diverged heads did not merge (\(ab), \(ba))"); continue
            }
            symmetric += 1
            #expect(try Sim.contractBlob(lab, abSnap.commit) == Sim.contractBlob(lab, baSnap.commit),
                    "seed \(seed): \(d.number): merge(a, b) and merge(b, a) differ:\n\(abSnap.state.contract.canonicalJSON)\n\(baSnap.state.contract.canonicalJSON)")
            #expect(abSnap.state.records == baSnap.state.records, "seed \(seed): \(d.number): records differ")
            // Conflicts either side already carried travel on as they are; the new ones swap sides.
            let carried = Set(try (labReplica.store.load(commit: d.a).conflicts + labReplica.store.load(commit: d.b).conflicts).map(\.json.canonical))
            let abNew = Set(abSnap.conflicts.map(\.json.canonical)).subtracting(carried)
            #expect(abNew == Set(baSnap.conflicts.filter { !carried.contains($0.json.canonical) }.map(\.json.canonical)),
                    "seed \(seed): \(d.number): conflicts are not the same with sides swapped")
            #expect(Set(abSnap.conflicts.map(\.json.canonical)).intersection(carried) == Set(baSnap.conflicts.map(\.json.canonical)).intersection(carried),
                    "seed \(seed): \(d.number): carried conflicts differ")
        }
        #expect(symmetric > 0, "seed \(seed): no diverged pair was merged both ways (\(diverged.count) recorded)")
        expectClean([lab])
    }
}
