import Synchronization

/// Whether a store's commits succeed now: the reason the last one failed, until one succeeds.
/// Health reports it; each change between the two is logged once, not per failed commit.
final class CommitHealth: Sendable {
    private let failure = Mutex<String?>(nil)
    private let log: StoreLog

    init(log: StoreLog) { self.log = log }

    var failureReason: String? { failure.withLock { $0 } }

    func failed(_ reason: String, _ fields: [String: String]) {
        let first = failure.withLock { current in
            defer { current = reason }
            return current == nil
        }
        if first { log.write("the store cannot commit", fields) }
    }

    func succeeded() {
        let recovered = failure.withLock { current in
            defer { current = nil }
            return current != nil
        }
        if recovered { log.write("the store commits again", [:]) }
    }
}
