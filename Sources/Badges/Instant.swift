import Synchronization

/// A point in time, in milliseconds since the Unix epoch (what the store keeps).
public struct Instant: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    public static func < (a: Instant, b: Instant) -> Bool { a.milliseconds < b.milliseconds }

    public func adding(seconds: Int64) -> Instant { Instant(milliseconds: milliseconds + seconds * 1000) }

    public var description: String { "\(milliseconds)ms" }
}

/// Where the domain reads the time, so that tests can set it.
public protocol BadgeClock: Sendable {
    func now() -> Instant
}

/// The wall clock.
public struct SystemClock: BadgeClock {
    public init() {}

    public func now() -> Instant {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Instant(milliseconds: Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000)
    }
}

/// A clock the tests move by hand.
public final class ManualClock: BadgeClock {
    private let current: Mutex<Instant>

    public init(_ start: Instant = Instant(milliseconds: 1_767_225_600_000)) {  // 2026-01-01T00:00:00Z
        current = Mutex(start)
    }

    public func now() -> Instant { current.withLock { $0 } }

    public func advance(seconds: Int64) {
        current.withLock { $0 = $0.adding(seconds: seconds) }
    }

    public func set(_ instant: Instant) {
        current.withLock { $0 = instant }
    }
}

import Glibc
