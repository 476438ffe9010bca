import Badges
import Glibc
import Synchronization

/// The shared store: several servers on one PostgreSQL, none holding state between calls.
///
/// A pool of connections, each on a thread of its own, takes the operations queued meanwhile
/// as one batch (group commit): one transaction loads what their scopes name, locking the rows
/// (organizations shared or exclusive, users exclusive), runs each operation on that state, and
/// writes what they changed. Row locks, not this process, keep servers from losing an event or
/// awarding a badge twice: an operation on a user sees every committed change to that user,
/// the event id and the award have unique keys as a last line, and a batch that deadlocks or
/// meets a key another server just inserted runs again from the start.
final class PostgresLedgerStore: LedgerStore {
    private let url: String
    private let evaluator: Evaluator
    private let queue = Mutex(JobQueue())
    private let wakeup = Wakeup()
    private let maxBatch: Int
    private let running = Atomic<Int>(0)
    private let log: StoreLog
    private let failureLogLimit = LogRateLimit(perSecond: 10)
    private let health: CommitHealth
    private let digester: EventIDDigester

    init(url: String, evaluator: Evaluator, options: LedgerOptions) throws {
        self.url = url
        self.evaluator = evaluator
        log = options.log
        health = CommitHealth(log: options.log)
        maxBatch = min(options.maxBatch, 1000)
        // Connect every worker now, so that a bad URL fails the start and not the first call.
        let connections = try (0..<max(options.postgresConnections, 1)).map { _ in try PostgresConnection(url: url) }
        try PostgresMigrations.migrate(connections[0], evaluator: evaluator)
        digester = try EventIDDigester.postgres(connections[0])
        for connection in connections {
            running.add(1, ordering: .relaxed)
            Wakeup.startThread(named: "postgres-writer") { [self] in work(connection) }
        }
    }

    func write<T: Sendable>(_ scope: LedgerScope, _ body: @escaping @Sendable (inout LedgerState) throws -> (T, [LedgerWrite]),
                            completion: @escaping @Sendable (Result<T, any Error>) -> Void) {
        submit(Job(scope: scope, writes: true, operation: body, deliver: completion))
    }

    func read<T: Sendable>(_ scope: LedgerScope, _ body: @escaping @Sendable (LedgerState) throws -> T) async throws -> T {
        try await withUnsafeThrowingContinuation { continuation in
            submit(Job(scope: scope, writes: false, operation: { s in (try body(s), []) }) { continuation.resume(with: $0) })
        }
    }

    func reports<T: Sendable>(_ body: @escaping @Sendable (any ReportReads) throws -> T) async throws -> T {
        try await withUnsafeThrowingContinuation { continuation in
            submit(Job(direct: { db in try body(PostgresReportReads(db: db)) }) { continuation.resume(with: $0) })
        }
    }

    var commitFailure: String? { health.failureReason }

    func close() {
        queue.withLock { $0.stopping = true }
        wakeup.signal(all: true)
        while running.load(ordering: .acquiring) > 0 { usleep(1000) }
    }

    private func submit(_ job: Job) {
        let accepted = queue.withLock { q in
            if q.stopping { return false }
            q.jobs.append(job)
            return true
        }
        guard accepted else { return job.finish(.failure(LedgerError.unavailable("the store is closing"))) }
        wakeup.signal()
    }

    // MARK: - Workers

    private func work(_ db: PostgresConnection) {
        var db = db
        while true {
            wakeup.wait { queue.withLock { $0.jobs.isEmpty && !$0.stopping } }
            let batch = queue.withLock { $0.take(max: maxBatch) }
            if batch.isEmpty {
                running.subtract(1, ordering: .releasing)
                return
            }
            if !db.isHealthy, let fresh = try? PostgresConnection(url: url) { db = fresh }
            run(batch, on: db)
        }
    }

    /// Runs a batch in one transaction, again from the start when PostgreSQL resolved a
    /// conflict with another transaction by aborting this one. A batch that fails otherwise
    /// runs again one operation per transaction, so that one caller's bad value fails that
    /// caller alone and not the others batched with it.
    private func run(_ batch: [Job], on db: PostgresConnection) {
        var attempt = 0
        while true {
            attempt += 1
            do {
                let results = try transaction(batch, on: db)
                for (job, result) in zip(batch, results) { job.finish(result) }
                if batch[0].writes { health.succeeded() }
                return
            } catch let error as PostgresError where error.isRetryable && attempt < 20 {
                usleep(UInt32.random(in: 100...2000) * UInt32(min(attempt, 8)))
            } catch let error as PostgresError where error.isUnavailable {
                // UNAVAILABLE, which clients retry: whether a COMMIT in flight took effect is
                // unknown, and a retried event is recognised by its id. The next batch reconnects.
                health.failed(error.message, ["sqlstate": error.sqlState, "error": error.message])
                let failure = LedgerError.unavailable("PostgreSQL cannot take writes now (\(error.message)); retry later")
                for job in batch { job.finish(.failure(failure)) }
                return
            } catch {
                if batch.count > 1 {
                    for job in batch { run([job], on: db) }
                    return
                }
                let sqlState = (error as? PostgresError)?.sqlState ?? ""
                let (write, dropped) = failureLogLimit.admit()
                if write {
                    var fields = ["operation": batch[0].scope.summary, "sqlstate": sqlState, "error": "\(error)"]
                    if dropped > 0 { fields["not_logged_before"] = "\(dropped)" }
                    log.write("a store operation failed", fields)
                }
                let code = sqlState.isEmpty ? "" : " (SQLSTATE \(sqlState))"
                batch[0].finish(.failure(LedgerError.storeFailed("the store could not save this call's changes\(code); the server's log has the cause")))
                return
            }
        }
    }

    private func transaction(_ batch: [Job], on db: PostgresConnection) throws -> [Result<Void, any Error>] {
        let writes = batch[0].writes
        try db.execute(writes ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        do {
            let plan = ScopePlan(batch.map(\.scope))
            var state = try PostgresLoader(db: db, lock: writes, digester: digester).load(plan)
            state.users.startTracking()
            let versionBefore = state.catalogVersion
            var rows: [LedgerWrite] = []
            var results: [Result<Void, any Error>] = []
            for job in batch {
                do {
                    rows += try job.direct.map { try $0(db); return [] } ?? job.run(&state)
                    results.append(.success(()))
                } catch {
                    results.append(.failure(error))
                }
            }
            if writes {
                let changed = StateChanges(after: state, catalog: evaluator.catalog, catalogVersionBefore: versionBefore)
                let writer = PostgresWriter(db: db, digester: digester)
                try writer.write(rows + changed.countWrites, users: changed.users)
                // The rows made to lock users whose events were all duplicates hold nothing:
                // gone again, so that an erased user's retried event leaves no trace of them.
                try writer.removePlaceholders(plan.eventUsers.filter { state.users[$0] == nil || state.users[$0] == UserState() })
            }
            try db.execute(writes ? "COMMIT" : "ROLLBACK")
            return results
        } catch {
            try? db.execute("ROLLBACK")
            throw error
        }
    }
}

/// One queued operation with its type erased: `run` keeps the value, `finish` hands it over.
private final class Job: @unchecked Sendable {
    let scope: LedgerScope
    let writes: Bool
    let run: (inout LedgerState) throws -> [LedgerWrite]
    let finish: @Sendable (Result<Void, any Error>) -> Void
    /// A read of its own on the batch's connection (reports), run instead of `run`.
    let direct: ((PostgresConnection) throws -> Void)?

    init<T: Sendable>(scope: LedgerScope, writes: Bool, operation: @escaping @Sendable (inout LedgerState) throws -> (T, [LedgerWrite]),
                      deliver: @escaping @Sendable (Result<T, any Error>) -> Void) {
        let slot = Slot<T>()
        self.scope = scope
        self.writes = writes
        run = { state in
            let (value, rows) = try operation(&state)
            slot.value = value
            return rows
        }
        finish = { result in deliver(result.map { slot.value! }) }
        direct = nil
    }

    /// A read that queries the connection itself, in a read-only batch.
    init<T: Sendable>(direct query: @escaping @Sendable (PostgresConnection) throws -> T, deliver: @escaping @Sendable (Result<T, any Error>) -> Void) {
        let slot = Slot<T>()
        scope = .reports
        writes = false
        run = { _ in [] }
        direct = { db in slot.value = try query(db) }
        finish = { result in deliver(result.map { slot.value! }) }
    }
}

/// Set by a job's `run` on the worker thread, read by its `finish` on the same thread.
private final class Slot<T>: @unchecked Sendable {
    var value: T?
}

private struct JobQueue {
    var jobs: [Job] = []
    var stopping = false

    /// The jobs at the front that are all reads or all writes, at most `max`.
    mutating func take(max: Int) -> [Job] {
        guard let first = jobs.first else { return [] }
        var count = 0
        while count < jobs.count && count < max && jobs[count].writes == first.writes { count += 1 }
        let batch = Array(jobs.prefix(count))
        jobs.removeFirst(count)
        return batch
    }
}
