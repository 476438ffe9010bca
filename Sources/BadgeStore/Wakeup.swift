import CLinux
import Glibc

/// A condition variable for threads of our own that sleep until there is work.
final class Wakeup: @unchecked Sendable {
    // Heap-allocated so that their addresses stay fixed, as pthreads requires.
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    /// Sleeps while `idle()` holds; `idle` must read state that `signal` callers change first.
    func wait(while idle: () -> Bool) {
        pthread_mutex_lock(mutex)
        while idle() { pthread_cond_wait(condition, mutex) }
        pthread_mutex_unlock(mutex)
    }

    func signal(all: Bool = false) {
        pthread_mutex_lock(mutex)
        if all { pthread_cond_broadcast(condition) } else { pthread_cond_signal(condition) }
        pthread_mutex_unlock(mutex)
    }

    /// Starts a detached thread running `body`, named `name` (15 bytes are kept) for `top -H`,
    /// `perf` and debuggers.
    static func startThread(named name: String, _ body: @escaping @Sendable () -> Void) {
        final class Box { let body: @Sendable () -> Void; init(_ b: @escaping @Sendable () -> Void) { body = b } }
        let context = Unmanaged.passRetained(Box {
            CLinux_name_this_thread(name)
            body()
        }).toOpaque()
        var thread = pthread_t()
        pthread_create(&thread, nil, { raw in
            Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue().body()
            return nil
        }, context)
        pthread_detach(thread)
    }
}
