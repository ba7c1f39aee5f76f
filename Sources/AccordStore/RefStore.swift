import AccordObjects
#if canImport(Glibc)
import Glibc
#endif

/// What a ref holds: an object id, or (HEAD) the name of another ref.
public enum RefValue: Equatable, Sendable {
    case direct(ObjectID)
    case symbolic(String)
}

/// What an update expects the ref to hold before it moves (compare-and-swap).
public enum RefExpectation: Equatable, Sendable {
    case any
    case absent
    case value(ObjectID)
}

public struct ReflogEntry: Equatable, Sendable {
    public var old: ObjectID
    public var new: ObjectID
    public var who: Identity
    public var message: String
}

/// Loose refs, packed-refs and reflogs, in git's files format.
///
/// Every update takes `<ref>.lock`, re-reads the current value under the lock, checks the
/// caller's expectation, appends the reflog entry, then renames the lock into place. Two writers
/// racing for one ref: one gets the lock and wins; the other gets `lockHeld` or `staleValue`.
public struct RefStore: Sendable {
    public let gitDir: String
    var packedPath: String { "\(gitDir)/packed-refs" }

    public init(gitDir: String) { self.gitDir = gitDir }

    // MARK: reading

    /// The value of one ref, without following symbolic refs; nil if it does not exist.
    public func read(_ name: String) throws(StoreError) -> RefValue? {
        if let loose = try readLoose(name) { return loose }
        return try lookupPacked(name).map { .direct($0.id) }
    }

    func readLoose(_ name: String) throws(StoreError) -> RefValue? {
        let path = "\(gitDir)/\(name)"
        if FileIO.isDirectory(path) { return nil }
        guard let bytes = try FileIO.read(path, limit: 4096) else { return nil }
        var text = String(decoding: bytes, as: UTF8.self)
        while text.last == "\n" || text.last == "\r" { text.removeLast() }
        if text.hasPrefix("ref: ") {
            let target = String(text.dropFirst(5))
            try RefName.validate(target)
            return .symbolic(target)
        }
        guard let id = ObjectID(hex: text) else {
            throw .invalidInput("ref '\(name)' is corrupt: '\(path)' holds '\(text.prefix(80))', not a SHA-256 id")
        }
        return .direct(id)
    }

    /// Follows symbolic refs (at most 5 levels) to an object id; nil for an unborn branch.
    public func resolve(_ name: String) throws(StoreError) -> ObjectID? {
        var current = name
        for _ in 0..<5 {
            switch try read(current) {
            case nil: return nil
            case let .direct(id)?: return id
            case let .symbolic(target)?: current = target
            }
        }
        throw .invalidInput("symbolic ref '\(name)' nests too deeply (a loop?)")
    }

    /// The name a symbolic ref finally points at (HEAD → refs/heads/main).
    public func resolvedName(_ name: String) throws(StoreError) -> String {
        var current = name
        for _ in 0..<5 {
            guard case let .symbolic(target)? = try read(current) else { return current }
            current = target
        }
        throw .invalidInput("symbolic ref '\(name)' nests too deeply (a loop?)")
    }

    public struct PackedRef: Sendable, Equatable {
        public var id: ObjectID
        public var peeled: ObjectID?
    }

    /// packed-refs as parsed, reused while the file's identity (inode, size, mtime) is unchanged:
    /// one command resolves many refs, and with 10,000 contracts the file is large.
    /// Parses packed-refs: a header, `<id> <name>` lines, and `^<id>` peeled lines.
    public func readPacked() throws(StoreError) -> [String: PackedRef] {
        guard let id = FileIO.identity(packedPath) else { return [:] }
        if let hit = PackedRefsCache.shared.get(packedPath, id) { return hit }
        let refs = try parsePacked()
        PackedRefsCache.shared.set(packedPath, id, refs)
        return refs
    }

    /// One packed ref, without decoding the whole file: binary search over the lines of a file
    /// marked `sorted` (git's files are), comparing names as bytes. A command that reads one
    /// contract then costs the same with 10 or 10,000 contracts.
    func lookupPacked(_ name: String) throws(StoreError) -> PackedRef? {
        if let id = FileIO.identity(packedPath), let hit = PackedRefsCache.shared.get(packedPath, id) { return hit[name] }
        guard let bytes = try FileIO.read(packedPath, limit: 1 << 30) else { return nil }
        let target = Array(name.utf8)
        let found: PackedRef?? = bytes.withUnsafeBytes { (b: UnsafeRawBufferPointer) -> PackedRef?? in
            guard let base = b.baseAddress else { return .some(nil) }
            func lineEnd(_ from: Int) -> Int {
                guard from < b.count, let p = memchr(base + from, 0x0A, b.count - from) else { return b.count }
                return base.distance(to: UnsafeRawPointer(p))
            }
            var starts: [Int] = []
            var sorted = false
            var i = 0
            while i < b.count {
                let end = lineEnd(i)
                if b[i] == UInt8(ascii: "#") {
                    sorted = sorted || String(decoding: UnsafeRawBufferPointer(rebasing: b[i..<end]), as: UTF8.self).contains(" sorted")
                } else if b[i] != UInt8(ascii: "^") { starts.append(i) }
                i = end + 1
            }
            guard sorted else { return nil } // unsorted file: let the full parse answer
            var lo = 0, hi = starts.count
            while lo < hi {
                let mid = (lo + hi) / 2, s = starts[mid], end = lineEnd(s)
                guard end - s > 65 else { return nil } // malformed: the full parse reports it precisely
                let key = UnsafeRawBufferPointer(rebasing: b[(s + 65)..<end])
                if key.elementsEqual(target) {
                    guard let id = ObjectID(hexBytes: UnsafeRawBufferPointer(rebasing: b[s..<(s + 64)])) else { return nil }
                    var peeled: ObjectID?
                    let next = end + 1
                    if next < b.count, b[next] == UInt8(ascii: "^") {
                        peeled = ObjectID(hexBytes: UnsafeRawBufferPointer(rebasing: b[(next + 1)..<lineEnd(next)]))
                    }
                    return .some(PackedRef(id: id, peeled: peeled))
                }
                if key.lexicographicallyPrecedes(target) { lo = mid + 1 } else { hi = mid }
            }
            return .some(nil)
        }
        if let found { return found }
        return try readPacked()[name]
    }

    func parsePacked() throws(StoreError) -> [String: PackedRef] {
        guard let bytes = try FileIO.read(packedPath, limit: 1 << 30) else { return [:] }
        var refs: [String: PackedRef] = [:]
        var last: String?
        for (n, line) in String(decoding: bytes, as: UTF8.self).split(separator: "\n").enumerated() {
            if line.hasPrefix("#") { continue }
            if line.hasPrefix("^") {
                guard let l = last, let id = ObjectID(hex: line.dropFirst()) else {
                    throw .invalidInput("packed-refs line \(n + 1) is corrupt: a peeled line without a ref before it")
                }
                refs[l]?.peeled = id
                continue
            }
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, let id = ObjectID(hex: parts[0]) else {
                throw .invalidInput("packed-refs line \(n + 1) is corrupt: '\(line.prefix(80))'")
            }
            let name = String(parts[1])
            refs[name] = PackedRef(id: id, peeled: nil)
            last = name
        }
        return refs
    }

    /// Every ref under `prefix` (loose overriding packed), sorted by name, resolved to ids.
    public func list(prefix: String = "refs/") throws(StoreError) -> [(name: String, id: ObjectID)] {
        var all: [String: ObjectID] = [:]
        for (name, ref) in try readPacked() where name.hasPrefix(prefix) { all[name] = ref.id }
        var stack = ["refs"]
        while let dir = stack.popLast() {
            for entry in FileIO.list("\(gitDir)/\(dir)") {
                let name = "\(dir)/\(entry)"
                if FileIO.isDirectory("\(gitDir)/\(name)") { stack.append(name); continue }
                if entry.hasSuffix(".lock") || !name.hasPrefix(prefix) && !prefix.hasPrefix(name) { continue }
                guard name.hasPrefix(prefix), RefName.isValid(name) else { continue }
                switch try readLoose(name) {
                case let .direct(id)?: all[name] = id
                case .symbolic?: if let id = try resolve(name) { all[name] = id }
                case nil: break
                }
            }
        }
        return all.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    // MARK: writing

    /// Moves `name` to `new` if it currently matches `expected`, and records it in the reflog.
    public func update(_ name: String, to new: ObjectID, expected: RefExpectation = .any,
                       who: Identity, message: String) throws(StoreError) {
        try RefName.validate(name)
        let target = try resolvedName(name) // updating HEAD moves the branch it points at
        try checkNoDirectoryConflict(target)
        let lock = try LockFile(path: "\(gitDir)/\(target)")
        let current = try currentValue(target)
        try check(expected, current: current, ref: target)
        try appendReflog(target, old: current ?? .zero, new: new, who: who, message: message)
        if target != name, name == "HEAD" {
            try appendReflog("HEAD", old: current ?? .zero, new: new, who: who, message: message)
        }
        try lock.commit(Array((new.hex + "\n").utf8))
    }

    /// Deletes `name` (loose and packed) if it matches `expected`; its reflog goes with it.
    public func delete(_ name: String, expected: RefExpectation = .any) throws(StoreError) {
        try RefName.validate(name)
        guard name != "HEAD" else { throw .invalidInput("refusing to delete HEAD") }
        let lock = try LockFile(path: "\(gitDir)/\(name)")
        defer { lock.rollback() }
        let current = try currentValue(name)
        guard current != nil else { throw .refNotFound(name) }
        try check(expected, current: current, ref: name)
        var packed = try readPacked()
        if packed[name] != nil {
            let plock = try LockFile(path: packedPath)
            packed[name] = nil
            try plock.commit(RefStore.encodePacked(packed))
        }
        if unlink("\(gitDir)/\(name)") != 0, errno != ENOENT { throw .io(op: "delete", path: "\(gitDir)/\(name)", errno: errno) }
        FileIO.remove("\(gitDir)/logs/\(name)")
    }

    /// Points a symbolic ref (HEAD) at another ref.
    public func setSymbolic(_ name: String, to target: String) throws(StoreError) {
        try RefName.validate(name); try RefName.validate(target)
        let lock = try LockFile(path: "\(gitDir)/\(name)")
        try lock.commit(Array("ref: \(target)\n".utf8))
    }

    /// The current id of a (non-symbolic) ref, read while its lock is held.
    private func currentValue(_ name: String) throws(StoreError) -> ObjectID? {
        switch try read(name) {
        case let .direct(id)?: return id
        case .symbolic?: throw .invalidInput("ref '\(name)' is symbolic")
        case nil: return nil
        }
    }

    private func check(_ expected: RefExpectation, current: ObjectID?, ref: String) throws(StoreError) {
        switch expected {
        case .any: return
        case .absent: if current != nil { throw .staleValue(ref: ref, expected: nil, actual: current) }
        case let .value(id): if current != id { throw .staleValue(ref: ref, expected: id, actual: current) }
        }
    }

    /// `refs/a` and `refs/a/b` cannot both exist (one would be a file, the other a directory).
    private func checkNoDirectoryConflict(_ name: String) throws(StoreError) {
        let packedBelow = try readPacked().keys.contains(where: { $0.hasPrefix(name + "/") })
        if packedBelow || (FileIO.isDirectory("\(gitDir)/\(name)") && !FileIO.list("\(gitDir)/\(name)").isEmpty) {
            throw .badRefName(name, "refs exist under '\(name)/'")
        }
        var prefix = ""
        for comp in name.split(separator: "/").dropLast() {
            prefix += prefix.isEmpty ? String(comp) : "/\(comp)"
            if prefix.hasPrefix("refs/"), try read(prefix) != nil {
                throw .badRefName(name, "'\(prefix)' exists, so no ref can be created under it")
            }
        }
    }

    // MARK: reflogs

    private func appendReflog(_ name: String, old: ObjectID, new: ObjectID, who: Identity, message: String) throws(StoreError) {
        let path = "\(gitDir)/logs/\(name)"
        let dir = FileIO.dirname(of: path)
        if !FileIO.isDirectory(dir) { try FileIO.makeDirectories(dir) }
        let oneLine = message.split(whereSeparator: \.isNewline).joined(separator: " ")
        let line = Array("\(old.hex) \(new.hex) \(who)\t\(oneLine)\n".utf8)
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io(op: "open reflog", path: path, errno: errno) }
        defer { close(fd) }
        try line.withBytes { (p) throws(StoreError) in try FileIO.writeAll(fd, p, path: path) }
        fsync(fd)
    }

    /// A ref's reflog, oldest first.
    public func reflog(_ name: String) throws(StoreError) -> [ReflogEntry] {
        let path = "\(gitDir)/logs/\(name)"
        guard let bytes = try FileIO.read(path) else { return [] }
        var entries: [ReflogEntry] = []
        for (n, line) in bytes.split(separator: 0x0A).enumerated() {
            let fail = StoreError.invalidInput("reflog \(path) line \(n + 1) is corrupt")
            guard line.count > 130, let old = ObjectID(hex: String(decoding: line.prefix(64), as: UTF8.self)),
                  let new = ObjectID(hex: String(decoding: line.dropFirst(65).prefix(64), as: UTF8.self)) else { throw fail }
            let rest = line.dropFirst(130)
            let tab = rest.firstIndex(of: 0x09) ?? rest.endIndex
            guard let who = try? Identity(parsing: rest[rest.startIndex..<tab], what: "reflog identity", in: .commit) else { throw fail }
            let msg = tab < rest.endIndex ? String(decoding: rest[(tab + 1)...], as: UTF8.self) : ""
            entries.append(ReflogEntry(old: old, new: new, who: who, message: msg))
        }
        return entries
    }

    // MARK: packing

    /// Moves every loose ref into packed-refs (as `git pack-refs --all`), with peeled tag targets.
    /// Each loose file is removed only if it still holds the value that was packed.
    public func packAll(peel: (ObjectID) -> ObjectID?) throws(StoreError) {
        let plock = try LockFile(path: packedPath)
        var packed = try readPacked()
        var loose: [(String, ObjectID)] = []
        var stack = ["refs"]
        while let dir = stack.popLast() {
            for entry in FileIO.list("\(gitDir)/\(dir)") {
                let name = "\(dir)/\(entry)"
                if FileIO.isDirectory("\(gitDir)/\(name)") { stack.append(name); continue }
                guard !entry.hasSuffix(".lock"), RefName.isValid(name), case let .direct(id)? = try readLoose(name) else { continue }
                loose.append((name, id))
            }
        }
        for (name, id) in loose { packed[name] = PackedRef(id: id, peeled: peel(id)) }
        try plock.commit(RefStore.encodePacked(packed))
        for (name, id) in loose {
            guard let lock = try? LockFile(path: "\(gitDir)/\(name)") else { continue } // busy: leave it loose
            if case .direct(id)? = try readLoose(name) { FileIO.remove("\(gitDir)/\(name)") }
            lock.rollback()
        }
    }

    static func encodePacked(_ refs: [String: PackedRef]) -> [UInt8] {
        var out = "# pack-refs with: peeled fully-peeled sorted \n"
        for (name, ref) in refs.sorted(by: { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }) {
            out += "\(ref.id.hex) \(name)\n"
            if let p = ref.peeled { out += "^\(p.hex)\n" }
        }
        return Array(out.utf8)
    }

    /// `.lock` files left in the repository (by a killed process, or one still running).
    public func lockFiles() -> [String] {
        var found: [String] = []
        for top in ["HEAD.lock", "packed-refs.lock", "config.lock"] where FileIO.exists("\(gitDir)/\(top)") {
            found.append("\(gitDir)/\(top)")
        }
        var stack = ["refs"]
        while let dir = stack.popLast() {
            for entry in FileIO.list("\(gitDir)/\(dir)") {
                let name = "\(dir)/\(entry)"
                if FileIO.isDirectory("\(gitDir)/\(name)") { stack.append(name) }
                else if entry.hasSuffix(".lock") { found.append("\(gitDir)/\(name)") }
            }
        }
        return found.sorted()
    }
}

/// The last parsed packed-refs and the file identity it was parsed from.
/// Process-wide, per file: parsed packed-refs with the file identity they were parsed from.
final class PackedRefsCache: @unchecked Sendable {
    static let shared = PackedRefsCache()
    private var entries: [String: (key: [Int], refs: [String: RefStore.PackedRef])] = [:]
    private let mutex = StoreMutex()
    func get(_ path: String, _ k: [Int]) -> [String: RefStore.PackedRef]? {
        mutex.withLock { entries[path].flatMap { $0.key == k ? $0.refs : nil } }
    }
    func set(_ path: String, _ k: [Int], _ r: [String: RefStore.PackedRef]) {
        mutex.withLock {
            if entries.count > 64 { entries.removeAll() } // tests open many repositories
            entries[path] = (k, r)
        }
    }
}
