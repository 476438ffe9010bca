import Glibc

/// A value behind a plain pthread mutex. Contended, it sleeps at once; Synchronization's
/// Mutex spins first and then takes a priority-inheriting futex, and both showed in profiles
/// of RecordActivity, where the event loops, the committer and the load generator share two
/// cores and a spinning waiter burns the time the holder needs.
final class PlainMutex<Value>: @unchecked Sendable {
    // Heap-allocated so that its address stays fixed, as pthreads requires.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var value: Value

    init(_ value: Value) {
        self.value = value
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
