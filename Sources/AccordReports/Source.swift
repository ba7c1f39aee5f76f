import Foundation
import AccordObjects
import AccordStore
import AccordContracts

/// Reads every contract's head for the reports, on every core (contracts are independent and
/// the object database takes concurrent reads). A contract that cannot be read is named, not
/// skipped silently: a total without it would mislead.
public enum ReportSource {
    public static func load(_ store: ContractStore) throws(ContractStoreError) -> (snapshots: [Snapshot], failures: [(number: String, error: ContractStoreError)]) {
        let heads = try store.all()
        let workers = heads.count < 64 ? 1 : max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
        let slots = Slots(count: heads.count)
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            var i = w
            while i < heads.count {
                do throws(ContractStoreError) { slots.set(i, .success(try store.load(commit: heads[i].head))) }
                catch { slots.set(i, .failure(error)) }
                i += workers
            }
        }
        var snapshots: [Snapshot] = [], failures: [(number: String, error: ContractStoreError)] = []
        for (i, r) in slots.values.enumerated() {
            switch r {
            case let .success(s)?: snapshots.append(s)
            case let .failure(e)?: failures.append((heads[i].number, e))
            case nil: failures.append((heads[i].number, .store(.invalidInput("report: contract \(heads[i].number) was not read"))))
            }
        }
        return (snapshots, failures)
    }
}

private final class Slots: @unchecked Sendable {
    private let mutex = NSLock()
    private(set) var values: [Result<Snapshot, ContractStoreError>?]
    init(count: Int) { values = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ v: Result<Snapshot, ContractStoreError>) { mutex.lock(); values[i] = v; mutex.unlock() }
}
