import AccordContracts

/// A two-valued conflict, written as tests think of one: a value from each side of a merge.
struct ConflictSide {
    var value: JSON?
    var commit: String? = nil
    var author: String? = nil
    var role: String? = nil
    var at: String? = nil

    var candidate: ConflictCandidate {
        ConflictCandidate(value: value, writes: [FieldWrite(commit: commit ?? "unknown-\(author ?? "")", author: author, role: role, at: at)])
    }
}

extension Conflict {
    init(path: String, reason: String, base: JSON?, ours: ConflictSide, theirs: ConflictSide) {
        self.init(path: path, reason: reason, base: base, candidates: [ours.candidate, theirs.candidate])
    }
}
