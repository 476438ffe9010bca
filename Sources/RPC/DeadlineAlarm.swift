/// One loop timer for the deadlines of all the calls on a connection. Most calls end long
/// before their deadline, and a timer of their own (a closure, a heap entry and a table entry,
/// made and dropped per call) was 7% of the load generator's CPU and 3% of the server loop's.
/// The connection keeps each call's due time; the alarm rings at the earliest it was told of,
/// and the connection then ends the calls that are due and names the next due time.
final class DeadlineAlarm {
    private let loop: EventLoop
    /// Ends the calls due by `now`; returns the earliest due time among those left, if any.
    private let expire: (_ now: UInt64) -> UInt64?
    private var timer: TimerHeap.ID?
    private var armedFor = UInt64.max

    /// `expire` should hold its connection weakly: the connection holds the alarm.
    init(loop: EventLoop, expire: @escaping (_ now: UInt64) -> UInt64?) {
        self.loop = loop
        self.expire = expire
    }

    /// A call is due at `due` (monotonic nanoseconds, `Clock`).
    func watch(_ due: UInt64) {
        if due < armedFor { arm(due) }
    }

    func stop() {
        if let timer { loop.cancel(timer) }
        timer = nil
        armedFor = .max
    }

    private func arm(_ due: UInt64) {
        stop()
        armedFor = due
        timer = loop.schedule(at: due) { [weak self] in self?.ring() }
    }

    private func ring() {
        timer = nil
        armedFor = .max
        if let next = expire(Clock.now()) { arm(next) }
    }
}
