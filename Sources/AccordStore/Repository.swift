import AccordObjects
#if canImport(Glibc)
import Glibc
#endif

/// An Accord repository: a git SHA-256 repository (`.accord/` in a directory, or bare).
public final class Repository: @unchecked Sendable {
    /// The git directory (`…/.accord`, or the bare repository itself).
    public let gitDir: String
    public private(set) var config: Config
    public let objects: ObjectDatabase
    public let refs: RefStore

    public static let defaultMaxObjectSize = 256 << 20
    /// Settings in the config that could not be used as written (each replaced by its default).
    public let configWarnings: [String]

    /// Signs every commit and tag written through this repository (the user's key), when set.
    public var signer: (any ObjectSigner)?

    /// Throws if the signer cannot sign (its key unreadable): call before writing anything.
    public func checkSigner() throws { try signer?.ready() }

    /// `commit` signed with `signer`, or unchanged without one.
    public func signing(_ commit: Commit) throws -> Commit { try signer.map { try commit.signed(by: $0) } ?? commit }
    public func signing(_ tag: Tag) throws -> Tag { try signer.map { try tag.signed(by: $0) } ?? tag }

    public var isBare: Bool { config.bool("core.bare") ?? false }
    public var replicaID: String? { config.get("accord.replicaid") }

    /// Opens the repository whose git directory is `gitDir`, checking it is one Accord understands.
    /// `unshared`: it is being built where no other process looks (see `RefStore.unshared`).
    public init(gitDir: String, unshared: Bool = false) throws(StoreError) {
        let dir = gitDir.count > 1 && gitDir.hasSuffix("/") ? String(gitDir.dropLast()) : gitDir
        guard FileIO.exists("\(dir)/HEAD"), FileIO.isDirectory("\(dir)/objects"), FileIO.isDirectory("\(dir)/refs") else {
            throw .notARepository(dir)
        }
        let configPath = "\(dir)/config"
        let config = try Config(parsing: try FileIO.readString(configPath) ?? "", path: configPath)
        try Repository.checkFormat(config)
        self.gitDir = dir
        self.config = config
        // A setting Accord cannot use is reported and replaced by its default, never fatal: the
        // `accord config` that corrects it must still run.
        var warnings: [String] = []
        var maxSize = Repository.defaultMaxObjectSize
        switch config.maxObjectSize() {
        case .unset: break
        case let .valid(n): maxSize = n
        case let .invalid(why):
            warnings.append("accord.maxObjectSize in \(configPath): \(why); using the default, 256m (set it with: accord config accord.maxObjectSize 256m)")
        }
        let durable = config.bool("accord.fsyncObjectFiles") ?? true
        if config.get("accord.fsyncObjectFiles") != nil, config.bool("accord.fsyncObjectFiles") == nil {
            warnings.append("accord.fsyncObjectFiles in \(configPath) is not a boolean; using the default, true")
        }
        self.configWarnings = warnings
        self.objects = ObjectDatabase(objectsDir: "\(dir)/objects", maxObjectSize: maxSize, durable: durable)
        self.refs = RefStore(gitDir: dir, unshared: unshared)
    }

    /// A view of `base` whose objects are those of `objectsDir` (a quarantine) read through to
    /// `base`'s, with `base`'s config and refs: what a receiver checks a push against before
    /// anything of it enters the repository. Objects written through it land in the quarantine.
    /// `refs` overrides the values of some refs in this view (the organisation a push brings).
    public init(quarantine objectsDir: String, of base: Repository, refs overlay: [String: ObjectID] = [:]) {
        gitDir = base.gitDir
        config = base.config
        configWarnings = base.configWarnings
        objects = ObjectDatabase(objectsDir: objectsDir, maxObjectSize: base.objects.packs.maxObjectSize, durable: true,
                                 alternates: [base.objects])
        var refs = base.refs
        refs.overlay = overlay
        self.refs = refs
    }

    /// git's rule for format version 1: refuse any extension we do not implement.
    static func checkFormat(_ config: Config) throws(StoreError) {
        let version = config.int("core.repositoryformatversion") ?? 0
        guard version == 1 else {
            throw .unsupportedRepository("core.repositoryformatversion is \(version); Accord needs 1 with extensions.objectformat = sha256")
        }
        guard config.get("extensions.objectformat")?.lowercased() == "sha256" else {
            throw .unsupportedRepository("extensions.objectformat is '\(config.get("extensions.objectformat") ?? "sha1")'; Accord stores SHA-256 repositories only")
        }
        let known: Set<String> = ["objectformat", "noop", "preciousobjects"]
        for e in config.entries where e.section == "extensions" && !known.contains(e.key) {
            throw .unsupportedRepository("unknown extension extensions.\(e.key)")
        }
    }

    /// Creates a repository. Non-bare: `DIR/.accord`; bare: `DIR` itself. Refuses to overwrite one.
    @discardableResult
    public static func create(at dir: String, bare: Bool, replicaID: String = UUID4.random(),
                              unshared: Bool = false) throws(StoreError) -> Repository {
        let gitDir = bare ? dir : "\(dir)/.accord"
        if FileIO.exists("\(gitDir)/HEAD") || FileIO.exists("\(gitDir)/config") { throw .alreadyExists(gitDir) }
        if bare, FileIO.isDirectory(dir), !FileIO.list(dir).isEmpty { throw .alreadyExists(dir) }
        for sub in ["", "/objects", "/objects/info", "/objects/pack", "/refs", "/refs/heads", "/refs/tags", "/logs"] {
            try FileIO.makeDirectories(gitDir + sub)
        }
        var config = Config()
        config.set("core.repositoryformatversion", "1")
        config.set("core.filemode", "true")
        config.set("core.bare", bare ? "true" : "false")
        config.set("core.logallrefupdates", "true")
        config.set("extensions.objectformat", "sha256")
        config.set("accord.replicaId", replicaID)
        try FileIO.writeAtomically("\(gitDir)/config", Array(config.text.utf8))
        try FileIO.writeAtomically("\(gitDir)/description", Array("Accord contract repository\n".utf8))
        // HEAD last: until it exists, the directory is not recognised as a repository.
        try FileIO.writeAtomically("\(gitDir)/HEAD", Array("ref: refs/heads/main\n".utf8))
        return try Repository(gitDir: gitDir, unshared: unshared)
    }

    /// Finds the repository: `$ACCORD_DIR` if set, else walks up from `start` looking for
    /// `.accord/` or a bare repository.
    public static func discover(from start: String, environment: [String: String]) throws(StoreError) -> Repository {
        if let explicit = environment["ACCORD_DIR"], !explicit.isEmpty {
            return try Repository(gitDir: explicit)
        }
        var dir = start
        while true {
            if FileIO.exists("\(dir)/.accord/HEAD") { return try Repository(gitDir: "\(dir)/.accord") }
            if FileIO.exists("\(dir)/HEAD"), FileIO.isDirectory("\(dir)/objects"), FileIO.isDirectory("\(dir)/refs") {
                return try Repository(gitDir: dir)
            }
            let parent = FileIO.dirname(of: dir)
            if parent == dir || dir.isEmpty { throw .notARepository(start) }
            dir = parent
        }
    }

    /// Sets a config value, rewriting the file atomically under `config.lock`.
    public func setConfig(_ name: String, _ value: String) throws(StoreError) {
        try Config.validateName(name)
        try Config.validateValue(value, for: name)
        let path = "\(gitDir)/config"
        let lock = try LockFile(path: path)
        var fresh = try Config(parsing: try FileIO.readString(path) ?? "", path: path)
        fresh.set(name, value)
        try lock.commit(Array(fresh.text.utf8))
        config = fresh
    }

    /// Removes every value of a config key under `config.lock`; false when it was not set.
    @discardableResult
    public func unsetConfig(_ name: String) throws(StoreError) -> Bool {
        let path = "\(gitDir)/config"
        let lock = try LockFile(path: path)
        var fresh = try Config(parsing: try FileIO.readString(path) ?? "", path: path)
        guard fresh.unset(name) else { lock.rollback(); return false }
        try lock.commit(Array(fresh.text.utf8))
        config = fresh
        return true
    }

    /// Removes a whole config section (`remote "origin"`), rewriting the file under `config.lock`.
    public func removeConfigSection(_ section: String, subsection: String?) throws(StoreError) {
        let path = "\(gitDir)/config"
        let lock = try LockFile(path: path)
        var fresh = try Config(parsing: try FileIO.readString(path) ?? "", path: path)
        fresh.removeSection(section, subsection: subsection)
        try lock.commit(Array(fresh.text.utf8))
        config = fresh
    }
}

/// Random (version 4) UUIDs for replica and record ids, from the system's random source.
public enum UUID4 {
    public static func random() -> String {
        var b = (0..<16).map { _ in UInt8.random(in: 0...255) }
        b[6] = (b[6] & 0x0F) | 0x40
        b[8] = (b[8] & 0x3F) | 0x80
        let hex = b.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }
        return hex[0..<4].joined() + "-" + hex[4..<6].joined() + "-" + hex[6..<8].joined() + "-"
            + hex[8..<10].joined() + "-" + hex[10..<16].joined()
    }
}
