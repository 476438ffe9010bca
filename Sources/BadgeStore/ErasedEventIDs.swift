import Badges
import Crypto

/// What an erased user's event ids become: HMAC-SHA256 under a key of the store's, cut to 16
/// bytes. A retried event of theirs still answers duplicate; the id itself is gone.
struct EventIDDigester: Sendable {
    let key: [UInt8]

    func digest(_ eventID: String) -> [UInt8] {
        Array(HMACSHA256.mac(key: key, message: Array(eventID.utf8)).prefix(16))
    }

    /// The SQLite store's key, made on first use.
    static func sqlite(_ db: SQLiteDatabase) throws -> EventIDDigester {
        var stored: [UInt8]?
        try db.prepare("SELECT value FROM store_meta WHERE name = 'erase_key'").query { stored = $0.blob(0) }
        if let stored { return EventIDDigester(key: stored) }
        let key = HMACSHA256.randomBytes(32)
        try db.prepare("INSERT INTO store_meta (name, value) VALUES ('erase_key', ?)").run(.blob(key))
        return EventIDDigester(key: key)
    }

    /// The PostgreSQL store's key, shared by its servers: the first to start makes it.
    static func postgres(_ db: PostgresConnection) throws -> EventIDDigester {
        try db.query("INSERT INTO store_meta (name, value) VALUES ('erase_key', decode($1, 'hex')) ON CONFLICT DO NOTHING",
                     [PostgresText.hex(HMACSHA256.randomBytes(32))])
        let rows = try db.query("SELECT value FROM store_meta WHERE name = 'erase_key'")
        return EventIDDigester(key: try PostgresText.bytes(fromBytea: rows.text(0, 0)))
    }
}

/// The SQLite committer's check of erased event ids: made only once the store holds any, so
/// that the hot path pays nothing before. Used by the committer's thread alone.
final class ErasedEventIDs {
    private let digester: EventIDDigester
    private let lookup: SQLiteStatement
    private var any: Bool

    init(_ db: SQLiteDatabase, digester: EventIDDigester) throws {
        self.digester = digester
        lookup = try db.prepare("SELECT 1 FROM erased_event_ids WHERE org_id = ? AND digest = ?")
        var found = false
        try db.prepare("SELECT 1 FROM erased_event_ids LIMIT 1").query { _ in found = true }
        any = found
    }

    func contains(_ event: EventKey) throws -> Bool {
        guard any else { return false }
        var found = false
        try lookup.query(.text(event.org), .blob(digester.digest(event.eventID))) { _ in found = true }
        return found
    }

    /// Some user's ids were just erased: check from now on.
    func noteErasure() { any = true }
}
