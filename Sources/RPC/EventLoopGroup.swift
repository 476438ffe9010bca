import Synchronization

/// A fixed set of event loops, handed out in turn. Clients share one so that many connections
/// do not each cost a thread.
public final class EventLoopGroup: Sendable {
    let loops: [EventLoop]
    private let nextIndex = Atomic<Int>(0)

    public init(loopCount: Int = System.coreCount) {
        loops = (0..<max(loopCount, 1)).map { EventLoop(name: "client-\($0)") }
        loops.forEach { $0.start() }
    }

    func next() -> EventLoop {
        loops[nextIndex.add(1, ordering: .relaxed).oldValue % loops.count]
    }

    /// Stops the loops; connections on them must be closed first.
    public func shutdown() {
        loops.forEach { $0.stop() }
    }

    /// One loop for clients that do not bring their own group.
    static let shared = EventLoopGroup(loopCount: 1)
}
