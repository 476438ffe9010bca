import Badges

/// What a batch of operations needs from a store: the union of their scopes.
struct ScopePlan {
    var events: [EventKey] = []
    /// State and awards.
    var users: Set<UserKey> = []
    /// Users an event names: the only ones a row is made for when missing (to lock it before
    /// their first event is stored). Reads and marks of unknown users store nothing.
    var eventUsers: Set<UserKey> = []
    /// Also registrations, certificates and the digest subscription.
    var detailedUsers: Set<UserKey> = []
    /// Organization ids byte for byte (see `BytewiseKey`).
    var organizations: Set<BytewiseKey> = []
    /// Settings locked for change, with every user and registration.
    var wholeOrganizations: Set<BytewiseKey> = []
    var shareTokens: [String] = []
    var dueBy: Instant?
    var digests = false
    /// Outbox entries due before this are left out unless pending, or unless `wholeOutbox`.
    var outboxSince: Instant?
    var wholeOutbox = false
    var catalogVersion: Int?
    /// A page of an organization's users (per organization, the first named in the batch).
    var pages: [BytewiseKey: (after: String, limit: Int)] = [:]

    init(_ scopes: [LedgerScope]) {
        for scope in scopes {
            switch scope {
            case .event(let event):
                add(event)
            case .events(let list):
                list.forEach { add($0) }
            case .user(let key): detailedUsers.insert(key)
            case .organization(let id): wholeOrganizations.insert(BytewiseKey(id))
            case .shareLink(let token): shareTokens.append(token)
            case .dueSessions(let now): dueBy = max(dueBy ?? now, now)
            case .digests(let since):
                digests = true
                if let since { outboxSince = min(outboxSince ?? since, since) } else { wholeOutbox = true }
            case .catalog(let version): catalogVersion = version
            case .organizationSettings(let id): organizations.insert(BytewiseKey(id))
            case .organizationPage(let org, let after, let limit):
                organizations.insert(BytewiseKey(org))
                if pages[BytewiseKey(org)] == nil { pages[BytewiseKey(org)] = (after, limit) }
            case .reports: break
            }
        }
    }

    private mutating func add(_ event: ActivityEvent) {
        events.append(EventKey(org: event.organizationID, eventID: event.eventID))
        users.insert(UserKey(org: event.organizationID, user: event.userID))
        eventUsers.insert(UserKey(org: event.organizationID, user: event.userID))
    }
}
