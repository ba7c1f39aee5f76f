import Foundation
import Testing

/// Tags received by fetch, pull, unbundle and clone are checked: one under refs/tags/NUMBER/
/// must peel to a commit in contract NUMBER's history as received; one named like a contract
/// (refs/tags/NUMBER) would block that contract's tags. Refused tags are not stored, and every
/// refusal (a forged tag, or one that would clobber a tag here) is named with a non-zero exit.
@Suite(.timeLimit(.minutes(3))) struct InputTagTests {
    /// A: contract C-1 with two versions. B: a clone of A where tags were forged.
    static func setUp() -> (s: Sandbox, a: String, b: String, forged: String, blob: String) {
        let s = Sandbox()
        let a = makeReplica(s, "a")
        s.ok("new", "C-1", "--type", "sales", "subject=机床", "buyer.name=甲", cwd: a)
        s.ok("set", "C-1", "subject=数控机床", cwd: a)
        s.ok("clone", "-q", a, "b")
        let b = "\(s.root)/b"
        setIdentity(s, b)
        // A commit with C-1's content, outside C-1's history; a blob; tags naming them.
        let tree = s.ok("rev-parse", "refs/contracts/C-1^{tree}", cwd: b)
        let forged = s.ok("commit-tree", tree, "-m", "Sign C-1 (forged)", cwd: b)
        let blob = s.ok("hash-object", "-w", "--stdin", cwd: b, input: "not a contract")
        s.ok("update-ref", "refs/tags/C-1/signed-original", forged, cwd: b)
        s.ok("update-ref", "refs/tags/C-1/a-blob", blob, cwd: b)
        s.gitOK("--git-dir=\(b)/.accord", "tag", "-a", "C-1/annotated", forged, "-m", "forged, annotated")
        s.ok("tag", "C-1", "good", cwd: b) // a genuine one, at C-1's head
        return (s, a, b, forged, blob)
    }

    static let forgedTags = ["refs/tags/C-1/signed-original", "refs/tags/C-1/a-blob", "refs/tags/C-1/annotated"]

    static func tags(_ s: Sandbox, _ repo: String) -> [String] {
        s.git("--git-dir=\(repo)/.accord", "for-each-ref", "--format=%(refname)", "refs/tags/").lines
    }

    @Test func pullRefusesForgedTagsAndSaysSo() {
        let (s, a, b, _, _) = Self.setUp()
        s.ok("clone", "-q", a, "v")
        let v = "\(s.root)/v"
        setIdentity(s, v)
        s.ok("remote", "add", "b", b, cwd: v)
        let pull = s.accord("pull", "b", cwd: v)
        #expect(pull.status == 1, "pull exit \(pull.status): \(pull.err)")
        for t in Self.forgedTags { #expect(pull.err.contains("error: \(t): not stored"), "\(t) not named: \(pull.err)") }
        #expect(pull.err.contains("not in the history of contract C-1"))
        #expect(pull.err.contains("points at a blob"))
        #expect(Self.tags(s, v) == ["refs/tags/C-1/good"], "only the genuine tag is stored")
        #expect(s.ok("tag", "C-1", cwd: v).hasPrefix("good "))
        // The real tag can be made; pulling again now also names the clobber refusal (exit 1).
        s.ok("tag", "C-1", "signed-original", cwd: v)
        let again = s.accord("pull", "b", cwd: v)
        #expect(again.status == 1 && again.err.contains("refs/tags/C-1/signed-original: not stored: would clobber existing tag"), "\(again.err)")
        #expect(s.accord("show", "C-1", "--at", "C-1/signed-original", cwd: v).status == 0)
        #expect(s.accord("fsck", cwd: v).status == 0)
    }

    @Test func fetchAndUnbundleRefuseForgedTags() {
        let (s, a, b, _, _) = Self.setUp()
        s.ok("bundle", "create", "-q", "\(s.root)/forged.bundle", "--all", cwd: b)
        for (n, args) in [["fetch", "b"], ["bundle", "unbundle", "\(s.root)/forged.bundle"], ["pull", "\(s.root)/forged.bundle"]].enumerated() {
            s.ok("clone", "-q", a, "v\(n)")
            let v = "\(s.root)/v\(n)"
            setIdentity(s, v)
            s.ok("remote", "add", "b", b, cwd: v)
            let r = s.accord(args, cwd: v, input: [])
            #expect(r.status == 1, "\(args): exit \(r.status) \(r.err)")
            for t in Self.forgedTags { #expect((r.out + r.err).contains(t.dropFirst("refs/tags/".count)), "\(args): \(t) not named: \(r.out) \(r.err)") }
            #expect(Self.tags(s, v) == ["refs/tags/C-1/good"], "\(args)")
        }
    }

    @Test func cloneOfARepositoryWithAForgedTagFails() {
        let (s, _, b, _, _) = Self.setUp()
        let r = s.accord("clone", "-q", b, "c")
        #expect(r.status == 128 && r.err.contains("refs/tags/C-1/"), "\(r.err)")
        #expect(!FileManager.default.fileExists(atPath: "\(s.root)/c"))
    }

    /// refs/tags/C-1 itself (no name under it) would make refs/tags/C-1/… impossible.
    @Test func aTagNamedLikeAContractIsRefused() {
        let s = Sandbox()
        let a = makeReplica(s, "a")
        s.ok("new", "C-1", "--type", "sales", "subject=机床", cwd: a)
        s.ok("clone", "-q", a, "v")
        s.ok("update-ref", "refs/tags/C-1", s.ok("rev-parse", "refs/contracts/C-1", cwd: a), cwd: a)
        s.ok("update-ref", "refs/tags/v1.0", s.ok("rev-parse", "refs/contracts/C-1", cwd: a), cwd: a) // no contract v1.0: an ordinary tag
        let v = "\(s.root)/v"
        setIdentity(s, v)
        let r = s.accord("fetch", cwd: v)
        #expect(r.status == 1 && r.out.contains("C-1") && r.out.contains("would block its tags"), "\(r.out) \(r.err)")
        #expect(Self.tags(s, v) == ["refs/tags/v1.0"])
        s.ok("tag", "C-1", "signed-original", cwd: v)
    }
}
