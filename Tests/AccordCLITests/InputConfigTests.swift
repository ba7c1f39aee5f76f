import Foundation
import Testing

/// `accord config` validates what it writes as git validates names (the git binary is the
/// oracle), refuses values a config file cannot hold and the keys that define the repository
/// format, and range-checks the settings Accord reads; a bad value already in the file is
/// reported and replaced by its default, never a crash, so `accord config` can still fix it.
@Suite(.timeLimit(.minutes(5))) struct InputConfigTests {
    static func repo() -> (Sandbox, String, String) {
        let s = Sandbox()
        s.ok("init", "-q", "repo")
        return (s, "\(s.root)/repo", "\(s.root)/repo/.accord")
    }

    static let namesGitRefuses = ["user.1abc", "us er.name", "a.b\nc.d", "user.名字", "名字.x", "user.na_me", "us_er.name",
                                  "user.-x", "user.name.", "a", "a.", ".a", "user.", "user.na me", "user.n\u{1B}x"]

    @Test(arguments: namesGitRefuses)
    func namesGitRefusesAreRefused(name: String) {
        let (s, repo, gitDir) = Self.repo()
        #expect(s.git("--git-dir=\(gitDir)", "config", "--file", "\(s.root)/oracle", name, "v").status != 0,
                "git accepts \(name.debugDescription): the list is wrong")
        expectRefusedUnchanged(gitDir, "config \(name.debugDescription) v", mentions: ["not a valid setting name"]) {
            s.accord(["config", name, "v"], cwd: repo, input: [])
        }
        expectRefusedUnchanged(gitDir, "config \(name.debugDescription) (get)", mentions: ["not a valid setting name"]) {
            s.accord(["config", name], cwd: repo, input: [])
        }
    }

    /// What git accepts, accord accepts too, and git reads back the same value from accord's file.
    @Test(arguments: ["user.x-", "us-er.name", "a.b c.d", "a.\"b\".c", "a.b\\c.d", "a.名字.d", "USER.Name", "a.b\tc.d", "remote.my.origin.url"])
    func namesGitAcceptsRoundTrip(name: String) {
        let (s, repo, gitDir) = Self.repo()
        #expect(s.git("config", "--file", "\(s.root)/oracle", name, "v").status == 0, "git refuses \(name.debugDescription)")
        s.ok("config", name, "value 1", cwd: repo)
        #expect(s.ok("config", name, cwd: repo) == "value 1")
        #expect(s.gitOK("--git-dir=\(gitDir)", "config", "--get", name) == "value 1")
        #expect(s.accord("fsck", cwd: repo).status == 0)
    }

    @Test(arguments: ["x\ry", "\r", "trailing\r"])
    func valuesWithACarriageReturnAreRefused(value: String) {
        let (s, repo, gitDir) = Self.repo()
        expectRefusedUnchanged(gitDir, "config user.name \(value.debugDescription)", mentions: ["user.name", "carriage return"]) {
            s.accord(["config", "user.name", value], cwd: repo, input: [])
        }
    }

    @Test func newlinesAndTabsInValuesRoundTripThroughGit() {
        let (s, repo, gitDir) = Self.repo()
        s.ok("config", "user.office", "line 1\nline\t2", cwd: repo)
        s.ok("config", "user.name", "Li Wei", cwd: repo)
        #expect(s.git("--git-dir=\(gitDir)", "config", "--get", "user.office").out == "line 1\nline\t2\n")
        #expect(s.ok("config", "user.name", cwd: repo) == "Li Wei")
    }

    @Test(arguments: [("core.repositoryformatversion", "0"), ("core.repositoryFormatVersion", "1"), ("extensions.objectformat", "sha1"),
                      ("extensions.objectFormat", "sha256"), ("extensions.worktreeConfig", "true"), ("EXTENSIONS.noop", "true")])
    func formatKeysAreRefused(key: String, value: String) {
        let (s, repo, gitDir) = Self.repo()
        expectRefusedUnchanged(gitDir, "config \(key) \(value)", mentions: [key, "repository format"]) {
            s.accord(["config", key, value], cwd: repo, input: [])
        }
        #expect(s.accord("show-ref", "--head", cwd: repo).status != 128, "the repository still opens")
        #expect(s.accord("fsck", cwd: repo).status == 0)
    }

    @Test(arguments: ["99999999999g", "9223372036854775807k", "0", "-1", "100", "1023k", "65g", "abc", "1x", "", "1.5m", " "])
    func maxObjectSizeOutOfRangeIsRefusedWhenSet(value: String) {
        let (s, repo, gitDir) = Self.repo()
        expectRefusedUnchanged(gitDir, "config accord.maxObjectSize \(value.debugDescription)", mentions: ["accord.maxObjectSize"]) {
            s.accord(["config", "--", "accord.maxObjectSize", value], cwd: repo, input: [])
        }
    }

    @Test(arguments: ["1m", "1024k", "256m", "64g", "1048576"])
    func maxObjectSizeInRangeIsAccepted(value: String) {
        let (s, repo, _) = Self.repo()
        s.ok("config", "accord.maxObjectSize", value, cwd: repo)
        #expect(s.ok("config", "accord.maxObjectSize", cwd: repo) == value)
    }

    /// A bad value written behind accord's back (by git, or by hand): every command still runs,
    /// warns naming the setting and the file, uses the default (so fsck finds sound objects
    /// sound), and `accord config` corrects it. It used to trap (exit 132) or report corruption.
    @Test(arguments: ["99999999999g", "0", "-1", "100", "lots"])
    func badMaxObjectSizeInTheFileIsReportedNotFatal(value: String) {
        let (s, repo, gitDir) = Self.repo()
        s.ok("new", "C-1", "--type", "sales", "subject=x", cwd: repo, env: ["ACCORD_ROLE": "salesRep"])
        s.gitOK("--git-dir=\(gitDir)", "config", "accord.maxObjectSize", value)
        let fsck = s.accord("fsck", cwd: repo)
        #expect(fsck.status == 0, "fsck with accord.maxObjectSize=\(value): \(fsck.status) \(fsck.out) \(fsck.err)")
        #expect(fsck.err.contains("warning: accord.maxObjectSize") && fsck.err.contains("\(gitDir)/config"), "\(fsck.err)")
        #expect(s.accord("show", "C-1", cwd: repo).status == 0)
        let fix = s.accord("config", "accord.maxObjectSize", "256m", cwd: repo)
        #expect(fix.status == 0, "\(fix.err)")
        let after = s.accord("fsck", cwd: repo)
        #expect(after.status == 0 && !after.err.contains("warning"), "\(after.err)")
    }

    @Test func booleansAccordReadsAreChecked() {
        let (s, repo, gitDir) = Self.repo()
        for key in ["accord.fsyncObjectFiles", "core.bare", "core.logAllRefUpdates"] {
            expectRefusedUnchanged(gitDir, "config \(key) maybe", mentions: [key, "boolean"]) {
                s.accord(["config", key, "maybe"], cwd: repo, input: [])
            }
        }
        s.ok("config", "accord.fsyncObjectFiles", "off", cwd: repo)
        s.gitOK("--git-dir=\(gitDir)", "config", "accord.fsyncObjectFiles", "sometimes")
        let r = s.accord("fsck", cwd: repo)
        #expect(r.status == 0 && r.err.contains("accord.fsyncObjectFiles"), "\(r.err)")
    }

    /// A config file with CRLF line ends (or a value holding a carriage return, as git writes
    /// one in quotes) is read line by line as git reads it, and an edit keeps the other lines.
    @Test func carriageReturnsInTheFileDoNotGlueLines() throws {
        let (s, repo, gitDir) = Self.repo()
        s.gitOK("--git-dir=\(gitDir)", "config", "a.cr", "x\ry")
        let path = "\(gitDir)/config"
        let crlf = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "\n", with: "\r\n")
        try crlf.write(toFile: path, atomically: true, encoding: .utf8)
        s.ok("config", "user.name", "Li Wei", cwd: repo)
        s.ok("config", "a.other", "v", cwd: repo)
        #expect(s.gitOK("--git-dir=\(gitDir)", "config", "--get", "a.cr") == "x\ry")
        #expect(s.gitOK("--git-dir=\(gitDir)", "config", "--get", "a.other") == "v")
        #expect(s.gitOK("--git-dir=\(gitDir)", "config", "--get", "user.name") == "Li Wei")
        #expect(s.ok("config", "user.name", cwd: repo) == "Li Wei")
        #expect(s.ok("config", "extensions.objectformat", cwd: repo) == "sha256")
    }
}
