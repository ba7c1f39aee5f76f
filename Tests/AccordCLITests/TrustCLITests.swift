import Foundation
import Testing

/// Authority you can verify (issue 12), through the binary: a head-office replica adopts an
/// organisation over imported fixture contracts (the baseline); a rep's clone attacks it, each
/// attack tried locally (the rep's own accord refuses) and on receive (the rep forges the commit
/// with stock git, signing with `git commit-tree -S`, and head office pulls it). Every refusal
/// must name the reason and leave the receiver's refs as they were. A forged commit that is
/// legitimate is accepted, so the refusals are the checks', not the forging's.
@Suite(.timeLimit(.minutes(10))) struct TrustCLITests {
    static var available: Bool { FileManager.default.isExecutableFile(atPath: SigningCLITests.sshKeygen) }

    /// Head office (`hq`, administrator 孙丽 as contractAdmin) and Zhang Wei's clone (`east`,
    /// salesRep of 华东办事处). People: 李娜 salesHead 华东, 陈静 legal, 王五 salesRep 华东 (spare).
    final class World: @unchecked Sendable {
        let s = Sandbox()
        let hq: String, east: String
        var root = ""
        static let people: [(id: String, name: String, email: String, role: String, office: String?)] = [
            ("admin", "孙丽", "sun.li@example.cn", "contractAdmin", nil),
            ("zhang", "张伟", "zhang.wei@example.cn", "salesRep", "华东办事处"),
            ("lina", "李娜", "li.na@example.cn", "salesHead", "华东办事处"),
            ("chen", "陈静", "chen.jing@example.cn", "legal", nil),
            ("wang", "王五", "wang.wu@example.cn", "salesRep", "华东办事处"),
            ("stranger", "Mallory", "mallory@example.cn", "salesRep", "华东办事处"),
        ]

        func key(_ id: String) -> String { "\(s.root)/keys/\(id)" }
        func person(_ id: String) -> (id: String, name: String, email: String, role: String, office: String?) {
            World.people.first { $0.id == id } ?? World.people[0]
        }
        /// The environment of `id` acting: their identity and key (their role and office come from
        /// the organisation unless `role` is given).
        func env(_ id: String, role: String? = nil, extra: [String: String] = [:]) -> [String: String] {
            let p = person(id)
            var e = ["ACCORD_AUTHOR_NAME": p.name, "ACCORD_AUTHOR_EMAIL": p.email, "ACCORD_COMMITTER_NAME": p.name,
                     "ACCORD_COMMITTER_EMAIL": p.email, "ACCORD_SIGNING_KEY": key(id)]
            if let role { e["ACCORD_ROLE"] = role }
            for (k, v) in extra { e[k] = v }
            return e
        }

        init() {
            hq = "\(s.root)/hq"
            east = "\(s.root)/east"
            _ = s.dir.sub("keys")
            for p in World.people {
                _ = CLI.run(SigningCLITests.sshKeygen, ["-q", "-t", "ed25519", "-N", "", "-C", p.email, "-f", "\(s.root)/keys/\(p.id)"], cwd: s.root, env: s.env())
            }
            s.ok("init", "-q", "hq")
            // Before adoption: the fixtures, imported the old way (unsigned, role from the environment).
            for f in ContractRepo.fixtureFiles.sorted(by: { $0.hasSuffix("closed.json") && !$1.hasSuffix("closed.json") }) {
                s.ok("import", f, cwd: hq, env: ["ACCORD_ROLE": "contractAdmin", "ACCORD_OFFICE": "合同管理部门"])
            }
            let initOut = s.ok("org", "init", "--name", "示例", "--role", "contractAdmin", "--office", "合同管理部门", cwd: hq, env: env("admin"))
            root = String(initOut.split(separator: "\n").first?.split(separator: " ").last ?? "")
            for p in World.people where p.id != "admin" && p.id != "stranger" {
                var args = ["org", "person", "add", p.email, "--name", p.name, "--key", key(p.id) + ".pub", "--role", p.role]
                if let o = p.office { args += ["--office", o] }
                must(args, cwd: hq, env: env("admin"))
            }
            s.ok("clone", "-q", hq, "east")
        }

        @discardableResult
        func ok(_ id: String, _ args: String..., in repo: String, role: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) -> String {
            must(args, cwd: repo, env: env(id, role: role), sourceLocation: sourceLocation)
        }

        @discardableResult
        func must(_ args: [String], cwd: String, env: [String: String], sourceLocation: SourceLocation = #_sourceLocation) -> String {
            let r = s.accord(args, cwd: cwd, input: [], env: env)
            #expect(r.status == 0, "accord \(args.joined(separator: " ")) failed (\(r.status)): \(r.err)", sourceLocation: sourceLocation)
            return r.trimmed
        }

        func git(_ repo: String, _ args: String..., env: [String: String] = [:], input: String = "") -> RunResult {
            s.git(["--git-dir=\(repo)/.accord"] + args, cwd: repo, input: Array(input.utf8), env: env)
        }

        /// The receiver's own refs (contracts, organisation, tags) and config: what a refused
        /// receive must leave as it was (tracking refs of other contracts may be created).
        func refs(_ repo: String) -> String {
            git(repo, "for-each-ref", "--format=%(refname) %(objectname)", "refs/contracts", "refs/accord", "refs/tags").out
                + ((try? String(contentsOfFile: "\(repo)/.accord/config", encoding: .utf8)) ?? "")
        }

        /// Makes, in a scratch copy of `east` that has no organisation (so accord checks only the
        /// contract rules), the commit `args` would write, and returns its tree and message with
        /// the trailer naming east's organisation version: the content an attacker signs.
        func craft(_ id: String, _ args: [String], role: String? = nil, config: [(String, String)] = [],
                   author: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) -> (tree: String, message: String, parent: String, number: String) {
            let scratch = "\(s.root)/scratch-\(UUID().uuidString.prefix(8))"
            _ = CLI.run("/bin/cp", ["-a", east, scratch], cwd: s.root, env: s.env())
            let org = git(east, "rev-parse", "refs/accord/organisation").trimmed
            _ = git(scratch, "update-ref", "-d", "refs/accord/organisation")
            _ = git(scratch, "config", "--unset", "accord.organisationRoot")
            for (k, v) in config { _ = git(scratch, "config", k, v) }
            let number = args[1]
            let parent = git(scratch, "rev-parse", "refs/contracts/\(number)").trimmed
            var e = env(id, role: role ?? person(id).role, extra: ["ACCORD_OFFICE": person(id).office ?? ""])
            if let author { e["ACCORD_AUTHOR_EMAIL"] = author }
            let r = s.accord(args, cwd: scratch, input: [], env: e)
            #expect(r.status == 0, "crafting \(args): \(r.err)", sourceLocation: sourceLocation)
            let made = git(scratch, "rev-parse", "refs/contracts/\(number)").trimmed
            let tree = git(scratch, "rev-parse", "\(made)^{tree}").trimmed
            let message = git(scratch, "log", "-1", "--format=%B", made).out
            // The objects of the new tree, into east (a fetch of that one commit).
            _ = git(east, "fetch", "-q", "\(scratch)/.accord", made)
            var m = message
            while m.hasSuffix("\n") { m.removeLast() }
            return (tree, m + "\nAccord-Organisation: \(org)\n", parent, number)
        }

        /// Writes the commit with stock git on east's contract ref: signed by `signer`'s key
        /// (nil: unsigned), with `authorEmail` as its author.
        @discardableResult
        func forge(_ c: (tree: String, message: String, parent: String, number: String), signer: String?, authorID: String,
                   sourceLocation: SourceLocation = #_sourceLocation) -> String {
            let p = person(authorID)
            let env = ["GIT_AUTHOR_NAME": p.name, "GIT_AUTHOR_EMAIL": p.email, "GIT_COMMITTER_NAME": p.name, "GIT_COMMITTER_EMAIL": p.email]
            var args = ["commit-tree", c.tree, "-p", c.parent, "-F", "-"]
            if let signer { args = ["-c", "gpg.format=ssh", "-c", "user.signingKey=\(key(signer))"] + args + ["-S"] }
            let r = s.git(["--git-dir=\(east)/.accord"] + args, cwd: east, input: Array(c.message.utf8), env: env)
            #expect(r.status == 0, "git commit-tree: \(r.err)", sourceLocation: sourceLocation)
            let id = r.trimmed
            _ = git(east, "update-ref", "refs/contracts/\(c.number)", id)
            return id
        }

        /// Head office pulls from east and must refuse, naming `mentions`, with its refs unchanged
        /// and no ref at all (tracking refs included) at east's forged tips.
        func expectReceiveRefused(_ what: String, mentions: [String], sourceLocation: SourceLocation = #_sourceLocation) {
            if Remote.missing(hq) { s.ok("remote", "add", "east", east, cwd: hq) }
            let before = refs(hq)
            var tips = git(east, "for-each-ref", "--format=%(objectname)", "refs/contracts").lines
            // East's organisation counts as forged unless it is a version head office already has.
            let eastOrg = git(east, "rev-parse", "refs/accord/organisation").trimmed
            if git(hq, "merge-base", "--is-ancestor", eastOrg, "refs/accord/organisation").status != 0 { tips.append(eastOrg) }
            let r = s.accord(["pull", "east"], cwd: hq, input: [], env: env("admin"))
            #expect(r.status != 0, "\(what): pull accepted it: \(r.out) \(r.err)", sourceLocation: sourceLocation)
            for m in mentions { #expect((r.out + r.err).contains(m), "\(what): '\(m)' not in: \(r.out) \(r.err)", sourceLocation: sourceLocation) }
            #expect(refs(hq) == before, "\(what): head office's refs or config changed", sourceLocation: sourceLocation)
            let original = Set(before.split(separator: "\n").compactMap { $0.split(separator: " ").last.map(String.init) })
            for t in tips where !original.contains(t) {
                #expect(git(hq, "for-each-ref", "--points-at", t).trimmed.isEmpty, "\(what): a ref of head office points at \(t)", sourceLocation: sourceLocation)
            }
            // The same by a bundle file (a rep who only exchanges bundles): refused the same way.
            let bundle = "\(s.root)/east-\(UUID().uuidString).bundle"
            let made = s.accord(["bundle", "create", "-q", bundle], cwd: east, input: [], env: env("zhang"))
            #expect(made.status == 0, "\(what): bundle create: \(made.err)", sourceLocation: sourceLocation)
            let b = s.accord(["pull", bundle], cwd: hq, input: [], env: env("admin"))
            #expect(b.status != 0, "\(what): pull of a bundle accepted it: \(b.out) \(b.err)", sourceLocation: sourceLocation)
            for m in mentions { #expect((b.out + b.err).contains(m), "\(what), bundle: '\(m)' not in: \(b.out) \(b.err)", sourceLocation: sourceLocation) }
            #expect(refs(hq) == before, "\(what), bundle: head office's refs or config changed", sourceLocation: sourceLocation)
        }

        enum Remote { static func missing(_ repo: String) -> Bool {
            !((try? String(contentsOfFile: "\(repo)/.accord/config", encoding: .utf8)) ?? "").contains("[remote \"east\"]")
        } }
    }

    @Test(.enabled(if: available, "needs ssh-keygen"))
    func aLegitimateCommitMadeByGitIsAccepted() {
        let w = World()
        // Zhang's own edit of his office's contract, crafted and signed by stock git: accepted.
        let c = w.craft("zhang", ["set", "HT-2026-001", "buyer.phone=021-5555"])
        let id = w.forge(c, signer: "zhang", authorID: "zhang")
        w.s.ok("remote", "add", "east", w.east, cwd: w.hq)
        let r = w.s.accord(["pull", "east"], cwd: w.hq, input: [], env: w.env("admin"))
        #expect(r.status == 0, "\(r.err)")
        #expect(w.git(w.hq, "rev-parse", "refs/contracts/HT-2026-001").trimmed == id)
        // And what accord writes, git verifies with the allowed signers accord prints.
        w.ok("zhang", "set", "HT-2026-001", "buyer.contact=王经理", in: w.east)
        let signers = w.s.dir.write("signers", w.ok("admin", "org", "allowed-signers", in: w.hq) + "\n")
        for c in w.git(w.east, "rev-list", "refs/contracts/HT-2026-001", "^\(c.parent)").lines {
            let v = w.git(w.east, "-c", "gpg.ssh.allowedSignersFile=\(signers)", "verify-commit", c)
            #expect(v.status == 0 && v.err.contains("Good \"git\" signature for zhang.wei@example.cn"), "\(c): \(v.err)")
        }
        // ssh-keygen -Y verify accepts the signature accord made, over the commit without it.
        let head = w.git(w.east, "rev-parse", "refs/contracts/HT-2026-001").trimmed
        let raw = w.git(w.east, "cat-file", "commit", head).out
        var lines = raw.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let start = lines.firstIndex(where: { $0.hasPrefix("gpgsig-sha256 ") }) else { Issue.record("unsigned: \(raw)"); return }
        var end = start + 1
        while end < lines.count, lines[end].hasPrefix(" ") { end += 1 }
        let sig = ([String(lines[start].dropFirst("gpgsig-sha256 ".count))] + lines[(start + 1)..<end].map { String($0.dropFirst()) }).joined(separator: "\n") + "\n"
        lines.removeSubrange(start..<end)
        let payload = w.s.dir.write("payload", lines.joined(separator: "\n"))
        let sigFile = w.s.dir.write("payload.sig", sig)
        let v = CLI.run("/bin/sh", ["-c", "\(SigningCLITests.sshKeygen) -Y verify -f '\(signers)' -I zhang.wei@example.cn -n git -s '\(sigFile)' < '\(payload)'"],
                        cwd: w.s.root, env: w.s.env())
        #expect(v.status == 0 && v.out.contains("Good \"git\" signature for zhang.wei@example.cn"), "\(v.out) \(v.err)")
    }

    @Test(.enabled(if: available, "needs ssh-keygen"))
    func anApprovalByAPersonWithoutTheRoleIsRefused() {
        let w = World()
        expectRefusedUnchanged("\(w.east)/.accord", "rep approves as salesHead", mentions: ["zhang.wei@example.cn acts as salesHead", "do not hold"]) {
            w.s.accord(["approve", "HT-2026-019", "-m", "同意"], cwd: w.east, input: [], env: w.env("zhang", role: "salesHead"))
        }
        w.forge(w.craft("zhang", ["approve", "HT-2026-019", "-m", "同意"], role: "salesHead"), signer: "zhang", authorID: "zhang")
        w.expectReceiveRefused("forged approval", mentions: ["HT-2026-019", "acts as salesHead", "do not hold"])
        // The sales head herself may: the same approval signed by her is accepted.
        #expect(w.s.accord(["approve", "HT-2026-019", "-m", "同意"], cwd: w.hq, input: [], env: w.env("lina")).status == 0)
    }

    @Test(.enabled(if: available, "needs ssh-keygen"))
    func aRepActingOnAnotherOfficesContractIsRefused() {
        let w = World()
        expectRefusedUnchanged("\(w.east)/.accord", "east rep edits North's contract", mentions: ["HT-2026-002 belongs to office 'North Office'"]) {
            w.s.accord(["set", "HT-2026-002", "buyer.phone=1"], cwd: w.east, input: [], env: w.env("zhang"))
        }
        // Claiming North as the office in the trailer does not help either.
        expectRefusedUnchanged("\(w.east)/.accord", "east rep claims North", mentions: ["acts for office 'North Office'"]) {
            w.s.accord(["set", "HT-2026-002", "buyer.phone=1"], cwd: w.east, input: [], env: w.env("zhang", extra: ["ACCORD_OFFICE": "North Office"]))
        }
        w.forge(w.craft("zhang", ["set", "HT-2026-002", "buyer.phone=1"]), signer: "zhang", authorID: "zhang")
        w.expectReceiveRefused("forged edit of another office's contract", mentions: ["HT-2026-002", "belongs to office 'North Office'"])
    }

    @Test(.enabled(if: available, "needs ssh-keygen"))
    func aRecordOrCommitClaimingAnotherPersonIsRefused() {
        let w = World()
        // Locally: signing with Zhang's key while naming Li Na as the author.
        expectRefusedUnchanged("\(w.east)/.accord", "commit in another's name", mentions: ["names li.na@example.cn as its author", "zhang.wei@example.cn"]) {
            w.s.accord(["record", "HT-2026-001", "tracking", "customer=华东机械", "coordinationContent=催款"], cwd: w.east, input: [],
                       env: w.env("zhang", extra: ["ACCORD_AUTHOR_EMAIL": "li.na@example.cn"]))
        }
        // On receive: a record naming Li Na inside a commit by Zhang, signed by Zhang.
        let c = w.craft("zhang", ["record", "HT-2026-001", "tracking", "customer=华东机械", "coordinationContent=催款"], author: "li.na@example.cn")
        w.forge(c, signer: "zhang", authorID: "zhang")
        w.expectReceiveRefused("record in another's name", mentions: ["claims the author", "li.na@example.cn", "signed by zhang.wei@example.cn"])
    }

    @Test(.enabled(if: available, "needs ssh-keygen"))
    func unsignedAndUnknownAndTamperedCommitsAreRefused() {
        let w = World()
        // Unsigned: no key at all.
        expectRefusedUnchanged("\(w.east)/.accord", "unsigned commit", mentions: ["requires every commit to be signed", "no signing key"]) {
            w.s.accord(["set", "HT-2026-001", "buyer.phone=1"], cwd: w.east, input: [], env: w.env("zhang", extra: ["ACCORD_SIGNING_KEY": ""]))
        }
        // An unknown key (Mallory is not in the organisation).
        expectRefusedUnchanged("\(w.east)/.accord", "unknown key", mentions: ["belongs to no person of this repository's organisation"]) {
            w.s.accord(["set", "HT-2026-001", "buyer.phone=1"], cwd: w.east, input: [], env: w.env("zhang", extra: ["ACCORD_SIGNING_KEY": w.key("stranger")]))
        }
        let c = w.craft("zhang", ["set", "HT-2026-001", "buyer.phone=021-1"])
        w.forge(c, signer: nil, authorID: "zhang")
        w.expectReceiveRefused("unsigned", mentions: ["HT-2026-001", "is not signed"])
        w.forge(c, signer: "stranger", authorID: "zhang")
        w.expectReceiveRefused("unknown key", mentions: ["belongs to no person of the organisation"])
        // Tampered: a good commit by Zhang with one byte of its message changed.
        let good = w.forge(c, signer: "zhang", authorID: "zhang")
        let raw = w.git(w.east, "cat-file", "commit", good).out
        let tampered = w.git(w.east, "hash-object", "-t", "commit", "-w", "--stdin", input: raw.replacingOccurrences(of: "021-1", with: "021-7")).trimmed
        _ = w.git(w.east, "update-ref", "refs/contracts/HT-2026-001", tampered)
        let v = w.s.accord(["verify-commit", tampered], cwd: w.east, input: [], env: w.env("zhang"))
        #expect(v.status == 1 && v.err.contains("bad signature"), "\(v.err)")
        w.expectReceiveRefused("tampered", mentions: ["signature does not verify"])
    }

    @Test(.enabled(if: available, "needs ssh-keygen"))
    func aKeyRevokedBeforeTheReceiverGotItSignsNothingNew() {
        let w = World()
        // Wang (offline on east, whose organisation does not know yet) edits; head office then
        // revokes him; his commit arrives after the revocation and is refused.
        w.ok("wang", "set", "HT-2026-001", "buyer.phone=021-9", in: w.east)
        w.ok("admin", "org", "person", "revoke", "wang.wu@example.cn", in: w.hq)
        w.expectReceiveRefused("commit by a revoked key", mentions: ["HT-2026-001", "revoked in this repository's organisation"])
        // Once east has the revocation, its own accord refuses Wang's next commit.
        w.s.ok("fetch", "-q", "origin", cwd: w.east)
        expectRefusedUnchanged("\(w.east)/.accord", "revoked key locally", mentions: ["wang.wu@example.cn", "revoked"]) {
            w.s.accord(["set", "HT-2026-001", "buyer.phone=021-8"], cwd: w.east, input: [], env: w.env("wang"))
        }
    }

    @Test(.enabled(if: available, "needs ssh-keygen"))
    func anOrganisationVersionByANonAdministratorOrWithAnotherRootIsRefused() {
        let w = World()
        // Locally: Zhang (not an administrator) tries to make himself a sales head.
        expectRefusedUnchanged("\(w.east)/.accord", "org change by a non-administrator", mentions: ["not by an active administrator"]) {
            w.s.accord(["org", "person", "set", "zhang.wei@example.cn", "--role", "salesHead"], cwd: w.east, input: [], env: w.env("zhang"))
        }
        // On receive: the same version forged with git, signed by Zhang.
        let org = w.git(w.east, "rev-parse", "refs/accord/organisation").trimmed
        let json = w.git(w.east, "show", "\(org):organisation.json").out
            .replacingOccurrences(of: "\"contractAdmin\"", with: "\"contractAdmin\",\n        \"salesHead\"")
        let blob = w.git(w.east, "hash-object", "-w", "--stdin", input: json).trimmed
        let tree = w.git(w.east, "mktree", input: "100644 blob \(blob)\torganisation.json\n").trimmed
        let p = w.person("zhang")
        let forged = w.s.git(["--git-dir=\(w.east)/.accord", "-c", "gpg.format=ssh", "-c", "user.signingKey=\(w.key("zhang"))",
                              "commit-tree", tree, "-p", org, "-S", "-m", "promote"], cwd: w.east, input: [],
                             env: ["GIT_AUTHOR_NAME": p.name, "GIT_AUTHOR_EMAIL": p.email, "GIT_COMMITTER_NAME": p.name, "GIT_COMMITTER_EMAIL": p.email]).trimmed
        _ = w.git(w.east, "update-ref", "refs/accord/organisation", forged)
        w.expectReceiveRefused("org version by a non-administrator", mentions: ["organisation", "not by an active administrator"])

        // Another organisation altogether (Mallory's own root): refused on pull and on clone --org-root.
        w.s.ok("init", "-q", "rogue")
        let rogue = "\(w.s.root)/rogue"
        w.s.ok("org", "init", "--role", "contractAdmin", cwd: rogue, env: w.env("stranger"))
        w.s.ok("remote", "add", "rogue", rogue, cwd: w.hq)
        let before = w.refs(w.hq)
        let r = w.s.accord(["pull", "rogue"], cwd: w.hq, input: [], env: w.env("admin"))
        #expect(r.status != 0 && (r.out + r.err).contains("not at the root this repository trusts"), "\(r.out) \(r.err)")
        #expect(w.refs(w.hq) == before)
        let clone = w.s.accord(["clone", "-q", "--org-root", w.root, rogue, "copy"], cwd: w.s.root, input: [], env: w.env("admin"))
        #expect(clone.status == 128 && clone.err.contains("not at the root this repository trusts"), "\(clone.err)")
        #expect(!FileManager.default.fileExists(atPath: "\(w.s.root)/copy"))
        // The genuine root given out of band clones.
        #expect(w.s.accord(["clone", "-q", "--org-root", w.root, w.hq, "copy"], cwd: w.s.root, input: [], env: w.env("admin")).status == 0)
        // And the organisation cannot be created twice.
        expectRefusedUnchanged("\(w.hq)/.accord", "second org init", mentions: ["already has an organisation"]) {
            w.s.accord(["org", "init"], cwd: w.hq, input: [], env: w.env("admin"))
        }
    }

    @Test(.enabled(if: available, "needs ssh-keygen"))
    func aLocalConfigCannotShortenTheReviewStages() {
        let w = World()
        expectRefusedUnchanged("\(w.hq)/.accord", "config accord.reviewStages", mentions: ["policy of this repository's organisation", "accord org policy set"]) {
            w.s.accord(["config", "accord.reviewStages", "initialReview"], cwd: w.hq, input: [], env: w.env("admin"))
        }
        // Written into the file by hand: every contract command refuses until it is removed.
        let config = "\(w.east)/.accord/config"
        let text = (try? String(contentsOfFile: config, encoding: .utf8)) ?? ""
        FileManager.default.createFile(atPath: config, contents: Data((text + "[accord]\n\treviewStages = initialReview\n").utf8))
        expectRefusedUnchanged("\(w.east)/.accord", "hand-edited reviewStages", mentions: ["accord.reviewstages", "policies are its organisation's"]) {
            w.s.accord(["approve", "HT-2026-019", "-m", "同意"], cwd: w.east, input: [], env: w.env("lina"))
        }
        w.s.ok("config", "--unset", "accord.reviewStages", cwd: w.east)
        // On receive: Li Na's approval made under a one-stage policy moves straight to approved.
        let c = w.craft("lina", ["approve", "HT-2026-019", "-m", "同意"], config: [("accord.reviewStages", "initialReview")])
        w.forge(c, signer: "lina", authorID: "lina")
        w.expectReceiveRefused("approval under a shortened policy", mentions: ["HT-2026-019", "approve moves a initialReview contract to secondReview, not to approved"])
        // An administrator may change the policy for everyone, as a signed version.
        w.ok("admin", "org", "policy", "set", "accord.reviewStages", "initialReview,finalReview", in: w.hq)
        #expect(w.ok("admin", "org", "show", in: w.hq).contains("policy accord.reviewstages = initialReview,finalReview"))
        let bad = w.s.accord(["org", "policy", "set", "accord.reviewStages", "nonsense"], cwd: w.hq, input: [], env: w.env("admin"))
        #expect(bad.status == 128 && bad.err.contains("not a review stage"), "\(bad.err)")
    }

    /// The fixtures registered after adoption: signed by the administrator (contractAdmin, a
    /// registrar), their records keep their authors, each a person of the organisation in the
    /// role the record names; an import naming someone outside it is refused, nothing written.
    @Test(.enabled(if: available, "needs ssh-keygen"))
    func fixturesImportedAfterAdoptionAreSignedAndTheirRecordsAuthorsAreKnown() {
        let s = Sandbox()
        let key = "\(s.root)/admin"
        _ = CLI.run(SigningCLITests.sshKeygen, ["-q", "-t", "ed25519", "-N", "", "-f", key], cwd: s.root, env: s.env())
        s.ok("init", "-q", "hq")
        let hq = "\(s.root)/hq"
        let admin = ["ACCORD_AUTHOR_NAME": "孙丽", "ACCORD_AUTHOR_EMAIL": "sun.li@example.cn", "ACCORD_SIGNING_KEY": key]
        #expect(s.accord(["org", "init", "--role", "contractAdmin", "--office", "合同管理部门"], cwd: hq, input: [], env: admin).status == 0)
        let files = ContractRepo.fixtureFiles.sorted { $0.hasSuffix("closed.json") && !$1.hasSuffix("closed.json") }
        // Before the fixtures' people are in the organisation: refused, nothing written.
        expectRefusedUnchanged("\(hq)/.accord", "import naming unknown people", mentions: ["is not a person of the organisation holding that role"]) {
            s.accord(["import", files[0]], cwd: hq, input: [], env: admin)
        }
        for (email, name, role) in [("liu.yang@example.cn", "刘洋", "finance"), ("zhou.min@example.cn", "周敏", "salesAdmin"),
                                    ("zhang.wei@example.cn", "张伟", "salesRep"), ("li.na@example.cn", "李娜", "salesHead"),
                                    ("zhao.qiang@example.cn", "赵强", "management"), ("chen.jing@example.cn", "陈静", "legal")] {
            let k = "\(s.root)/\(role)"
            _ = CLI.run(SigningCLITests.sshKeygen, ["-q", "-t", "ed25519", "-N", "", "-f", k], cwd: s.root, env: s.env())
            let r = s.accord(["org", "person", "add", email, "--name", name, "--key", k + ".pub", "--role", role,
                              "--office", "华东办事处", "--office", "华南办事处", "--office", "North Office", "--office", "西南办事处"],
                             cwd: hq, input: [], env: admin)
            #expect(r.status == 0, "\(r.err)")
        }
        for f in files {
            let r = s.accord(["import", f], cwd: hq, input: [], env: admin)
            #expect(r.status == 0, "import \(f): \(r.err)")
        }
        let signers = s.dir.write("signers", s.ok("org", "allowed-signers", cwd: hq) + "\n")
        let commits = s.gitOK("--git-dir=\(hq)/.accord", "rev-list", "--exclude=refs/accord/*", "--all").split(separator: "\n").map(String.init)
        #expect(commits.count == 24, "one import commit per fixture contract: \(commits.count)")
        for c in commits {
            let v = s.git("--git-dir=\(hq)/.accord", "-c", "gpg.ssh.allowedSignersFile=\(signers)", "verify-commit", c)
            #expect(v.status == 0 && v.err.contains("Good \"git\" signature for sun.li@example.cn"), "\(c): \(v.err)")
        }
        // A replica cloning it accepts every commit (each checked on receive).
        let clone = s.accord(["clone", "-q", hq, "copy"], cwd: s.root, input: [], env: admin)
        #expect(clone.status == 0, "\(clone.err)")
        #expect(s.ok("list", cwd: "\(s.root)/copy").split(separator: "\n").count == 24)
    }
}
