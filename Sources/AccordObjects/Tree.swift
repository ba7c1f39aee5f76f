/// A tree entry's mode. Only the modes `git fsck --strict` accepts are representable.
public enum FileMode: UInt32, Sendable, CaseIterable {
    case regular = 0o100644
    case executable = 0o100755
    case symlink = 0o120000
    case directory = 0o40000
    case gitlink = 0o160000

    /// The octal text as git writes it (no zero padding: `40000`, not `040000`).
    public var octal: String { String(rawValue, radix: 8) }
    public var isDirectory: Bool { self == .directory }
    /// The object type an entry with this mode points at.
    public var objectType: ObjectType? {
        switch self {
        case .directory: .tree
        case .gitlink: nil // a commit in another repository; not required to exist here
        default: .blob
        }
    }
}

public struct TreeEntry: Hashable, Sendable {
    public var mode: FileMode
    /// Raw name bytes (git names are bytes, not necessarily UTF-8).
    public var name: [UInt8]
    public var id: ObjectID

    public init(mode: FileMode, name: [UInt8], id: ObjectID) {
        self.mode = mode; self.name = name; self.id = id
    }
    public init(mode: FileMode, name: String, id: ObjectID) {
        self.init(mode: mode, name: Array(name.utf8), id: id)
    }
    public var nameString: String { String(decoding: name, as: UTF8.self) }
}

/// A tree object. `init(entries:)` sorts; `decode` insists the bytes were sorted already.
public struct Tree: Hashable, Sendable {
    public private(set) var entries: [TreeEntry]

    /// Builds a tree from entries in any order; names are validated and sorted as git sorts them.
    public init(entries: [TreeEntry]) throws(ObjectError) {
        for e in entries { try Tree.validate(name: e.name) }
        let sorted = entries.sorted { Tree.gitOrder($0, $1) }
        for i in sorted.indices.dropFirst() where sorted[i - 1].name == sorted[i].name
            || Tree.hasFile(named: sorted[i], before: i, in: sorted) {
            throw .malformed(.tree, "duplicate entry '\(sorted[i].nameString)'")
        }
        self.entries = sorted
    }

    /// git compares names as if directories ended in '/'.
    public static func gitOrder(_ a: TreeEntry, _ b: TreeEntry) -> Bool {
        compare(a.name, a.mode.isDirectory, b.name, b.mode.isDirectory) < 0
    }

    static func compare(_ a: [UInt8], _ aDir: Bool, _ b: [UInt8], _ bDir: Bool) -> Int {
        let n = min(a.count, b.count)
        for i in 0..<n where a[i] != b[i] { return Int(a[i]) - Int(b[i]) }
        let ca: Int = a.count > n ? Int(a[n]) : (aDir ? 0x2F : 0)
        let cb: Int = b.count > n ? Int(b[n]) : (bDir ? 0x2F : 0)
        return ca - cb
    }

    /// A file "a" and a directory "a" are duplicates, but names such as "a.b" sort between them
    /// ("a" < "a.b" < "a/"), so for a directory look back past the entries that start with its name.
    static func hasFile(named dir: TreeEntry, before end: Int, in sorted: [TreeEntry]) -> Bool {
        guard dir.mode.isDirectory else { return false }
        var j = end - 1
        while j >= 0, sorted[j].name.count > dir.name.count, sorted[j].name.starts(with: dir.name) { j -= 1 }
        return j >= 0 && sorted[j].name == dir.name && !sorted[j].mode.isDirectory
    }

    /// Rejects names git would refuse: empty, '.', '..', '.git' (any case), containing '/' or NUL.
    public static func validate(name: [UInt8]) throws(ObjectError) {
        let shown = String(decoding: name, as: UTF8.self)
        if name.isEmpty { throw .malformed(.tree, "empty entry name") }
        if name.contains(0) { throw .malformed(.tree, "entry name contains NUL") }
        if name.contains(UInt8(ascii: "/")) { throw .malformed(.tree, "entry name '\(shown)' contains '/'") }
        if name == [0x2E] || name == [0x2E, 0x2E] { throw .malformed(.tree, "entry name '\(shown)' is not allowed") }
        let lower = name.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }
        if lower == Array(".git".utf8) || lower == Array("git~1".utf8) {
            throw .malformed(.tree, "entry name '\(shown)' is not allowed (reserved for git)")
        }
    }

    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(entries.count * 48)
        for e in entries {
            out.append(contentsOf: e.mode.octal.utf8)
            out.append(0x20)
            out.append(contentsOf: e.name)
            out.append(0)
            withUnsafeTemporaryAllocation(byteCount: 32, alignment: 8) { buf in
                e.id.write(to: buf.baseAddress!)
                out.append(contentsOf: UnsafeRawBufferPointer(buf))
            }
        }
        return out
    }

    /// Strict decode: every check of `git fsck --strict` on trees.
    public static func decode(_ data: UnsafeRawBufferPointer) throws(ObjectError) -> Tree {
        var entries: [TreeEntry] = []
        var i = 0
        let n = data.count
        while i < n {
            let modeStart = i
            while i < n, data[i] != 0x20 {
                guard data[i] >= 0x30, data[i] <= 0x37 else {
                    throw .malformed(.tree, "bad mode in entry \(entries.count + 1) at byte \(modeStart)")
                }
                i += 1
            }
            guard i < n, i > modeStart, i - modeStart <= 7 else {
                throw .malformed(.tree, "truncated or bad mode in entry \(entries.count + 1) at byte \(modeStart)")
            }
            if data[modeStart] == 0x30 {
                throw .malformed(.tree, "zero-padded mode in entry \(entries.count + 1) at byte \(modeStart)")
            }
            var modeValue: UInt32 = 0
            for j in modeStart..<i { modeValue = modeValue * 8 + UInt32(data[j] - 0x30) }
            guard let mode = FileMode(rawValue: modeValue) else {
                throw .malformed(.tree, "bad mode \(String(modeValue, radix: 8)) in entry \(entries.count + 1)")
            }
            i += 1
            let nameStart = i
            while i < n, data[i] != 0 { i += 1 }
            guard i < n else { throw .malformed(.tree, "entry \(entries.count + 1) name not terminated by NUL") }
            let name = Array(data[nameStart..<i])
            i += 1
            guard n - i >= 32 else { throw .malformed(.tree, "entry '\(String(decoding: name, as: UTF8.self))' has a truncated id") }
            let id = ObjectID(raw: UnsafeRawBufferPointer(rebasing: data[i..<(i + 32)]))
            i += 32
            try validate(name: name)
            let entry = TreeEntry(mode: mode, name: name, id: id)
            if let prev = entries.last {
                let c = compare(prev.name, prev.mode.isDirectory, name, mode.isDirectory)
                if prev.name == name || hasFile(named: entry, before: entries.count, in: entries) {
                    throw .malformed(.tree, "duplicate entry '\(entry.nameString)'")
                }
                if c > 0 { throw .malformed(.tree, "entries not sorted: '\(prev.nameString)' before '\(entry.nameString)'") }
            }
            entries.append(entry)
        }
        var t = try Tree(entries: [])
        t.entries = entries
        return t
    }

    public static func decode(_ bytes: [UInt8]) throws(ObjectError) -> Tree {
        try bytes.withBytes { (p) throws(ObjectError) -> Tree in try decode(p) }
    }
}
