import Foundation
import Testing

/// Every file under a git directory with its bytes (and every directory, as an empty entry): two
/// equal values mean the repository is byte-identical, as the bad-input tests require of a
/// refused command ("nothing changed", not merely "no ref moved").
struct RepositoryFiles: Equatable, CustomStringConvertible {
    var files: [String: [UInt8]]

    init(_ gitDir: String) {
        var files: [String: [UInt8]] = [:]
        let fm = FileManager.default
        var isDir: ObjCBool = false
        for rel in (fm.enumerator(atPath: gitDir)?.allObjects as? [String] ?? []) {
            let path = "\(gitDir)/\(rel)"
            guard fm.fileExists(atPath: path, isDirectory: &isDir) else { continue }
            files[rel + (isDir.boolValue ? "/" : "")] = isDir.boolValue ? [] : Array(fm.contents(atPath: path) ?? Data())
        }
        self.files = files
    }

    /// What differs from `other`: added, removed and changed paths (for a readable failure).
    func changes(since other: RepositoryFiles) -> [String] {
        var out: [String] = []
        for k in Set(files.keys).union(other.files.keys).sorted() {
            switch (other.files[k], files[k]) {
            case (nil, _?): out.append("+ \(k)")
            case (_?, nil): out.append("- \(k)")
            case let (a?, b?) where a != b: out.append("~ \(k)")
            default: break
            }
        }
        return out
    }

    var description: String { "\(files.count) files" }
}

/// Expects `gitDir` to be byte-identical to `before` (taken with `RepositoryFiles(gitDir)`).
func expectUnchanged(_ gitDir: String, since before: RepositoryFiles, _ what: String,
                     sourceLocation: SourceLocation = #_sourceLocation) {
    let after = RepositoryFiles(gitDir)
    let changes = after.changes(since: before)
    #expect(changes.isEmpty, "\(what) changed the repository: \(changes.prefix(20))", sourceLocation: sourceLocation)
}

/// A refused command, checked the strict way: the given exit status (128 unless told), stderr
/// starting with `fatal:` (for 128) and naming every fragment, and the repository byte-identical.
@discardableResult
func expectRefusedUnchanged(_ gitDir: String, _ what: String, status: Int32 = 128, mentions: [String],
                            sourceLocation: SourceLocation = #_sourceLocation, _ run: () -> RunResult) -> RunResult {
    let before = RepositoryFiles(gitDir)
    let r = run()
    #expect(r.status == status, "\(what): exit \(r.status), stdout: \(r.out.prefix(500)) stderr: \(r.err.prefix(500))",
            sourceLocation: sourceLocation)
    if status == 128 { #expect(r.err.hasPrefix("fatal: "), "\(what): \(r.err.prefix(500))", sourceLocation: sourceLocation) }
    for m in mentions { #expect(r.err.contains(m), "\(what): '\(m)' not in: \(r.err.prefix(800))", sourceLocation: sourceLocation) }
    expectUnchanged(gitDir, since: before, what, sourceLocation: sourceLocation)
    return r
}

/// Makes a FIFO (named pipe) at `path`; nothing ever writes to it, so a reader that opens it
/// without O_NONBLOCK waits forever.
func makeFIFO(_ path: String) -> Bool { mkfifo(path, 0o644) == 0 }

/// `strace`, for tests that kill a command at its N-th system call of a kind (fault injection).
enum Strace {
    static let path = "/usr/bin/strace"
    static var available: Bool { FileManager.default.isExecutableFile(atPath: path) }

    /// Arguments that run `accord ARGS` under strace, killing it (SIGKILL) at the `n`-th call of
    /// any of `syscalls` made by any of its threads.
    static func killing(at n: Int, of syscalls: [String], _ args: [String]) -> [String] {
        ["-f", "-qq", "-o", "/dev/null", "-e", "trace=\(syscalls.joined(separator: ","))",
         "-e", "inject=\(syscalls.joined(separator: ",")):signal=KILL:when=\(n)", CLI.accordBinary] + args
    }

    /// How many calls of `syscalls` `accord ARGS` makes when it runs to the end (counted by strace).
    static func count(of syscalls: [String], _ s: Sandbox, _ args: [String], cwd: String, env: [String: String] = [:]) -> Int {
        let log = "\(s.root)/strace-count-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let r = CLI.run(path, ["-f", "-qq", "-o", log, "-e", "trace=\(syscalls.joined(separator: ","))", CLI.accordBinary] + args,
                        cwd: cwd, env: s.env(env))
        guard r.status == 0 else { Issue.record("counting run failed (\(r.status)): \(r.err)"); return 0 }
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").filter { line in syscalls.contains { line.contains("\($0)(") } && !line.contains("resumed>") }.count
    }
}
