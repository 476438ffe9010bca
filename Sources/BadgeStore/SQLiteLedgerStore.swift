import Badges

/// The embedded store: all state in memory, loaded when it opens, and every change written
/// through a group committer to SQLite (WAL) before its caller is answered.
///
/// The file is read only at start. That keeps storage reads off the request path entirely,
/// at the price of memory proportional to users and events (see the README).
final class SQLiteLedgerStore: LedgerStore {
    private let state: PlainMutex<LedgerState>
    let committer: GroupCommitter
    private let checkpointer: Checkpointer

    init(path: String, evaluator: Evaluator, options: LedgerOptions) throws {
        let db = try SQLiteDatabase(path: path)
        try db.execute("PRAGMA journal_mode = WAL")
        try db.execute("PRAGMA synchronous = \(options.synchronousFull ? "FULL" : "NORMAL")")
        // Keep the working set in SQLite's own cache and read the rest through mmap, so that
        // B-tree lookups on the write path do not copy pages in from the kernel.
        try db.execute("PRAGMA cache_size = -262144")
        try db.execute("PRAGMA mmap_size = 1073741824")
        // Checkpoints run on their own thread (Checkpointer), mostly outside commits; the
        // writer's own automatic checkpoint stays as a backstop, rare and by then short, which
        // lets the WAL start over, and the size limit then truncates the file.
        try db.execute("PRAGMA wal_autocheckpoint = 16384")
        try db.execute("PRAGMA journal_size_limit = 67108864")
        try Migrations.migrate(db)
        let load = {
            var loaded = try LedgerLoader.load(db, evaluator: evaluator)
            loaded.catalogVersion = try LedgerLoader.latestCatalogVersion(db)
            return loaded
        }
        state = PlainMutex(try load())
        committer = GroupCommitter(writer: try SQLiteWriter(db), state: state, maxBatch: options.maxBatch, log: options.log, reload: load)
        checkpointer = try Checkpointer(path: path)
    }

    func write<T: Sendable>(_ scope: LedgerScope, _ body: @escaping @Sendable (inout LedgerState) throws -> (T, [LedgerWrite]),
                            completion: @escaping @Sendable (Result<T, any Error>) -> Void) {
        // Runs on the committer's thread, in enqueueing order. A body that writes nothing (a
        // duplicate event) or fails is still answered after its batch commits: the batch may
        // hold the change its answer reflects (the original event), not yet durable.
        committer.enqueue({ s in
            do {
                let (value, writes) = try body(&s)
                return (writes, { result in completion(result.map { value }) })
            } catch {
                return ([], { _ in completion(.failure(error)) })
            }
        }, rejected: { completion(.failure($0)) })
    }

    func read<T: Sendable>(_ scope: LedgerScope, _ body: @escaping @Sendable (LedgerState) throws -> T) async throws -> T {
        try state.withLock { try body($0) }
    }

    var commitFailure: String? { committer.health.failureReason }

    func close() {
        committer.stop()
        checkpointer.stop()
    }
}
