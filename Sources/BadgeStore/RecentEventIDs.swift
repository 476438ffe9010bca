import Badges

/// The ids of events stored since their index was last written: the committer checks these
/// in memory, and writes them into `activity_ids` (sorted, at once) when `chunk` have
/// gathered. Inserted one commit at a time, ids dirtied a page per insertion point per commit
/// (an id prefix per client and organization, or one per event for random ids); in chunks,
/// each page is written about once. At start the ids after `through` are read back from
/// `activity`. Used by the committer alone.
final class RecentEventIDs {
    private var keys: Set<EventKey> = []
    private var pending: [(seq: Int64, key: EventKey)] = []
    /// Every id of an event up to this one is in `activity_ids`.
    private(set) var through: Int64
    let chunk: Int

    init(through: Int64, chunk: Int = 1024) {
        self.through = through
        self.chunk = chunk
    }

    func contains(_ key: EventKey) -> Bool { keys.contains(key) }

    func add(_ key: EventKey, seq: Int64) {
        keys.insert(key)
        pending.append((seq, key))
    }

    var count: Int { keys.count }

    /// The ids to write now, with a batch's `adding` ones not yet added (all of them with
    /// `all`), sorted, and the new `through`; nil while fewer than a chunk wait. Ids erased
    /// meanwhile (`excluding` too) are left out.
    func due(all: Bool, lastSeq: Int64, adding: [(seq: Int64, key: EventKey)], excluding: Set<EventKey>) -> (ids: [EventKey], through: Int64)? {
        guard all ? through < lastSeq : pending.count + adding.count >= chunk else { return nil }
        var ids = pending.compactMap { keys.contains($0.key) && !excluding.contains($0.key) ? $0.key : nil }
        ids += adding.compactMap { excluding.contains($0.key) ? nil : $0.key }
        ids.sort { $0.org.bytewiseEquals($1.org) ? $0.eventID.bytewiseLess(than: $1.eventID) : $0.org.bytewiseLess(than: $1.org) }
        return (ids, lastSeq)
    }

    /// After the commit that wrote them.
    func written(through seq: Int64) {
        for entry in pending where entry.seq <= seq { keys.remove(entry.key) }
        pending.removeAll { $0.seq <= seq }
        through = seq
    }

    /// An erased user's ids: gone from memory (their rows and digests are the store's).
    func remove(_ erased: [EventKey]) {
        for key in erased { keys.remove(key) }
    }
}
