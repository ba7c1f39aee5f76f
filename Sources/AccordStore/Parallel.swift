import Foundation

/// Work over independent items on every core: reading 10,000 contracts for a cold `list` or a
/// report, checking the contracts a clone receives. The object database takes concurrent reads.
public enum Parallel {
    /// Threads for `count` items: one below `threshold` (starting threads would cost more than
    /// they save), else one per core, at most 8.
    static func workers(_ count: Int, threshold: Int) -> Int {
        count < threshold ? 1 : max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
    }

    /// `body(&state, i)` for every `i` in `0..<count`, the results in order. Each worker thread
    /// makes its own `state` (a cache it need not share) and takes every n-th item.
    public static func map<State, T>(_ count: Int, threshold: Int = 64, state: @Sendable () -> State,
                                     _ body: @Sendable (inout State, Int) -> T) -> [T] {
        let workers = workers(count, threshold: threshold)
        if workers == 1 {
            var s = state()
            return (0..<count).map { body(&s, $0) }
        }
        let slots = Slots<T>(count: count)
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            var s = state()
            var i = w
            while i < count {
                slots.set(i, body(&s, i))
                i += workers
            }
        }
        return slots.values
    }

    /// `body(i)` for every `i` in `0..<count`, the results in order.
    public static func map<T>(_ count: Int, threshold: Int = 64, _ body: @Sendable (Int) -> T) -> [T] {
        map(count, threshold: threshold, state: { () }) { _, i in body(i) }
    }
}

/// The results of `Parallel.map`, filled by its workers.
private final class Slots<T>: @unchecked Sendable {
    private let mutex = StoreMutex()
    private var slots: [T?]
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ value: T) { mutex.withLock { slots[i] = value } }
    /// Every slot is set once `concurrentPerform` returns.
    var values: [T] { mutex.withLock { slots.compactMap { $0 } } }
}
