import Badges

/// One read connection with its prepared statements.
final class SQLiteReader {
    let db: SQLiteDatabase
    let loader: SQLiteLoader
    let reports: SQLiteReportReads
    private let begin: SQLiteStatement
    private let end: SQLiteStatement

    /// Committed states not yet written as rows, looked up before the rows.
    let published: PublishedStates

    init(path: String, cacheBytes: Int, published: PublishedStates) throws {
        self.published = published
        db = try SQLiteDatabase(path: path)
        try db.execute("PRAGMA query_only = 1")
        try db.execute("PRAGMA cache_size = -\(max(cacheBytes / 1024, 512))")
        try db.execute("PRAGMA mmap_size = 0")
        loader = try SQLiteLoader(db)
        reports = try SQLiteReportReads(db, loader: loader, published: published)
        begin = try db.prepare("BEGIN")
        end = try db.prepare("COMMIT")
    }

    /// Runs `body` in a read transaction: one snapshot of what is committed.
    func snapshot<T>(_ body: () throws -> T) throws -> T {
        try begin.run()
        defer { try? end.run() }
        return try body()
    }
}

/// Threads that read, each with a connection of its own: reads run here, off the event
/// loops (which a SQLite read would stop for its whole length) and apart from the committer
/// (WAL readers see the last commit and never wait for one). Queued in arrival order.
final class SQLiteReaders: Sendable {
    static let threads = 2

    private struct Queue {
        var jobs: [@Sendable (SQLiteReader) -> Void] = []
        var stopping = false
    }

    private let queue = PlainMutex(Queue())
    private let wakeup = Wakeup()

    /// Opens the connections now, so that a store that cannot be read fails the start.
    init(path: String, cacheBytes: Int, published: PublishedStates) throws {
        for _ in 0..<Self.threads {
            let reader = SQLiteReaderBox(try SQLiteReader(path: path, cacheBytes: cacheBytes / Self.threads, published: published))
            Wakeup.startThread(named: "store-reader") { [self] in work(reader.reader) }
        }
    }

    /// Runs `body` on a reader thread, in a read transaction.
    func read<T: Sendable>(_ body: @escaping @Sendable (SQLiteReader) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let accepted = queue.withLock { q in
                if q.stopping { return false }
                q.jobs.append { reader in continuation.resume(with: Result { try reader.snapshot { try body(reader) } }) }
                return true
            }
            guard accepted else { return continuation.resume(throwing: LedgerError.unavailable("the store is closing")) }
            wakeup.signal()
        }
    }

    /// Lets queued reads finish, then ends the threads.
    func stop() {
        queue.withLock { $0.stopping = true }
        wakeup.signal(all: true)
    }

    private func work(_ reader: SQLiteReader) {
        while true {
            wakeup.wait { queue.withLock { $0.jobs.isEmpty && !$0.stopping } }
            guard let job = queue.withLock({ q -> (@Sendable (SQLiteReader) -> Void)? in q.jobs.isEmpty ? nil : q.jobs.removeFirst() }) else { return }
            job(reader)
        }
    }
}

/// A reader handed to the thread that owns it.
final class SQLiteReaderBox: @unchecked Sendable {
    let reader: SQLiteReader
    init(_ reader: SQLiteReader) { self.reader = reader }
}
