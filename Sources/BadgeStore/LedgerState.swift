import Badges

/// A user of an organization: the key of everything per user. Ids compare byte for byte
/// (see `BytewiseKey`), so that look-alike ids stay two users, or two organizations.
struct UserKey: Hashable, Sendable, Comparable {
    let org: String
    let user: String
    let hash: Int

    init(org: String, user: String) {
        (self.org, self.user) = (org, user)
        hash = hashOfPair(org, user)
    }

    static func == (a: UserKey, b: UserKey) -> Bool { a.hash == b.hash && a.org.bytewiseEquals(b.org) && a.user.bytewiseEquals(b.user) }
    func hash(into hasher: inout Hasher) { hasher.combine(hash) }
    static func < (a: UserKey, b: UserKey) -> Bool {
        a.org.bytewiseEquals(b.org) ? a.user.bytewiseLess(than: b.user) : a.org.bytewiseLess(than: b.org)
    }
}

/// The idempotency key of an event, byte for byte like `UserKey`.
struct EventKey: Hashable, Sendable {
    let org: String
    let eventID: String
    let hash: Int

    init(org: String, eventID: String) {
        (self.org, self.eventID) = (org, eventID)
        hash = hashOfPair(org, eventID)
    }

    static func == (a: EventKey, b: EventKey) -> Bool { a.hash == b.hash && a.org.bytewiseEquals(b.org) && a.eventID.bytewiseEquals(b.eventID) }
    func hash(into hasher: inout Hasher) { hasher.combine(hash) }
}

extension Certificate {
    /// Whether the certificate was issued to this user (ids byte for byte).
    func belongs(to key: UserKey) -> Bool {
        organizationID.bytewiseEquals(key.org) && userID.bytewiseEquals(key.user)
    }
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
    a.hashBytes(into: &hasher)
    b.hashBytes(into: &hasher)
    return hasher.finalize()
}

/// The part of the ledger's state an operation's scope names, read from the store for one
/// batch (see `ScopePlan`). Evaluation and queries read only this; what an operation changes
/// reaches the store as the writes it returns and the users it touched (`TrackedUsers`).
struct LedgerState: Sendable {
    var organizations: [BytewiseKey: Organization] = [:]
    /// By organization, then user.
    var participants: [BytewiseKey: [BytewiseKey: [Participant]]] = [:]
    var users = TrackedUsers()
    var eventIDs = EventKeySet()
    var certificates: [BytewiseKey: Certificate] = [:]
    var certificatesByUser: [UserKey: [String]] = [:]
    var shareLinks: [BytewiseKey: ShareLink] = [:]
    var digests: [UserKey: DigestRecord] = [:]
    var outbox: [OutboxKey: OutboxEntry] = [:]
    /// Scheduled sessions by end time, for the sweeper (entries may be stale; settling skips them).
    var dueSessions = DueHeap()
    /// The newest catalog version applied to the store (0: none yet).
    var catalogVersion = 0
    /// For `.organizationPage`, per organization: where the page loaded starts, its users
    /// in id order, and whether more follow.
    var pages: [BytewiseKey: UserPage] = [:]

    func organization(_ id: String) -> Organization {
        organizations[BytewiseKey(id)] ?? Organization(id: id)
    }

    func registrations(of key: UserKey) -> [Participant] {
        participants[BytewiseKey(key.org)]?[BytewiseKey(key.user)] ?? []
    }

    func roles(of key: UserKey) -> Set<BytewiseKey> {
        Set(registrations(of: key).map { BytewiseKey($0.role) })
    }

    func displayName(of key: UserKey) -> String {
        registrations(of: key).first { !$0.displayName.isEmpty }?.displayName ?? key.user
    }
}

/// A page of an organization's users, loaded for work done a page at a time.
struct UserPage: Sendable {
    var after: String
    var users: [UserKey]
    var more: Bool
}
