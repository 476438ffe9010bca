/// Every event id the ledger has seen, as many small sets chosen by the key's hash. One set
/// grows by rehashing all its elements at once: with millions of event ids that stopped the
/// committer, and so every call, for up to a tenth of a second at each doubling (and idled the
/// other core meanwhile). Small sets grow one small step at a time, at scattered moments.
struct EventKeySet: Sendable {
    private static let shardBits = 10
    /// Made on the first insert: the PostgreSQL store builds a state for every call, most
    /// holding a few ids or none.
    private var shards: [Set<EventKey>] = []

    /// Adds `key`; false when it was there already.
    mutating func insert(_ key: EventKey) -> Bool {
        if shards.isEmpty { shards = Array(repeating: [], count: 1 << Self.shardBits) }
        return shards[shard(ofHash: key.hash, bits: Self.shardBits)].insert(key).inserted
    }

    var count: Int { shards.reduce(0) { $0 + $1.count } }
}
