import AccordObjects
#if canImport(Glibc)
import Glibc
#endif

/// One thing `fsck` found wrong, with the object or file it is about.
public struct FsckProblem: Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case corrupt, missing, badLink = "broken-link", badRef = "bad-ref", lock = "stale-lock", pack
        /// Warnings, not damage (`Fsck.warnings`): a temp file of an interrupted write, and a
        /// lock a killed Accord process left, which the next writer takes over by itself.
        case temporary = "temp-file", abandonedLock = "abandoned-lock"
    }
    /// Warnings are reported but are no damage: `fsck` stays successful.
    public var isWarning: Bool { kind == .temporary || kind == .abandonedLock }
    public var kind: Kind
    public var id: ObjectID?
    public var message: String
    public var description: String { "\(kind.rawValue): \(id.map { "\($0.hex): " } ?? "")\(message)" }
}

/// Checks a whole repository: every object's hash and syntax, every link between objects, every
/// ref's target, pack checksums, and locks left behind.
public struct Fsck {
    public let repository: Repository
    public init(repository: Repository) { self.repository = repository }

    public func run(progress: (Int, Int) -> Void = { _, _ in }) -> [FsckProblem] {
        var problems: [FsckProblem] = []
        let db = repository.objects
        // Pack structure here; every object's hash and syntax in the loop below (read once).
        problems += db.packs.verifyAll(readObjects: false).map { FsckProblem(kind: .pack, id: nil, message: $0) }
        let ids = db.allIDs().sorted()
        // Objects listed only by a pack that cannot be opened: damaged, each named.
        let present = Set(ids)
        for d in db.packs.damaged {
            for id in d.index?.allIDs() ?? [] where !present.contains(id) {
                problems.append(FsckProblem(kind: .corrupt, id: id, message: "in pack \(d.packPath), which cannot be read"))
            }
        }
        var types: [ObjectID: ObjectType] = [:]
        types.reserveCapacity(ids.count)
        var links: [(from: ObjectID, to: ObjectID, type: ObjectType?, what: String)] = []
        for (n, id) in ids.enumerated() {
            if n % 1000 == 0 { progress(n, ids.count) }
            do throws(StoreError) {
                let (type, payload) = try db.read(id)
                types[id] = type
                let object: Object
                do throws(ObjectError) { object = try Object.decode(type: type, payload: payload) }
                catch { problems.append(FsckProblem(kind: .corrupt, id: id, message: error.description)); continue }
                switch object {
                case .blob: break
                case let .tree(t):
                    for e in t.entries where e.mode != .gitlink {
                        links.append((id, e.id, e.mode.objectType, "entry '\(e.nameString)'"))
                    }
                case let .commit(c):
                    links.append((id, c.tree, .tree, "tree"))
                    for p in c.parents { links.append((id, p, .commit, "parent")) }
                case let .tag(t):
                    links.append((id, t.object, t.targetType, "tagged object"))
                }
            } catch {
                problems.append(FsckProblem(kind: .corrupt, id: id, message: error.description))
            }
        }
        progress(ids.count, ids.count)
        for link in links {
            guard let actual = types[link.to] else {
                problems.append(FsckProblem(kind: .badLink, id: link.from, message: "\(link.what) \(link.to.hex) is missing"))
                continue
            }
            if let expected = link.type, expected != actual {
                problems.append(FsckProblem(kind: .badLink, id: link.from, message: "\(link.what) \(link.to.hex) is a \(actual), not a \(expected)"))
            }
        }
        problems += checkRefs(types)
        problems += checkLocks()
        return problems
    }

    func checkRefs(_ types: [ObjectID: ObjectType]) -> [FsckProblem] {
        var problems: [FsckProblem] = []
        let refs = repository.refs
        do {
            for (name, id) in try refs.list() where types[id] == nil {
                problems.append(FsckProblem(kind: .badRef, id: id, message: "ref \(name) points to a missing object"))
            }
            if let head = try refs.resolve("HEAD"), types[head] == nil {
                problems.append(FsckProblem(kind: .badRef, id: head, message: "HEAD points to a missing object"))
            }
        } catch {
            problems.append(FsckProblem(kind: .badRef, id: nil, message: "\(error)"))
        }
        return problems
    }

    /// What is worth telling but is no damage: temp files of interrupted writes (git's `fsck`
    /// ignores its own `tmp_obj_*`, and Accord's are named the same way) and locks left by killed
    /// Accord processes (taken over by the next update), each with its age and what removes it.
    /// Not part of `run()`: a repository with only these is sound and needs no repair.
    public func warnings() -> [FsckProblem] {
        lockFiles(abandoned: true) + GarbageCollector.temporaryFiles(repository).map { path, age in
            let what = age > GarbageCollector.temporaryExpiry
                ? "left by an interrupted write; accord gc removes it"
                : "a write in progress, or left by an interrupted one; accord gc removes it once it is an hour old"
            return FsckProblem(kind: .temporary, id: nil, message: "\(path) (\(age)s old): temporary file \(what)")
        }
    }

    /// Locks that block updates until someone removes them (git's, or one whose holder is alive).
    func checkLocks() -> [FsckProblem] { lockFiles(abandoned: false) }

    private func lockFiles(abandoned: Bool) -> [FsckProblem] {
        repository.refs.lockFiles().compactMap { path in
            guard LockFile.isAbandoned(path) == abandoned else { return nil }
            var st = stat()
            let age = stat(path, &st) == 0 ? max(0, Int(time(nil)) - Int(st.st_mtim.tv_sec)) : 0
            if abandoned {
                return FsckProblem(kind: .abandonedLock, id: nil, message: """
                    \(path) (\(age)s old) was left by a killed accord process: the next update of it, \
                    or accord gc, removes it
                    """)
            }
            return FsckProblem(kind: .lock, id: nil, message: """
                \(path) (\(age)s old) blocks updates. If no accord or git process is running, \
                a killed process left it: remove it with rm '\(path)'
                """)
        }
    }
}
