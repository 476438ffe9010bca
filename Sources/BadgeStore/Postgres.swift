import CPostgres
import Glibc

/// A PostgreSQL failure: the SQLSTATE code (empty when the server sent none) and the message.
public struct PostgresError: Error, CustomStringConvertible {
    public var sqlState: String
    public var message: String
    public var description: String { sqlState.isEmpty ? "PostgreSQL: \(message)" : "PostgreSQL \(sqlState): \(message)" }

    /// A conflict the server resolves by aborting one transaction: running it again succeeds.
    /// 40001 serialization failure, 40P01 deadlock, 23505 a unique key another server inserted.
    var isRetryable: Bool { ["40001", "40P01", "23505"].contains(sqlState) }

    /// Writes cannot succeed now, whatever they hold, and are worth retrying later: the
    /// connection is gone (class 08, an administrator's shutdown 57P, or no SQLSTATE at all
    /// because no server answered), the server is out of resources (class 53: disk full,
    /// memory, connections) or read-only (25006, a standby).
    var isUnavailable: Bool {
        sqlState.isEmpty || sqlState.hasPrefix("08") || sqlState.hasPrefix("57P") || sqlState.hasPrefix("53") || sqlState == "25006"
    }
}

/// Rows of a result, every value in PostgreSQL's text format (nil for NULL).
struct PostgresRows {
    var rows: [[String?]]
}

/// One libpq connection. Every C call and pointer of the PostgreSQL store stays in this file.
/// Not thread-safe: a connection may be handed to another thread, then used by it alone.
final class PostgresConnection: @unchecked Sendable {
    private let handle: OpaquePointer

    init(url: String) throws {
        guard let connection = PQconnectdb(url) else { throw PostgresError(sqlState: "", message: "out of memory connecting") }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(connection)).trimmingTrailingNewlines
            PQfinish(connection)
            throw PostgresError(sqlState: "", message: "cannot connect: \(message)")
        }
        handle = connection
        // Notices (e.g. "relation already exists, skipping") are not errors; keep them off stderr.
        try execute("SET client_min_messages = warning")
    }

    deinit { PQfinish(handle) }

    var isHealthy: Bool { PQstatus(handle) == CONNECTION_OK }

    /// Runs statements without parameters (several, separated by semicolons, are allowed).
    func execute(_ sql: String) throws {
        let result = PQexec(handle, sql)
        defer { PQclear(result) }
        try check(result, sql)
    }

    /// Runs one statement with text parameters ($1, $2, ...) and returns its rows.
    @discardableResult
    func query(_ sql: String, _ parameters: [String?] = []) throws -> PostgresRows {
        let copies = parameters.map { $0.flatMap { strdup($0) } }
        defer { copies.forEach { free($0) } }
        let values: [UnsafePointer<CChar>?] = copies.map { $0.map { UnsafePointer($0) } }
        let result = values.withUnsafeBufferPointer { buffer in
            PQexecParams(handle, sql, Int32(buffer.count), nil, buffer.baseAddress, nil, nil, 0)
        }
        defer { PQclear(result) }
        try check(result, sql)
        let rowCount = Int(PQntuples(result)), columnCount = Int(PQnfields(result))
        var rows: [[String?]] = []
        rows.reserveCapacity(rowCount)
        for row in 0..<rowCount {
            rows.append((0..<columnCount).map { column in
                PQgetisnull(result, Int32(row), Int32(column)) != 0 ? nil : String(cString: PQgetvalue(result, Int32(row), Int32(column)))
            })
        }
        return PostgresRows(rows: rows)
    }

    private func check(_ result: OpaquePointer?, _ sql: String) throws {
        let status = result.map(PQresultStatus) ?? PGRES_FATAL_ERROR
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            let state = result.flatMap { CPostgres_sqlstate($0) }.map { String(cString: $0) } ?? ""
            let message = String(cString: PQerrorMessage(handle)).trimmingTrailingNewlines
            throw PostgresError(sqlState: state, message: "\(message) (in: \(sql.prefix(120)))")
        }
    }
}

extension String {
    var trimmingTrailingNewlines: String {
        var s = Substring(self)
        while s.last?.isNewline == true { s.removeLast() }
        return String(s)
    }
}
