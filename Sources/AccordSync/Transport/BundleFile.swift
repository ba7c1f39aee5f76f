import AccordObjects
import AccordStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// git's bundle format, version 3, for replicas with no connection:
///
///     # v3 git bundle
///     @object-format=sha256
///     -<id> <comment>        prerequisite: a commit the receiver must have
///     <id> <refname>         a ref
///     (blank line)
///     <pack>
public struct BundleFile: Sendable, Equatable {
    public struct Prerequisite: Sendable, Equatable {
        public var id: ObjectID
        public var comment: String
    }

    public var prerequisites: [Prerequisite]
    public var refs: [(name: String, id: ObjectID)]
    /// Where the pack starts in the file.
    public var packOffset: Int

    public static func == (a: BundleFile, b: BundleFile) -> Bool {
        a.prerequisites == b.prerequisites && a.packOffset == b.packOffset
            && a.refs.map(\.name) == b.refs.map(\.name) && a.refs.map(\.id) == b.refs.map(\.id)
    }

    public static let signatureV3 = "# v3 git bundle"
    public static let signatureV2 = "# v2 git bundle"
    /// Limits: the header (everything before the pack) and any one line.
    public static let maxHeaderSize = 16 << 20
    public static let maxLineLength = 4096
    public static let maxRefs = 1_000_000
    /// Names of the temporary directories bundles are built in, beside the target file.
    public static let tempPrefix = ".tmp_bundle_"

    // MARK: parsing

    /// Parses and checks the header strictly: signature, capabilities, every prerequisite and
    /// ref line, the blank line, and that a pack follows.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws -> BundleFile {
        var pos = 0
        var lineNo = 0
        func nextLine() throws -> String {
            lineNo += 1
            let limit = min(bytes.count, pos + maxLineLength + 1)
            var end = pos
            while end < limit && bytes[end] != 0x0A { end += 1 }
            guard end < bytes.count else {
                throw TransportError.badBundle("the header ends at line \(lineNo) without the blank line that ends it (truncated?)")
            }
            guard end < limit, bytes[end] == 0x0A else {
                throw TransportError.badBundle("header line \(lineNo) is longer than \(maxLineLength) bytes")
            }
            guard end + 1 <= maxHeaderSize else { throw TransportError.badBundle("the header is larger than \(maxHeaderSize) bytes") }
            let raw = UnsafeRawBufferPointer(rebasing: bytes[pos..<end])
            guard let s = String(validating: raw, as: UTF8.self) else {
                throw TransportError.badBundle("header line \(lineNo) is not valid UTF-8")
            }
            pos = end + 1
            return s
        }
        guard bytes.count > 0 else { throw TransportError.badBundle("the file is empty") }
        let sig = try nextLine()
        if sig == signatureV2 {
            throw TransportError.badBundle("this is a v2 bundle, whose objects use SHA-1; Accord repositories are SHA-256 (make it with git bundle create --version=3 in a sha256 repository)")
        }
        guard sig == signatureV3 else {
            throw TransportError.badBundle("line 1 is '\(sig.prefix(60))', not '\(signatureV3)': not a git bundle")
        }
        var format: String?
        var prerequisites: [Prerequisite] = []
        var refs: [(name: String, id: ObjectID)] = []
        var names = Set<String>()
        while true {
            let line = try nextLine()
            if line.isEmpty { break }
            if line.hasPrefix("@") {
                guard refs.isEmpty, prerequisites.isEmpty else {
                    throw TransportError.badBundle("line \(lineNo): capability '\(line)' after the prerequisites or refs")
                }
                let cap = line.dropFirst()
                if cap.hasPrefix("object-format=") {
                    guard format == nil else { throw TransportError.badBundle("line \(lineNo): object-format given twice") }
                    format = String(cap.dropFirst("object-format=".count))
                } else if cap.hasPrefix("filter") {
                    throw TransportError.badBundle("line \(lineNo): filtered (partial) bundles are not supported")
                } else {
                    throw TransportError.badBundle("line \(lineNo): unknown capability '\(line.prefix(60))'")
                }
                continue
            }
            if line.hasPrefix("-") {
                guard refs.isEmpty else { throw TransportError.badBundle("line \(lineNo): a prerequisite after the refs") }
                let rest = line.dropFirst()
                let hex = rest.prefix(ObjectID.hexCount)
                guard hex.utf8.count == ObjectID.hexCount, let id = ObjectID(hex: hex), hex == id.hex[...],
                      rest.count == hex.count || rest.dropFirst(hex.count).first == " " else {
                    throw TransportError.badBundle("line \(lineNo): '\(line.prefix(80))' is not a prerequisite ('-' and a SHA-256 id)")
                }
                prerequisites.append(Prerequisite(id: id, comment: String(rest.dropFirst(hex.count + 1))))
                continue
            }
            let parts = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0].utf8.count == ObjectID.hexCount, let id = ObjectID(hex: parts[0]),
                  parts[0] == id.hex[...] else {
                throw TransportError.badBundle("line \(lineNo): '\(line.prefix(80))' is not a ref line ('<sha-256 id> <refname>')")
            }
            let name = String(parts[1])
            guard name == "HEAD" || RefName.isValid(name) else {
                throw TransportError.badBundle("line \(lineNo): '\(name.prefix(80))' is not a valid ref name")
            }
            guard names.insert(name).inserted else { throw TransportError.badBundle("line \(lineNo): ref \(name) listed twice") }
            refs.append((name, id))
            guard refs.count <= maxRefs else { throw TransportError.badBundle("more than \(maxRefs) refs") }
        }
        guard let format else {
            throw TransportError.badBundle("no @object-format capability: the bundle's objects are SHA-1; Accord needs sha256")
        }
        guard format == "sha256" else {
            throw TransportError.badBundle("object format '\(format)'; Accord repositories are SHA-256")
        }
        guard !refs.isEmpty else { throw TransportError.badBundle("the bundle lists no refs") }
        let rest = bytes.count - pos
        guard rest >= 12 + 32, bytes[pos] == 0x50, bytes[pos + 1] == 0x41, bytes[pos + 2] == 0x43, bytes[pos + 3] == 0x4B else {
            throw TransportError.badBundle(rest == 0 ? "no pack after the header (truncated?)" : "what follows the header is not a pack (no 'PACK' signature)")
        }
        return BundleFile(prerequisites: prerequisites, refs: refs, packOffset: pos)
    }

    public static func parse(_ bytes: [UInt8]) throws -> BundleFile {
        try bytes.withUnsafeBytes { try parse($0) }
    }

    /// Reads and parses a bundle file.
    public static func load(_ path: String) throws -> (bundle: BundleFile, bytes: [UInt8]) {
        let read: [UInt8]?
        do throws(StoreError) { read = try FileIO.readRegularFile(path, limit: 1 << 40, what: "a bundle") } catch {
            throw TransportError.badBundle("cannot read '\(path)': \(error.description)")
        }
        guard let data = read else { throw TransportError.badBundle("'\(path)' does not exist") }
        return (try parse(data), data)
    }

    // MARK: checking and applying

    /// Prerequisites this repository lacks (as commits).
    public func missingPrerequisites(in repo: Repository) -> [ObjectID] {
        prerequisites.map(\.id).filter { id in
            guard repo.objects.contains(id), let h = try? repo.objects.header(id) else { return true }
            return h.type != .commit
        }
    }

    /// Checks everything `unbundle` would, without changing the repository: prerequisites
    /// present, pack complete and every object valid, refs pointing into it.
    public static func verify(_ data: [UInt8], in repo: Repository) throws -> BundleFile {
        let bundle = try parse(data)
        let missing = bundle.missingPrerequisites(in: repo)
        guard missing.isEmpty else { throw TransportError.missingPrerequisites(missing) }
        _ = try data.withUnsafeBytes { raw in
            try PackTransfer.receive(bytes: UnsafeRawBufferPointer(rebasing: raw[bundle.packOffset...]), into: repo,
                                     tips: bundle.refs.map(\.id), allowThin: true, install: false)
        }
        return bundle
    }

    /// Verifies the bundle, installs its pack, then moves `refs/remotes/<remoteName>/contracts/*`
    /// (and creates tags) to the bundle's refs. Nothing changes if any check fails.
    public static func unbundle(_ data: [UInt8], into repo: Repository, remoteName: String = "bundle", who: Identity,
                                progress: TransferProgress? = nil, storingHeads: String? = nil) throws -> TransferReport {
        let bundle = try parse(data)
        let missing = bundle.missingPrerequisites(in: repo)
        guard missing.isEmpty else { throw TransportError.missingPrerequisites(missing) }
        let plan = try Transfer.plan(bundle.refs, for: repo, remoteName: remoteName)
        var report = TransferReport()
        let received = try data.withUnsafeBytes { raw in
            try PackTransfer.receive(bytes: UnsafeRawBufferPointer(rebasing: raw[bundle.packOffset...]), into: repo,
                                     tips: bundle.refs.map(\.id), allowThin: true, progress: progress)
        }
        report.objects = received.objects
        report.packID = received.packID
        FaultPoint.hit("before-ref-update")
        report.changes = try Transfer.applyTracking(plan, to: repo, remoteName: remoteName, who: who, prune: false, storingHeads: storingHeads)
        return report
    }

    // MARK: writing

    /// Writes a bundle of `refs` to `path`: a pack of every object reachable from them and not
    /// from `since` (whose boundary commits become prerequisites). Refuses an empty bundle.
    /// Refs whose tips are not in the pack (already reachable from `since`) are left out.
    @discardableResult
    public static func create(at path: String, from repo: Repository, refs: [(name: String, id: ObjectID)],
                              since: [ObjectID] = [], progress: TransferProgress? = nil) throws -> (bundle: BundleFile, objects: Int) {
        guard !refs.isEmpty else { throw TransportError.badBundle("refusing to create a bundle without refs") }
        let selection = try ObjectSelection.missing(in: repo.objects, wants: refs.map(\.id), common: since)
        guard !selection.objects.isEmpty else { throw TransportError.nothingNew }
        let inPack = Set(selection.objects.map(\.id))
        let kept = refs.filter { inPack.contains($0.id) }
        var header = signatureV3 + "\n@object-format=sha256\n"
        var prereqs: [Prerequisite] = []
        for b in selection.boundary.sorted() {
            let summary = (try? repo.objects.readCommit(b).summary).map(String.init) ?? ""
            let comment = String(summary.filter { $0 != "\n" && $0 != "\r" }.prefix(200))
            prereqs.append(Prerequisite(id: b, comment: comment))
            header += "-\(b.hex)\(comment.isEmpty ? "" : " " + comment)\n"
        }
        for r in kept { header += "\(r.id.hex) \(r.name)\n" }
        header += "\n"

        // Built in a temporary directory beside the target (the pack, then the bundle file),
        // renamed into place when complete; removed on failure, and by the next bundle create
        // in that directory if a kill left it (TempSibling).
        let target = Remote.absolutePath(path)
        let dir = FileIO.dirname(of: target)
        if !FileIO.isDirectory(dir) { try FileIO.makeDirectories(dir) }
        TempSibling.sweep(dir, prefix: tempPrefix)
        let temp = try TempSibling(in: dir, prefix: tempPrefix)
        defer { temp.remove() }
        let written = try PackWriter.write(selection.objects, from: repo.objects, to: temp.path, options: .transfer, progress: progress)
        let pack = try MappedFile(path: written.packPath)
        let tmp = "\(temp.path)/bundle"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StoreError.io(op: "create", path: tmp, errno: errno) }
        do {
            try Array(header.utf8).withUnsafeBytes { try FileIO.writeAll(fd, $0, path: tmp) }
            try FileIO.writeAll(fd, pack.bytes, path: tmp)
            guard fsync(fd) == 0 else { throw StoreError.io(op: "fsync", path: tmp, errno: errno) }
            close(fd)
        } catch {
            close(fd); throw error
        }
        FaultPoint.hit("bundle-written")
        guard rename(tmp, target) == 0 else { throw StoreError.io(op: "rename into place", path: path, errno: errno) }
        FileIO.fsyncDirectory(dir)
        return (BundleFile(prerequisites: prereqs, refs: kept, packOffset: header.utf8.count), written.count)
    }
}
