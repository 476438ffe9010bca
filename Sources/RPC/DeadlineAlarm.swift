/// What keeps calls with deadlines: told by its `DeadlineAlarm` when one may be due.
protocol DeadlineOwner: AnyObject {
    /// Ends the calls due by `now`; returns the earliest due time among those left, if any.
    func expireDeadlines(now: UInt64) -> UInt64?
}

/// One loop timer for the deadlines of all the calls on a connection. Most calls end long
/// before their deadline, and a timer of their own (a closure, a heap entry and a table entry,
/// made and dropped per call) was 7% of the load generator's CPU and 3% of the server loop's.
/// The connection keeps each call's due time; the alarm rings at the earliest it was told of,
/// and the connection then ends the calls that are due and names the next due time.
final class DeadlineAlarm {
    private let loop: EventLoop
    private var timer: TimerHeap.ID?
    private var armedFor = UInt64.max

    init(loop: EventLoop) { self.loop = loop }

    /// A call of `owner` is due at `due` (monotonic nanoseconds, `Clock`).
    func watch(_ due: UInt64, for owner: some DeadlineOwner) {
        if due < armedFor { arm(due, owner) }
    }

    /// The owner calls this when it closes: the armed timer holds the owner.
    func stop() {
        if let timer { loop.cancel(timer) }
        timer = nil
        armedFor = .max
    }

    private func arm(_ due: UInt64, _ owner: some DeadlineOwner) {
        stop()
        armedFor = due
        // Strong captures, where a weak one would have moved every retain of the connection
        // onto the runtime's slow path; `stop` breaks the cycle.
        timer = loop.schedule(at: due) { [self] in
            timer = nil
            armedFor = .max
            // `watch`, not `arm`: a call started from an expired call's completion may
            // have armed the alarm for an earlier time meanwhile.
            if let next = owner.expireDeadlines(now: Clock.now()) { watch(next, for: owner) }
        }
    }
}
