import Foundation
@testable import RPC
import Synchronization
import Testing

@Suite("Deadline alarm")
struct DeadlineAlarmTests {
    /// Stands in for a connection: calls with due times, expired by the alarm.
    private final class Calls: DeadlineOwner, @unchecked Sendable {
        let loop: EventLoop
        let started = Clock.now()
        var due: [String: UInt64] = [:]
        let expired = Mutex<[(name: String, afterMilliseconds: UInt64)]>([])
        let alarm: DeadlineAlarm

        init(loop: EventLoop) {
            self.loop = loop
            alarm = DeadlineAlarm(loop: loop)
        }

        func start(_ name: String, inMilliseconds ms: UInt64) {
            let at = Clock.now() &+ ms * 1_000_000
            due[name] = at
            alarm.watch(at, for: self)
        }

        /// The calls expired so far, once there are `count` of them (or after 10 s).
        func expiries(atLeast count: Int) async throws -> [(name: String, afterMilliseconds: UInt64)] {
            let giveUp = ContinuousClock.now + .seconds(10)
            while expired.withLock({ $0.count }) < count && ContinuousClock.now < giveUp {
                try await Task.sleep(for: .milliseconds(10))
            }
            return expired.withLock { $0 }
        }

        /// Runs when a call expires, as a call's completion would.
        var onExpire: (String) -> Void = { _ in }

        func expireDeadlines(now: UInt64) -> UInt64? {
            let remaining = due
            for (name, at) in remaining.sorted(by: { $0.value < $1.value }) where at <= now {
                due[name] = nil
                expired.withLock { $0.append((name, (now &- started) / 1_000_000)) }
                onExpire(name)
            }
            // The calls left of those it looked at, as a connection iterating a copy would.
            return remaining.filter { $0.value > now }.values.min()
        }
    }

    @Test func callsExpireInDueOrderAndFinishedCallsNever() async throws {
        let loop = EventLoop(name: "alarm-test")
        loop.start()
        defer { loop.stop() }
        let calls = Calls(loop: loop)
        loop.execute {
            calls.start("late", inMilliseconds: 1500)
            calls.start("finished", inMilliseconds: 100)
            // Due before the alarm already armed: it must ring earlier.
            calls.start("early", inMilliseconds: 50)
            calls.due["finished"] = nil  // answered before its deadline
        }
        let expired = try await calls.expiries(atLeast: 2)
        #expect(expired.map(\.name) == ["early", "late"])
        #expect(expired.first.map { $0.afterMilliseconds >= 50 && $0.afterMilliseconds < 1500 } == true)
        #expect(expired.last.map { $0.afterMilliseconds >= 1500 } == true)
    }

    @Test func aCallStartedWhileTheAlarmRingsKeepsItsEarlierDeadline() async throws {
        let loop = EventLoop(name: "alarm-test-3")
        loop.start()
        defer { loop.stop() }
        let calls = Calls(loop: loop)
        // When "first" expires, a call due sooner than the one left ("long") starts, as a
        // caller retrying from its completion would.
        calls.onExpire = { name in if name == "first" { calls.start("retry", inMilliseconds: 40) } }
        loop.execute {
            calls.start("first", inMilliseconds: 20)
            calls.start("long", inMilliseconds: 3000)
        }
        let expired = try await calls.expiries(atLeast: 2)
        #expect(expired.map(\.name).prefix(2) == ["first", "retry"])
        #expect(expired.count >= 2 && expired[1].afterMilliseconds < 3000)
    }

    @Test func aStoppedAlarmRingsNoMore() async throws {
        let loop = EventLoop(name: "alarm-test-2")
        loop.start()
        defer { loop.stop() }
        let calls = Calls(loop: loop)
        loop.execute {
            calls.start("a", inMilliseconds: 30)
            calls.alarm.stop()
        }
        try await Task.sleep(for: .milliseconds(200))
        #expect(calls.expired.withLock { $0.isEmpty })
    }
}
