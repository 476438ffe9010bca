import Glibc
import Synchronization

/// Commits the writes of many concurrent callers in shared transactions: while one
/// transaction syncs to disk, the next batch gathers. Each caller resumes only after the
/// transaction holding its writes has committed. One thread owns the writer connection.
final class GroupCommitter: @unchecked Sendable {
    typealias Completion = @Sendable (Result<Void, any Error>) -> Void

    private struct Pending {
        var writes: [LedgerWrite]
        var completion: Completion
    }

    private struct Queue {
        var pending: [Pending] = []
        var stopping = false
        /// Set when a commit failed: memory and disk may differ, so nothing more is accepted.
        var failure: (any Error)?
    }

    // Touched only by the committer thread.
    private let writer: SQLiteWriter
    private let queue = PlainMutex(Queue())
    private let wakeup = Wakeup()
    private let maxBatch: Int
    private let finished = Mutex(false)

    /// Transactions committed and writes in them, for the benchmark's report.
    let transactions = Atomic<Int>(0)
    let writesCommitted = Atomic<Int>(0)

    init(writer: SQLiteWriter, maxBatch: Int = 20_000) {
        self.writer = writer
        self.maxBatch = maxBatch
        Wakeup.startThread(named: "committer") { self.run() }
    }

    /// Queues writes; `completion` runs on the committer thread once they are durable.
    /// Callers enqueue in the order their changes happened, and commits keep that order.
    func enqueue(_ writes: [LedgerWrite], completion: @escaping Completion) {
        let rejected: (any Error)? = queue.withLock { q in
            if let failure = q.failure { return failure }
            if q.stopping { return LedgerError.unavailable("the store is closing") }
            q.pending.append(Pending(writes: writes, completion: completion))
            return nil
        }
        if let rejected { return completion(.failure(rejected)) }
        wakeup.signal()
    }

    /// Commits what is queued, then stops the thread.
    func stop() {
        queue.withLock { $0.stopping = true }
        wakeup.signal()
        while !finished.withLock({ $0 }) { usleep(1000) }
    }

    private func run() {
        while true {
            wakeup.wait { queue.withLock { $0.pending.isEmpty && !$0.stopping } }
            let (batch, stopping) = queue.withLock { q -> ([Pending], Bool) in
                var taken = 0
                var writes = 0
                while taken < q.pending.count && (writes < maxBatch || taken == 0) {
                    writes += q.pending[taken].writes.count
                    taken += 1
                }
                let batch = Array(q.pending.prefix(taken))
                q.pending.removeFirst(taken)
                return (batch, q.stopping && q.pending.isEmpty)
            }
            if !batch.isEmpty { commit(batch) }
            if stopping {
                finished.withLock { $0 = true }
                return
            }
        }
    }

    private func commit(_ batch: [Pending]) {
        let result: Result<Void, any Error>
        do {
            try writer.db.execute("BEGIN IMMEDIATE")
            do {
                var count = 0
                for pending in batch {
                    for write in pending.writes { try writer.apply(write) }
                    count += pending.writes.count
                }
                try writer.db.execute("COMMIT")
                transactions.add(1, ordering: .relaxed)
                writesCommitted.add(count, ordering: .relaxed)
            } catch {
                try? writer.db.execute("ROLLBACK")
                throw error
            }
            result = .success(())
        } catch {
            queue.withLock { $0.failure = LedgerError.storeFailed("\(error)") }
            result = .failure(LedgerError.storeFailed("\(error)"))
        }
        for pending in batch { pending.completion(result) }
    }
}
