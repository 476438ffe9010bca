import Badges

/// A user of an organization: the key of everything per user.
struct UserKey: Hashable, Sendable, Comparable {
    let org: String
    let user: String
    let hash: Int

    init(org: String, user: String) {
        (self.org, self.user) = (org, user)
        hash = hashOfPair(org, user)
    }

    static func == (a: UserKey, b: UserKey) -> Bool { a.hash == b.hash && a.org == b.org && a.user == b.user }
    func hash(into hasher: inout Hasher) { hasher.combine(hash) }
    static func < (a: UserKey, b: UserKey) -> Bool { (a.org, a.user) < (b.org, b.user) }
}

/// The idempotency key of an event.
struct EventKey: Hashable, Sendable {
    let org: String
    let eventID: String
    let hash: Int

    init(org: String, eventID: String) {
        (self.org, self.eventID) = (org, eventID)
        hash = hashOfPair(org, eventID)
    }

    static func == (a: EventKey, b: EventKey) -> Bool { a.hash == b.hash && a.org == b.org && a.eventID == b.eventID }
    func hash(into hasher: inout Hasher) { hasher.combine(hash) }
}

/// Which of `1 << bits` shards a key with this hash belongs to: its high bits, as the shard's
/// own table hashes the whole value again.
func shard(ofHash hash: Int, bits: Int) -> Int {
    Int(UInt(bitPattern: hash) >> UInt(Int.bitWidth - bits))
}

/// The keys above hash their strings once, when made, and keep the result: a set or
/// dictionary that grows then rehashes integers, and one that probes compares them first,
/// where it read both strings (out of cache, for millions of event ids) each time.
private func hashOfPair(_ a: String, _ b: String) -> Int {
    var hasher = Hasher()
    hasher.combine(a)
    hasher.combine(b)
    return hasher.finalize()
}

/// Everything the ledger knows, in memory: the store's tables, materialized. Evaluation and
/// queries read only this; the store is written behind it and read only at start.
struct LedgerState: Sendable {
    var organizations: [String: Organization] = [:]
    var participants: [String: [String: [Participant]]] = [:]
    var users: [UserKey: UserState] = [:]
    var eventIDs = EventKeySet()
    var certificates: [String: Certificate] = [:]
    var certificatesByUser: [UserKey: [String]] = [:]
    var shareLinks: [String: ShareLink] = [:]
    var digests: [UserKey: DigestRecord] = [:]
    var outbox: [OutboxKey: OutboxEntry] = [:]
    /// Scheduled sessions by end time, for the sweeper (entries may be stale; settling skips them).
    var dueSessions = DueHeap()
    /// The newest catalog version applied to the store (0: none yet).
    var catalogVersion = 0

    func organization(_ id: String) -> Organization {
        organizations[id] ?? Organization(id: id)
    }

    func roles(of key: UserKey) -> Set<String> {
        Set((participants[key.org]?[key.user] ?? []).map(\.role))
    }

    func displayName(of key: UserKey) -> String {
        participants[key.org]?[key.user]?.first { !$0.displayName.isEmpty }?.displayName ?? key.user
    }
}
