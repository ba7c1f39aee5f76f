import Foundation
import AccordTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `accord serve` against stock git 2.39 (protocol v2), curl and openssl: what a user checks.
extension Hub {
@Suite("HubInterop", .serialized, .enabled(if: HubTools.ready, Comment(rawValue: HubTools.missing)))
struct HubInteropTests {
    static let east = HubWorld.east
    static let west = HubWorld.west

    /// Sets up a world, starts a hub, runs `body`, always stops the hub.
    func withHub(_ extra: [String] = [], _ body: (HubWorld, HubProcess) throws -> Void) throws {
        let w = try HubWorld()
        try w.setUp()
        let hub = try HubProcess(w, extra: extra)
        defer {
            let end = hub.stop()
            #expect(end.status == 0, "the hub did not stop cleanly on SIGTERM (\(end.status)): \(end.err.suffix(1500))")
        }
        try body(w, hub)
    }

    func v2(_ args: String...) -> [String] { ["-c", "protocol.version=2"] + args }

    // MARK: 1. clone, incremental fetch, push

    @Test func cloneFetchAndPushWithStockGit() throws {
        try withHub { w, hub in
            let admin = hub.url("admin", w.tokens["admin"]!)
            let mirror = "\(w.root)/mirror.git"
            w.ok(HubTools.git, v2("clone", "-q", "--mirror", admin, mirror))
            let hubRefs = w.hubRefs()
            #expect(hubRefs.keys.contains(Self.east) && hubRefs.keys.contains(Self.west))
            #expect(w.refs(gitDir: mirror, "refs/contracts", "refs/accord") == hubRefs)
            w.gitOK("--git-dir", mirror, "fsck", "--strict")

            // A signed edit by the East rep, pushed with git from an accord replica.
            let east = try w.replica("east", as: "zhang")
            w.accordOK("set", "HT-2026-001", "buyer.phone=021-1111", cwd: east, as: "zhang")
            let before = hubRefs[Self.east]!
            w.ok(HubTools.git, ["--git-dir", "\(east)/.accord", "push", hub.url("zhang", w.tokens["zhang"]!), Self.east], as: "zhang")
            let after = w.hubRef(Self.east)
            #expect(after != before)
            #expect(after == w.gitOK("--git-dir", "\(east)/.accord", "rev-parse", Self.east))

            w.ok(HubTools.git, ["--git-dir", mirror] + v2("fetch", "-q"))
            #expect(w.gitOK("--git-dir", mirror, "rev-parse", Self.east) == after)
            // Exactly the new commit arrived: one commit between the old and the new.
            #expect(w.gitOK("--git-dir", mirror, "rev-list", "\(before)..\(after!)").split(separator: "\n") == [Substring(after!)])
            #expect(w.refs(gitDir: mirror, "refs/contracts", "refs/accord") == w.hubRefs())
            w.gitOK("--git-dir", mirror, "fsck", "--strict")

            // A head-office push of an Accord-made commit (West's contract).
            let hq = try w.replica("hqrep", as: "admin")
            w.accordOK("set", "HT-2026-002", "buyer.phone=010-2222", cwd: hq)
            let mine = w.gitOK("--git-dir", "\(hq)/.accord", "rev-parse", Self.west)
            #expect(mine != hubRefs[Self.west])
            w.ok(HubTools.git, ["--git-dir", "\(hq)/.accord", "push", admin, Self.west])
            #expect(w.hubRef(Self.west) == mine)
            w.gitOK("--git-dir", w.hub, "fsck", "--strict")
        }
    }

    // MARK: 3. authorization attacks

    @Test func noWrongOrRevokedTokenIsRefused() throws {
        try withHub { w, hub in
            let env = ["GIT_TERMINAL_PROMPT": "0"]
            // No credentials at all.
            let bare = w.git("-c", "protocol.version=2", "clone", "-q", "--mirror", hub.url + "/", "\(w.root)/none.git", env: env)
            #expect(bare.status != 0)
            #expect(!FileManager.default.fileExists(atPath: "\(w.root)/none.git/packed-refs"))
            let c = w.run(HubTools.curl!, ["-s", "-i", hub.url + "/info/refs?service=git-upload-pack"])
            #expect(c.out.hasPrefix("HTTP/1.1 401"), "\(c.out)")
            #expect(c.out.lowercased().contains("www-authenticate: basic"), "\(c.out)")
            // A wrong token (the right person), and a token of someone else's with the wrong email.
            let wrong = w.git("-c", "protocol.version=2", "ls-remote", hub.url("zhang", "not-a-token"), env: env)
            #expect(wrong.status != 0)
            #expect(!wrong.out.contains("refs/contracts"))
            let swapped = w.git("-c", "protocol.version=2", "ls-remote", hub.url("zhang", w.tokens["wang"]!), env: env)
            #expect(swapped.status != 0, "wang's token accepted for zhang: \(swapped.out)")
            let bearer = w.run(HubTools.curl!, ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Authorization: Bearer nope",
                                               hub.url + "/info/refs?service=git-upload-pack"])
            #expect(bearer.out == "401")
            let goodBearer = w.run(HubTools.curl!, ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Git-Protocol: version=2", "-H", "Authorization: Bearer \(w.tokens["zhang"]!)",
                                                   hub.url + "/info/refs?service=git-upload-pack"])
            #expect(goodBearer.out == "200")

            // A revoked token: works, is revoked while the hub runs, then fails on the next request.
            let zhang = hub.url("zhang", w.tokens["zhang"]!)
            #expect(w.git("-c", "protocol.version=2", "ls-remote", zhang, env: env).status == 0)
            w.accordOK("serve", "token", "revoke", "zhang@example.cn", cwd: w.hub)
            let list = w.accordOK("serve", "token", "list", cwd: w.hub)
            #expect(list.split(separator: "\n").contains { $0.contains("zhang@example.cn") && $0.contains("revoked") }, "\(list)")
            let revoked = w.git("-c", "protocol.version=2", "ls-remote", zhang, env: env)
            #expect(revoked.status != 0, "a revoked token still works: \(revoked.out)")
            #expect(!revoked.out.contains("refs/contracts"))
            // Others are unaffected.
            #expect(w.git("-c", "protocol.version=2", "ls-remote", hub.url("wang", w.tokens["wang"]!), env: env).status == 0)

            let log = hub.log
            #expect(log.contains("refused") && log.contains("401"), "hub log: \(log.suffix(2000))")
        }
    }

    @Test func theEastRepNeitherSeesNorFetchesTheWestContract() throws {
        try withHub { w, hub in
            let zhang = hub.url("zhang", w.tokens["zhang"]!)
            let westID = w.hubRef(Self.west)!
            let ls = w.git("-c", "protocol.version=2", "ls-remote", zhang)
            #expect(ls.status == 0, "\(ls.err)")
            #expect(ls.out.contains(Self.east) && ls.out.contains("refs/accord/organisation"))
            #expect(!ls.out.contains("HT-2026-002") && !ls.out.contains(westID), "\(ls.out)")
            // The v0 advertisement (this hub refuses v0 fetches) never shows it either.
            let v0 = w.git("-c", "protocol.version=0", "ls-remote", zhang)
            #expect(!v0.out.contains("HT-2026-002") && !v0.out.contains(westID), "\(v0.out) \(v0.err)")

            // A want by id for West's commit.
            let scratch = "\(w.root)/scratch.git"
            w.gitOK("init", "-q", "--bare", "--object-format=sha256", scratch)
            let want = w.git("--git-dir", scratch, "-c", "protocol.version=2", "fetch", zhang, westID)
            #expect(want.status != 0, "West's commit fetched by id by the East rep")
            #expect(w.git("--git-dir", scratch, "cat-file", "-e", westID).status != 0)
            // The hub answers with git's ERR packet, which git shows as a remote error.
            #expect(want.err.contains("remote error: upload-pack: not our ref \(westID)"), "\(want.err)")
            // A mirror clone as East holds none of West's objects.
            let m = "\(w.root)/east-mirror.git"
            w.ok(HubTools.git, v2("clone", "-q", "--mirror", zhang, m))
            #expect(w.git("--git-dir", m, "cat-file", "-e", westID).status != 0)
            #expect(!w.gitOK("--git-dir", m, "for-each-ref").contains("HT-2026-002"))
            let log = hub.log
            #expect(log.contains("refused") && log.contains("not our ref"), "hub log: \(log.suffix(2000))")
        }
    }

    /// A push to a ref the caller cannot see arrives with old id zero (git saw no such ref): the
    /// office is checked before the compare-and-swap, so the answer is "forbidden" and says
    /// nothing of where the hidden contract is.
    @Test func aPushToWestsContractByTheEastRepIsForbidden() throws {
        try withHub { w, hub in
            let westBefore = w.hubRef(Self.west)!
            // A valid, signed head-office edit of West's contract, pushed by the East rep.
            let hq = try w.replica("hqrep", as: "admin")
            w.accordOK("set", "HT-2026-002", "buyer.phone=010-3333", cwd: hq)
            let r = w.git("--git-dir", "\(hq)/.accord", "push", hub.url("zhang", w.tokens["zhang"]!), Self.west, as: "zhang")
            #expect(r.status != 0)
            let line = r.err.split(separator: "\n").first { $0.contains("[remote rejected]") } ?? ""
            #expect(line.contains(Self.west) && line.contains("forbidden"), "git said: \(r.err)")
            #expect(!r.err.contains(String(westBefore.prefix(12))), "the push's answer leaks West's hidden commit id: \(r.err)")
            #expect(w.hubRef(Self.west) == westBefore)
            // Creating a new ref for a West contract (office West) is forbidden too.
            let r2 = w.git("--git-dir", "\(hq)/.accord", "push", hub.url("zhang", w.tokens["zhang"]!),
                           "\(Self.west):refs/contracts/HT-2026-099", as: "zhang")
            #expect(r2.status != 0)
            #expect(r2.err.contains("[remote rejected]") && (r2.err.contains("forbidden") || r2.err.contains("refused")), "\(r2.err)")
            #expect(w.hubRef("refs/contracts/HT-2026-099") == nil)
            #expect(hub.log.contains("push refused"), "hub log: \(hub.log.suffix(2000))")
        }
    }

    @Test func forgedCommitsAreRefusedAndLeaveNoObjects() throws {
        try withHub { w, hub in
            let east = try w.replica("east", as: "zhang")
            let gd = "\(east)/.accord"
            let zhang = hub.url("zhang", w.tokens["zhang"]!)
            let eastBefore = w.hubRef(Self.east)!
            // A tree that differs from the contract's: a new file next to its own.
            let blob = w.run(HubTools.git, ["--git-dir", gd, "hash-object", "-w", "--stdin"], as: "zhang")
            #expect(blob.status == 0)
            let base = w.gitOK("--git-dir", gd, "rev-parse", "\(Self.east)^{tree}", as: "zhang")
            let lsTree = w.gitOK("--git-dir", gd, "ls-tree", base, as: "zhang")
            let emptyBlob = blob.trimmed
            let newTree = try w.mktree(gd, lsTree + "\n100644 blob \(emptyBlob)\tforged.txt")
            let objectsBefore = w.hubObjectFiles()

            // Signed by nobody.
            let unsigned = w.gitOK("--git-dir", gd, "commit-tree", newTree, "-p", eastBefore, "-m", "forged: unsigned", as: "zhang")
            // Signed with a key that is not in the organisation.
            let stranger = w.gitOK("--git-dir", gd, "-c", "gpg.format=ssh", "-c", "user.signingkey=\(w.key("stranger"))",
                                   "commit-tree", "-S", newTree, "-p", eastBefore, "-m", "forged: stranger", as: "zhang")
            for forged in [unsigned, stranger] {
                let r = w.git("--git-dir", gd, "push", zhang, "\(forged):\(Self.east)", as: "zhang")
                #expect(r.status != 0, "forged \(forged) accepted")
                let line = r.err.split(separator: "\n").first { $0.contains("[remote rejected]") } ?? ""
                #expect(line.contains("refused:"), "git said: \(r.err)")
                #expect(w.hubRef(Self.east) == eastBefore)
                #expect(w.git("--git-dir", w.hub, "cat-file", "-e", forged).status != 0, "\(forged) left on the hub")
                #expect(w.quarantinesLeft().isEmpty, "\(w.quarantinesLeft())")
            }
            #expect(w.hubObjectFiles() == objectsBefore)
            w.gitOK("--git-dir", w.hub, "fsck", "--strict")
            #expect(hub.log.contains("push refused"), "hub log: \(hub.log.suffix(2000))")
        }
    }

    /// Well-formed contract commits whose only fault is their authority or their rules, made
    /// with stock git from an honest edit's own tree and message: unsigned, signed by a stranger,
    /// signed by the rep but claiming a role the rep does not hold, and a status jump the
    /// lifecycle forbids. Each is refused by the hub's checks and leaves nothing; the honest
    /// commit itself is then accepted, so the refusals are the checks', not the forging's.
    @Test func wellFormedButUnauthorisedCommitsAreRefused() throws {
        try withHub { w, hub in
            let east = try w.replica("east", as: "zhang")
            let gd = "\(east)/.accord"
            let zhang = hub.url("zhang", w.tokens["zhang"]!)
            let before = w.hubRef(Self.east)!
            w.accordOK("set", "HT-2026-001", "buyer.phone=021-4242", cwd: east, as: "zhang")
            let honest = w.gitOK("--git-dir", gd, "rev-parse", Self.east, as: "zhang")
            let raw = w.gitOK("--git-dir", gd, "cat-file", "commit", honest, as: "zhang")
            let message = raw.components(separatedBy: "\n\n").dropFirst().joined(separator: "\n\n")
            #expect(message.contains("Accord-Role: salesRep"), "\(raw)")
            let authorLine = raw.split(separator: "\n").first { $0.hasPrefix("author ") }.map(String.init) ?? ""
            let who = authorLine.dropFirst("author ".count)
            let name = String(who[..<(who.firstIndex(of: "<") ?? who.endIndex)]).trimmingCharacters(in: .whitespaces)
            let email = String(who.split(separator: "<").last?.split(separator: ">").first ?? "")
            let date = who.split(separator: ">").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            let env = ["GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email, "GIT_AUTHOR_DATE": date,
                       "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email, "GIT_COMMITTER_DATE": date]
            let tree = w.gitOK("--git-dir", gd, "rev-parse", "\(honest)^{tree}", as: "zhang")
            func commit(_ tree: String, _ message: String, key: String?) -> String {
                var args = ["--git-dir", gd]
                if let key { args += ["-c", "gpg.format=ssh", "-c", "user.signingkey=\(key)"] }
                args += ["commit-tree"] + (key == nil ? [] : ["-S"]) + [tree, "-p", before, "-m", message]
                let r = w.run(HubTools.git, args, as: "zhang", env: env)
                #expect(r.status == 0, "\(r.err)")
                return r.trimmed
            }
            // The same edit with its status jumped to signed (a new contract.json in the same tree).
            let contractBlob = w.gitOK("--git-dir", gd, "rev-parse", "\(honest):contract.json", as: "zhang")
            let contractText = w.gitOK("--git-dir", gd, "cat-file", "blob", contractBlob, as: "zhang")
            let jumped = contractText.replacingOccurrences(of: #""status": "draft""#, with: #""status": "signed""#)
            #expect(jumped != contractText, "the East contract is a draft")
            let jumpedFile = "\(w.root)/jumped.json"
            FileManager.default.createFile(atPath: jumpedFile, contents: Data((jumped + "\n").utf8))
            let jumpedBlob = w.gitOK("--git-dir", gd, "hash-object", "-w", jumpedFile, as: "zhang")
            let jumpedTree = try w.mktree(gd, w.gitOK("--git-dir", gd, "ls-tree", tree, as: "zhang").replacingOccurrences(of: contractBlob, with: jumpedBlob))
            let objectsBefore = w.hubObjectFiles()

            let forged: [(what: String, id: String, reason: String)] = [
                ("unsigned", commit(tree, message, key: nil), "not signed"),
                ("a stranger's key", commit(tree, message, key: w.key("stranger")), "belongs to no person of the organisation"),
                ("a role the rep does not hold", commit(tree, message.replacingOccurrences(of: "Accord-Role: salesRep", with: "Accord-Role: salesHead"), key: w.key("zhang")), "a role they do not hold"),
                ("a status jump", commit(jumpedTree, message, key: w.key("zhang")), "only through a lifecycle command"),
            ]
            for f in forged {
                let r = w.git("--git-dir", gd, "push", zhang, "\(f.id):\(Self.east)", as: "zhang")
                let line = r.err.split(separator: "\n").first { $0.contains("[remote rejected]") } ?? ""
                #expect(r.status != 0 && line.contains("refused:") && r.err.contains(f.reason), "\(f.what) not refused as expected: \(r.err)")
                #expect(w.hubRef(Self.east) == before, "\(f.what) moved the ref")
                #expect(w.git("--git-dir", w.hub, "cat-file", "-e", f.id).status != 0, "\(f.what): its commit was left on the hub")
                #expect(w.quarantinesLeft().isEmpty)
            }
            #expect(w.hubObjectFiles() == objectsBefore)
            // The honest commit, same tree and message, signed by accord: accepted.
            let ok = w.git("--git-dir", gd, "push", zhang, "\(honest):\(Self.east)", as: "zhang")
            #expect(ok.status == 0, "\(ok.err)")
            #expect(w.hubRef(Self.east) == honest)
            w.gitOK("--git-dir", w.hub, "fsck", "--strict")
        }
    }

    // MARK: 4. a race

    /// Exactly one of two racing pushes wins; the loser is told it lost the race ("stale info",
    /// also when it found the winner holding the ref's lock: never the hub's paths), and converges.
    @Test func twoPushesRaceExactlyOneWinsThenTheLoserConverges() throws {
        try withHub { w, hub in
            let a = try w.replica("east", as: "zhang")
            let b = try w.replica("hqrep", as: "admin")
            w.accordOK("set", "HT-2026-001", "buyer.phone=021-1111", cwd: a, as: "zhang")
            w.accordOK("set", "HT-2026-001", "buyer.contact=Li", cwd: b, as: "admin")
            let ida = w.gitOK("--git-dir", "\(a)/.accord", "rev-parse", Self.east)
            let idb = w.gitOK("--git-dir", "\(b)/.accord", "rev-parse", Self.east)
            #expect(ida != idb)
            let pa = try w.start(HubTools.git, ["--git-dir", "\(a)/.accord", "push", hub.url("zhang", w.tokens["zhang"]!), Self.east], as: "zhang")
            let pb = try w.start(HubTools.git, ["--git-dir", "\(b)/.accord", "push", hub.url("admin", w.tokens["admin"]!), Self.east], as: "admin")
            let ra = pa.wait(), rb = pb.wait()
            #expect((ra.status == 0) != (rb.status == 0), "exactly one push wins: a \(ra.status) \(ra.err) / b \(rb.status) \(rb.err)")
            let (winner, loser, loserDir, loserWho) = ra.status == 0 ? (ida, rb, b, "admin") : (idb, ra, a, "zhang")
            #expect(w.hubRef(Self.east) == winner)
            #expect(loser.err.contains("[remote rejected]") || loser.err.contains("[rejected]"), "\(loser.err)")
            #expect(loser.err.contains("stale info") || loser.err.contains("non-fast-forward") || loser.err.contains("fetch first"), "\(loser.err)")
            #expect(!loser.err.contains(w.hub), "the refusal names the hub's own paths: \(loser.err)")

            // The loser merges from the hub (by path) and pushes again.
            let pull = w.accord("pull", cwd: loserDir, as: loserWho)
            #expect(pull.status == 0, "accord pull: \(pull.err)")
            let merged = w.gitOK("--git-dir", "\(loserDir)/.accord", "rev-parse", Self.east, as: loserWho)
            #expect(w.git("--git-dir", "\(loserDir)/.accord", "merge-base", "--is-ancestor", winner, merged, as: loserWho).status == 0)
            let again = w.git("--git-dir", "\(loserDir)/.accord", "push", hub.url(loserWho, w.tokens[loserWho]!), Self.east, as: loserWho)
            #expect(again.status == 0, "\(again.err)")
            #expect(w.hubRef(Self.east) == merged)
            let show = w.accordOK("show", "HT-2026-001", cwd: loserDir, as: loserWho)
            #expect(show.contains("021-1111") && show.contains("Li"), "\(show)")
            w.gitOK("--git-dir", w.hub, "fsck", "--strict")
        }
    }

    // MARK: 5. the changes feed

    struct Feed: Decodable {
        struct Change: Decodable { var seq: Int; var ref: String; var id: String?; var visible: Bool }
        var feed: String
        var last: Int
        var changes: [Change]
    }

    func feed(_ w: HubWorld, _ hub: HubProcess, _ who: String, _ query: String) throws -> Feed {
        let r = w.run(HubTools.curl!, ["-s", "-f", "-u", "\(who)@example.cn:\(w.tokens[who]!)", hub.url + "/accord/changes?" + query])
        guard r.status == 0 else { throw HubSetupError("curl changes?\(query) as \(who): \(r.status) \(r.err)") }
        return try JSONDecoder().decode(Feed.self, from: Data(r.out.utf8))
    }

    @Test func changesFeedListsAcceptedPushesPerCaller() throws {
        try withHub { w, hub in
            let east = try w.replica("east", as: "zhang")
            let hq = try w.replica("hqrep", as: "admin")
            w.accordOK("set", "HT-2026-001", "buyer.phone=021-1111", cwd: east, as: "zhang")
            w.ok(HubTools.git, ["--git-dir", "\(east)/.accord", "push", hub.url("zhang", w.tokens["zhang"]!), Self.east], as: "zhang")
            let eastID = w.hubRef(Self.east)!
            w.accordOK("set", "HT-2026-002", "buyer.phone=010-2222", cwd: hq)
            w.ok(HubTools.git, ["--git-dir", "\(hq)/.accord", "push", hub.url("admin", w.tokens["admin"]!), Self.west])
            let westID = w.hubRef(Self.west)!

            let all = try feed(w, hub, "admin", "since=0")
            let seqs = all.changes.map(\.seq)
            #expect(seqs == seqs.sorted() && Set(seqs).count == seqs.count, "\(seqs)")
            #expect(all.last == seqs.last)
            #expect(all.changes.contains { $0.ref == Self.east && $0.id == eastID && $0.visible })
            #expect(all.changes.contains { $0.ref == Self.west && $0.id == westID && $0.visible })

            let mine = try feed(w, hub, "zhang", "since=0")
            #expect(mine.feed == all.feed)
            #expect(mine.changes.contains { $0.ref == Self.east && $0.id == eastID })
            #expect(!mine.changes.contains { $0.ref.contains("HT-2026-002") || $0.id == westID }, "\(mine.changes)")
            let raw = w.run(HubTools.curl!, ["-s", "-u", "zhang@example.cn:\(w.tokens["zhang"]!)", hub.url + "/accord/changes?since=0"])
            #expect(!raw.out.contains("HT-2026-002") && !raw.out.contains(westID))

            let latest = try feed(w, hub, "admin", "since=latest")
            #expect(latest.changes.isEmpty && latest.last == all.last)

            // A long poll returns with the next push.
            let poll = try w.start(HubTools.curl!, ["-s", "-f", "-u", "zhang@example.cn:\(w.tokens["zhang"]!)",
                                                    hub.url + "/accord/changes?since=\(latest.last)&wait=5"])
            w.accordOK("set", "HT-2026-001", "buyer.phone=021-9999", cwd: east, as: "zhang")
            w.ok(HubTools.git, ["--git-dir", "\(east)/.accord", "push", hub.url("zhang", w.tokens["zhang"]!), Self.east], as: "zhang")
            let newID = w.hubRef(Self.east)!
            let r = poll.wait()
            #expect(r.status == 0, "\(r.err)")
            let got = try JSONDecoder().decode(Feed.self, from: Data(r.out.utf8))
            if got.changes.isEmpty {
                // The poll may have timed out before the push landed; the next read must have it.
                let next = try feed(w, hub, "zhang", "since=\(latest.last)")
                #expect(next.changes.contains { $0.ref == Self.east && $0.id == newID }, "\(next)")
            } else {
                #expect(got.changes.contains { $0.ref == Self.east && $0.id == newID }, "\(r.out)")
                #expect(got.changes.allSatisfy { $0.seq > latest.last })
            }
            let noAuth = w.run(HubTools.curl!, ["-s", "-o", "/dev/null", "-w", "%{http_code}", hub.url + "/accord/changes?since=0"])
            #expect(noAuth.out == "401")
        }
    }

    // MARK: 7. faults

    @Test func aHubKilledMidPushLeavesAValidRepositoryAndTheRetrySucceeds() throws {
        let w = try HubWorld()
        try w.setUp()
        let (east, mine) = try w.replicaWithLargePush()
        let old = w.hubRef(Self.east)!

        let hub = try HubProcess(w)
        let push = try w.start(HubTools.git, ["--git-dir", "\(east)/.accord", "push", hub.url("zhang", w.tokens["zhang"]!), Self.east], as: "zhang")
        // Kill the hub while it holds the pack: as soon as its quarantine (objects/incoming-*)
        // appears, or at the latest when the push has ended.
        let deadline = Date().addingTimeInterval(30)
        var sawQuarantine = false
        while Date() < deadline {
            if !w.quarantinesLeft().isEmpty { sawQuarantine = true; break }
            if !push.isRunning { break }
            usleep(1_000)
        }
        _ = hub.killHard()
        let r = push.wait()
        let leftByKill = Set(w.quarantinesLeft())
        // Whether the kill landed mid-push (it normally does: the quarantine was seen and git failed).
        if sawQuarantine { #expect(r.status != 0 || w.hubRef(Self.east) == mine) }
        let ref = w.hubRef(Self.east)
        #expect(ref == old || ref == mine, "the ref is \(ref ?? "missing")")
        w.gitOK("--git-dir", w.hub, "fsck", "--strict")
        if r.status == 0 { #expect(ref == mine) }

        let again = try HubProcess(w)
        defer { again.stop() }
        let retry = w.git("--git-dir", "\(east)/.accord", "push", again.url("zhang", w.tokens["zhang"]!), Self.east, as: "zhang")
        #expect(retry.status == 0, "\(retry.err)")
        #expect(w.hubRef(Self.east) == mine)
        // The killed hub's quarantine may stay until the hourly sweep; the retry leaves none of its own.
        #expect(Set(w.quarantinesLeft()).isSubset(of: leftByKill), "quarantines left after a successful push: \(w.quarantinesLeft())")
        w.gitOK("--git-dir", w.hub, "fsck", "--strict")
        let m = "\(w.root)/m.git"
        w.ok(HubTools.git, v2("clone", "-q", "--mirror", again.url("admin", w.tokens["admin"]!), m))
        #expect(w.gitOK("--git-dir", m, "rev-parse", Self.east) == mine)
    }

    @Test func aClientKilledMidFetchLeavesTheHubServing() throws {
        let w = try HubWorld()
        try w.setUp()
        let hq = try w.replica("hqrep", as: "admin")
        try w.must("/bin/sh", ["-c", "head -c 25000000 /dev/urandom > '\(w.root)/big.bin'"])
        w.accordOK("attach", "HT-2026-002", "\(w.root)/big.bin", cwd: hq)
        let hub = try HubProcess(w)
        defer { hub.stop() }
        let admin = hub.url("admin", w.tokens["admin"]!)
        w.ok(HubTools.git, ["--git-dir", "\(hq)/.accord", "push", admin, Self.west])

        for round in 0..<3 {
            let clone = try w.start(HubTools.git, v2("clone", "-q", "--mirror", admin, "\(w.root)/killed\(round).git"))
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline, !hub.log.contains("POST /git-upload-pack") || hub.log.components(separatedBy: "GET /info/refs 200").count < 3 + round {
                usleep(5_000)
            }
            usleep(UInt32(50_000 * round))
            clone.kill(SIGKILL)
            clone.wait()
        }
        let m = "\(w.root)/ok.git"
        w.ok(HubTools.git, v2("clone", "-q", "--mirror", admin, m))
        #expect(w.refs(gitDir: m, "refs/contracts", "refs/accord") == w.hubRefs())
        w.gitOK("--git-dir", m, "fsck", "--strict")
        #expect(w.git("-c", "protocol.version=2", "ls-remote", hub.url("zhang", w.tokens["zhang"]!)).status == 0)
    }

    // MARK: 2. HTTPS

    @Test(.enabled(if: HubTools.openssl != nil, "openssl not installed"))
    func cloneOverHTTPSWithASelfSignedCertificate() throws {
        let w = try HubWorld()
        try w.setUp()
        let cert = "\(w.root)/cert.pem", key = "\(w.root)/key.pem"
        try w.must(HubTools.openssl!, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                                       "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"])
        let hub = try HubProcess(w, extra: ["--tls-cert", cert, "--tls-key", key])
        defer {
            let end = hub.stop()
            #expect(end.status == 0, "the TLS hub did not stop cleanly on SIGTERM (\(end.status)): \(end.err.suffix(1500))")
        }
        #expect(hub.url.hasPrefix("https://"), "\(hub.url)")
        let https = hub.url("admin", w.tokens["admin"]!).replacingOccurrences(of: "http://", with: "https://")
        let m = "\(w.root)/m.git"
        w.ok(HubTools.git, ["-c", "http.sslCAInfo=\(cert)"] + v2("clone", "-q", "--mirror", https, m))
        #expect(w.refs(gitDir: m, "refs/contracts", "refs/accord") == w.hubRefs())
        w.gitOK("--git-dir", m, "fsck", "--strict")
        // Without the CA: refused by git's verification.
        let untrusted = w.git("-c", "protocol.version=2", "ls-remote", https)
        #expect(untrusted.status != 0)
        // Plain HTTP to the TLS port fails.
        let plain = https.replacingOccurrences(of: "https://", with: "http://")
        let p = w.git("-c", "protocol.version=2", "ls-remote", plain)
        #expect(p.status != 0)
        #expect(!p.out.contains("refs/contracts"))
        // Push over HTTPS.
        let east = try w.replica("east", as: "zhang")
        w.accordOK("set", "HT-2026-001", "buyer.phone=021-1111", cwd: east, as: "zhang")
        let zhang = hub.url("zhang", w.tokens["zhang"]!).replacingOccurrences(of: "http://", with: "https://")
        w.ok(HubTools.git, ["--git-dir", "\(east)/.accord", "-c", "http.sslCAInfo=\(cert)", "push", zhang, Self.east], as: "zhang")
        #expect(w.hubRef(Self.east) == w.gitOK("--git-dir", "\(east)/.accord", "rev-parse", Self.east))
        // The hub still answers after the plain-HTTP attempt.
        #expect(w.git("-c", "http.sslCAInfo=\(cert)", "-c", "protocol.version=2", "ls-remote", https).status == 0)
    }

    // MARK: 6. metrics

    @Test func metricsNeedAToken() throws {
        try withHub { w, hub in
            _ = w.git("-c", "protocol.version=2", "ls-remote", hub.url("zhang", w.tokens["zhang"]!))
            let r = w.run(HubTools.curl!, ["-s", "-f", "-u", "admin@example.cn:\(w.tokens["admin"]!)", hub.url + "/metrics"])
            #expect(r.status == 0, "\(r.err)")
            #expect(r.out.contains("accord_hub_requests_total"), "\(r.out.prefix(2000))")
            let b = w.run(HubTools.curl!, ["-s", "-f", "-H", "Authorization: Bearer \(w.tokens["wang"]!)", hub.url + "/metrics"])
            #expect(b.status == 0 && b.out.contains("accord_hub_requests_total"))
            let none = w.run(HubTools.curl!, ["-s", "-o", "/dev/null", "-w", "%{http_code}", hub.url + "/metrics"])
            #expect(none.out == "401")
        }
    }
}}

