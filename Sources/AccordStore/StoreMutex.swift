#if canImport(Glibc)
import Glibc
#endif

/// A pthread mutex at a fixed heap address. (A `pthread_mutex_t` stored inline in a Swift class
/// and passed as `&field` may be copied to a temporary: that is no lock at all.)
final class StoreMutex: @unchecked Sendable {
    private let m = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    init() { m.initialize(to: pthread_mutex_t()); pthread_mutex_init(m, nil) }
    deinit { pthread_mutex_destroy(m); m.deallocate() }
    @inline(__always) func lock() { pthread_mutex_lock(m) }
    @inline(__always) func unlock() { pthread_mutex_unlock(m) }
    @inline(__always) func withLock<T>(_ body: () -> T) -> T { lock(); defer { unlock() }; return body() }
}
