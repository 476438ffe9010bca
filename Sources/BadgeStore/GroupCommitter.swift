import Glibc
import Synchronization
import Badges

/// Runs the writing operations of many concurrent callers on one thread, in shared
/// transactions: while one transaction syncs to disk, the next batch gathers. For a batch the
/// thread reads the state its operations' scopes name (users held in memory first: dirty,
/// then cached; the rest from disk), runs the operations on it, writes the rows they return
/// and the states `DirtyUsers` says are due, commits, and only then answers their callers,
/// publishes the new states to readers and updates its cache.
///
/// Nothing a batch changed is visible before its commit, and a failed commit leaves nothing
/// to undo in memory: every change to memory is staged and applied after the commit.
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

    // Touched only by the committer thread (and by init before it starts).
    private let writer: SQLiteWriter
    private let loader: SQLiteLoader
    private let cache: UserCache
    private let dirty: DirtyUsers
    private let catalog: Catalog
    private let erasedEvents: ErasedEventIDs
    private var recentIDs = RecentEventIDs(through: 0)
    private var replayFrom: Int64 = 0
    /// What readers see of committed states not yet written as rows.
    let published: PublishedStates
    private let queue = PlainMutex(Queue())
    private let wakeup = Wakeup()
    private let maxBatch: Int
    private let finished = Mutex(false)
    let health: CommitHealth
    /// Called after a commit that erased a user (the store then asks for a checkpoint).
    private let onErasure: @Sendable () -> Void

    /// `cacheBytes`: for clean users' states, and as much again for dirty ones. `maxBatch`:
    /// most operations in one transaction.
    init(db: SQLiteDatabase, evaluator: Evaluator, cacheBytes: Int, maxBatch: Int = 20_000, log: StoreLog,
         onErasure: @escaping @Sendable () -> Void) throws {
        self.onErasure = onErasure
        writer = try SQLiteWriter(db)
        loader = try SQLiteLoader(db)
        erasedEvents = try ErasedEventIDs(db, digester: writer.digester)
        cache = UserCache(budgetBytes: cacheBytes / 2)
        dirty = DirtyUsers(limits: DirtyUsers.Limits(bytes: cacheBytes / 2))
        // States written lately, kept for readers: at most an eighth of the budget per generation.
        published = PublishedStates(maxRecentBytes: cacheBytes / 4)
        catalog = evaluator.catalog
        self.maxBatch = maxBatch
        health = CommitHealth(log: log)
        writer.unlistedEvents = { [dirty] key in dirty.entries[key]?.eventSeqs ?? [] }
        try replay(db, evaluator: evaluator)
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

    /// Commits what is queued and writes every dirty state, then stops the thread.
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
            if !batch.isEmpty || stopping {
                let result = commit(batch, answers: &answers, flushAll: stopping)
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

    /// What the loader finds before reading rows: dirty states, then cached ones.
    private struct HeldStates: UserStateSource {
        let dirty: DirtyUsers
        let cache: UserCache

        func state(_ key: UserKey) -> UserState? { dirty.entries[key]?.state ?? cache.state(key) }

        func states(in org: BytewiseKey) -> [UserKey: UserState] {
            var found: [UserKey: UserState] = [:]
            for (key, entry) in dirty.entries where BytewiseKey(key.org) == org { found[key] = entry.state }
            return found
        }

        func due(by instant: Instant) -> Set<UserKey> { dirty.due.popDue(instant) }
    }

    /// Loads, applies and commits one batch (with `flushAll`, every dirty state too),
    /// collecting its operations' answers.
    private func commit(_ batch: [Queued], answers: inout [Answer], flushAll: Bool = false) -> Result<Void, any Error> {
        var applied = false
        do {
            try writer.begin.run()
            do {
                let plan = ScopePlan(batch.map(\.scope))
                var s = try loader.load(plan, held: HeldStates(dirty: dirty, cache: cache),
                                        known: { [recentIDs, erasedEvents] in try recentIDs.contains($0) || erasedEvents.contains($0) })
                s.users.startTracking()
                let versionBefore = s.catalogVersion
                var writes: [LedgerWrite] = []
                for queued in batch {
                    let result = queued.operation(&s)
                    writes += result.writes
                    answers.append(result.answer)
                }
                applied = true
                let changed = StateChanges(after: s, catalog: catalog, catalogVersionBefore: versionBefore, sorted: false)
                writes += changed.countWrites
                // DeleteUser's write names the user: whether or not they had a state to drop.
                let erased = writes.compactMap { write -> UserKey? in
                    if case .eraseUser(let org, let user) = write { return UserKey(org: org, user: user) } else { return nil }
                }
                try writer.apply(writes)
                let staged = dirty.stage(changed: changed.users, eventSeqs: writer.eventSeqs, erased: erased,
                                         lastSeq: writer.eventSequence, now: DirtyUsers.monotonicMilliseconds(), flushAll: flushAll)
                let movesReplayPoint = staged.replayFrom != replayFrom
                if !staged.written.isEmpty || movesReplayPoint { try writer.writeStates(staged.written, replayFrom: staged.replayFrom) }
                let newIDs = writer.newEvents
                let erasedIDs = Set(writer.erasedEvents)
                let listed = recentIDs.due(all: flushAll, lastSeq: writer.eventSequence, adding: newIDs, excluding: erasedIDs)
                if let listed { try writer.listIDs(listed.ids, through: listed.through) }
                // A batch that changed nothing (duplicates, reads of due sessions) has nothing to sync.
                if writes.isEmpty && staged.changed.isEmpty && staged.written.isEmpty && !movesReplayPoint && listed == nil {
                    try writer.rollback.run()
                } else {
                    try writer.commit.run()
                    health.succeeded()
                }
                // Durable now: memory follows.
                replayFrom = staged.replayFrom
                recentIDs.remove(Array(erasedIDs))
                for event in newIDs where !erasedIDs.contains(event.key) { recentIDs.add(event.key, seq: event.seq) }
                if let listed { recentIDs.written(through: listed.through) }
                dirty.apply(staged)
                published.publish(staged, now: DirtyUsers.monotonicMilliseconds())
                for key in erased { cache.remove(key) }
                for (key, entry) in staged.written { cache.put(key, entry.state) }
                // Users read from their rows and left unchanged: the cache may keep them. Only
                // users named one by one: an organization read whole would push out those in use.
                for key in plan.users.union(plan.detailedUsers) where dirty.entries[key] == nil {
                    if let state = s.users[key], s.users.originals[key] == nil { cache.put(key, state) }
                }
                if !erased.isEmpty {
                    erasedEvents.noteErasure()
                    onErasure()
                }
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

    /// At start: the events after the replay point (stored, but perhaps not yet in their
    /// users' state rows when the last run stopped) applied to those states, skipping what a
    /// row already reflects, and the states written. Awards come from their own rows; sessions
    /// whose time passed are left to the sweeper, as they were.
    private func replay(_ db: SQLiteDatabase, evaluator: Evaluator) throws {
        try db.prepare("SELECT value FROM store_meta WHERE name = 'replay_from'").query { replayFrom = $0.int(0) }
        var idsThrough: Int64 = 0
        try db.prepare("SELECT value FROM store_meta WHERE name = 'ids_through'").query { idsThrough = $0.int(0) }
        recentIDs = RecentEventIDs(through: idsThrough)
        var users: [UserKey: DirtyUsers.Entry] = [:]
        let noAwards = Organization(id: "", tier: .free, badgesEnabled: false)
        try db.execute("BEGIN IMMEDIATE")
        do {
            let from = min(replayFrom, idsThrough)
            try db.prepare("SELECT seq, \(SQLiteLoader.eventColumns) FROM activity WHERE seq > ? ORDER BY seq").query(.integer(from)) { row in
                let seq = row.int(0)
                guard let (event, recordedAt) = SQLiteLoader.event(row, from: 1) else { return }
                if seq > idsThrough { recentIDs.add(EventKey(org: event.organizationID, eventID: event.eventID), seq: seq) }
                guard seq > replayFrom else { return }
                let key = UserKey(org: event.organizationID, user: event.userID)
                if users[key] == nil {
                    let applied = try loader.appliedSequence(key)
                    users[key] = DirtyUsers.Entry(state: try loader.loadUser(key) ?? UserState(), firstSeq: seq, lastSeq: applied,
                                                  eventSeqs: [], since: 0, position: 0, bytes: 0)
                }
                guard seq > users[key]!.lastSeq else { return }
                _ = evaluator.apply(event, to: &users[key]!.state, organization: noAwards, now: recordedAt)
                users[key]!.lastSeq = seq
                users[key]!.eventSeqs.append(seq)
            }
            let replayed = users.filter { !$0.value.eventSeqs.isEmpty }.map { ($0.key, $0.value) }
            if !replayed.isEmpty || replayFrom != writer.eventSequence {
                try writer.writeStates(replayed, replayFrom: writer.eventSequence)
            }
            try db.execute("COMMIT")
            replayFrom = writer.eventSequence
        } catch {
            try? db.execute("ROLLBACK")
            throw error
        }
    }
}

