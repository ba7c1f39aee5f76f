import Foundation
import AccordTestSupport
import Testing

/// Accord's own client against `accord serve`: clone, sync, the changes feed, partial replicas,
/// a race between two syncs, and tokens kept outside the repository.
extension Hub {
@Suite("HubSync", .serialized, .enabled(if: HubTools.ready, Comment(rawValue: HubTools.missing)))
struct HubSyncTests {
    func withHub(_ body: (HubWorld, HubProcess) throws -> Void) throws {
        let w = try HubWorld()
        try w.setUp()
        let hub = try HubProcess(w)
        defer { _ = hub.stop() }
        try body(w, hub)
    }

    /// `accord ARGS` as `person` with their token.
    func accord(_ w: HubWorld, _ args: [String], in cwd: String? = nil, as person: String) -> HubRun {
        w.run(HubTools.accord, args, cwd: cwd, as: person, env: ["ACCORD_TOKEN": w.tokens[person] ?? ""])
    }

    func contracts(_ w: HubWorld, _ repo: String) -> [String: String] {
        w.refs(gitDir: "\(repo)/.accord", "refs/contracts")
    }

    /// Two replicas edit the same contract and sync at the same moment: both syncs succeed (the
    /// loser pulls, merges and pushes again), the hub ends with both edits, every replica agrees.
    /// A sync with nothing new then costs one request: the feed's.
    @Test func twoSyncsRaceAndBothEditsArrive() throws {
        try withHub { w, hub in
            #expect(accord(w, ["clone", "-q", hub.url, "east"], as: "zhang").status == 0)
            #expect(accord(w, ["clone", "-q", hub.url, "hq2"], as: "admin").status == 0)
            let east = "\(w.root)/east", hq = "\(w.root)/hq2"
            #expect(contracts(w, east).keys.sorted() == [HubWorld.east], "the East rep's replica holds only East's contract")
            #expect(contracts(w, hq).count == 2)
            w.accordOK("set", "HT-2026-001", "buyer.phone=021-1111", cwd: east, as: "zhang")
            w.accordOK("set", "HT-2026-001", "buyer.contact=Li", cwd: hq, as: "admin")
            let a = try w.start(HubTools.accord, ["sync", "-q"], cwd: east, as: "zhang", env: ["ACCORD_TOKEN": w.tokens["zhang"] ?? ""])
            let b = try w.start(HubTools.accord, ["sync", "-q"], cwd: hq, as: "admin", env: ["ACCORD_TOKEN": w.tokens["admin"] ?? ""])
            let (ra, rb) = (a.wait(), b.wait())
            #expect(ra.status == 0, "east sync: \(ra.err)")
            #expect(rb.status == 0, "hq sync: \(rb.err)")
            // Whoever pushed first, the other side still has to pick up the winner's edit.
            #expect(accord(w, ["sync", "-q"], in: east, as: "zhang").status == 0)
            #expect(accord(w, ["sync", "-q"], in: hq, as: "admin").status == 0)
            let head = try #require(w.hubRef(HubWorld.east))
            #expect(contracts(w, east)[HubWorld.east] == head)
            #expect(contracts(w, hq)[HubWorld.east] == head)
            let shown = w.accordOK("show", "HT-2026-001", cwd: hq, as: "admin")
            #expect(shown.contains("021-1111") && shown.contains("Li"), "both edits are on the hub's head: \(shown)")
            w.gitOK("--git-dir", w.hub, "fsck", "--strict")

            // Nothing new: one GET of the feed, nothing else.
            let before = hub.log.components(separatedBy: "\n").count
            let quiet = accord(w, ["sync"], in: east, as: "zhang")
            #expect(quiet.status == 0 && quiet.out.contains("in sync with origin"), "\(quiet.out)\(quiet.err)")
            let lines = hub.log.components(separatedBy: "\n").dropFirst(before - 1).filter { $0.contains("accord.hub") && $0.contains(" 200") }
            #expect(lines.count == 1 && lines.first?.contains("GET /accord/changes") == true, "requests of a sync with nothing new: \(lines)")
        }
    }

    /// A contract's tags go with it: `accord push` over HTTP sends the East rep's tag, the hub
    /// checks it (it names a version of that contract) and lists it in the feed, and the next sync
    /// of head office brings it; a tag is never moved; the West rep may not tag East's contract;
    /// a tag naming a commit of another contract is refused.
    @Test func aContractsTagsArePushedCheckedAndSynced() throws {
        try withHub { w, hub in
            #expect(accord(w, ["clone", "-q", hub.url, "east"], as: "zhang").status == 0)
            #expect(accord(w, ["clone", "-q", hub.url, "hq2"], as: "admin").status == 0)
            let east = "\(w.root)/east", hq = "\(w.root)/hq2"
            w.accordOK("set", "HT-2026-001", "buyer.phone=021-7777", cwd: east, as: "zhang")
            w.accordOK("tag", "HT-2026-001", "quoted", cwd: east, as: "zhang")
            let pushed = accord(w, ["push", "origin"], in: east, as: "zhang")
            #expect(pushed.status == 0 && (pushed.out + pushed.err).contains("[new tag]"), "\(pushed.out)\(pushed.err)")
            let tag = w.gitOK("--git-dir", "\(east)/.accord", "rev-parse", "refs/tags/HT-2026-001/quoted", as: "zhang")
            #expect(w.gitOK("--git-dir", w.hub, "rev-parse", "refs/tags/HT-2026-001/quoted") == tag)
            #expect(w.gitOK("--git-dir", w.hub, "cat-file", "-t", tag) == "tag")
            w.gitOK("--git-dir", w.hub, "fsck", "--strict")
            let synced = accord(w, ["sync", "-q"], in: hq, as: "admin")
            #expect(synced.status == 0, "\(synced.err)")
            #expect(w.gitOK("--git-dir", "\(hq)/.accord", "rev-parse", "refs/tags/HT-2026-001/quoted") == tag, "the feed brought the tag")
            #expect(accord(w, ["push", "origin"], in: east, as: "zhang").status == 0, "pushing again: nothing to do")

            // Moved on the rep's side (by hand): refused here, never sent.
            let other = w.gitOK("--git-dir", "\(east)/.accord", "rev-parse", "refs/contracts/HT-2026-001~1", as: "zhang")
            w.gitOK("--git-dir", "\(east)/.accord", "update-ref", "refs/tags/HT-2026-001/quoted", other, as: "zhang")
            let moved = accord(w, ["push", "origin"], in: east, as: "zhang")
            #expect(moved.status != 0 && (moved.out + moved.err).contains("never moved"), "\(moved.out)\(moved.err)")
            #expect(w.gitOK("--git-dir", w.hub, "rev-parse", "refs/tags/HT-2026-001/quoted") == tag)

            // A tag of East's contract, from the West rep (a replica holding East's contract by path).
            let west = try w.replica("west", as: "wang")
            w.gitOK("--git-dir", "\(west)/.accord", "config", "remote.origin.url", hub.url, as: "wang")
            w.accordOK("tag", "HT-2026-001", "wests", cwd: west, as: "wang")
            let forbidden = accord(w, ["push", "origin"], in: west, as: "wang")
            #expect((forbidden.out + forbidden.err).contains("forbidden: contract HT-2026-001"), "\(forbidden.out)\(forbidden.err)")
            #expect(w.git("--git-dir", w.hub, "rev-parse", "--verify", "-q", "refs/tags/HT-2026-001/wests").status != 0)

            // West's own contract with a tag naming East's commit: refused by the hub's check.
            let eastHead = w.gitOK("--git-dir", "\(west)/.accord", "rev-parse", "refs/contracts/HT-2026-001", as: "wang")
            w.gitOK("--git-dir", "\(west)/.accord", "update-ref", "-d", "refs/tags/HT-2026-001/wests", as: "wang")
            w.gitOK("--git-dir", "\(west)/.accord", "update-ref", "refs/tags/HT-2026-002/borrowed", eastHead, as: "wang")
            let borrowed = accord(w, ["push", "origin", "refs/contracts/HT-2026-002"], in: west, as: "wang")
            #expect(borrowed.status != 0 && (borrowed.out + borrowed.err).contains("not in the history of contract HT-2026-002"), "\(borrowed.out)\(borrowed.err)")
            #expect(w.git("--git-dir", w.hub, "rev-parse", "--verify", "-q", "refs/tags/HT-2026-002/borrowed").status != 0)
            #expect(!hub.log.contains(" 500 "), "no server error: \(hub.log)")
        }
    }

    /// Head office moves a contract from East to West: it leaves the East rep's replica at the
    /// next sync and enters the West rep's.
    @Test func aContractMovedToAnotherOfficeChangesReplicas() throws {
        try withHub { w, hub in
            #expect(accord(w, ["clone", "-q", hub.url, "east"], as: "zhang").status == 0)
            #expect(accord(w, ["clone", "-q", hub.url, "west"], as: "wang").status == 0)
            #expect(accord(w, ["clone", "-q", hub.url, "hq2"], as: "admin").status == 0)
            let east = "\(w.root)/east", west = "\(w.root)/west", hq = "\(w.root)/hq2"
            #expect(contracts(w, east).keys.sorted() == [HubWorld.east])
            #expect(contracts(w, west).keys.sorted() == [HubWorld.west])
            w.accordOK("set", "HT-2026-001", "office=West", cwd: hq, as: "admin")
            #expect(accord(w, ["sync", "-q"], in: hq, as: "admin").status == 0)
            let e = accord(w, ["sync", "-q"], in: east, as: "zhang")
            #expect(e.status == 0, "\(e.err)")
            #expect(contracts(w, east).isEmpty, "the contract left the East replica: \(contracts(w, east))")
            let wr = accord(w, ["sync", "-q"], in: west, as: "wang")
            #expect(wr.status == 0, "\(wr.err)")
            #expect(contracts(w, west)[HubWorld.east] == w.hubRef(HubWorld.east), "the contract entered the West replica")
            // The East rep cannot fetch it any more, by name or by id.
            let listed = w.gitOK("ls-remote", hub.url("zhang", w.tokens["zhang"] ?? ""), as: "zhang")
            #expect(!listed.contains("HT-2026-001"))
        }
    }

    /// A token kept with `accord credential store` (read from standard input) serves every later
    /// command; it is in a 0600 file of the user's, never in the repository's config.
    @Test func credentialStoreKeepsTheTokenOutOfTheRepository() throws {
        try withHub { w, hub in
            let token = w.tokens["zhang"] ?? ""
            let tokenFile = "\(w.root)/zhang.token"
            try (token + "\n").write(toFile: tokenFile, atomically: true, encoding: .utf8)
            let stored = w.run("/bin/sh", ["-c", "'\(HubTools.accord)' credential store '\(hub.url)' --person zhang@example.cn < '\(tokenFile)'"], as: "zhang")
            #expect(stored.status == 0, "\(stored.err)")
            let file = "\(w.root)/home/accord/credentials"
            let mode = (try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int) ?? 0
            #expect(mode == 0o600)
            let clone = w.run(HubTools.accord, ["clone", "-q", hub.url, "east"], as: "zhang")
            #expect(clone.status == 0, "\(clone.err)")
            let config = (try? String(contentsOfFile: "\(w.root)/east/.accord/config", encoding: .utf8)) ?? ""
            #expect(!config.contains(token) && config.contains(hub.url))
            // A URL with a token in it is refused, and the token is not echoed.
            let leaky = hub.url.replacingOccurrences(of: "://", with: "://zhang%40example.cn:\(token)@")
            let r = w.run(HubTools.accord, ["clone", "-q", leaky, "leaky"], as: "zhang")
            #expect(r.status != 0 && !r.err.contains(token), "\(r.err)")
        }
    }

    /// A hub killed after a push moved a ref and before the feed recorded it: once restarted, the
    /// feed has the change (reconciled with the refs), so a replica's sync still brings it.
    @Test func aHubKilledBeforeItsFeedLineLosesNothing() throws {
        let w = try HubWorld()
        try w.setUp()
        var hub = try HubProcess(w)
        #expect(accord(w, ["clone", "-q", hub.url, "east"], as: "zhang").status == 0)
        #expect(accord(w, ["clone", "-q", hub.url, "hq2"], as: "admin").status == 0)
        _ = hub.stop()
        hub = try HubProcess(w, env: ["ACCORD_TEST_FAULT": "hub-before-feed"])
        let hq = "\(w.root)/hq2", east = "\(w.root)/east"
        // Each start listens on a new port: the replicas follow it.
        func follow(_ hub: HubProcess) {
            for r in [hq, east] { w.accordOK("config", "remote.origin.url", hub.url, cwd: r) }
        }
        follow(hub)
        w.accordOK("set", "HT-2026-001", "buyer.phone=021-9999", cwd: hq, as: "admin")
        let pushed = accord(w, ["push", "-q"], in: hq, as: "admin")
        #expect(pushed.status != 0, "the hub died before answering: \(pushed.out) \(pushed.err)")
        let died = hub.stop()
        #expect(died.status == 99, "killed at the fault point: \(died.err.suffix(800)) / push said: \(pushed.err)")
        let head = try #require(w.refs(gitDir: "\(hq)/.accord", "refs/contracts")[HubWorld.east])
        #expect(w.hubRef(HubWorld.east) == head, "the ref moved before the kill")
        w.gitOK("--git-dir", w.hub, "fsck", "--strict")

        hub = try HubProcess(w)
        defer { _ = hub.stop() }
        follow(hub)
        let synced = accord(w, ["sync", "-q"], in: east, as: "zhang")
        #expect(synced.status == 0, "\(synced.err)")
        #expect(contracts(w, east)[HubWorld.east] == head, "the East replica got the change the feed missed at the kill")
        #expect(accord(w, ["sync", "-q"], in: hq, as: "admin").status == 0)
    }

    /// Head office works on the hub's repository itself while the hub serves (`accord set` run
    /// there): the replicas get each change at their next sync, through the feed, with no
    /// restart; a sync with nothing new is then again one request.
    @Test func refsMovedBehindTheHubsBackReachTheFeed() throws {
        try withHub { w, hub in
            #expect(accord(w, ["clone", "-q", hub.url, "east"], as: "zhang").status == 0)
            #expect(accord(w, ["clone", "-q", hub.url, "hq2"], as: "admin").status == 0)
            let east = "\(w.root)/east", hq = "\(w.root)/hq2"
            #expect(accord(w, ["sync", "-q"], in: east, as: "zhang").status == 0)
            let before = w.hubRef(HubWorld.east)
            let onHub = w.run(HubTools.accord, ["set", "HT-2026-001", "buyer.phone=021-7777"], as: "admin", env: ["ACCORD_DIR": w.hub])
            #expect(onHub.status == 0, "\(onHub.err)")
            let head = try #require(w.hubRef(HubWorld.east))
            #expect(head != before)
            let synced = accord(w, ["sync", "-q"], in: east, as: "zhang")
            #expect(synced.status == 0, "\(synced.err)")
            #expect(contracts(w, east)[HubWorld.east] == head, "the East replica got the change made on the hub's repository")
            #expect(w.accordOK("show", "HT-2026-001", cwd: east, as: "zhang").contains("021-7777"))
            // Another contract, seen by head office's replica.
            let west = w.run(HubTools.accord, ["set", "HT-2026-002", "buyer.contact=Wu"], as: "admin", env: ["ACCORD_DIR": w.hub])
            #expect(west.status == 0, "\(west.err)")
            #expect(accord(w, ["sync", "-q"], in: hq, as: "admin").status == 0)
            #expect(contracts(w, hq)[HubWorld.west] == w.hubRef(HubWorld.west))
            #expect(contracts(w, hq)[HubWorld.east] == head)
            // Caught up: nothing new is one GET of the feed again.
            let count = hub.log.components(separatedBy: "\n").count
            let quiet = accord(w, ["sync"], in: east, as: "zhang")
            #expect(quiet.status == 0 && quiet.out.contains("in sync with origin"), "\(quiet.out)\(quiet.err)")
            let lines = hub.log.components(separatedBy: "\n").dropFirst(count - 1).filter { $0.contains("accord.hub") && $0.contains(" 200") }
            #expect(lines.count == 1 && lines.first?.contains("GET /accord/changes") == true, "\(lines)")
        }
    }

    /// SIGTERM while a push is in flight: the hub finishes the push (git reports success, the ref
    /// moved), then exits 0.
    @Test func aHubStoppedGracefullyFinishesThePushInFlight() throws {
        let w = try HubWorld()
        try w.setUp()
        let (east, mine) = try w.replicaWithLargePush()
        let hub = try HubProcess(w)
        let push = try w.start(HubTools.git, ["--git-dir", "\(east)/.accord", "push", hub.url("zhang", w.tokens["zhang"] ?? ""), HubWorld.east], as: "zhang")
        // Stop it once the push is inside (its quarantine exists), or when the push is over.
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, w.quarantinesLeft().isEmpty, push.isRunning { usleep(1_000) }
        let stopped = hub.stop()
        let r = push.wait()
        #expect(r.status == 0, "the push in flight was cut off: \(r.err)")
        #expect(w.hubRef(HubWorld.east) == mine)
        #expect(stopped.status == 0, "\(stopped.err.suffix(800))")
        #expect(w.quarantinesLeft().isEmpty)
        w.gitOK("--git-dir", w.hub, "fsck", "--strict")
    }

    /// A pushing client killed while it sends: the hub keeps serving, its ref is the old one or the
    /// new one (never anything else), nothing of the push stays, and the next push goes through.
    @Test func aClientKilledMidPushLeavesTheHubAsItWas() throws {
        let w = try HubWorld()
        try w.setUp()
        let (east, mine) = try w.replicaWithLargePush()
        let old = w.hubRef(HubWorld.east)
        let hub = try HubProcess(w)
        defer { _ = hub.stop() }
        let objectsBefore = w.hubObjectFiles()
        for delay in [50_000, 200_000, 400_000] as [UInt32] {
            let push = try w.start(HubTools.git, ["--git-dir", "\(east)/.accord", "push", hub.url("zhang", w.tokens["zhang"] ?? ""), HubWorld.east], as: "zhang")
            usleep(delay)
            push.kill(SIGKILL)
            _ = push.wait()
            let ref = w.hubRef(HubWorld.east)
            #expect(ref == old || ref == mine, "the ref is \(ref ?? "missing")")
            if ref == old { #expect(w.hubObjectFiles() == objectsBefore, "a cut-off push left objects") }
        }
        // Whatever the kills cut, the hub answers and the push completes. A killed client's push
        // whose bytes had all arrived is still received (the hub finishes what it was given): the
        // next push can lose the race to it, and is then told so, never anything else.
        var again = HubRun(status: -1, out: "", err: "")
        for _ in 0..<5 {
            again = w.git("--git-dir", "\(east)/.accord", "push", hub.url("zhang", w.tokens["zhang"] ?? ""), HubWorld.east, as: "zhang")
            if again.status == 0 { break }
            #expect(again.err.contains("stale info"), "\(again.err)")
            usleep(500_000)
        }
        #expect(again.status == 0, "\(again.err)\nhub: \(hub.log.suffix(1500))")
        #expect(w.hubRef(HubWorld.east) == mine)
        #expect(w.quarantinesLeft().isEmpty)
        w.gitOK("--git-dir", w.hub, "fsck", "--strict")
        // A client that vanished is its own fault: no internal error is logged for it.
        #expect(!hub.log.contains("request failed"), "\(hub.log.suffix(1500))")
    }

    /// A push larger than the hub takes (`--max-push-mib`) is refused with 413 before anything of
    /// it is stored.
    @Test func aPushOverTheSizeLimitIsRefused() throws {
        let w = try HubWorld()
        try w.setUp()
        let (east, _) = try w.replicaWithLargePush()
        let old = w.hubRef(HubWorld.east)
        let objects = w.hubObjectFiles()
        let hub = try HubProcess(w, extra: ["--max-push-mib", "1"])
        defer { _ = hub.stop() }
        let r = w.git("--git-dir", "\(east)/.accord", "push", hub.url("zhang", w.tokens["zhang"] ?? ""), HubWorld.east, as: "zhang")
        #expect(r.status != 0)
        #expect(r.err.contains("413"), "\(r.err)")
        #expect(w.hubRef(HubWorld.east) == old)
        #expect(w.hubObjectFiles() == objects)
    }
}}

