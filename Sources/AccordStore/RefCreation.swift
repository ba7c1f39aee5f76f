import AccordObjects
#if canImport(Glibc)
import Glibc
#endif

extension RefStore {
    /// Creates every ref of `refs` or none of them, whatever moment the process dies at (an
    /// import of many contracts is one act: half of it must never be visible).
    ///
    /// Under `packed-refs.lock` and every new ref's own `.lock` (links to one flocked seed, as a
    /// large batch takes them), each name is checked: valid, not a tag (packed-refs promises
    /// tags' peeled values), absent as a loose and as a packed ref, no file/directory clash with
    /// another ref or with the rest of the batch. If any check fails, nothing is written and the
    /// first failure is thrown. Then packed-refs is rewritten with every new ref in one fsynced
    /// rename, the single moment the batch takes effect: killed before it, no ref exists; after
    /// it, all do. Reflog lines are appended after that rename (never ahead of the refs; a kill
    /// between the two leaves refs without their first reflog line, which git accepts).
    public func createAll(_ refs: [(name: String, id: ObjectID)], who: Identity, message: String) throws(StoreError) {
        guard !refs.isEmpty else { return }
        var names = Set<String>()
        for r in refs {
            try RefName.validate(r.name)
            guard r.name.hasPrefix("refs/"), !r.name.hasPrefix("refs/tags/") else {
                throw .invalidInput("cannot create '\(r.name)' in an all-or-nothing batch: only refs/… outside refs/tags/")
            }
            guard names.insert(r.name).inserted else { throw .invalidInput("ref '\(r.name)' is created twice in one batch") }
        }
        let packedLock = try lockPackedRefs()
        defer { packedLock.rollback() }
        let seed = try LockSeed(in: gitDir)
        var locks: [LockFile] = []
        defer { for l in locks { l.rollback() } }
        for r in refs { locks.append(try creationLock(r.name, seed: seed)) }
        seed.remove()
        FaultPoint.hit("refs-create-locked")

        var packed = try packedUnderLock()
        let batchDirectories = RefStore.directories(of: names)
        var clear = Set<String>()
        for r in refs {
            if let current = try value(r.name, packed: packed) {
                let now: ObjectID? = if case let .direct(id) = current { id } else { nil }
                throw .staleValue(ref: r.name, expected: nil, actual: now)
            }
            try checkNoDirectoryConflict(r.name, batch: names, batchDirectories: batchDirectories, packed: packed, clear: &clear)
        }
        for r in refs { packed.refs[r.name] = PackedRef(id: r.id, peeled: nil) }
        try writePacked(packed.refs, under: packedLock)
        FaultPoint.hit("refs-created")
        for r in refs { logCreation(r.name, r.id, who: who, message: message) }
    }
}

extension RefStore {
    // Where this file meets the internals of locks, packed-refs and reflogs (kept here, a line
    // or two each, so that a change of those internals touches nothing else).

    /// `<name>.lock` as a link to the batch's seed.
    fileprivate func creationLock(_ name: String, seed: LockSeed) throws(StoreError) -> LockFile {
        try lock(name, linkingTo: seed)
    }

    /// packed-refs as the file holds it, read while packed-refs.lock is held.
    fileprivate func packedUnderLock() throws(StoreError) -> PackedFile { try freshPackedFile() }

    /// The reflog line of a ref just created (after packed-refs holds it; a failure to write it
    /// does not undo the creation).
    fileprivate func logCreation(_ name: String, _ id: ObjectID, who: Identity, message: String) {
        guard let line = try? prepareReflog(name, old: .zero, new: id, who: who, message: message) ?? nil else { return }
        appendReflog(line, sync: false)
    }
}
