import Foundation
import Testing
import AccordObjects
import AccordTestSupport
@testable import AccordStore

/// `History.difference` (what a fetch sends) walks by date and stops early. On random graphs it
/// lists exactly the commits the haves do not reach when clocks are right, and with wrong clocks
/// never fewer: at worst a few the receiver has (sent again), with a boundary that closes the set.
@Suite struct HistoryDifferenceTests {
    func reach(_ tips: [ObjectID], _ parents: [ObjectID: [ObjectID]]) -> Set<ObjectID> {
        var seen = Set<ObjectID>(), stack = tips
        while let c = stack.popLast() { if seen.insert(c).inserted { stack += parents[c] ?? [] } }
        return seen
    }

    @Test(arguments: [(0, false), (1, false), (2, false), (3, false), (4, false), (5, false),
                      (6, true), (7, true), (8, true), (9, true), (10, true), (11, true)])
    func agreesWithReachabilityOnRandomGraphs(seed: Int, skewedClocks: Bool) throws {
        var rng = SeededRNG(seed: UInt64(seed) &* 7919 &+ 17)
        let dir = StoreTempDir("history-diff")
        let repo = try newRepo(dir, bare: true)
        let tree = try repo.objects.write(.tree(try Tree(entries: [])))
        var commits: [ObjectID] = []
        var parents: [ObjectID: [ObjectID]] = [:]
        for i in 0..<80 {
            var ps: [ObjectID] = []
            if !commits.isEmpty {
                ps.append(commits[Int.random(in: max(0, commits.count - 8)..<commits.count, using: &rng)])
                if Bool.random(using: &rng), commits.count > 2 {
                    let other = commits[Int.random(in: 0..<commits.count, using: &rng)]
                    if !ps.contains(other) { ps.append(other) }
                }
            }
            // Mostly increasing time, but a quarter of the commits have a clock hours off.
            let skew: Int64 = skewedClocks && Int.random(in: 0..<4, using: &rng) == 0 ? Int64.random(in: -20_000...20_000, using: &rng) : 0
            let who = Identity(name: "T", email: "t@x", seconds: 1_700_000_000 + Int64(i) * 600 + skew, offsetMinutes: 0)
            let id = try repo.objects.write(.commit(Commit(tree: tree, parents: ps, author: who, committer: who, message: "c\(i)\n")))
            commits.append(id); parents[id] = ps
        }
        var history = History(objects: repo.objects)
        for _ in 0..<20 {
            let wants = (0..<Int.random(in: 1...3, using: &rng)).map { _ in commits[Int.random(in: 0..<commits.count, using: &rng)] }
            let haves = (0..<Int.random(in: 0...4, using: &rng)).map { _ in commits[Int.random(in: 0..<commits.count, using: &rng)] }
            let had = reach(haves, parents)
            let expected = reach(wants, parents).subtracting(had)
            let (listed, boundary) = try history.difference(wants: wants, haves: haves)
            #expect(listed.count == Set(listed).count)
            let wanted = reach(wants, parents)
            if skewedClocks {
                #expect(expected.isSubset(of: Set(listed)), "seed \(seed): a commit the receiver lacks was left out")
                #expect(Set(listed).isSubset(of: wanted))
            } else {
                #expect(Set(listed) == expected, "seed \(seed)")
            }
            // The boundary closes the set: every parent of a listed commit is listed or in it, and the haves reach it.
            #expect(Set(boundary).isSubset(of: had))
            for c in listed { for p in parents[c] ?? [] { #expect(listed.contains(p) || boundary.contains(p), "seed \(seed)") } }
        }
    }
}
