import Glibc
import Synchronization
import Badges

/// Runs the writing operations of many concurrent callers on one thread, in shared
/// transactions: while one transaction syncs to disk, the next batch gathers. For a batch the
/// thread reads the state its operations' scopes name (users from the cache, the rest from
/// disk), runs the operations on it, writes the rows they return and the state of every user
/// they changed, commits, and only then answers their callers and updates the cache.
///
/// Nothing a batch changed is visible before its commit: the cache takes it afterwards, and
/// readers read committed rows through their own connections. A failed commit leaves nothing
/// to undo in memory.
final class GroupCommitter: @unchecked Sendable {
    typealias Answer = @Sendable (Result<Void, any Error>) -> Void
    /// An operation: changes the state, returns the rows to write and how to answer once
    /// they are durable (or, if it failed, with its error).
    typealias Operation = @Sendable (inout LedgerState) -> (writes: [LedgerWrite], answer: Answer)

    private struct Queued {
        let scope: LedgerScope
        let operation: Operation
        /// Answers the caller when the batch could not be read, before the operation ran.
        let fail: @Sendable (any Error) -> Void
    }

    private struct Queue {
        var pending: [Queued] = []
        var stopping = false
    }

    // Touched only by the committer thread.
    private let writer: SQLiteWriter
    private let loader: SQLiteLoader
    private let cache: UserCache
    private let catalog: Catalog
    private let erasedEvents: ErasedEventIDs
    private let queue = PlainMutex(Queue())
    private let wakeup = Wakeup()
    private let maxBatch: Int
    private let finished = Mutex(false)
    let health: CommitHealth

    /// Transactions committed and writes in them, for the benchmark's report.
    let transactions = Atomic<Int>(0)
    let writesCommitted = Atomic<Int>(0)

    /// `maxBatch`: most operations in one transaction.
    /// Called after a commit that erased a user (the store then asks for a checkpoint).
    private let onErasure: @Sendable () -> Void

    init(db: SQLiteDatabase, catalog: Catalog, cacheBytes: Int, maxBatch: Int = 20_000, log: StoreLog,
         onErasure: @escaping @Sendable () -> Void) throws {
        self.onErasure = onErasure
        writer = try SQLiteWriter(db)
        loader = try SQLiteLoader(db)
        erasedEvents = try ErasedEventIDs(db)
        cache = UserCache(budgetBytes: cacheBytes)
        self.catalog = catalog
        self.maxBatch = maxBatch
        health = CommitHealth(log: log)
        Wakeup.startThread(named: "committer") { self.run() }
    }

    /// Queues `operation` on the state `scope` names; it runs on the committer thread, in the
    /// order of enqueueing, and its answer once its writes are durable.
    func enqueue(_ scope: LedgerScope, _ operation: @escaping Operation, rejected: @escaping @Sendable (any Error) -> Void) {
        let accepted = queue.withLock { q in
            if q.stopping { return false }
            q.pending.append(Queued(scope: scope, operation: operation, fail: rejected))
            return true
        }
        guard accepted else { return rejected(LedgerError.unavailable("the store is closing")) }
        wakeup.signal()
    }

    /// Commits what is queued, then stops the thread.
    func stop() {
        queue.withLock { $0.stopping = true }
        wakeup.signal()
        while !finished.withLock({ $0 }) { usleep(1000) }
    }

    private func run() {
        var batch: [Queued] = []
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
                let result = commit(batch, answers: &answers)
                for answer in answers { answer(result) }
                batch.removeAll(keepingCapacity: true)
                answers.removeAll(keepingCapacity: true)
            }
            if stopping {
                finished.withLock { $0 = true }
                return
            }
        }
    }

    /// Loads, applies and commits one batch, collecting its operations' answers.
    private func commit(_ batch: [Queued], answers: inout [Answer]) -> Result<Void, any Error> {
        var applied = false
        do {
            try writer.begin.run()
            do {
                let plan = ScopePlan(batch.map(\.scope))
                var s = try loader.load(plan, cache: cache, erased: erasedEvents.contains)
                let before = s.users
                let versionBefore = s.catalogVersion
                var writes: [LedgerWrite] = []
                for queued in batch {
                    let result = queued.operation(&s)
                    writes += result.writes
                    answers.append(result.answer)
                }
                applied = true
                let changed = StateChanges(before: before, after: s, catalog: catalog, catalogVersionBefore: versionBefore, sorted: false)
                writes += changed.countWrites
                // A batch that changed nothing (duplicates, reads of due sessions) has nothing to sync.
                if writes.isEmpty && changed.users.isEmpty {
                    try writer.rollback.run()
                } else {
                    try writer.apply(writes, users: changed.users)
                    try writer.commit.run()
                    transactions.add(1, ordering: .relaxed)
                    writesCommitted.add(writes.count + changed.users.count, ordering: .relaxed)
                    health.succeeded()
                }
                for erased in changed.erasedUsers { cache.remove(erased) }
                if writer.erased {
                    erasedEvents.noteErasure()
                    onErasure()
                }
                // Durable now: the cache may hold it. Only users named one by one: an
                // organization read whole would push out the users in use.
                for key in plan.users.union(plan.detailedUsers) { if let state = s.users[key] { cache.put(key, state) } }
                for (key, state) in changed.users { cache.put(key, state) }
                return .success(())
            } catch {
                try? writer.rollback.run()
                throw error
            }
        } catch {
            let reason = (error as? SQLiteError)?.message ?? "\(error)"
            health.failed(reason, ["error": "\(error)"])
            let failure = LedgerError.unavailable("the store could not commit (\(reason)); nothing of this call was kept; retry later")
            if !applied {
                // The batch was never run: answer its callers here.
                answers.removeAll()
                for queued in batch { answers.append({ [fail = queued.fail] _ in fail(failure) }) }
            }
            return .failure(failure)
        }
    }
}
