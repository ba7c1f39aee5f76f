import Foundation
import AccordTestSupport
import Testing
import AccordObjects
@testable import AccordStore

/// A fresh directory under the system temp directory, removed when released.
final class StoreTempDir: @unchecked Sendable {
    let path: String
    /// `base`: the directory to make it in (the system temp directory by default).
    init(_ label: String = "accord-store", base: String? = nil) {
        path = (base ?? FileManager.default.temporaryDirectory.path) + "/\(label)-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    @discardableResult
    func mkdir(_ rel: String) -> String {
        let p = "\(path)/\(rel)"
        try! FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
        return p
    }

    @discardableResult
    func write(_ rel: String, _ bytes: [UInt8]) -> String {
        let p = "\(path)/\(rel)"
        try? FileManager.default.createDirectory(atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        chmod(p, 0o644)
        FileManager.default.createFile(atPath: p, contents: Data(bytes))
        return p
    }

    @discardableResult
    func write(_ rel: String, _ text: String) -> String { write(rel, Array(text.utf8)) }
}

struct StoreRun: Sendable {
    var stdout: String
    var stderr: String
    var status: Int32
    var trimmed: String { stdout.hasSuffix("\n") ? String(stdout.dropLast()) : stdout }
}

/// Runs /usr/bin/git (the oracle) with a clean environment.
func storeGit(_ args: [String], cwd: String? = nil, input: String = "") -> StoreRun {
    var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("GIT_") }
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    env["HOME"] = FileManager.default.temporaryDirectory.path
    do {
        let r = try ChildProcess.run("/usr/bin/git", args, environment: env, directory: cwd, input: Array(input.utf8))
        return StoreRun(stdout: String(decoding: r.stdout, as: UTF8.self), stderr: String(decoding: r.stderr, as: UTF8.self), status: r.status)
    } catch { return StoreRun(stdout: "", stderr: "\(error)", status: -1) }
}

enum StoreFixtures {
    /// …/Tests/AccordStoreTests/StoreTestSupport.swift → the package root.
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let gitRepo = "\(packageRoot)/Fixtures/git-sha256-repo"
    static let gitRepoManifest = "\(packageRoot)/Fixtures/git-sha256-repo.expected"
}

let testWho = Identity(name: "Tester", email: "tester@example.com", seconds: 1_700_000_000, offsetMinutes: 60)

func blobID(_ repo: Repository, _ text: String) throws -> ObjectID {
    try repo.objects.write(type: .blob, payload: Array(text.utf8))
}

/// Writes a commit with an empty tree; `n` makes the date (and so the order) distinct.
func makeCommit(_ repo: Repository, _ msg: String, parents: [ObjectID] = [], n: Int64 = 0) throws -> ObjectID {
    let tree = try repo.objects.write(.tree(try Tree(entries: [])))
    let who = Identity(name: "T", email: "t@example.com", seconds: 1_700_000_000 + n * 60, offsetMinutes: 0)
    return try repo.objects.write(.commit(Commit(tree: tree, parents: parents, author: who, committer: who, message: msg + "\n")))
}

func newRepo(_ dir: StoreTempDir, bare: Bool = false) throws -> Repository {
    try Repository.create(at: dir.mkdir("repo"), bare: bare)
}

func errorText(_ body: () throws -> Void) -> String? {
    do { try body(); return nil } catch { return "\(error)" }
}
