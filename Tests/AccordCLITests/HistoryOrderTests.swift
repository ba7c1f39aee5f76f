import Foundation
import Testing
import AccordStore
import AccordObjects
import AccordTestSupport

/// `accord log` order against `git log` on random commit graphs (merges, several tips), with
/// clocks in order, clocks hours off, and many equal timestamps, in assorted time zones.
///
/// Accord's date walk is git's: a queue by committer timestamp whose ties pop in insertion
/// order, parents queued in parent order. So `accord log` must equal `git log` exactly, ties and
/// skewed clocks included. `accord log --topo-order` is Kahn's algorithm taking ready commits by
/// date, which is what git does for `--date-order`, so it must equal `git log --date-order`.
/// git's `--topo-order` additionally keeps lines of history together (a LIFO, not a date queue);
/// matching that is not a design goal, so against it only the rule both promise is checked: the
/// same commits, none shown before all of its children.
@Suite(.timeLimit(.minutes(10))) struct HistoryOrderTests {
    enum Clocks: String, CaseIterable { case ordered, skewed, ties }

    static func ids(_ r: RunResult) throws -> [String] {
        try r.lines.map { line in
            let obj = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return try #require(obj["id"] as? String)
        }
    }

    static func gitLog(_ s: Sandbox, _ args: [String], sourceLocation: SourceLocation = #_sourceLocation) -> [String] {
        let r = s.git(args, input: [])
        #expect(r.status == 0, "git \(args): \(r.err)", sourceLocation: sourceLocation)
        return r.lines
    }

    @Test(arguments: Clocks.allCases, 0..<3)
    func logOrderMatchesGit(clocks: Clocks, seed: Int) throws {
        var rng = SeededRNG(seed: UInt64(seed) &* 104_729 &+ UInt64(clocks.rawValue.count))
        let s = Sandbox()
        _ = s.ok("init", "-q", "--bare", "h.git")
        let gitDir = "\(s.root)/h.git"
        let repo = try Repository(gitDir: gitDir)
        let tree = try repo.objects.write(.tree(try Tree(entries: [])))
        var commits: [ObjectID] = []
        var parents: [ObjectID: [ObjectID]] = [:]
        for i in 0..<60 {
            var ps: [ObjectID] = []
            if !commits.isEmpty {
                ps.append(commits[Int.random(in: max(0, commits.count - 8)..<commits.count, using: &rng)])
                if Int.random(in: 0..<3, using: &rng) == 0, commits.count > 2 {
                    let other = commits[Int.random(in: 0..<commits.count, using: &rng)]
                    if !ps.contains(other) { ps.append(other) }
                }
            }
            let seconds: Int64
            switch clocks {
            case .ordered: seconds = 1_700_000_000 + Int64(i) * 600
            case .skewed:
                let skew: Int64 = Int.random(in: 0..<4, using: &rng) == 0 ? Int64.random(in: -20_000...20_000, using: &rng) : 0
                seconds = 1_700_000_000 + Int64(i) * 600 + skew
            case .ties: seconds = 1_700_000_000 + Int64(Int.random(in: 0..<4, using: &rng)) * 60
            }
            // The time zone must not matter: git compares the UTC seconds.
            let zone = [-480, 0, 330, 480, 600].randomElement(using: &rng)!
            let author = Identity(name: "A", email: "a@x", seconds: seconds - 7, offsetMinutes: zone)
            let committer = Identity(name: "C", email: "c@x", seconds: seconds, offsetMinutes: zone)
            let id = try repo.objects.write(.commit(Commit(tree: tree, parents: ps, author: author, committer: committer, message: "c\(i)\n")))
            commits.append(id); parents[id] = ps
        }
        repo.objects.flush()
        let env = ["ACCORD_DIR": gitDir]
        for round in 0..<4 {
            let tips = (0..<Int.random(in: 1...3, using: &rng)).map { _ in commits[Int.random(in: 0..<commits.count, using: &rng)].hex }
            let label = "\(clocks) seed \(seed) round \(round)"
            let gitDate = Self.gitLog(s, ["--git-dir=\(gitDir)", "log", "--format=%H"] + tips)
            let accordDate = try Self.ids(s.accord(["log", "--json"] + tips, input: [], env: env))
            #expect(!gitDate.isEmpty)
            #expect(accordDate == gitDate, "\(label): date order")
            let n = Int.random(in: 1...10, using: &rng)
            let gitFirst = Self.gitLog(s, ["--git-dir=\(gitDir)", "log", "-n", "\(n)", "--format=%H"] + tips)
            #expect(try Self.ids(s.accord(["log", "--json", "-n", "\(n)"] + tips, input: [], env: env)) == gitFirst, "\(label): -n \(n)")

            let accordTopo = try Self.ids(s.accord(["log", "--json", "--topo-order"] + tips, input: [], env: env))
            let gitDateOrder = Self.gitLog(s, ["--git-dir=\(gitDir)", "log", "--date-order", "--format=%H"] + tips)
            #expect(accordTopo == gitDateOrder, "\(label): --topo-order against git's --date-order")
            // Against git's --topo-order: the same commits, and each after all of its children.
            let gitTopo = Self.gitLog(s, ["--git-dir=\(gitDir)", "log", "--topo-order", "--format=%H"] + tips)
            #expect(Set(accordTopo) == Set(gitTopo) && accordTopo.count == gitTopo.count, "\(label)")
            var position: [String: Int] = [:]
            for (i, id) in accordTopo.enumerated() { position[id] = i }
            for (i, id) in accordTopo.enumerated() {
                for p in parents[ObjectID(hex: id)!] ?? [] {
                    #expect((position[p.hex] ?? -1) > i, "\(label): parent \(p.hex.prefix(12)) shown before its child \(id.prefix(12))")
                }
            }
            if clocks == .ordered { #expect(accordTopo == accordDate, "\(label): with clocks in order, dates are already topological") }
        }
    }
}
