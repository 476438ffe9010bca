import Glibc
import Synchronization

/// Lets through at most `perSecond` log lines of one kind a second and counts the rest, so
/// that a tenant whose every call fails cannot flood the log (and the disk under it).
final class LogRateLimit: Sendable {
    private struct Window {
        var second = 0
        var written = 0
        var dropped = 0
    }

    private let window = Mutex(Window())
    let perSecond: Int

    init(perSecond: Int) { self.perSecond = perSecond }

    /// Whether to write a line now, and how many were dropped since the last one written.
    func admit() -> (write: Bool, droppedBefore: Int) {
        let now = time(nil)
        return window.withLock { w in
            if w.second != now {
                w.second = now
                w.written = 0
            }
            guard w.written < perSecond else {
                w.dropped += 1
                return (false, 0)
            }
            w.written += 1
            defer { w.dropped = 0 }
            return (true, w.dropped)
        }
    }
}
