import Foundation
import Testing

@Suite struct BundleTests {
    /// r1 with C-1 (two commits) and C-2; full.bundle of everything, inc.bundle of C-1 since its first commit.
    func makeBundles(_ s: Sandbox) -> (r1: String, old: String, new: String) {
        let r1 = makeReplica(s, "r1")
        s.ok("new", "C-1", "--type", "sales", "subject=Widgets", "buyer.name=Acme", cwd: r1)
        s.ok("new", "C-2", "--type", "sales", "subject=Gadgets", "buyer.name=Beta", cwd: r1)
        s.ok("bundle", "create", "-q", "../full.bundle", cwd: r1)
        let old = s.ok("rev-parse", "refs/contracts/C-1", cwd: r1)
        s.ok("set", "C-1", "subject=Sprockets", cwd: r1)
        s.ok("bundle", "create", "-q", "../inc.bundle", "--since", old, "C-1", cwd: r1)
        return (r1, old, s.ok("rev-parse", "refs/contracts/C-1", cwd: r1))
    }

    @Test func gitAcceptsAccordBundles() {
        let s = Sandbox()
        let (r1, old, new) = makeBundles(s)
        let header = String(decoding: (FileManager.default.contents(atPath: "\(s.root)/inc.bundle") ?? Data()).prefix(200), as: UTF8.self)
        #expect(header.hasPrefix("# v3 git bundle\n@object-format=sha256\n-\(old) "))
        s.gitOK("init", "-q", "--object-format=sha256", "g")
        let g = "\(s.root)/g"
        let v = s.git("bundle", "verify", "../full.bundle", cwd: g)
        #expect(v.status == 0, "\(v.err)")
        let heads = s.gitOK("bundle", "list-heads", "../full.bundle", cwd: g)
        #expect(heads == s.ok("bundle", "list-heads", "full.bundle"))
        #expect(heads.contains("refs/contracts/C-1") && heads.contains("refs/contracts/C-2"))
        // Without its prerequisite, git refuses the incremental one; with it, git accepts it.
        #expect(s.git("bundle", "verify", "../inc.bundle", cwd: g).status != 0)
        s.gitOK("fetch", "-q", "../full.bundle", "refs/contracts/*:refs/contracts/*", cwd: g)
        let vi = s.git("bundle", "verify", "../inc.bundle", cwd: g)
        #expect(vi.status == 0, "\(vi.err)")
        #expect(s.gitOK("bundle", "list-heads", "../inc.bundle", cwd: g) == "\(new) refs/contracts/C-1")
        s.gitOK("fetch", "-q", "../inc.bundle", "refs/contracts/*:refs/contracts/*", cwd: g)
        #expect(s.gitOK("rev-parse", "refs/contracts/C-1", cwd: g) == new)
        s.gitOK("fsck", "--strict", cwd: g)
        // Accord's own verify agrees.
        let av = s.accord("bundle", "verify", "../inc.bundle", cwd: r1)
        #expect(av.status == 0 && av.out.contains("requires this ref") && av.err.contains("is okay"))
    }

    @Test func accordUnbundlesGitBundles() {
        let s = Sandbox()
        let (_, old, new) = makeBundles(s)
        s.gitOK("init", "-q", "--object-format=sha256", "g")
        let g = "\(s.root)/g"
        s.gitOK("fetch", "-q", "../full.bundle", "refs/contracts/*:refs/contracts/*", cwd: g)
        s.gitOK("fetch", "-q", "../inc.bundle", "refs/contracts/*:refs/contracts/*", cwd: g)
        s.gitOK("bundle", "create", "-q", "../git-full.bundle", "refs/contracts/C-2", cwd: g)
        s.gitOK("bundle", "create", "-q", "../git-inc.bundle", "refs/contracts/C-1", "^\(old)", cwd: g)
        let r3 = makeReplica(s, "r3")
        let c2 = s.gitOK("rev-parse", "refs/contracts/C-2", cwd: g)
        #expect(s.ok("bundle", "unbundle", "../git-full.bundle", cwd: r3) == "\(c2) refs/contracts/C-2")
        #expect(s.ok("rev-parse", "refs/remotes/bundle/contracts/C-2", cwd: r3) == c2)
        // git's incremental bundle needs C-1's first commit, which r3 lacks.
        let missing = s.accord("bundle", "unbundle", "../git-inc.bundle", cwd: r3)
        #expect(missing.status == 128 && missing.err.contains("does not have") && missing.err.contains(old))
        // Get it (from Accord's full bundle, as a fetch), then git's thin incremental bundle applies.
        s.ok("fetch", "-q", "../full.bundle", cwd: r3)
        #expect(s.ok("bundle", "unbundle", "../git-inc.bundle", cwd: r3) == "\(new) refs/contracts/C-1")
        #expect(s.ok("rev-parse", "refs/remotes/bundle/contracts/C-1", cwd: r3) == new)
        #expect(!packDirListing("\(r3)/.accord").contains { $0.hasPrefix("tmp_") })
        let fsck = s.git("--git-dir=\(r3)/.accord", "fsck", "--strict", "--no-dangling")
        #expect(fsck.status == 0, "\(fsck.err)")
        #expect(s.accord("fsck", cwd: r3).status == 0)
    }

    @Test func damagedBundlesAreRejectedAndChangeNothing() throws {
        let s = Sandbox()
        _ = makeBundles(s)
        let full = [UInt8](FileManager.default.contents(atPath: "\(s.root)/full.bundle") ?? Data())
        let headerEnd = try #require(full.indices.first { i in i > 0 && full[i] == 0x0A && full[i - 1] == 0x0A }) + 1
        var flipped = full
        flipped[headerEnd + (full.count - headerEnd) / 2] ^= 0x10
        var badHeader = full
        badHeader[3] = UInt8(ascii: "9")
        var badRef = full // the first ref line's id gets a non-hex digit
        let capability = Array("@object-format=sha256\n".utf8)
        let capAt = try #require((0..<headerEnd).first { Array(full[$0..<($0 + capability.count)]) == capability })
        badRef[capAt + capability.count] = UInt8(ascii: "g")
        let cases: [(String, [UInt8], String)] = [
            ("truncated-pack", Array(full.prefix(full.count - 40)), "truncated or damaged"),
            ("truncated-header", Array(full.prefix(headerEnd - 30)), "truncated"),
            ("flipped-bit", flipped, "does not verify"),
            ("bad-header", badHeader, "not a git bundle"),
            ("bad-ref-line", badRef, "is not a ref line"),
            ("empty", [], "empty"),
        ]
        let r4 = makeReplica(s, "r4")
        let packsBefore = packDirListing("\(r4)/.accord")
        for (name, bytes, message) in cases {
            let path = "\(s.root)/\(name).bundle"
            FileManager.default.createFile(atPath: path, contents: Data(bytes))
            for cmd in ["unbundle", "verify"] {
                let r = s.accord("bundle", cmd, path, cwd: r4)
                #expect(r.status == 128, "\(name) \(cmd): \(r.err)")
                #expect(r.err.contains(message), "\(name) \(cmd): \(r.err)")
            }
            let f = s.accord("fetch", path, cwd: r4)
            #expect(f.status == 128, "\(name) fetch")
            #expect(s.accord("show-ref", cwd: r4).out == "", "\(name): a ref moved")
            #expect(packDirListing("\(r4)/.accord") == packsBefore, "\(name): files left in objects/pack")
        }
        // A missing prerequisite.
        let r = s.accord("bundle", "unbundle", "../inc.bundle", cwd: r4)
        #expect(r.status == 128 && r.err.contains("needs a commit this repository does not have"))
        #expect(s.accord("show-ref", cwd: r4).out == "")
        #expect(packDirListing("\(r4)/.accord") == packsBefore)
        // The intact bundles apply.
        #expect(s.accord("bundle", "unbundle", "../full.bundle", cwd: r4).status == 0)
        #expect(s.accord("bundle", "unbundle", "../inc.bundle", cwd: r4).status == 0)
        #expect(s.accord("fsck", cwd: r4).status == 0)
    }
}
