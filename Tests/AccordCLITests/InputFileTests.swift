import Foundation
import Testing

/// Where a command expects a file (an attachment, an import or contract file, a bundle, a file
/// to hash), only a regular file is read: a FIFO is refused at once instead of hanging forever,
/// a device (/dev/zero, which never ends) or a directory is refused naming what it is, and an
/// empty attachment is refused. Each refusal is `fatal:`, exit 128, the repository unchanged.
@Suite(.timeLimit(.minutes(10))) struct InputFileTests {
    static func repo() -> (Sandbox, String, String) {
        let s = Sandbox()
        s.ok("init", "-q", "repo")
        let repo = "\(s.root)/repo"
        s.ok("new", "C-1", "--type", "sales", "subject=x", cwd: repo, env: ["ACCORD_ROLE": "salesRep"])
        return (s, repo, "\(repo)/.accord")
    }

    /// (what the path is, the path, the words the refusal must say)
    static func specials(_ s: Sandbox) -> [(String, String, String)] {
        let fifo = "\(s.root)/pipe.bundle"
        #expect(makeFIFO(fifo))
        return [("FIFO", fifo, "FIFO"), ("/dev/zero", "/dev/zero", "character device"), ("directory", s.dir.sub("adir"), "directory")]
    }

    @Test func attachRefusesSpecialAndEmptyFiles() {
        let (s, repo, gitDir) = Self.repo()
        let env = ["ACCORD_ROLE": "salesRep"]
        for (label, path, words) in Self.specials(s) {
            let started = Date()
            expectRefusedUnchanged(gitDir, "attach \(label)", mentions: [path, words, "not a regular file"]) {
                s.accord(["attach", "C-1", path, "--name", "scan.pdf"], cwd: repo, input: [], env: env)
            }
            #expect(Date().timeIntervalSince(started) < 20, "attach \(label) took \(Date().timeIntervalSince(started)) s")
        }
        let empty = s.dir.write("empty.pdf", "")
        expectRefusedUnchanged(gitDir, "attach an empty file", mentions: [empty, "empty"]) {
            s.accord(["attach", "C-1", empty], cwd: repo, input: [], env: env)
        }
        let real = s.dir.write("real.pdf", "%PDF-1.4 signed")
        s.ok("attach", "C-1", real, cwd: repo, env: env)
    }

    @Test func contractFilesMustBeRegularFiles() {
        let (s, repo, gitDir) = Self.repo()
        for (label, path, words) in Self.specials(s) {
            for args in [["import", path], ["new", "--file", path], ["hash-object", path]] {
                expectRefusedUnchanged(gitDir, "\(args[0]) \(label)", mentions: [path, words]) {
                    s.accord(args, cwd: repo, input: [], env: ["ACCORD_ROLE": "contractAdmin"])
                }
            }
        }
    }

    @Test func bundlesMustBeRegularFiles() {
        let (s, repo, gitDir) = Self.repo()
        let fifo = "\(s.root)/in.bundle"
        #expect(makeFIFO(fifo))
        for args in [["pull", fifo], ["fetch", fifo], ["bundle", "verify", fifo], ["bundle", "unbundle", fifo], ["bundle", "list-heads", fifo],
                     ["pull", "/dev/zero"]] {
            expectRefusedUnchanged(gitDir, args.joined(separator: " "), mentions: [args.last ?? "", "not a regular file"]) {
                s.accord(args, cwd: repo, input: [], env: ["ACCORD_ROLE": "salesRep"])
            }
        }
        let clone = s.accord("clone", "-q", fifo, "dst")
        #expect(clone.status == 128 && clone.err.contains("FIFO"), "\(clone.err)")
        #expect(!FileManager.default.fileExists(atPath: "\(s.root)/dst"))
    }
}
