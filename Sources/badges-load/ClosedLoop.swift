import RPC
import Synchronization

/// The closed loop without a task per call: each worker is a chain of calls on its
/// connection's loop, the next leaving from the completion of the last, until `claim` says
/// the run is over. (A task per call cost the generator about as much CPU as the server's
/// transport, and both share the machine under test.)
enum ClosedLoop {
    /// Runs `workers` chains, worker `i` on `loop(i)`; `send(i, done)` makes one call and
    /// calls `done` on that loop once the outcome is counted. Returns when all have stopped.
    static func run(workers: Int, loop: (Int) -> EventLoop, claim: @escaping @Sendable () -> Bool,
                    send: @escaping @Sendable (Int, @escaping @Sendable () -> Void) -> Void) async {
        await withCheckedContinuation { (allStopped: CheckedContinuation<Void, Never>) in
            let remaining = Countdown(workers) { allStopped.resume() }
            for index in 0..<workers {
                let worker = Worker(index: index, claim: claim, send: send, stopped: remaining.tick)
                loop(index).execute { worker.run() }
            }
        }
    }

    /// One chain of calls. Touched only on its loop, where completions arrive too.
    private final class Worker: @unchecked Sendable {
        private let index: Int
        private let claim: @Sendable () -> Bool
        private let send: @Sendable (Int, @escaping @Sendable () -> Void) -> Void
        private let stopped: @Sendable () -> Void
        private var sending = false
        private var answeredWhileSending = false

        init(index: Int, claim: @escaping @Sendable () -> Bool, send: @escaping @Sendable (Int, @escaping @Sendable () -> Void) -> Void,
             stopped: @escaping @Sendable () -> Void) {
            (self.index, self.claim, self.send, self.stopped) = (index, claim, send, stopped)
        }

        func run() {
            while claim() {
                sending = true
                answeredWhileSending = false
                send(index) { [self] in
                    // A call that fails before it leaves (no connection) answers at once: the
                    // loop here takes the next, where calling run() would recurse per call.
                    if sending { answeredWhileSending = true } else { run() }
                }
                sending = false
                if !answeredWhileSending { return }
            }
            stopped()
        }
    }

    /// Calls `action` when `tick` has been called `count` times.
    private final class Countdown: Sendable {
        private let left: Mutex<Int>
        private let action: @Sendable () -> Void

        init(_ count: Int, action: @escaping @Sendable () -> Void) {
            left = Mutex(count)
            self.action = action
            if count == 0 { action() }
        }

        @Sendable func tick() {
            if left.withLock({ $0 -= 1; return $0 == 0 }) { action() }
        }
    }
}
