import Badges
import Crypto

/// Event ids of erased users, kept as keyed hashes (HMAC-SHA256 under a key of the store's,
/// cut to 16 bytes) so that a retried event of theirs still answers duplicate while the id
/// itself is gone. Checked only once the store holds any: the hot path pays nothing before.
/// Used by the committer's thread alone.
final class ErasedEventIDs {
    private let key: [UInt8]
    private let lookup: SQLiteStatement
    private var any: Bool

    init(_ db: SQLiteDatabase) throws {
        var stored: [UInt8]?
        try db.prepare("SELECT value FROM store_meta WHERE name = 'erase_key'").query { stored = $0.blob(0) }
        if let stored {
            key = stored
        } else {
            key = HMACSHA256.randomBytes(32)
            try db.prepare("INSERT INTO store_meta (name, value) VALUES ('erase_key', ?)").run(.blob(key))
        }
        lookup = try db.prepare("SELECT 1 FROM erased_event_ids WHERE org_id = ? AND digest = ?")
        var found = false
        try db.prepare("SELECT 1 FROM erased_event_ids LIMIT 1").query { _ in found = true }
        any = found
    }

    func digest(_ eventID: String) -> [UInt8] {
        Array(HMACSHA256.mac(key: key, message: Array(eventID.utf8)).prefix(16))
    }

    func contains(_ event: EventKey) throws -> Bool {
        guard any else { return false }
        var found = false
        try lookup.query(.text(event.org), .blob(digest(event.eventID))) { _ in found = true }
        return found
    }

    /// Some user's ids were just erased: check from now on.
    func noteErasure() { any = true }
}
