import Foundation
import Testing
import AccordObjects
@testable import AccordStore

@Suite struct ConfigTests {
    static let sample = """
        # top comment
        [core]
        \trepositoryformatversion = 1
        \tBare = false ; trailing comment
        [remote "origin"]
        \turl = https://example.com/a.git
        \tfetch = +refs/heads/*:refs/remotes/origin/*
        [remote "Origin"]
        \turl = other
        [branch.Main]
        \tmerge = refs/heads/main
        [user]
        \tname = "  Padded Name  "
        \temail = a@example.com # comment
        \tquote = "say \\"hi\\"" and\\tmore\\\\
        \tflag
        [Extensions]
        \tobjectFormat = sha256
        [core]
        \tbare = true

        """

    @Test func parsesSectionsSubsectionsQuotingAndComments() throws {
        let c = try Config(parsing: Self.sample, path: "cfg")
        #expect(c.get("core.repositoryformatversion") == "1")
        #expect(c.get("CORE.BARE") == "true", "last value wins; names are case-insensitive")
        #expect(c.bool("core.bare") == true)
        #expect(c.get("remote.origin.url") == "https://example.com/a.git")
        #expect(c.get("remote.Origin.url") == "other", "subsections are case-sensitive")
        #expect(c.get("remote.origin.fetch") == "+refs/heads/*:refs/remotes/origin/*")
        // The old "[section.subsection]" syntax: git lowercases that subsection.
        #expect(c.get("branch.main.merge") == "refs/heads/main")
        #expect(c.get("branch.Main.merge") == nil)
        #expect(c.get("user.name") == "  Padded Name  ")
        #expect(c.get("user.email") == "a@example.com")
        #expect(c.get("user.quote") == "say \"hi\" and\tmore\\")
        #expect(c.get("user.flag") == "true")
        #expect(c.get("extensions.objectformat") == "sha256")
        #expect(c.get("user.missing") == nil)
    }

    @Test func gitReadsTheSampleTheSameWay() throws {
        let dir = StoreTempDir()
        let path = dir.write("cfg", Self.sample)
        for key in ["core.bare", "remote.origin.url", "remote.Origin.url", "user.name", "user.email", "user.quote",
                    "branch.main.merge", "branch.Main.merge", "extensions.objectformat", "user.none"] {
            let g = storeGit(["config", "-f", path, "--get", key])
            let gitValue: String? = g.status == 0 ? g.trimmed : nil
            #expect(try Config(parsing: Self.sample, path: path).get(key) == gitValue, "\(key)")
        }
        // A bare key is boolean true (git prints it as "true" only when asked for a bool).
        #expect(storeGit(["config", "-f", path, "--bool", "--get", "user.flag"]).trimmed == "true")
        #expect(try Config(parsing: Self.sample, path: path).bool("user.flag") == true)
    }

    @Test func setKeepsCommentsAndOtherLinesUntouched() throws {
        var c = try Config(parsing: Self.sample, path: "cfg")
        c.set("user.email", "new@example.com")
        c.set("remote.origin.url", "ssh://host/repo")
        c.set("user.signingkey", "ABC")           // new key in an existing section
        c.set("accord.replicaId", "1234")          // new section
        c.set("remote.new one.url", "x")           // new subsection with a space
        let text = c.text
        for keep in ["# top comment", "\tBare = false ; trailing comment", "\tfetch = +refs/heads/*:refs/remotes/origin/*",
                     "[branch.Main]", "\tquote = \"say \\\"hi\\\"\" and\\tmore\\\\"] {
            #expect(text.contains(keep + "\n"), "lost '\(keep)'")
        }
        let again = try Config(parsing: text, path: "cfg")
        #expect(again.get("user.email") == "new@example.com")
        #expect(again.get("remote.origin.url") == "ssh://host/repo")
        #expect(again.get("remote.Origin.url") == "other")
        #expect(again.get("user.signingkey") == "ABC")
        #expect(again.get("accord.replicaid") == "1234")
        #expect(again.get("remote.new one.url") == "x")
        #expect(again.get("user.name") == "  Padded Name  ")
        // Only the lines that were set changed.
        let before = Self.sample.split(separator: "\n", omittingEmptySubsequences: false)
        let after = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(after.count == before.count + 5) // signingkey; [accord] + replicaId; [remote "new one"] + url
    }

    @Test func trickyValuesRoundTripThroughSetAndGit() throws {
        let values = ["plain", " leading", "trailing ", "has # hash", "has ; semi", "quote \" inside", "back\\slash",
                      "tab\there", "line\nbreak", "", "=equals=", "ünïcödé 合同", "  "]
        var c = Config()
        for (i, v) in values.enumerated() { c.set("test.k\(i)", v) }
        c.set("sub.with \"quotes\" and \\.key", "v")
        let parsed = try Config(parsing: c.text, path: "cfg")
        for (i, v) in values.enumerated() { #expect(parsed.get("test.k\(i)") == v, "value \(v.debugDescription)") }
        #expect(parsed.get("sub.with \"quotes\" and \\.key") == "v")
        // git reads what we wrote identically.
        let dir = StoreTempDir()
        let path = dir.write("cfg", c.text)
        for (i, v) in values.enumerated() where !v.contains("\n") {
            let g = storeGit(["config", "-f", path, "--get", "test.k\(i)"])
            #expect(g.status == 0, "\(g.stderr)")
            #expect(g.stdout == v + "\n", "git reads \(v.debugDescription) as \(g.stdout.debugDescription)")
        }
    }

    @Test(arguments: [
        ("[core\nbare = true\n", 1),
        ("[core]\nbare = true\n[co re]\n", 3),
        ("key = value\n", 1),
        ("[core]\n\tbare = \"unterminated\n", 2),
        ("[core]\n\tbare = bad\\q\n", 2),
        ("[core]\n\tbare = trailing\\", 2),
        ("[core]\n\t1key = x\n", 2),
        ("[core]\n\tke_y = x\n", 2),
        ("[remote \"origin]\n", 1),
        ("[]\n", 1),
    ])
    func badConfigFilesNameTheLine(text: String, line: Int) {
        do {
            _ = try Config(parsing: text, path: "/x/config")
            Issue.record("accepted \(text.debugDescription)")
        } catch let e as StoreError {
            guard case let .badConfig(path, l, reason) = e else { Issue.record("\(e)"); return }
            #expect(path == "/x/config")
            #expect(l == line, "\(text.debugDescription): \(reason)")
            #expect(e.description.contains("line \(line)"))
        } catch { Issue.record("\(error)") }
    }

    @Test func integersAndBooleansFollowGit() throws {
        let c = try Config(parsing: "[a]\n\tk = 2k\n\tm = 3m\n\tg = 1g\n\tn = 42\n\tbad = 12x\n\ty = yes\n\to = off\n\tz = maybe\n", path: "c")
        #expect(c.int("a.k") == 2048)
        #expect(c.int("a.m") == 3 << 20)
        #expect(c.int("a.g") == 1 << 30)
        #expect(c.int("a.n") == 42)
        #expect(c.int("a.bad") == nil)
        #expect(c.bool("a.y") == true && c.bool("a.o") == false && c.bool("a.z") == nil)
    }
}

@Suite struct RepositoryTests {
    @Test func createThenReopen() throws {
        let dir = StoreTempDir()
        let repo = try Repository.create(at: dir.mkdir("work"), bare: false, replicaID: "replica-1")
        #expect(repo.gitDir == "\(dir.path)/work/.accord")
        #expect(repo.replicaID == "replica-1")
        #expect(!repo.isBare)
        let again = try Repository(gitDir: repo.gitDir)
        #expect(again.config.get("extensions.objectformat") == "sha256")
        #expect(try again.refs.resolvedName("HEAD") == "refs/heads/main")
        #expect(throws: StoreError.alreadyExists(repo.gitDir)) { try Repository.create(at: "\(dir.path)/work", bare: false) }
        // A bare repository is refused in a non-empty directory.
        dir.write("full/file", "x")
        #expect(throws: StoreError.self) { try Repository.create(at: "\(dir.path)/full", bare: true) }
        // git reads a fresh repository.
        let g = storeGit(["--git-dir=\(repo.gitDir)", "rev-parse", "--show-object-format"])
        #expect(g.trimmed == "sha256", "\(g.stderr)")
    }

    @Test func discoverWalksUpAndHonoursAccordDir() throws {
        let dir = StoreTempDir()
        let repo = try Repository.create(at: dir.mkdir("work"), bare: false)
        let deep = dir.mkdir("work/a/b/c")
        #expect(try Repository.discover(from: deep, environment: [:]).gitDir == repo.gitDir)
        #expect(try Repository.discover(from: "\(dir.path)/work", environment: [:]).gitDir == repo.gitDir)
        let bare = try Repository.create(at: dir.mkdir("hub.git"), bare: true)
        #expect(try Repository.discover(from: bare.gitDir, environment: [:]).gitDir == bare.gitDir)
        #expect(try Repository.discover(from: dir.mkdir("hub.git/refs/heads"), environment: [:]).gitDir == bare.gitDir)
        // ACCORD_DIR wins over the working directory; an empty one is ignored.
        #expect(try Repository.discover(from: deep, environment: ["ACCORD_DIR": bare.gitDir]).gitDir == bare.gitDir)
        #expect(try Repository.discover(from: deep, environment: ["ACCORD_DIR": ""]).gitDir == repo.gitDir)
        let outside = dir.mkdir("elsewhere/x")
        #expect {
            try Repository.discover(from: outside, environment: [:])
        } throws: { e in
            guard let e = e as? StoreError, case .notARepository = e else { return false }
            return e.description.contains("ACCORD_DIR")
        }
        #expect(throws: StoreError.self) { try Repository.discover(from: deep, environment: ["ACCORD_DIR": "\(dir.path)/nope"]) }
    }

    static func repoWithConfig(_ dir: StoreTempDir, _ config: String) -> String {
        let g = dir.mkdir("r")
        dir.mkdir("r/objects"); dir.mkdir("r/refs")
        dir.write("r/HEAD", "ref: refs/heads/main\n")
        dir.write("r/config", config)
        return g
    }

    @Test(arguments: [
        ("[core]\n\trepositoryformatversion = 0\n", "sha256"),
        ("[core]\n\trepositoryformatversion = 1\n", "sha1"),
        ("[core]\n\trepositoryformatversion = 1\n[extensions]\n\tobjectformat = sha1\n", "sha1"),
        ("[core]\n\trepositoryformatversion = 2\n[extensions]\n\tobjectformat = sha256\n", "repositoryformatversion is 2"),
        ("[core]\n\trepositoryformatversion = 1\n[extensions]\n\tobjectformat = sha256\n\tworktreeConfig = true\n", "extensions.worktreeconfig"),
        ("[core]\n\trepositoryformatversion = 1\n[extensions]\n\tobjectformat = sha256\n\trefStorage = reftable\n", "extensions.refstorage"),
    ])
    func refusesRepositoriesItCannotHandle(config: String, mentions: String) {
        let dir = StoreTempDir()
        let g = Self.repoWithConfig(dir, config)
        do {
            _ = try Repository(gitDir: g)
            Issue.record("opened \(config.debugDescription)")
        } catch let e as StoreError {
            guard case .unsupportedRepository = e else { Issue.record("\(e)"); return }
            #expect(e.description.contains(mentions), "\(e.description)")
        } catch { Issue.record("\(error)") }
    }

    @Test func acceptsKnownHarmlessExtensions() throws {
        let dir = StoreTempDir()
        let g = Self.repoWithConfig(dir, "[core]\n\trepositoryformatversion = 1\n[extensions]\n\tobjectFormat = SHA256\n\tnoop = true\n")
        #expect(throws: Never.self) { try Repository(gitDir: g) }
    }

    @Test func aSHA1RepositoryMadeByGitIsRefused() throws {
        let dir = StoreTempDir()
        let r = storeGit(["init", "-q", "--bare", "\(dir.path)/sha1.git"])
        try #require(r.status == 0)
        #expect {
            try Repository(gitDir: "\(dir.path)/sha1.git")
        } throws: { e in
            guard let e = e as? StoreError, case .unsupportedRepository = e else { return false }
            return e.description.contains("sha256")
        }
    }

    @Test func setConfigPersistsKeepsCommentsAndRespectsTheLock() throws {
        let dir = StoreTempDir()
        let repo = try newRepo(dir)
        let path = "\(repo.gitDir)/config"
        try (String(contentsOfFile: path, encoding: .utf8) + "# keep me\n").write(toFile: path, atomically: true, encoding: .utf8)
        try repo.setConfig("user.name", "张三")
        #expect(repo.config.get("user.name") == "张三")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("# keep me\n"))
        #expect(try Repository(gitDir: repo.gitDir).config.get("user.name") == "张三")
        #expect(storeGit(["config", "-f", path, "user.name"]).trimmed == "张三")
        // A stale config.lock stops the write and says how to recover.
        FileManager.default.createFile(atPath: path + ".lock", contents: nil)
        #expect(throws: StoreError.lockHeld(path: path + ".lock")) { try repo.setConfig("user.name", "other") }
        #expect(try Repository(gitDir: repo.gitDir).config.get("user.name") == "张三")
        #expect(FileManager.default.fileExists(atPath: path + ".lock"))
        #expect(repo.refs.lockFiles() == [path + ".lock"])
    }
}
