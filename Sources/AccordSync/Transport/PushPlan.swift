import AccordObjects
import AccordStore
import AccordTrust

/// The pushing side's decisions, the same for a push on this machine and one over HTTP: which of
/// our refs go (new contracts and fast-forwards of the remote's; the others are rejected here,
/// as git's send-pack does), which organisation version goes with them, and the pack of what
/// the remote is missing.
public struct PushPlan {
    /// Every ref considered: rejected or up to date here, or to be sent (status new/fast-forward).
    public private(set) var changes: [RefChange] = []
    /// The updates to send, the organisation first.
    public private(set) var commands: [PushReceiver.Command] = []

    /// `theirs`: the remote's contract refs; `theirTags`: its tags; `theirOrganisation`: its
    /// organisation ref. `only`: push just these local refs (full names); nil: every
    /// `refs/contracts/*`. The tags of each contract pushed (`refs/tags/<number>/…`) go with it.
    public init(local: Repository, theirs: [String: ObjectID], theirTags: [String: ObjectID] = [:],
                theirOrganisation: ObjectID?, only: [String]?) throws {
        var mine = try local.refs.list(prefix: "refs/contracts/")
        if let only {
            let set = Set(only)
            for r in only where !mine.contains(where: { $0.name == r }) {
                throw TransportError.badRemote("src refspec \(r) does not match any ref")
            }
            mine = mine.filter { set.contains($0.name) }
        }
        var history = History(objects: local.objects)
        // The organisation goes too (whatever refs were named): the remote judges the commits by
        // the versions they name. Only a version that builds on the remote's: an older one is
        // not pushed (the next pull brings the newer).
        if let org = try local.refs.resolve(OrganisationStore.ref), org != theirOrganisation {
            let builds = try theirOrganisation.map { try local.objects.contains($0) && history.isAncestor($0, of: org) } ?? true
            if builds {
                commands.append(.init(ref: OrganisationStore.ref, old: theirOrganisation, new: org))
                changes.append(RefChange(remoteRef: OrganisationStore.ref, ref: OrganisationStore.ref, old: theirOrganisation, new: org,
                                         status: theirOrganisation == nil ? .new : .fastForward))
            }
        }
        for (name, id) in mine {
            let old = theirs[name]
            var change = RefChange(remoteRef: name, ref: name, old: old, new: id, status: .new)
            if let old {
                if old == id { change.status = .upToDate; changes.append(change); continue }
                if !local.objects.contains(old) {
                    change.status = .rejected; change.reason = "fetch first: the remote has commits this repository does not"; change.lostRace = true
                    changes.append(change); continue
                }
                guard try history.isAncestor(old, of: id) else {
                    change.status = .rejected; change.reason = "non-fast-forward: fetch and merge first"; change.lostRace = true
                    changes.append(change); continue
                }
                change.status = .fastForward
            }
            changes.append(change)
            commands.append(.init(ref: name, old: old, new: id))
        }
        // The tags of the contracts that go (or are there already), never moved.
        let going = Set(changes.filter { $0.status != .rejected }.compactMap { ContractCheck.number(of: $0.ref) })
        for (name, id) in try local.refs.list(prefix: "refs/tags/") {
            guard let number = ContractCheck.number(ofTag: name), going.contains(number) else { continue }
            var change = RefChange(remoteRef: name, ref: name, old: theirTags[name], new: id, status: .new)
            if let old = theirTags[name] {
                if old != id { change.status = .rejected; change.reason = "already exists on the remote (a tag is never moved)" } else { change.status = .upToDate }
                changes.append(change); continue
            }
            changes.append(change)
            commands.append(.init(ref: name, old: nil, new: id))
        }
    }

    /// The pack of what the remote is missing for the commands: everything reachable from their
    /// new values and not from `common` (the remote's ref values that we have too), written to a
    /// file in a staging directory of `local` (the caller removes `stage`). Nil when the remote
    /// has it all (`has`).
    public func writePack(from local: Repository, common: [ObjectID], has: (ObjectID) -> Bool,
                          tamper: (([PackWriter.Input]) -> [PackWriter.Input])? = nil,
                          progress: TransferProgress? = nil) throws -> (path: String, stage: String)? {
        let wants = Array(Set(commands.compactMap(\.new).filter { !has($0) })).sorted()
        guard !wants.isEmpty else { return nil }
        let selection = try ObjectSelection.missing(in: local.objects, wants: wants, common: common)
        let objects = tamper?(selection.objects) ?? selection.objects
        guard !objects.isEmpty else { return nil }
        let stage = PackTransfer.tempName("\(local.objects.directory)/pack", "tmp_pack_stage_")
        try FileIO.makeDirectories(stage)
        do {
            return (try PackWriter.write(objects, from: local.objects, to: stage, options: .transfer, progress: progress).packPath, stage)
        } catch {
            FileIO.removeTree(stage)
            throw error
        }
    }

    /// The same pack as bytes, for a transport that sends them (HTTP); empty when there is none.
    public func pack(from local: Repository, common: [ObjectID], has: (ObjectID) -> Bool,
                     tamper: (([PackWriter.Input]) -> [PackWriter.Input])? = nil,
                     progress: TransferProgress? = nil) throws -> [UInt8] {
        guard let written = try writePack(from: local, common: common, has: has, tamper: tamper, progress: progress) else { return [] }
        defer { FileIO.removeTree(written.stage) }
        guard let bytes = try FileIO.read(written.path, limit: Int.max) else {
            throw StoreError.io(op: "read the pack just written", path: written.path, errno: 2)
        }
        return bytes
    }

    /// The report of the push: the receiver's outcome for each ref sent, ours for the others.
    /// A ref the receiver refused for its content says so.
    public func report(_ received: [(ref: String, change: RefChange)], objects: Int) -> TransferReport {
        let byRef = Dictionary(received, uniquingKeysWith: { a, _ in a })
        var report = TransferReport(objects: objects)
        for c in changes {
            guard c.status != .rejected && c.status != .upToDate, var r = byRef[c.ref] else { report.changes.append(c); continue }
            if r.status == .rejected, r.invalidContract, let why = r.reason { r.reason = "refused by the remote: \(why)" }
            report.changes.append(r)
        }
        report.changes.sort { $0.ref < $1.ref }
        return report
    }

    /// Moves our remote-tracking refs to what the remote accepted: only a cache of its refs, so
    /// a failure here is corrected by the next fetch.
    public func updateTracking(_ local: Repository, _ report: TransferReport, remoteName: String, who: Identity) {
        var tracking: [RefUpdate] = []
        for c in report.changes where (c.status == .new || c.status == .fastForward) && !c.ref.hasPrefix("refs/tags/") {
            guard let new = c.new, let t = Transfer.trackingRef(for: c.ref, remote: remoteName) else { continue }
            tracking.append(RefUpdate(t, to: new, expected: .any, message: "update by push"))
        }
        _ = try? local.refs.apply(tracking, who: who)
    }
}
