import CLinux
import Glibc

/// SIGTERM and SIGINT (and SIGHUP, where a program asks for it), delivered as awaitable
/// events rather than to a handler that could run on any thread at any moment: the handler
/// only writes a byte to a pipe (the self-pipe trick), and a waiting thread reads it.
public enum Signals {
    /// The pipe's write end, set once in `install()` before any signal can arrive.
    nonisolated(unsafe) private static var writeEnd: Int32 = -1
    nonisolated(unsafe) private static var readEnd: Int32 = -1

    /// Routes SIGTERM, SIGINT and `also` to `next()`; call it first thing in `main`.
    public static func install(also: [Int32] = []) {
        guard writeEnd < 0 else { return }
        var fds: [Int32] = [0, 0]
        pipe(&fds)
        readEnd = fds[0]
        writeEnd = fds[1]
        for signal in [SIGTERM, SIGINT] + also {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { number in
                var byte = UInt8(truncatingIfNeeded: number)
                _ = write(Signals.writeEnd, &byte, 1)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(signal, &action, nil)
        }
    }

    /// Waits for the next signal `install` routed here and returns its number.
    public static func next() async -> Int32 {
        await withCheckedContinuation { continuation in
            let box = Unmanaged.passRetained(ContinuationBox(continuation)).toOpaque()
            var thread = pthread_t()
            pthread_create(&thread, nil, { raw in
                let box = Unmanaged<ContinuationBox>.fromOpaque(raw!).takeRetainedValue()
                var byte: UInt8 = 0
                while read(Signals.readEnd, &byte, 1) < 0 && errno == EINTR {}
                box.continuation.resume(returning: Int32(byte))
                return nil
            }, box)
            pthread_detach(thread)
        }
    }

    private final class ContinuationBox {
        let continuation: CheckedContinuation<Int32, Never>
        init(_ continuation: CheckedContinuation<Int32, Never>) { self.continuation = continuation }
    }
}
