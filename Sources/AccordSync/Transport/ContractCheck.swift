import AccordObjects
import AccordStore
import AccordContracts
import AccordMerge

/// What a receiver checks before a `refs/contracts/<number>` ref moves to commits it received
/// (push into a hub, fetch or unbundle into tracking refs): every commit the update adds (those
/// reachable from the new value and not from the values the receiver already trusts) is read
/// with the contract store's strict parse, must carry the ref's number, and must pass the rules a
/// local commit passes (`ContractStore.verify`: invariants under the receiver's policy, lifecycle
/// moves by the role and action its trailers name, one use per change agreement; a merge commit
/// on its own state, where a break must be recorded as a conflict).
///
/// Only the added commits are read (and the parent each is compared with), so the cost follows
/// what the transfer adds, not the length of histories.
struct ContractCheck: Sendable {
    let store: ContractStore
    private var history: History

    init(repository: Repository) throws {
        do { store = try ContractStore(repository: repository) } catch {
            throw TransportError.badRemote("cannot check contracts in \(repository.gitDir): \(error.description)")
        }
        history = History(objects: repository.objects)
    }

    /// The number of a contract ref (`refs/contracts/<number>`), or nil for any other ref.
    static func number(of ref: String) -> String? {
        ref.hasPrefix("refs/contracts/") ? String(ref.dropFirst("refs/contracts/".count)) : nil
    }

    /// The contract a tag `refs/tags/<number>/<name>` names a version of (nil for any other ref).
    static func number(ofTag ref: String) -> String? {
        guard ref.hasPrefix("refs/tags/") else { return nil }
        let parts = ref.dropFirst("refs/tags/".count).split(separator: "/", maxSplits: 1)
        guard parts.count == 2, Invariants.validNumber(String(parts[0])) else { return nil }
        return String(parts[0])
    }

    /// Why `refs/contracts/<number>` may not move to `new`, or nil if it may. `trusted`: values
    /// the receiver already holds for this contract (the ref's old value and the like); the
    /// commits they reach are not checked again.
    mutating func refusal(number: String, new: ObjectID, trusted: [ObjectID]) -> String? {
        guard Invariants.validNumber(number) else {
            return "refs/contracts/\(number): '\(number)' is not a valid contract number [invariant 1]"
        }
        let db = store.repository.objects
        let added: [ObjectID]
        do {
            added = try history.difference(wants: [new], haves: trusted.filter { db.contains($0) }).commits
        } catch {
            return "contract \(number): cannot walk the commits of \(new.hex.prefix(12)): \(error.description)"
        }
        func say(_ commit: ObjectID, _ why: String) -> String {
            "contract \(number), commit \(commit.hex.prefix(12)): \(why)"
        }
        // 1. Every added commit is a contract, oldest first (so the first bad one is named).
        var snapshots: [ObjectID: Snapshot] = [:]
        var parents: [ObjectID: [ObjectID]] = [:]
        var commits: [ObjectID: Commit] = [:]
        for id in added.reversed() {
            let c: Commit
            do {
                c = try history.commit(id)
                parents[id] = c.parents
                commits[id] = c
            } catch {
                return say(id, "cannot be read: \(error.description)")
            }
            let snap: Snapshot
            do { snap = try store.load(commit: id, read: c) } catch {
                switch error {
                case let .corrupt(_, path, reason): return say(id, "\(path) is invalid: \(reason)")
                default: return say(id, "is not a readable contract: \(error.description)")
                }
            }
            guard snap.state.contract.number == number else {
                return say(id, "number: is '\(snap.state.contract.number)', but the commit is on refs/contracts/\(number) [invariant 1]")
            }
            snapshots[id] = snap
        }
        // 2. The rules a local commit passes (ContractStore.verify), each against its parent: the
        // parent is added (loaded above) or already trusted (loaded now; if it does not load, the
        // commit is checked on its own: it may be the repair of a bad contract).
        for id in added.reversed() {
            guard let snap = snapshots[id], let ps = parents[id] else { continue }
            var parent: Snapshot?
            if ps.count == 1, let p = ps.first { parent = snapshots[p] ?? (try? store.load(commit: p)) }
            do { try store.verify(received: snap, isMerge: ps.count > 1, parent: parent, commit: commits[id]) } catch {
                switch error {
                case let .rule(e): return say(id, e.description)
                default: return say(id, error.description)
                }
            }
            // A merge commit is the merge of its parents: recomputed here under the same rules.
            if ps.count > 1 {
                do {
                    let differs = try MergeDriver(store: store).recompute(merge: id, number: number)
                    if !differs.isEmpty {
                        return say(id, "is not the merge of its parents: it differs from their merge under the same rules at \(differs.joined(separator: ", ")) (a merge commit carries no edits of its own) [merge]")
                    }
                } catch {
                    switch error {
                    case let .rule(e): return say(id, "its merge cannot be recomputed: \(e.description)")
                    default: return say(id, "its merge cannot be recomputed: \(error.description)")
                    }
                }
            }
        }
        return nil
    }

    /// `refusal` of each update, on every core: contracts are independent (each one's history
    /// holds only its commits), and the object database and the contract store take concurrent
    /// reads. A clone of 10,000 contracts spent half its time here on one core.
    func refusals(_ updates: [(number: String, new: ObjectID, trusted: [ObjectID])]) -> [String?] {
        Parallel.map(updates.count, state: { self }) { check, i in // each worker its own commit cache
            check.refusal(number: updates[i].number, new: updates[i].new, trusted: updates[i].trusted)
        }
    }
}
