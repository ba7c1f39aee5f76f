import Foundation

/// Starts child processes one at a time. Foundation's `Process.run` is not safe to call from
/// several threads at once on Linux (seen here: a crash in memcpy inside `run()` when many
/// parallel tests launched programs); launches are serialised, the programs still run in parallel.
public enum ProcessLaunch {
    private static let lock = NSLock()

    public static func run(_ process: Process) throws {
        lock.lock()
        defer { lock.unlock() }
        try process.run()
    }
}
