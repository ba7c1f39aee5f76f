import AccordObjects

/// Resolves git-style revisions: full or abbreviated ids, ref names (with git's and Accord's
/// search path), and the suffixes `^`, `^N`, `~N`, `^{type}`, `^{}`.
public struct RevisionResolver {
    public let repository: Repository
    public init(repository: Repository) { self.repository = repository }

    /// Where a short name is looked for, in order (git's rules, plus refs/contracts/ for Accord).
    public static let searchPath = ["%s", "refs/%s", "refs/tags/%s", "refs/heads/%s", "refs/contracts/%s",
                                    "refs/remotes/%s", "refs/remotes/%s/HEAD"]

    public func resolve(_ spec: String) throws(StoreError) -> ObjectID {
        guard !spec.isEmpty, spec.utf8.count <= 4096 else { throw .badRevision(spec) }
        var base = Substring(spec)
        var ops: [Substring] = []
        // Peel suffixes off the right end.
        while true {
            if base.hasSuffix("}"), let open = base.range(of: "^{", options: .backwards) {
                ops.insert(base[open.lowerBound...], at: 0); base = base[..<open.lowerBound]; continue
            }
            if let i = base.lastIndex(where: { $0 == "^" || $0 == "~" }) {
                let rest = base[base.index(after: i)...]
                if rest.allSatisfy(\.isNumber) {
                    ops.insert(base[i...], at: 0); base = base[..<i]; continue
                }
            }
            break
        }
        guard !base.isEmpty else { throw .badRevision(spec) }
        var id = try resolveName(String(base), spec: spec)
        let db = repository.objects
        for op in ops {
            if op.hasPrefix("^{") {
                let want = op.dropFirst(2).dropLast()
                var type: ObjectType?
                if !want.isEmpty {
                    guard let t = ObjectType(name: want) else { throw .badRevision(spec) }
                    type = t
                }
                id = try peel(id, to: type)
                continue
            }
            let n = op.count == 1 ? 1 : (Int(op.dropFirst()) ?? -1)
            guard n >= 0 else { throw .badRevision(spec) }
            id = try peel(id, to: .commit)
            if op.first == "^" {
                if n == 0 { continue }
                let parents = try db.readCommit(id).parents
                guard n <= parents.count else { throw .badRevision(spec) }
                id = parents[n - 1]
            } else {
                for _ in 0..<n {
                    guard let first = try db.readCommit(id).parents.first else { throw .badRevision(spec) }
                    id = first
                }
            }
        }
        return id
    }

    /// Follows tags (and, for `tree`, commits) until an object of `type`; nil type: peel all tags.
    public func peel(_ start: ObjectID, to type: ObjectType?) throws(StoreError) -> ObjectID {
        var id = start
        for _ in 0..<100 {
            let (actual, _) = try repository.objects.header(id)
            if actual == type || (type == nil && actual != .tag) { return id }
            switch actual {
            case .tag: id = try repository.objects.readTag(id).object
            case .commit where type == .tree: id = try repository.objects.readCommit(id).tree
            default: throw .wrongType(start, expected: type ?? .commit, actual: actual)
            }
        }
        throw .invalidInput("tag chain from \(start) is too long")
    }

    func resolveName(_ name: String, spec: String) throws(StoreError) -> ObjectID {
        if name.utf8.count == ObjectID.hexCount, let id = ObjectID(hex: name) { return id }
        for pattern in RevisionResolver.searchPath {
            let candidate = pattern.replacingOccurrences(of: "%s", with: name)
            guard RefName.isValid(candidate) else { continue }
            if let id = try repository.refs.resolve(candidate) { return id }
        }
        if name.utf8.count >= 4, name.utf8.allSatisfy({ ObjectID.hexValue($0) != nil }) {
            let prefix = name.lowercased()
            let matches = repository.objects.ids(withHexPrefix: prefix)
            if matches.count == 1 { return matches[0] }
            if matches.count > 1 { throw .ambiguousRevision(name) }
        }
        throw .badRevision(spec)
    }
}

extension ObjectDatabase {
    /// Ids starting with `prefix` (at least two hex digits), loose and packed.
    public func ids(withHexPrefix prefix: String) -> [ObjectID] {
        var found = Set(packs.allIDs().filter { $0.hasHexPrefix(prefix) })
        let dir = String(prefix.prefix(2)), rest = prefix.dropFirst(2)
        for name in FileIO.list("\(loose.directory)/\(dir)") where name.hasPrefix(rest) {
            if let id = ObjectID(hex: dir + name) { found.insert(id) }
        }
        return found.sorted()
    }
}
