import Badges
import Synchronization

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

/// Read connections, opened as needed up to `maxReaders`; a read waits only for another
/// read, never for the committer (WAL readers see the last commit and do not block it).
final class SQLiteReaders: Sendable {
    static let maxReaders = 4
    private let path: String
    private let cacheBytes: Int
    private let published: PublishedStates
    private let pool = Mutex<(idle: [Int], opened: Int)>(([], 0))
    private let readers = Mutex<[Int: SQLiteReaderBox]>([:])
    private let wakeup = Wakeup()

    init(path: String, cacheBytes: Int, published: PublishedStates) {
        self.path = path
        self.published = published
        self.cacheBytes = cacheBytes / Self.maxReaders
    }

    func withReader<T>(_ body: (SQLiteReader) throws -> T) throws -> T {
        let (index, reader) = try take()
        defer {
            pool.withLock { $0.idle.append(index) }
            wakeup.signal()
        }
        return try reader.snapshot { try body(reader) }
    }

    private func take() throws -> (Int, SQLiteReader) {
        while true {
            let claim: (index: Int, new: Bool)? = pool.withLock { p in
                if let index = p.idle.popLast() { return (index, false) }
                guard p.opened < Self.maxReaders else { return nil }
                p.opened += 1
                return (p.opened - 1, true)
            }
            if let claim {
                if claim.new {
                    do {
                        let reader = try SQLiteReader(path: path, cacheBytes: cacheBytes, published: published)
                        readers.withLock { $0[claim.index] = SQLiteReaderBox(reader) }
                    } catch {
                        pool.withLock { $0.opened -= 1 }
                        throw error
                    }
                }
                return (claim.index, readers.withLock { $0[claim.index]!.reader })
            }
            wakeup.wait { pool.withLock { $0.idle.isEmpty } }
        }
    }
}

/// A reader handed between threads, one at a time (the pool's lock orders them).
final class SQLiteReaderBox: @unchecked Sendable {
    let reader: SQLiteReader
    init(_ reader: SQLiteReader) { self.reader = reader }
}
