import Badges

/// The embedded store: SQLite (WAL), its state on disk. Writes go through a group committer
/// (one thread, one connection, a cache of users' states); reads on two reader threads with
/// connections of their own, each read in a read transaction, so that they never wait for a
/// commit batch and see only what is committed. Start-up reads no history.
///
/// Memory: `LedgerOptions.cacheBytes` split between the committer's users (a half: a quarter
/// for states not yet written, `DirtyUsers`, a quarter for a cache of written ones), the
/// writer connection's page cache (a quarter) and the readers' page caches (a quarter between
/// them); SQLite's mmap is off, so that the file's pages are not counted in the process's
/// memory. States not yet written are also published to readers (shared, not copied).
final class SQLiteLedgerStore: LedgerStore {
    let committer: GroupCommitter
    private let readers: SQLiteReaders
    private let checkpointer: Checkpointer

    init(path: String, evaluator: Evaluator, options: LedgerOptions) throws {
        guard !path.isEmpty, path != ":memory:", !path.hasPrefix("file::memory:") else {
            throw SQLiteError(code: 0, message: "the store must be a file: its readers and checkpointer open it too ('\(path)')")
        }
        let db = try SQLiteDatabase(path: path)
        try db.execute("PRAGMA journal_mode = WAL")
        try db.execute("PRAGMA synchronous = \(options.synchronousFull ? "FULL" : "NORMAL")")
        try db.execute("PRAGMA cache_size = -\(max(options.cacheBytes / 4 / 1024, 1024))")
        try db.execute("PRAGMA mmap_size = 0")
        // Checkpoints run on their own thread (Checkpointer), outside commits; under steady
        // writes those never catch up with the WAL's end, and it is the writer's own automatic
        // checkpoint (every 64 MiB) that lets the WAL start over, the size limit then
        // truncating the file. It holds the commit it runs in: the soak's tail (README).
        try db.execute("PRAGMA wal_autocheckpoint = 16384")
        try db.execute("PRAGMA journal_size_limit = 67108864")
        try Migrations.migrate(db, evaluator: evaluator)
        // Erased rows are overwritten with zeros, not left in free space.
        try db.execute("PRAGMA secure_delete = ON")
        let checkpointer = try Checkpointer(path: path)
        committer = try GroupCommitter(db: db, evaluator: evaluator, cacheBytes: options.cacheBytes / 2,
                                       maxBatch: options.maxBatch, log: options.log, onErasure: { checkpointer.requestTruncation() })
        readers = try SQLiteReaders(path: path, cacheBytes: options.cacheBytes / 4, published: committer.published)
        self.checkpointer = checkpointer
    }

    func write<T: Sendable>(_ scope: LedgerScope, _ body: @escaping @Sendable (inout LedgerState) throws -> (T, [LedgerWrite]),
                            completion: @escaping @Sendable (Result<T, any Error>) -> Void) {
        // Runs on the committer's thread, in enqueueing order. A body that writes nothing (a
        // duplicate event) or fails is still answered after its batch commits: the batch may
        // hold the change its answer reflects (the original event), not yet durable.
        committer.enqueue(scope, { s in
            do {
                let (value, writes) = try body(&s)
                return (writes, { result in completion(result.map { value }) })
            } catch {
                return ([], { _ in completion(.failure(error)) })
            }
        }, rejected: { completion(.failure($0)) })
    }

    func read<T: Sendable>(_ scope: LedgerScope, _ body: @escaping @Sendable (LedgerState) throws -> T) async throws -> T {
        try await readers.read { reader in try body(reader.loader.load(ScopePlan([scope]), held: reader.published)) }
    }

    func reports<T: Sendable>(_ body: @escaping @Sendable (any ReportReads) throws -> T) async throws -> T {
        try await readers.read { try body($0.reports) }
    }

    var commitFailure: String? { committer.health.failureReason }

    func close() {
        readers.stop()
        committer.stop()
        checkpointer.stop()
    }
}
