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
        let results = Parallel.map(heads.count) { i -> Result<Snapshot, ContractStoreError> in
            do throws(ContractStoreError) { return .success(try store.load(commit: heads[i].head)) } catch { return .failure(error) }
        }
        var snapshots: [Snapshot] = [], failures: [(number: String, error: ContractStoreError)] = []
        for (i, r) in results.enumerated() {
            switch r {
            case let .success(s): snapshots.append(s)
            case let .failure(e): failures.append((heads[i].number, e))
            }
        }
        return (snapshots, failures)
    }
}
