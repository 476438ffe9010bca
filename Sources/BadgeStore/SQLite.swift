import CSQLite

/// A SQLite failure: the result code, SQLite's message, and what we were doing.
public struct SQLiteError: Error, CustomStringConvertible {
    public var code: Int32
    public var message: String
    public var description: String { "SQLite error \(code): \(message)" }

    /// Stored data this build cannot read as it should be.
    static func corrupt(_ message: String) -> SQLiteError { SQLiteError(code: SQLITE_CORRUPT, message: message) }
}

/// One SQLite connection. Every C call and pointer of the store stays in this file.
/// Not thread-safe: each connection is used by one thread at a time.
final class SQLiteDatabase {
    private let handle: OpaquePointer

    init(path: String) throws {
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(code: rc, message: "\(message) ('\(path)')")
        }
        handle = db
        sqlite3_busy_timeout(db, 5000)
    }

    deinit { sqlite3_close_v2(handle) }

    func execute(_ sql: String) throws {
        var error: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &error)
        guard rc == SQLITE_OK else {
            let message = error.map { String(cString: $0) } ?? lastMessage
            sqlite3_free(error)
            throw SQLiteError(code: rc, message: message)
        }
    }

    func prepare(_ sql: String) throws -> SQLiteStatement {
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard rc == SQLITE_OK, let statement else { throw SQLiteError(code: rc, message: "\(lastMessage) in: \(sql)") }
        return SQLiteStatement(statement, database: self)
    }

    var lastMessage: String { String(cString: sqlite3_errmsg(handle)) }

    /// Rows the last INSERT, UPDATE or DELETE changed.
    var changes: Int { Int(sqlite3_changes64(handle)) }
}

/// A prepared statement, reused: bind, step, read columns, reset.
final class SQLiteStatement {
    private let statement: OpaquePointer
    private unowned let database: SQLiteDatabase
    /// The bound text of the current run, reused: growing a fresh buffer for every row was
    /// a tenth of the committer's time.
    private var texts: [UInt8] = []

    fileprivate init(_ statement: OpaquePointer, database: SQLiteDatabase) {
        self.statement = statement
        self.database = database
    }

    deinit { sqlite3_finalize(statement) }

    /// Binds parameters by position (1-based), then runs the statement to completion.
    func run(_ values: SQLiteValue...) throws { try run(values) }

    func run(_ values: [SQLiteValue]) throws {
        try withBindings(values) {
            let rc = sqlite3_step(statement)
            guard rc == SQLITE_DONE || rc == SQLITE_ROW else { throw SQLiteError(code: rc, message: database.lastMessage) }
        }
    }

    /// Runs a query, handing each row to `body`.
    func query(_ values: SQLiteValue..., row body: (SQLiteRow) throws -> Void) throws { try query(values, row: body) }

    func query(_ values: [SQLiteValue], row body: (SQLiteRow) throws -> Void) throws {
        try withBindings(values) {
            while true {
                let rc = sqlite3_step(statement)
                if rc == SQLITE_DONE { return }
                guard rc == SQLITE_ROW else { throw SQLiteError(code: rc, message: database.lastMessage) }
                try body(SQLiteRow(statement: statement))
            }
        }
    }

    /// Binds `values`, runs `body`, then resets the statement and clears its bindings. Text and
    /// blobs are bound in place from one buffer that outlives `body` (SQLITE_STATIC), where binding each
    /// value as SQLITE_TRANSIENT had SQLite allocate and copy it, several times per event row.
    private func withBindings(_ values: [SQLiteValue], _ body: () throws -> Void) throws {
        texts.removeAll(keepingCapacity: true)
        for value in values {
            switch value {
            case .text(let text): texts.append(contentsOf: text.utf8)
            case .blob(let bytes): texts += bytes
            case .integer, .null: break
            }
        }
        try texts.withUnsafeBufferPointer { buffer in
            defer {
                sqlite3_reset(statement)
                // Nothing keeps pointing into `buffer` once it is gone.
                sqlite3_clear_bindings(statement)
            }
            var offset = 0
            for (index, value) in values.enumerated() {
                let i = Int32(index + 1)
                let rc: Int32
                switch value {
                case .integer(let v): rc = sqlite3_bind_int64(statement, i, v)
                case .text(let v):
                    let count = v.utf8.count
                    if let base = buffer.baseAddress, count > 0 {
                        rc = (base + offset).withMemoryRebound(to: CChar.self, capacity: count) {
                            sqlite3_bind_text(statement, i, $0, Int32(count), nil)  // nil: SQLITE_STATIC
                        }
                    } else {
                        rc = CSQLite_bind_text_transient(statement, i, "", 0)
                    }
                    offset += count
                case .blob(let v):
                    if let base = buffer.baseAddress, !v.isEmpty {
                        rc = sqlite3_bind_blob(statement, i, base + offset, Int32(v.count), nil)  // nil: SQLITE_STATIC
                    } else {
                        rc = sqlite3_bind_zeroblob(statement, i, 0)  // empty, not NULL
                    }
                    offset += v.count
                case .null: rc = sqlite3_bind_null(statement, i)
                }
                guard rc == SQLITE_OK else { throw SQLiteError(code: rc, message: database.lastMessage) }
            }
            try body()
        }
    }
}

enum SQLiteValue {
    case integer(Int64)
    case text(String)
    case blob([UInt8])
    case null
}

/// The current row of a query, read by column position (0-based).
struct SQLiteRow {
    fileprivate let statement: OpaquePointer

    func int(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }

    func text(_ column: Int32) -> String {
        guard let bytes = sqlite3_column_text(statement, column) else { return "" }
        let count = Int(sqlite3_column_bytes(statement, column))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    func blob(_ column: Int32) -> [UInt8] {
        guard let bytes = sqlite3_column_blob(statement, column) else { return [] }
        let count = Int(sqlite3_column_bytes(statement, column))
        return Array(UnsafeRawBufferPointer(start: bytes, count: count))
    }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(statement, column) == SQLITE_NULL }
}
