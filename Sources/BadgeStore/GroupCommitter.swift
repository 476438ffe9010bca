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
        /// Set when memory could not be brought back to what is on disk after a failed
        /// commit: nothing more is accepted (see `restoreState`).
        var fatal: (any Error)?
    }

    /// Written only by the committer thread; read under its lock by others.
    private let state: PlainMutex<LedgerState>
    // Touched only by the committer thread.
    private let writer: SQLiteWriter
    /// Reads the state back from disk, after a failed commit left memory ahead of it.
    private let reload: () throws -> LedgerState
    private let log: StoreLog
    private let queue = PlainMutex(Queue())
    private let wakeup = Wakeup()
    private let maxBatch: Int
    private let finished = Mutex(false)
    let health: CommitHealth

    /// Transactions committed and writes in them, for the benchmark's report.
    let transactions = Atomic<Int>(0)
    let writesCommitted = Atomic<Int>(0)

    /// `maxBatch`: most operations in one transaction.
    init(writer: SQLiteWriter, state: PlainMutex<LedgerState>, maxBatch: Int = 20_000, log: StoreLog,
         reload: @escaping () throws -> LedgerState) {
        self.writer = writer
        self.state = state
        self.maxBatch = maxBatch
        self.log = log
        health = CommitHealth(log: log)
        self.reload = reload
        Wakeup.startThread(named: "committer") { self.run() }
    }

    /// Queues `operation`; it runs on the committer thread, in the order of enqueueing, and
    /// its answer once its writes are durable.
    func enqueue(_ operation: @escaping Operation, rejected: (any Error) -> Void) {
        let refusal: (any Error)? = queue.withLock { q in
            if let fatal = q.fatal { return fatal }
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
                // A batch that changed nothing (duplicates, reads of due sessions) has nothing to sync.
                let result = writes.isEmpty ? .success(()) : commit(writes)
                if case .failure = result { restoreState() }
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
            health.succeeded()
            return .success(())
        } catch {
            let reason = (error as? SQLiteError)?.message ?? "\(error)"
            health.failed(reason, ["error": "\(error)"])
            return .failure(LedgerError.unavailable("the store could not commit (\(reason)); nothing of this call was kept; retry later"))
        }
    }

    /// After a failed commit the batch's changes are in memory but not on disk: read the
    /// state back from disk (under the lock, so that no read sees them meanwhile). Costs a
    /// load of the whole store, as at start; only a failing disk pays it.
    private func restoreState() {
        state.withLock { s in
            do {
                s = try reload()
            } catch {
                log.write("the store's memory could not be restored after a failed commit; restart the server", ["error": "\(error)"])
                queue.withLock { $0.fatal = LedgerError.storeFailed("memory and disk disagree after a failed commit: \(error)") }
            }
        }
    }
}
