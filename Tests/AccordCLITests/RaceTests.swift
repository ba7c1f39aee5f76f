import Foundation
import Testing
import AccordStore
import AccordObjects

/// Several `accord update-ref REF NEW OLD` processes racing for one ref, round after round.
@Suite struct RaceTests {
    @Test func compareAndSwapHasExactlyOneWinnerPerRound() throws {
        let rounds = 200, writers = 3
        let s = Sandbox()
        s.ok("init", "-q", "--bare", "hub.git")
        let gitDir = "\(s.root)/hub.git"
        // Objects for every attempt, written directly (fast); the race itself uses the binary.
        let repo = try Repository(gitDir: gitDir)
        var candidates: [[String]] = []
        for r in 0..<rounds {
            candidates.append(try (0..<writers).map { w in
                try repo.objects.write(type: .blob, payload: Array("round \(r) writer \(w)\n".utf8)).hex
            })
        }
        let first = try repo.objects.write(type: .blob, payload: Array("start\n".utf8)).hex
        let ref = "refs/heads/race"
        s.ok("update-ref", ref, first, "", cwd: gitDir)
        let refPath = "\(gitDir)/\(ref)"
        let env = s.env()

        var current = first
        var winners: [String] = []
        var winnerMessages: [String] = []
        for r in 0..<rounds {
            var procs: [(String, CLI.Running)] = []
            for w in 0..<writers {
                let new = candidates[r][w]
                procs.append((new, try CLI.Running(CLI.accordBinary, ["update-ref", "-m", Self.message(r, w), ref, new, current],
                                                   cwd: gitDir, env: env, input: [])))
            }
            // A reader racing with the writers never sees a torn or unknown value.
            let reader = try CLI.Running(CLI.accordBinary, ["rev-parse", ref], cwd: gitDir, env: env, input: [])
            let results = procs.map { ($0.0, $0.1.wait()) }
            let read = reader.wait()
            let won = results.filter { $0.1.status == 0 }
            #expect(won.count == 1, "round \(r): \(won.count) winners")
            for (_, loser) in results where loser.status != 0 {
                #expect(loser.status == 128, "round \(r): loser exit \(loser.status)")
                #expect(loser.err.hasPrefix("fatal:"), "round \(r): \(loser.err)")
                #expect(loser.err.contains("file exists") || loser.err.contains("expected"), "round \(r): unclear error: \(loser.err)")
            }
            #expect(read.status == 0, "round \(r): reader failed: \(read.err)")
            #expect(read.trimmed == current || results.contains { $0.0 == read.trimmed }, "round \(r): reader saw '\(read.trimmed)'")
            let content = String(decoding: FileManager.default.contents(atPath: refPath) ?? Data(), as: UTF8.self)
            #expect(content.count == 65 && content.hasSuffix("\n") && isHexID(content.dropLast()), "round \(r): ref file '\(content)'")
            guard let winner = won.first?.0 else { break }
            #expect(content == winner + "\n", "round \(r): the ref holds the winner's value")
            winners.append(winner)
            winnerMessages.append(Self.message(r, candidates[r].firstIndex(of: winner) ?? -1))
            current = winner
            if !won.isEmpty && r % 50 == 0 {
                #expect(!FileManager.default.fileExists(atPath: refPath + ".lock"), "round \(r): lock left behind")
            }
        }
        #expect(winners.count == rounds)
        #expect(!FileManager.default.fileExists(atPath: refPath + ".lock"))

        // Exactly one reflog entry per successful update, chained old → new, each with the
        // message of the writer that won that round (not a loser's, which would mean a loser
        // wrote the reflog line or the winner's line was lost).
        let log = String(decoding: FileManager.default.contents(atPath: "\(gitDir)/logs/\(ref)") ?? Data(), as: UTF8.self)
        let lines = log.split(separator: "\n")
        #expect(lines.count == rounds + 1)
        var prev = String(repeating: "0", count: 64)
        let expectedMessages = ["update-ref"] + winnerMessages
        for (i, line) in lines.enumerated() {
            let old = String(line.prefix(64)), new = String(line.dropFirst(65).prefix(64))
            #expect(old == prev, "reflog line \(i + 1)")
            let expected = i == 0 ? first : (i - 1 < winners.count ? winners[i - 1] : "(no such update)")
            #expect(new == expected, "reflog line \(i + 1)")
            let message = line.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false).dropFirst().first.map(String.init)
            #expect(message == (i < expectedMessages.count ? expectedMessages[i] : "(no such update)"), "reflog line \(i + 1) message")
            prev = new
        }
        let json = s.accord("reflog", "--json", ref, cwd: gitDir)
        #expect(json.lines.count == rounds + 1)
        // `accord reflog --json` lists them newest first, with the same values and messages.
        let entries = try json.lines.map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
        #expect(entries.compactMap { $0["message"] as? String } == expectedMessages.reversed())
        #expect(entries.compactMap { $0["new"] as? String } == ([first] + winners).reversed())
        #expect(entries.allSatisfy { $0["ref"] as? String == ref })
        // git reads the reflog and the ref the same way.
        #expect(s.gitOK("--git-dir=\(gitDir)", "rev-parse", ref) == current)
        #expect(s.gitOK("--git-dir=\(gitDir)", "rev-parse", "\(ref)@{\(rounds)}") == first)
        #expect(s.gitOK("--git-dir=\(gitDir)", "rev-parse", "\(ref)@{1}") == winners[rounds - 2])
        #expect(s.accord("fsck", cwd: gitDir).status == 0)
    }

    static func message(_ round: Int, _ writer: Int) -> String { "round \(round) writer \(writer)" }

    /// Many processes creating the same new ref with OLD = "" (must not exist): one wins.
    @Test func createIfAbsentHasExactlyOneWinner() throws {
        let s = Sandbox()
        s.ok("init", "-q", "--bare", "hub.git")
        let gitDir = "\(s.root)/hub.git"
        let repo = try Repository(gitDir: gitDir)
        let env = s.env()
        for r in 0..<20 {
            let ids = try (0..<4).map { try repo.objects.write(type: .blob, payload: Array("c\(r)-\($0)".utf8)).hex }
            let ref = "refs/heads/new-\(r)"
            let procs = try ids.map { try CLI.Running(CLI.accordBinary, ["update-ref", ref, $0, ""], cwd: gitDir, env: env, input: []) }
            let results = procs.map { $0.wait() }
            #expect(results.filter { $0.status == 0 }.count == 1, "round \(r)")
            let value = s.ok("rev-parse", ref, cwd: gitDir)
            #expect(ids.contains(value))
            #expect(String(decoding: FileManager.default.contents(atPath: "\(gitDir)/logs/\(ref)") ?? Data(), as: UTF8.self)
                .split(separator: "\n").count == 1)
        }
    }
}
