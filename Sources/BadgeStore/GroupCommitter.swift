import Glibc
import Synchronization

/// Runs the writing operations of many concurrent callers on one thread, in shared
/// transactions: while one transaction syncs to disk, the next batch gathers. The thread
/// applies a batch's operations to the state under one hold of its lock, writes the rows they
/// return through the writer connection, commits, and only then answers their callers.
///
/// Applying here rather than on the callers' threads takes the evaluation off the event loops
/// (the busiest threads) and the lock off their path: the loops only queue, and the state has
/// one writer. A caller's answer needed the commit anyway, so it comes no later.
final class GroupCommitter: @unchecked Sendable {
    typealias Answer = @Sendable (Result<Void, any Error>) -> Void
    /// An operation: changes the state, returns the rows to write and how to answer once
    /// they are durable (or, if it failed, with its error).
    typealias Operation = @Sendable (inout LedgerState) -> (writes: [LedgerWrite], answer: Answer)

    private struct Queue {
        var pending: [Operation] = []
        var stopping = false
        /// Set when a commit failed: memory and disk may differ, so nothing more is accepted.
        var failure: (any Error)?
    }

    /// Written only by the committer thread; read under its lock by others.
    private let state: PlainMutex<LedgerState>
    // Touched only by the committer thread.
    private let writer: SQLiteWriter
    private let queue = PlainMutex(Queue())
    private let wakeup = Wakeup()
    private let maxBatch: Int
    private let finished = Mutex(false)

    /// Transactions committed and writes in them, for the benchmark's report.
    let transactions = Atomic<Int>(0)
    let writesCommitted = Atomic<Int>(0)

    /// `maxBatch`: most operations in one transaction.
    init(writer: SQLiteWriter, state: PlainMutex<LedgerState>, maxBatch: Int = 20_000) {
        self.writer = writer
        self.state = state
        self.maxBatch = maxBatch
        Wakeup.startThread(named: "committer") { self.run() }
    }

    /// Queues `operation`; it runs on the committer thread, in the order of enqueueing, and
    /// its answer once its writes are durable.
    func enqueue(_ operation: @escaping Operation, rejected: (any Error) -> Void) {
        let refusal: (any Error)? = queue.withLock { q in
            if let failure = q.failure { return failure }
            if q.stopping { return LedgerError.unavailable("the store is closing") }
            q.pending.append(operation)
            return nil
        }
        if let refusal { return rejected(refusal) }
        wakeup.signal()
    }

    /// Commits what is queued, then stops the thread.
    func stop() {
        queue.withLock { $0.stopping = true }
        wakeup.signal()
        while !finished.withLock({ $0 }) { usleep(1000) }
    }

    private func run() {
        var batch: [Operation] = []
        var writes: [LedgerWrite] = []
        var answers: [Answer] = []
        while true {
            wakeup.wait { queue.withLock { $0.pending.isEmpty && !$0.stopping } }
            let stopping = queue.withLock { q -> Bool in
                if q.pending.count <= maxBatch {
                    swap(&batch, &q.pending)
                } else {
                    batch.append(contentsOf: q.pending.prefix(maxBatch))
                    q.pending.removeFirst(maxBatch)
                }
                return q.stopping && q.pending.isEmpty
            }
            if !batch.isEmpty {
                state.withLock { s in
                    for operation in batch {
                        let applied = operation(&s)
                        writes += applied.writes
                        answers.append(applied.answer)
                    }
                }
                let result = commit(writes)
                for answer in answers { answer(result) }
                batch.removeAll(keepingCapacity: true)
                writes.removeAll(keepingCapacity: true)
                answers.removeAll(keepingCapacity: true)
            }
            if stopping {
                finished.withLock { $0 = true }
                return
            }
        }
    }

    private func commit(_ writes: [LedgerWrite]) -> Result<Void, any Error> {
        do {
            try writer.begin.run()
            do {
                try writer.apply(writes)
                try writer.commit.run()
                transactions.add(1, ordering: .relaxed)
                writesCommitted.add(writes.count, ordering: .relaxed)
            } catch {
                try? writer.rollback.run()
                throw error
            }
            return .success(())
        } catch {
            let failure = LedgerError.storeFailed("\(error)")
            queue.withLock { $0.failure = failure }
            return .failure(failure)
        }
    }
}
