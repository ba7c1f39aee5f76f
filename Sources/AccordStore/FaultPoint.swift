#if canImport(Glibc)
import Glibc
#endif

/// Test hook: `ACCORD_TEST_FAULT=<point>` makes the process die at that point, as a kill would
/// (exit status 99). Fault tests use it to prove that the repository stays valid and the next
/// command completes.
///
/// The points:
/// - `ref-locked`: a ref update (single or batch) holds its first ref's `.lock`, nothing else
///   done yet (RefTransaction.swift); the lock is left behind, abandoned.
/// - `ref-batch-packed`: a large ref batch has renamed packed-refs into place, the loose files
///   and per-ref locks are not yet removed (RefTransaction.swift).
/// - `after-temp-pack`, `after-index`: a received pack is in its temporary file, or is indexed
///   and checked but not yet installed (AccordSync PackTransfer.swift).
/// - `before-ref-update`: a fetch, push or bundle unbundle has stored every object, no ref has
///   moved yet (AccordSync Transfer.swift, BundleFile.swift).
/// - `hub-before-feed`: the hub has moved the refs of a push, and not yet written them into its
///   changes feed (AccordHub HubService.swift).
/// - `temp-written`: an atomic write (a loose object, config at init, …; FileIO.writeAtomically)
///   has its content in its temp file, not yet renamed into place; also `temp-written@<file name>`.
/// - Every lock (refs, HEAD, packed-refs, config; LockFile.swift), each also as
///   `<point>@<file name>` for one file only: `lock-seeded` (the lock's seed file exists, the
///   lock's name does not), `lock-linked` (the lock is taken, its seed's name not yet removed),
///   `lock-temp-written` (the new content is in its fsynced temp file, not yet renamed over the
///   target), `lock-installed` (the new content is in place, the lock not yet released).
public enum FaultPoint {
    static let point: String? = {
        guard let p = getenv("ACCORD_TEST_FAULT") else { return nil }
        return String(cString: p)
    }()

    public static func hit(_ name: String) {
        if point == name { _exit(99) }
    }

    /// A point reached for a file: `<point>` fires at the first file that reaches it,
    /// `<point>@<file name>` only for that file (`lock-linked@packed-refs`, `lock-installed@config`,
    /// `lock-temp-written@main` for `refs/heads/main`).
    public static func hit(_ name: String, target: String) {
        guard let point, point.hasPrefix(name) else { return }
        if point == name { _exit(99) }
        let file = target.split(separator: "/").last.map(String.init) ?? target
        if point == "\(name)@\(file)" { _exit(99) }
    }
}
