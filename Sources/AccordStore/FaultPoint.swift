#if canImport(Glibc)
import Glibc
#endif

/// Test hook: `ACCORD_TEST_FAULT=<point>` makes the process die at that point, as a kill would
/// (exit status 99). Fault tests use it to prove that the repository stays valid and the next
/// command completes.
public enum FaultPoint {
    static let point: String? = {
        guard let p = getenv("ACCORD_TEST_FAULT") else { return nil }
        return String(cString: p)
    }()

    public static func hit(_ name: String) {
        if point == name { _exit(99) }
    }
}
