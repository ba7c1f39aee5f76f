import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// glibc 2.29+ (Debian 12 has 2.36); the Glibc module does not import it.
@_silgen_name("posix_spawn_file_actions_addchdir_np")
private func spawnAddChdir(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ path: UnsafePointer<CChar>) -> Int32

/// glibc 2.34+: the child closes every descriptor from 3 up before exec, so it never holds a file
/// another test has open for writing (a script being written gives "Text file busy" to whoever
/// execs it while any process holds it open for writing).
@_silgen_name("posix_spawn_file_actions_addclosefrom_np")
private func spawnAddCloseFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ from: Int32) -> Int32

/// A child process started with `posix_spawn`, for tests that run `accord` and `git`.
///
/// Not Foundation's `Process`: on Linux its `run()` crashes intermittently with a buffer
/// over-read while listing `/proc/self/fd` (swift-corelibs-foundation PR #5472, present in Swift
/// 6.3.1; seen here about one full test run in two, in memcpy inside `Process.run`). Standard
/// input, output and error are files (no pipes, so no deadlock on large output).
public final class ChildProcess: @unchecked Sendable {
    public let pid: pid_t
    private let lock = NSLock()
    private var exitStatus: Int32?

    public struct SpawnError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Starts `executable` (an absolute path) with `arguments`, exactly `environment`, in
    /// `directory`; stdin from `stdinPath` (or /dev/null), stdout and stderr into the given files.
    public init(_ executable: String, _ arguments: [String], environment: [String: String], directory: String?,
                stdinPath: String?, stdoutPath: String, stderrPath: String) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdinPath ?? "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        _ = spawnAddCloseFrom(&actions, 3)
        if let directory { _ = spawnAddChdir(&actions, directory) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The child gets default signal handling and an empty mask whatever the test runner set.
        var all = sigset_t(), none = sigset_t()
        sigfillset(&all); sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv + envp { free(p) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        guard rc == 0 else { throw SpawnError(description: "cannot start \(executable): \(String(cString: strerror(rc)))") }
        pid = child
    }

    /// Waits for the child; its exit code, or 128 + the signal that ended it.
    @discardableResult
    public func wait() -> Int32 {
        lock.lock(); defer { lock.unlock() }
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let code = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        exitStatus = code
        return code
    }

    /// Sends `signal` to the child (if it has not been waited for yet).
    public func kill(_ signal: Int32 = SIGKILL) {
        lock.lock(); defer { lock.unlock() }
        if exitStatus == nil { _ = Glibc.kill(pid, signal) }
    }

    /// Runs to completion; (exit code, stdout, stderr). `input` is fed on stdin.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment,
                           directory: String? = nil, input: [UInt8] = []) throws -> (status: Int32, stdout: [UInt8], stderr: [UInt8]) {
        let base = FileManager.default.temporaryDirectory.path + "/accord-child-" + UUID().uuidString
        FileManager.default.createFile(atPath: base + ".in", contents: Data(input))
        defer { for s in [".in", ".out", ".err"] { try? FileManager.default.removeItem(atPath: base + s) } }
        let child = try ChildProcess(executable, arguments, environment: environment, directory: directory,
                                     stdinPath: base + ".in", stdoutPath: base + ".out", stderrPath: base + ".err")
        let status = child.wait()
        let out = FileManager.default.contents(atPath: base + ".out") ?? Data()
        let err = FileManager.default.contents(atPath: base + ".err") ?? Data()
        return (status, Array(out), Array(err))
    }
}
