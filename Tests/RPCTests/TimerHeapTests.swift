@testable import RPC
import Testing

@Suite("Timer heap")
struct TimerHeapTests {
    /// Runs what is due at `now` and returns the labels the timers recorded, in firing order.
    private func fire(_ timers: inout TimerHeap, now: UInt64, into log: Log) -> [Int] {
        for body in timers.popDue(now: now) { body() }
        return log.take()
    }

    final class Log {
        private var fired: [Int] = []
        func record(_ label: Int) { fired.append(label) }
        func take() -> [Int] { defer { fired = [] }; return fired }
    }

    @Test func timersFireInDueOrderAndCancelledOnesNever() {
        var timers = TimerHeap()
        let log = Log()
        var ids: [Int: TimerHeap.ID] = [:]
        for label in [5, 1, 4, 2, 3] { ids[label] = timers.schedule(at: UInt64(label) * 10) { log.record(label) } }
        timers.cancel(ids[4]!)
        #expect(fire(&timers, now: 25, into: log) == [1, 2])
        #expect(timers.millisecondsUntilNext(now: 25) == 1)  // 5 ns away, rounded up to 1 ms
        #expect(fire(&timers, now: 100, into: log) == [3, 5])
        #expect(timers.millisecondsUntilNext(now: 100) == -1)
        #expect(timers.count == 0)
    }

    @Test func cancellingAlmostEverythingKeepsTheHeapSmallAndTheRestInOrder() {
        var timers = TimerHeap()
        let log = Log()
        // A deadline per call, nearly all cancelled when the call ends, as on a busy server;
        // every hundredth is left to fire.
        var kept: [Int] = []
        for label in 0..<100_000 {
            let due = UInt64(1_000_000 + (label * 7919) % 100_000)
            let id = timers.schedule(at: due) { log.record(label) }
            if label % 100 == 0 {
                kept.append(label)
            } else {
                timers.cancel(id)
            }
        }
        #expect(timers.count == kept.count)
        #expect(timers.storedEntries <= 2 * kept.count + 64 + 1)
        let fired = fire(&timers, now: .max, into: log)
        #expect(fired.count == kept.count && Set(fired) == Set(kept))
        // Equal due times may fire in either order; the due times themselves must not go back.
        let dues = fired.map { 1_000_000 + ($0 * 7919) % 100_000 }
        #expect(dues == dues.sorted())
    }

    @Test func cancellingTwiceOrAfterFiringChangesNothing() {
        var timers = TimerHeap()
        let log = Log()
        let first = timers.schedule(at: 10) { log.record(1) }
        _ = timers.schedule(at: 20) { log.record(2) }
        #expect(fire(&timers, now: 10, into: log) == [1])
        timers.cancel(first)
        timers.cancel(first)
        #expect(timers.count == 1)
        #expect(fire(&timers, now: 20, into: log) == [2])
    }

    @Test func aStaleIDDoesNotCancelTheTimerThatReusedItsSlot() {
        var timers = TimerHeap()
        let log = Log()
        let old = timers.schedule(at: 10) { log.record(1) }
        timers.cancel(old)
        let new = timers.schedule(at: 20) { log.record(2) }
        #expect(new != old)
        timers.cancel(old)
        #expect(timers.count == 1)
        #expect(fire(&timers, now: 20, into: log) == [2])
    }
}
