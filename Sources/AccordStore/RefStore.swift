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

    /// Values read in place of the stored ones (a quarantine's view of a ref it would move);
    /// never written.
    public var overlay: [String: ObjectID] = [:]

    /// The repository is being built where no other process looks (a clone's temporary
    /// directory), as git's initial ref transaction assumes: a large batch takes no per-ref
    /// locks, and no ref gets a reflog (git's clone writes its refs straight into packed-refs
    /// without reflogs). Every later update of the installed repository logs again.
    public let unshared: Bool

    public init(gitDir: String, unshared: Bool = false) { self.gitDir = gitDir; self.unshared = unshared }

    /// The lock of ref (or `packed-refs`, `HEAD`) `name`; its seed and temp files go into the git
    /// directory, never among the loose refs (where they would read as refs).
    func lock(_ name: String, linkingTo seed: LockSeed? = nil) throws(StoreError) -> LockFile {
        if let seed { return try LockFile(path: "\(gitDir)/\(name)", linkingTo: seed, tempDirectory: gitDir) }
        return try LockFile(path: "\(gitDir)/\(name)", tempDirectory: gitDir)
    }

    // MARK: reading

    /// The value of one ref, without following symbolic refs; nil if it does not exist.
    public func read(_ name: String) throws(StoreError) -> RefValue? {
        if let o = overlay[name] { return .direct(o) }
        if let loose = try readLoose(name) { return loose }
        return try lookupPacked(name).map { .direct($0.id) }
    }

    func readLoose(_ name: String) throws(StoreError) -> RefValue? {
        let path = "\(gitDir)/\(name)"
        let bytes: [UInt8]
        do throws(StoreError) {
            guard let b = try FileIO.read(path, limit: 4096) else { return nil }
            bytes = b
        } catch {
            if case .io(_, _, EISDIR) = error { return nil } // a directory of refs, not a ref
            throw error
        }
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

    /// What a listing of some ref directories holds: the names of files (loose refs) and of
    /// directories in them. A large batch lists the directories of its refs once, instead of
    /// opening (and unlinking) a file per ref that a repository of packed refs does not have.
    struct LooseListing {
        var files: Set<String> = []
        var directories: Set<String> = []

        init(gitDir: String, of names: some Sequence<String>) {
            for dir in Set(names.map { FileIO.dirname(of: $0) }) {
                for e in FileIO.listEntries("\(gitDir)/\(dir)") {
                    if e.isDirectory { directories.insert("\(dir)/\(e.name)") } else { files.insert("\(dir)/\(e.name)") }
                }
            }
        }
    }

    public struct PackedRef: Sendable, Equatable {
        public var id: ObjectID
        public var peeled: ObjectID?
    }

    /// packed-refs as parsed: the refs, and every directory that holds one (`refs`,
    /// `refs/contracts`, …) for the file-versus-directory check of new refs.
    struct PackedFile: Sendable {
        var refs: [String: PackedRef] = [:]
        var directories: Set<String> = []
        init(_ refs: [String: PackedRef]) {
            self.refs = refs
            directories = RefStore.directories(of: refs.keys)
        }
    }

    /// Every directory that holds one of `names` (`refs`, `refs/contracts` for `refs/contracts/A`).
    static func directories(of names: some Sequence<String>) -> Set<String> {
        var directories = Set<String>()
        for name in names {
            var dir = Substring(name)
            while let slash = dir.lastIndex(of: "/") {
                dir = dir[..<slash]
                guard directories.insert(String(dir)).inserted else { break }
            }
        }
        return directories
    }

    /// Parses packed-refs (a header, `<id> <name>` lines, `^<id>` peeled lines), reused while the
    /// file's identity (inode, size, mtime) is unchanged: one command resolves many refs, and
    /// with 10,000 contracts the file is large.
    public func readPacked() throws(StoreError) -> [String: PackedRef] { try packedFile().refs }

    func packedFile() throws(StoreError) -> PackedFile {
        guard let id = FileIO.identity(packedPath) else { return PackedFile([:]) }
        if let hit = PackedRefsCache.shared.get(packedPath, id) { return hit }
        return try freshPackedFile()
    }

    /// packed-refs as the file holds it now, for a writer holding packed-refs.lock: every rewrite
    /// of the file starts from this, never from a copy read before the lock was taken (which
    /// would put back what another writer replaced meanwhile). The parse is reused only when the
    /// file's bytes are exactly those it was parsed from: an identity (inode, size, mtime) can
    /// repeat when an inode is reused within one clock tick.
    func freshPackedFile() throws(StoreError) -> PackedFile {
        guard let (bytes, id) = try FileIO.readWithIdentity(packedPath, limit: 1 << 30) else { return PackedFile([:]) }
        if let hit = PackedRefsCache.shared.get(packedPath, bytes: bytes) { return hit }
        let file = PackedFile(try RefStore.parsePacked(bytes))
        PackedRefsCache.shared.set(packedPath, id, bytes, file)
        return file
    }

    /// This process's parse of the current packed-refs, if it has one.
    private func cachedPackedFile() -> PackedFile? {
        FileIO.identity(packedPath).flatMap { PackedRefsCache.shared.get(packedPath, $0) }
    }

    /// One packed ref, without decoding the whole file: binary search over the lines of a file
    /// marked `sorted` (git's files are), comparing names as bytes. A command that reads one
    /// contract then costs the same with 10 or 10,000 contracts.
    func lookupPacked(_ name: String) throws(StoreError) -> PackedRef? {
        if let hit = cachedPackedFile() { return hit.refs[name] }
        switch try searchPacked(name) {
        case let .found(entry)?: return entry.name == name ? entry.ref : nil
        case .none?: return nil
        case nil: return try readPacked()[name]
        }
    }

    /// True if some packed ref lies under directory `dir` (`refs/a` for `refs/a/b`).
    func packedRefExists(under dir: String) throws(StoreError) -> Bool {
        if let hit = cachedPackedFile() { return hit.directories.contains(dir) }
        switch try searchPacked(dir + "/") {
        case let .found(entry)?: return entry.name.hasPrefix(dir + "/")
        case .none?: return false
        case nil: return try packedFile().directories.contains(dir)
        }
    }

    enum PackedSearch { case found((name: String, ref: PackedRef)), none }

    /// The first packed ref whose name is not below `key` in byte order; nil when the file is
    /// not marked sorted or a line is malformed (the full parse then answers, or reports it).
    func searchPacked(_ key: String) throws(StoreError) -> PackedSearch? {
        guard let bytes = try FileIO.read(packedPath, limit: 1 << 30) else { return PackedSearch.none }
        let target = Array(key.utf8)
        return bytes.withUnsafeBytes { (b: UnsafeRawBufferPointer) -> PackedSearch? in
            guard let base = b.baseAddress else { return PackedSearch.none }
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
            guard sorted else { return nil }
            var lo = 0, hi = starts.count
            while lo < hi {
                let mid = (lo + hi) / 2, s = starts[mid], end = lineEnd(s)
                guard end - s > 65 else { return nil }
                if UnsafeRawBufferPointer(rebasing: b[(s + 65)..<end]).lexicographicallyPrecedes(target) { lo = mid + 1 } else { hi = mid }
            }
            guard lo < starts.count else { return PackedSearch.none }
            let s = starts[lo], end = lineEnd(s)
            guard end - s > 65, let id = ObjectID(hexBytes: UnsafeRawBufferPointer(rebasing: b[s..<(s + 64)])) else { return nil }
            var peeled: ObjectID?
            let next = end + 1
            if next < b.count, b[next] == UInt8(ascii: "^") {
                peeled = ObjectID(hexBytes: UnsafeRawBufferPointer(rebasing: b[(next + 1)..<lineEnd(next)]))
            }
            let name = String(decoding: UnsafeRawBufferPointer(rebasing: b[(s + 65)..<end]), as: UTF8.self)
            return .found((name, PackedRef(id: id, peeled: peeled)))
        }
    }

    func parsePacked() throws(StoreError) -> [String: PackedRef] {
        guard let bytes = try FileIO.read(packedPath, limit: 1 << 30) else { return [:] }
        return try RefStore.parsePacked(bytes)
    }

    static func parsePacked(_ bytes: [UInt8]) throws(StoreError) -> [String: PackedRef] {
        var refs: [String: PackedRef] = [:]
        refs.reserveCapacity(bytes.count / 100)
        var failure: StoreError?
        bytes.withUnsafeBytes { b in
            var last: String?
            IDLines.forEach(b) { n, line in
                if line.isEmpty || line[0] == UInt8(ascii: "#") { return true }
                if line[0] == UInt8(ascii: "^") {
                    guard let l = last, line.count == 65, let id = ObjectID(hexBytes: UnsafeRawBufferPointer(rebasing: line[1...])) else {
                        failure = .invalidInput("packed-refs line \(n) is corrupt: a peeled line without a ref before it")
                        return false
                    }
                    refs[l]?.peeled = id
                    return true
                }
                guard let (id, name) = IDLines.idAndName(line) else {
                    failure = .invalidInput("packed-refs line \(n) is corrupt: '\(String(decoding: line.prefix(80), as: UTF8.self))'")
                    return false
                }
                refs[name] = PackedRef(id: id, peeled: nil)
                last = name
                return true
            }
        }
        if let failure { throw failure }
        return refs
    }

    /// Every ref under `prefix` (loose overriding packed), sorted by name, resolved to ids.
    public func list(prefix: String = "refs/") throws(StoreError) -> [(name: String, id: ObjectID)] {
        try values(prefix: prefix).sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// Every ref under `prefix` (loose overriding packed) with its id, for lookups by name.
    /// Only the directory the prefix names is walked (refs/contracts/ does not read remotes).
    public func values(prefix: String = "refs/") throws(StoreError) -> [String: ObjectID] {
        var all: [String: ObjectID] = [:]
        for (name, ref) in try readPacked() where name.hasPrefix(prefix) { all[name] = ref.id }
        let top = prefix.hasSuffix("/") ? String(prefix.dropLast()) : FileIO.dirname(of: prefix)
        for name in looseFiles(under: top.hasPrefix("refs") ? top : "refs")
        where !name.hasSuffix(".lock") && name.hasPrefix(prefix) && RefName.isValid(name) {
            switch try readLoose(name) {
            case let .direct(id)?: all[name] = id
            case .symbolic?: if let id = try resolve(name) { all[name] = id }
            case nil: break
            }
        }
        return all
    }

    /// The files under directory `top` of the repository (`refs/…` names, `.lock` files too).
    func looseFiles(under top: String) -> [String] {
        var files: [String] = []
        var stack = [top]
        while let dir = stack.popLast() {
            for entry in FileIO.listEntries("\(gitDir)/\(dir)") {
                let name = "\(dir)/\(entry.name)"
                if entry.isDirectory { stack.append(name) } else { files.append(name) }
            }
        }
        return files
    }

    // MARK: writing

    /// Moves `name` to `new` if it currently matches `expected`, and records it in the reflog.
    public func update(_ name: String, to new: ObjectID, expected: RefExpectation = .any,
                       who: Identity, message: String) throws(StoreError) {
        if let refused = try apply([RefUpdate(name, to: new, expected: expected, message: message)], who: who)[0] { throw refused }
    }

    /// Deletes `name` (loose and packed) if it matches `expected`; its reflog goes with it.
    ///
    /// Holds the ref's lock, then packed-refs.lock (always: a gc may pack the loose ref at any
    /// moment before, and it would come back from packed-refs once the loose file is gone), reads
    /// packed-refs again under that lock and rewrites it without the ref only if it is there, then
    /// removes the loose file, before letting either lock go.
    public func delete(_ name: String, expected: RefExpectation = .any) throws(StoreError) {
        if let refused = try deleteAll([(name, expected)])[0] { throw refused }
    }

    /// Points a symbolic ref (HEAD) at another ref.
    public func setSymbolic(_ name: String, to target: String) throws(StoreError) {
        try RefName.validate(name); try RefName.validate(target)
        try lock(name).commit(Array("ref: \(target)\n".utf8))
    }

    /// The current id of a (non-symbolic) ref, read while its lock is held; `packed`: a parse
    /// of packed-refs to use instead of looking the name up in the file.
    func currentValue(_ name: String, packed: PackedFile? = nil, loose: LooseListing? = nil) throws(StoreError) -> ObjectID? {
        switch try value(name, packed: packed, loose: loose) {
        case let .direct(id)?: return id
        case .symbolic?: throw .invalidInput("ref '\(name)' is symbolic")
        case nil: return nil
        }
    }

    /// A ref's value (loose first), from `packed` when given, else looked up in the file.
    /// `loose`: the loose refs a listing found (no file opened for a name it does not hold).
    func value(_ name: String, packed: PackedFile?, loose: LooseListing? = nil) throws(StoreError) -> RefValue? {
        guard let packed else { return try read(name) }
        if loose?.files.contains(name) ?? true, let found = try readLoose(name) { return found }
        return packed.refs[name].map { .direct($0.id) }
    }

    func check(_ expected: RefExpectation, current: ObjectID?, ref: String) throws(StoreError) {
        switch expected {
        case .any: return
        case .absent: if current != nil { throw .staleValue(ref: ref, expected: nil, actual: current) }
        case let .value(id): if current != id { throw .staleValue(ref: ref, expected: id, actual: current) }
        }
    }

    /// `refs/a` and `refs/a/b` cannot both exist (one would be a file, the other a directory),
    /// neither in the repository nor among refs created in the same batch. `clear` remembers the
    /// directories already found to be no ref, across the names of one batch.
    func checkNoDirectoryConflict(_ name: String, batch: Set<String> = [], batchDirectories: Set<String> = [],
                                  packed: PackedFile? = nil, loose: LooseListing? = nil, clear: inout Set<String>) throws(StoreError) {
        let packedBelow: Bool
        if let packed { packedBelow = packed.directories.contains(name) } else { packedBelow = try packedRefExists(under: name) }
        if packedBelow || batchDirectories.contains(name)
            || ((loose?.directories.contains(name) ?? true) && FileIO.isDirectory("\(gitDir)/\(name)") && !FileIO.list("\(gitDir)/\(name)").isEmpty) {
            throw .badRefName(name, "refs exist under '\(name)/'")
        }
        // Every directory above the parent was checked when the parent was (a batch of one directory).
        if clear.contains(FileIO.dirname(of: name)) { return }
        var prefix = ""
        for comp in name.split(separator: "/").dropLast() {
            prefix += prefix.isEmpty ? String(comp) : "/\(comp)"
            guard prefix.hasPrefix("refs/"), !clear.contains(prefix) else { continue }
            if batch.contains(prefix) { throw .badRefName(name, "'\(prefix)' is created in the same batch, so no ref can be created under it") }
            if try value(prefix, packed: packed, loose: loose) != nil {
                throw .badRefName(name, "'\(prefix)' exists, so no ref can be created under it")
            }
            clear.insert(prefix)
        }
    }

    // MARK: reflogs

    /// One reflog line, prepared while the ref's lock is held and appended once the ref has moved.
    struct PendingReflog {
        var path: String
        var line: [UInt8]
    }

    /// Gets `name`'s reflog ready for one more line, before the ref moves: the file and its
    /// directory exist, a partial last line (a write cut short by a kill or a full disk) is cut
    /// off so the new line starts on a line boundary, and the line's bytes are reserved on disk,
    /// so that a full disk refuses the update here, while nothing has changed, rather than after
    /// the ref moved. Called with the ref's lock held: no one else appends to this reflog.
    /// In an `unshared` repository no ref gets a reflog (nil).
    func prepareReflog(_ name: String, old: ObjectID, new: ObjectID, who: Identity, message: String) throws(StoreError) -> PendingReflog? {
        if unshared { return nil } // nothing there creates reflogs: no file to look for
        let path = "\(gitDir)/logs/\(name)"
        let oneLine = message.split(whereSeparator: \.isNewline).joined(separator: " ")
        let line = Array("\(old.hex) \(new.hex) \(who)\t\(oneLine)\n".utf8)
        var fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        if fd < 0, errno == ENOENT {
            try FileIO.makeDirectories(FileIO.dirname(of: path))
            fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        }
        guard fd >= 0 else { throw .io(op: "open reflog", path: path, errno: errno) }
        defer { close(fd) }
        let size = try FileIO.cutPartialLastLine(fd, path: path)
        try FileIO.reserve(fd, at: size, count: line.count, path: path)
        return PendingReflog(path: path, line: line)
    }

    /// Appends a prepared line, after the ref moved (as the last step before its lock goes):
    /// a kill before this leaves the reflog without the update, never with one that did not
    /// happen. `sync` makes it durable before returning. The ref has moved already, so a
    /// failure here does not undo it: the reflog is cut back to its last whole line and the
    /// update stands without its entry (as if killed just before).
    func appendReflog(_ pending: PendingReflog, sync: Bool) {
        let fd = open(pending.path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return }
        do throws(StoreError) {
            try pending.line.withBytes { (p) throws(StoreError) in try FileIO.writeAll(fd, p, path: pending.path) }
            if sync { fsync(fd) }
        } catch {
            _ = ftruncate(fd, st.st_size)
        }
    }

    /// A ref's reflog, oldest first. A last line without its newline (a write cut short) is not
    /// an entry and is left out, as git leaves it out.
    public func reflog(_ name: String) throws(StoreError) -> [ReflogEntry] {
        let path = "\(gitDir)/logs/\(name)"
        guard var bytes = try FileIO.read(path) else { return [] }
        if let lastNewline = bytes.lastIndex(of: 0x0A) { bytes.removeSubrange((lastNewline + 1)...) } else { bytes = [] }
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

    /// Moves every loose ref into packed-refs (as `git pack-refs --all`), with peeled tag targets,
    /// starting from packed-refs as read under its lock. Then, as git does, with packed-refs.lock
    /// released: each loose file is removed under its ref's lock, only if it still holds the value
    /// that was packed (a ref that moved or went meanwhile is left as it is).
    public func packAll(peel: (ObjectID) -> ObjectID?) throws(StoreError) {
        let plock = try lockPackedRefs()
        var packed = try freshPackedFile().refs
        var loose: [(String, ObjectID)] = []
        for name in looseFiles(under: "refs") where !name.hasSuffix(".lock") && RefName.isValid(name) {
            if case let .direct(id)? = try readLoose(name) { loose.append((name, id)) }
        }
        for (name, id) in loose { packed[name] = PackedRef(id: id, peeled: peel(id)) }
        try writePacked(packed, under: plock)
        guard !loose.isEmpty else { return }
        let seed = try LockSeed(in: gitDir)
        defer { seed.remove() }
        for (name, id) in loose {
            guard let lock = try? lock(name, linkingTo: seed) else { continue } // busy: leave it loose
            if case .direct(id)? = try readLoose(name) { FileIO.remove("\(gitDir)/\(name)") }
            lock.rollback()
        }
    }

    /// Writes `refs` as the new packed-refs through its held lock, and releases the lock.
    func writePacked(_ refs: [String: PackedRef], under lock: LockFile) throws(StoreError) {
        defer { lock.rollback() }
        try installPacked(refs, under: lock)
    }

    /// Writes `refs` as the new packed-refs through its held lock, which stays held (the caller
    /// still has loose files to delete before another writer may read packed-refs), and keeps
    /// the parse for the next read in this process (keyed by the identity of the file written).
    func installPacked(_ refs: [String: PackedRef], under lock: LockFile) throws(StoreError) {
        let bytes = RefStore.encodePacked(refs)
        let identity = try lock.install(bytes)
        PackedRefsCache.shared.set(packedPath, identity, bytes, PackedFile(refs))
    }

    static func encodePacked(_ refs: [String: PackedRef]) -> [UInt8] {
        var out = Array("# pack-refs with: peeled fully-peeled sorted \n".utf8)
        out.reserveCapacity(out.count + refs.count * 110)
        for (name, ref) in refs.map({ (Array($0.key.utf8), $0.value) }).sorted(by: { $0.0.lexicographicallyPrecedes($1.0) }) {
            out += ref.id.hex.utf8; out.append(0x20); out += name; out.append(0x0A)
            if let p = ref.peeled { out.append(UInt8(ascii: "^")); out += p.hex.utf8; out.append(0x0A) }
        }
        return out
    }

    /// `.lock` files left in the repository (by a killed process, or one still running).
    public func lockFiles() -> [String] {
        var found: [String] = []
        for top in ["HEAD.lock", "packed-refs.lock", "config.lock"] where FileIO.exists("\(gitDir)/\(top)") {
            found.append("\(gitDir)/\(top)")
        }
        for name in looseFiles(under: "refs") where name.hasSuffix(".lock") { found.append("\(gitDir)/\(name)") }
        return found.sorted()
    }
}

/// Process-wide, per file: parsed packed-refs with the file identity and the bytes they were
/// parsed from (readers match the identity; writers under packed-refs.lock, the bytes).
final class PackedRefsCache: @unchecked Sendable {
    static let shared = PackedRefsCache()
    private var entries: [String: (key: [Int], bytes: [UInt8], file: RefStore.PackedFile)] = [:]
    private let mutex = StoreMutex()
    func get(_ path: String, _ k: [Int]) -> RefStore.PackedFile? {
        mutex.withLock { entries[path].flatMap { $0.key == k ? $0.file : nil } }
    }
    func get(_ path: String, bytes: [UInt8]) -> RefStore.PackedFile? {
        mutex.withLock { entries[path].flatMap { $0.bytes == bytes ? $0.file : nil } }
    }
    func set(_ path: String, _ k: [Int], _ bytes: [UInt8], _ f: RefStore.PackedFile) {
        mutex.withLock {
            if entries.count > 64 { entries.removeAll() } // tests open many repositories
            entries[path] = (k, bytes, f)
        }
    }
}
