import Foundation
import AccordTestSupport
import Testing
@testable import AccordStore
import AccordObjects

/// Helpers for the pack tests: temp directories, running git, building repositories.
enum PackTestSupport {
    struct GitFailure: Error, CustomStringConvertible {
        var args: [String]; var status: Int32; var stderr: String
        var description: String { "git \(args.joined(separator: " ")) exited \(status): \(stderr)" }
    }

    static func tempDir(_ tag: String = "pack") -> String {
        var template = Array("/tmp/accord-\(tag)-XXXXXX".utf8CString)
        let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        return String(cString: p!)
    }

    static func remove(_ dir: String) { try? FileManager.default.removeItem(atPath: dir) }

    static let gitEnv: [String: String] = {
        var env = ProcessInfo.processInfo.environment
        env["GIT_CONFIG_NOSYSTEM"] = "1"
        env["GIT_CONFIG_GLOBAL"] = "/dev/null"
        env["GIT_AUTHOR_NAME"] = "Tester"; env["GIT_AUTHOR_EMAIL"] = "t@example.com"
        env["GIT_COMMITTER_NAME"] = "Tester"; env["GIT_COMMITTER_EMAIL"] = "t@example.com"
        env["GIT_AUTHOR_DATE"] = "1700000000 +0000"; env["GIT_COMMITTER_DATE"] = "1700000000 +0000"
        return env
    }()

    /// Runs git; returns stdout, throws on a non-zero exit.
    @discardableResult
    static func git(_ args: [String], in dir: String? = nil, input: Data? = nil) throws -> Data {
        let r = try ChildProcess.run("/usr/bin/git", args, environment: gitEnv, directory: dir, input: Array(input ?? Data()))
        guard r.status == 0 else { throw GitFailure(args: args, status: r.status, stderr: String(decoding: r.stderr, as: UTF8.self)) }
        return Data(r.stdout)
    }

    static func gitString(_ args: [String], in dir: String? = nil, input: Data? = nil) throws -> String {
        String(decoding: try git(args, in: dir, input: input), as: UTF8.self)
    }

    /// A git SHA-256 repository with several commits of similar files, an annotated tag, and
    /// `git gc --aggressive` run (so it is one pack with OFS_DELTA chains). Returns the work dir.
    static func makeGitRepo(commits: Int = 8) throws -> String {
        let dir = tempDir("gitrepo")
        try git(["init", "-q", "--object-format=sha256", "-b", "main", dir])
        var lines = (0..<200).map { "line \($0): the quick brown fox jumps over the lazy dog \($0 * 7919 % 1000)" }
        for c in 0..<commits {
            lines[c * 13 % lines.count] = "changed in commit \(c)"
            lines.append("appended \(c)")
            try (lines.joined(separator: "\n") + "\n").write(toFile: "\(dir)/a.txt", atomically: true, encoding: .utf8)
            try (lines.reversed().joined(separator: "\n") + "\n").write(toFile: "\(dir)/b.txt", atomically: true, encoding: .utf8)
            try FileManager.default.createDirectory(atPath: "\(dir)/sub", withIntermediateDirectories: true)
            try (lines.prefix(50 + c).joined(separator: "\n")).write(toFile: "\(dir)/sub/c.txt", atomically: true, encoding: .utf8)
            try git(["add", "-A"], in: dir)
            try git(["commit", "-q", "-m", "commit \(c)"], in: dir)
        }
        try git(["tag", "-a", "-m", "release", "v1"], in: dir)
        try git(["gc", "-q", "--aggressive"], in: dir)
        return dir
    }

    /// Every object git has: id → (type, bytes), via `cat-file --batch-all-objects --batch`.
    static func gitObjects(_ gitDir: String) throws -> [ObjectID: (type: String, bytes: [UInt8])] {
        let data = [UInt8](try git(["--git-dir=\(gitDir)", "cat-file", "--batch-all-objects", "--batch"]))
        var out: [ObjectID: (String, [UInt8])] = [:]
        var i = 0
        while i < data.count {
            guard let nl = data[i...].firstIndex(of: 0x0A) else { break }
            let header = String(decoding: data[i..<nl], as: UTF8.self).split(separator: " ")
            let size = Int(header[2])!
            let start = nl + 1
            out[ObjectID(hex: header[0])!] = (String(header[1]), Array(data[start..<(start + size)]))
            i = start + size + 1
        }
        return out
    }

    static let who = Identity(name: "Accord Test", email: "test@example.com", seconds: 1_700_000_000, offsetMinutes: 0)

    /// An Accord repository with `commits` commits of similar files, loose, plus an annotated tag.
    @discardableResult
    static func fillAccordRepo(_ repo: Repository, commits: Int = 6, files: Int = 5) throws -> [ObjectID] {
        var parent: ObjectID?
        var all: [ObjectID] = []
        for c in 0..<commits {
            var entries: [TreeEntry] = []
            for f in 0..<files {
                var text = (0..<80).map { "file \(f) line \($0) some shared content here" }
                text[(c * 7 + f) % 80] = "edited in \(c)"
                let blob = try repo.objects.write(type: .blob, payload: Array(text.joined(separator: "\n").utf8))
                all.append(blob)
                entries.append(TreeEntry(mode: .regular, name: "f\(f).txt", id: blob))
            }
            let sub = try repo.objects.write(.tree(try Tree(entries: Array(entries.prefix(2)))))
            entries.append(TreeEntry(mode: .directory, name: "dir", id: sub))
            let tree = try repo.objects.write(.tree(try Tree(entries: entries)))
            let commit = try repo.objects.write(.commit(Commit(tree: tree, parents: parent.map { [$0] } ?? [],
                                                               author: who, committer: who, message: "commit \(c)\n")))
            all += [sub, tree, commit]
            try repo.refs.update("refs/heads/main", to: commit, who: who, message: "commit")
            parent = commit
        }
        if let parent {
            let tag = try repo.objects.write(.tag(Tag(object: parent, targetType: .commit, name: "v1", tagger: who, message: "release\n")))
            try repo.refs.update("refs/tags/v1", to: tag, who: who, message: "tag")
            all.append(tag)
        }
        // An unreachable object too: gc must keep it.
        all.append(try repo.objects.write(type: .blob, payload: Array("dangling blob\n".utf8)))
        return all
    }

    static func packFiles(_ dir: String) -> [String] {
        FileIO.list(dir).filter { $0.hasSuffix(".pack") }.sorted().map { "\(dir)/\($0)" }
    }

    static func bytes(_ path: String) -> [UInt8] { [UInt8](FileManager.default.contents(atPath: path) ?? Data()) }

    static func write(_ path: String, _ bytes: [UInt8]) {
        FileIO.remove(path)
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
    }
}
