import Foundation
import AccordTestSupport
import Testing

/// The result of running a program: raw stdout, stderr and the exit status.
struct RunResult: Sendable {
    var stdout: [UInt8]
    var stderr: [UInt8]
    var status: Int32

    var out: String { String(decoding: stdout, as: UTF8.self) }
    var err: String { String(decoding: stderr, as: UTF8.self) }
    /// stdout without the final newline.
    var trimmed: String {
        var s = out
        while s.hasSuffix("\n") { s.removeLast() }
        return s
    }
    var lines: [String] { trimmed.isEmpty ? [] : trimmed.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
}

/// A fresh directory under the system temp directory, removed when the value is released.
final class CLITempDir: @unchecked Sendable {
    let path: String
    init(_ label: String = "accord-cli") {
        let base = FileManager.default.temporaryDirectory.path
        let p = "\(base)/\(label)-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
        path = p
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    func sub(_ name: String) -> String {
        let p = "\(path)/\(name)"
        try? FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
        return p
    }
    func write(_ name: String, _ contents: String) -> String {
        let p = "\(path)/\(name)"
        FileManager.default.createFile(atPath: p, contents: Data(contents.utf8))
        return p
    }
}

enum CLI {
    /// The package root (…/Tests/AccordCLITests/CLITestSupport.swift → …).
    static let packageRoot: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }()

    /// The built `accord` binary: $ACCORD_BIN, else next to the test runner, else .build/debug.
    static let accordBinary: String = {
        let fm = FileManager.default
        if let env = ProcessInfo.processInfo.environment["ACCORD_BIN"], !env.isEmpty { return env }
        var candidates: [String] = []
        let argv0 = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        candidates.append(argv0.deletingLastPathComponent().appendingPathComponent("accord").path)
        // macOS: …/debug/AccordPackageTests.xctest/Contents/MacOS/AccordPackageTests
        var u = argv0
        for _ in 0..<4 {
            u = u.deletingLastPathComponent()
            candidates.append(u.appendingPathComponent("accord").path)
        }
        candidates.append(Bundle.main.bundleURL.appendingPathComponent("accord").path)
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("accord").path)
        candidates.append("\(packageRoot)/.build/debug/accord")
        for c in candidates where fm.isExecutableFile(atPath: c) { return c }
        return "\(packageRoot)/.build/debug/accord"
    }()

    static let gitBinary = "/usr/bin/git"

    /// A clean environment: no inherited ACCORD_/GIT_ settings, fixed identities, no user config.
    static func environment(home: String, extra: [String: String] = [:]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("ACCORD_") && !$0.key.hasPrefix("GIT_") }
        env["HOME"] = home
        env["XDG_CONFIG_HOME"] = home
        env["GIT_CONFIG_NOSYSTEM"] = "1"
        env["LC_ALL"] = "C.UTF-8"
        env["TZ"] = "UTC"
        env["NO_COLOR"] = "1"
        env["ACCORD_AUTHOR_NAME"] = "Test Author"
        env["ACCORD_AUTHOR_EMAIL"] = "author@example.com"
        env["ACCORD_AUTHOR_DATE"] = "1700000000 +0800"
        env["ACCORD_COMMITTER_NAME"] = "Test Committer"
        env["ACCORD_COMMITTER_EMAIL"] = "committer@example.com"
        env["ACCORD_COMMITTER_DATE"] = "1700000000 +0800"
        env["GIT_AUTHOR_NAME"] = "Git Author"
        env["GIT_AUTHOR_EMAIL"] = "git-author@example.com"
        env["GIT_COMMITTER_NAME"] = "Git Committer"
        env["GIT_COMMITTER_EMAIL"] = "git-committer@example.com"
        for (k, v) in extra { env[k] = v }
        return env
    }

    /// How long one program may run before it is taken for hung and killed (SIGKILL), so that a
    /// hang fails its test instead of stalling the run: a suite's `.timeLimit` alone cannot end
    /// a test that is blocked waiting for a child process. Commands in these tests take seconds.
    static let processTimeout: Double = 120

    /// Starts a program with stdin from `input`, stdout/stderr into temp files (no pipe deadlocks).
    final class Running: @unchecked Sendable {
        let child: ChildProcess
        let outPath: String, errPath: String, inPath: String
        let what: String
        private let watchdog: DispatchWorkItem
        private let killed = Killed()
        private final class Killed: @unchecked Sendable {
            private let lock = NSLock()
            private var value = false
            func set() { lock.lock(); value = true; lock.unlock() }
            var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
        }

        init(_ executable: String, _ args: [String], cwd: String, env: [String: String], input: [UInt8]) throws {
            let base = FileManager.default.temporaryDirectory.path + "/accord-run-" + UUID().uuidString
            outPath = base + ".out"; errPath = base + ".err"; inPath = base + ".in"
            FileManager.default.createFile(atPath: inPath, contents: Data(input))
            what = ([URL(fileURLWithPath: executable).lastPathComponent] + args).joined(separator: " ")
            child = try ChildProcess(executable, args, environment: env, directory: cwd,
                                     stdinPath: inPath, stdoutPath: outPath, stderrPath: errPath)
            let child = self.child, killed = self.killed
            watchdog = DispatchWorkItem {
                killed.set()
                child.kill()
            }
            DispatchQueue.global().asyncAfter(deadline: .now() + CLI.processTimeout, execute: watchdog)
        }
        func wait() -> RunResult {
            let status = child.wait()
            watchdog.cancel()
            if killed.isSet { Issue.record("'\(what.prefix(200))' ran for \(Int(CLI.processTimeout)) s: taken for hung and killed") }
            let out = FileManager.default.contents(atPath: outPath) ?? Data()
            let err = FileManager.default.contents(atPath: errPath) ?? Data()
            for p in [outPath, errPath, inPath] { try? FileManager.default.removeItem(atPath: p) }
            return RunResult(stdout: Array(out), stderr: Array(err), status: status)
        }
    }

    static func run(_ executable: String, _ args: [String], cwd: String, env: [String: String],
                    input: [UInt8] = []) -> RunResult {
        do {
            return try Running(executable, args, cwd: cwd, env: env, input: input).wait()
        } catch {
            Issue.record("could not run \(executable): \(error)")
            return RunResult(stdout: [], stderr: Array("\(error)".utf8), status: -1)
        }
    }
}

/// A scratch area for one test: a home directory and helpers to run accord and git in `cwd`.
final class Sandbox: @unchecked Sendable {
    let dir = CLITempDir("accord-cli")
    var root: String { dir.path }
    var extraEnv: [String: String] = [:]

    init() {}

    var homeDir: String { dir.sub(".home") }

    func env(_ extra: [String: String] = [:]) -> [String: String] {
        CLI.environment(home: homeDir, extra: extraEnv.merging(extra) { $1 })
    }

    @discardableResult
    func accord(_ args: String..., cwd: String? = nil, input: String = "", env extra: [String: String] = [:]) -> RunResult {
        accord(args, cwd: cwd, input: Array(input.utf8), env: extra)
    }

    @discardableResult
    func accord(_ args: [String], cwd: String? = nil, input: [UInt8], env extra: [String: String] = [:]) -> RunResult {
        CLI.run(CLI.accordBinary, args, cwd: cwd ?? root, env: env(extra), input: input)
    }

    @discardableResult
    func git(_ args: String..., cwd: String? = nil, input: String = "", env extra: [String: String] = [:]) -> RunResult {
        git(args, cwd: cwd, input: Array(input.utf8), env: extra)
    }

    @discardableResult
    func git(_ args: [String], cwd: String? = nil, input: [UInt8], env extra: [String: String] = [:]) -> RunResult {
        CLI.run(CLI.gitBinary, args, cwd: cwd ?? root, env: env(extra), input: input)
    }

    /// Runs accord and expects success, returning trimmed stdout.
    func ok(_ args: String..., cwd: String? = nil, input: String = "", env extra: [String: String] = [:],
            sourceLocation: SourceLocation = #_sourceLocation) -> String {
        let r = accord(args, cwd: cwd, input: Array(input.utf8), env: extra)
        #expect(r.status == 0, "accord \(args.joined(separator: " ")) failed (\(r.status)): \(r.err)", sourceLocation: sourceLocation)
        return r.trimmed
    }

    /// Runs git and expects success, returning trimmed stdout.
    func gitOK(_ args: String..., cwd: String? = nil, input: String = "", env extra: [String: String] = [:],
               sourceLocation: SourceLocation = #_sourceLocation) -> String {
        let r = git(args, cwd: cwd, input: Array(input.utf8), env: extra)
        #expect(r.status == 0, "git \(args.joined(separator: " ")) failed (\(r.status)): \(r.err)", sourceLocation: sourceLocation)
        return r.trimmed
    }
}

extension Array where Element == UInt8 {
    var text: String { String(decoding: self, as: UTF8.self) }
}

func isHexID(_ s: some StringProtocol) -> Bool {
    s.utf8.count == 64 && s.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
}

extension Sandbox {
    /// `accord cat-file --batch-all-objects --batch` prints exactly what git's does on `gitDir`
    /// (every object, in git's order, byte for byte); `atLeast` guards against a vacuous match.
    func expectBatchAllObjectsMatchesGit(gitDir: String, atLeast: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        let gitAll = git("--git-dir=\(gitDir)", "cat-file", "--batch-all-objects", "--batch")
        let accordAll = accord("cat-file", "--batch-all-objects", "--batch", env: ["ACCORD_DIR": gitDir])
        #expect(gitAll.status == 0 && accordAll.status == 0, "\(accordAll.err)", sourceLocation: sourceLocation)
        #expect(gitAll.stdout.count > atLeast, sourceLocation: sourceLocation)
        #expect(accordAll.stdout == gitAll.stdout, sourceLocation: sourceLocation)
    }
}
