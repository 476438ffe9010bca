import Glibc
import Synchronization
import Badges

/// What part of the ledger's state an operation reads or changes. A store holding everything
/// in memory ignores it; a shared database loads just that part (and, to change it, locks it).
enum LedgerScope: Sendable {
    /// The user, organization and event id of an event (one case of its own: no array to
    /// allocate on the hot path), or of each event.
    case event(ActivityEvent)
    case events([ActivityEvent])
    /// One user: state, awards, registrations, certificates, digest subscription.
    case user(UserKey)
    /// An organization's settings with every user it has, for its reports and its switch.
    case organization(String)
    /// A share link, and the user it points at.
    case shareLink(String)
    /// Users with a scheduled session ending by then, for the sweeper.
    case dueSessions(Instant)
    /// Digest subscriptions, what digests are made of, and the outbox: its pending entries
    /// and those due since `dueSince` (nil: all of it).
    case digests(dueSince: Instant?)
    /// The applied catalog version; every user too when `version` is newer (a backfill).
    case catalog(version: Int)
    /// One organization's settings alone.
    case organizationSettings(String)
    /// An organization's settings and up to `limit` of its users after `after` (in id order),
    /// for work done a page at a time (see `LedgerState.page`).
    case organizationPage(org: String, after: String, limit: Int)
    /// Nothing: a report reads through `ReportReads` instead.
    case reports

    /// What the scope names, for a log line about an operation that failed.
    var summary: String {
        switch self {
        case .event(let e): return "event '\(e.eventID)' of user '\(e.userID)' in organization '\(e.organizationID)'"
        case .events(let events): return "a batch of \(events.count) events"
        case .user(let key): return "user '\(key.user)' of organization '\(key.org)'"
        case .organization(let id): return "organization '\(id)'"
        case .shareLink: return "a share link"
        case .dueSessions: return "sessions due"
        case .digests: return "digests"
        case .catalog(let version): return "catalog version \(version)"
        case .organizationSettings(let id): return "the settings of organization '\(id)'"
        case .organizationPage(let org, _, _): return "a page of organization '\(org)'"
        case .reports: return "a report"
        }
    }
}

/// Where the ledger's state lives. Operations are written once, as functions of a
/// `LedgerState` that return the rows they changed; a store runs them.
protocol LedgerStore: Sendable {
    /// Runs `body` on the state in `scope` and calls `completion` (on a thread of the store's)
    /// once its writes are durable. Changes a body makes to the state without a write are not
    /// kept past the call by every store.
    func write<T: Sendable>(_ scope: LedgerScope, _ body: @escaping @Sendable (inout LedgerState) throws -> (T, [LedgerWrite]),
                            completion: @escaping @Sendable (Result<T, any Error>) -> Void)
    /// Runs `body` on a consistent view of the state in `scope`.
    func read<T: Sendable>(_ scope: LedgerScope, _ body: @escaping @Sendable (LedgerState) throws -> T) async throws -> T
    /// Runs `body` with reads for reports, each costing what it returns, on one consistent
    /// view of what is committed.
    func reports<T: Sendable>(_ body: @escaping @Sendable (any ReportReads) throws -> T) async throws -> T
    /// Why writes fail now (a full disk, PostgreSQL out of reach), or nil while they commit.
    var commitFailure: String? { get }
    /// Finishes what is queued and releases the store.
    func close()
}

/// What reports (and exports) read: kept counts, and pages through indexes in user-id order (byte order on
/// SQLite, the database's order on PostgreSQL; a page continues after the last id it gave).
protocol ReportReads {
    func organization(_ id: String) throws -> Organization
    /// Per badge id: users who earned it, users with progress towards it.
    func badgeCounts(org: String) throws -> [String: (earned: Int, inProgress: Int)]
    /// Distinct users registered in `program` and `role` ("" for any).
    func registeredCount(org: String, program: String, role: String) throws -> Int
    /// Distinct users registered in `program` and `role` ("" for any) after `after`, in id order.
    func registered(org: String, program: String, role: String, after: String, limit: Int) throws -> [String]
    /// Users who earned `badgeID` after `after`, in id order.
    func earners(org: String, badgeID: String, after: String, limit: Int) throws -> [String]
    /// Stored states (with awards) of those users that have one.
    func states(_ keys: [UserKey]) throws -> [UserKey: UserState]
    func registrations(_ key: UserKey) throws -> [Participant]
    /// Organizations whose badges were switched on and whose users are not all backfilled yet.
    func pendingBackfills() throws -> [(org: String, after: String)]

    // For ExportUser: everything stored about one user.
    /// The user's state, registrations, certificates and digest subscription.
    func user(_ key: UserKey) throws -> LedgerState
    func events(of key: UserKey) throws -> [(event: ActivityEvent, recordedAt: Instant)]
    func shareLinks(of key: UserKey) throws -> [ShareLink]
    func outbox(of key: UserKey) throws -> [OutboxEntry]
}

/// Where a store reports what an operator should hear about: a message and its fields.
public struct StoreLog: Sendable {
    public var write: @Sendable (_ message: String, _ fields: [String: String]) -> Void

    public init(_ write: @escaping @Sendable (_ message: String, _ fields: [String: String]) -> Void = { _, _ in }) {
        self.write = write
    }
}

extension LedgerStore {
    /// `write`, awaited.
    func write<T: Sendable>(_ scope: LedgerScope, _ body: @escaping @Sendable (inout LedgerState) throws -> (T, [LedgerWrite])) async throws -> T {
        // Unchecked: the hot path; every store calls a completion exactly once.
        try await withUnsafeThrowingContinuation { continuation in
            write(scope, body) { continuation.resume(with: $0) }
        }
    }

    /// `write`, waited for on this thread without the concurrency runtime: for start-up,
    /// which may run on one of its few threads.
    func writeAndWait<T: Sendable>(_ scope: LedgerScope, _ body: @escaping @Sendable (inout LedgerState) throws -> (T, [LedgerWrite])) throws -> T {
        let outcome = Outcome<T>()
        write(scope, body) { outcome.deliver($0) }
        return try outcome.wait()
    }
}

/// Waits on this thread for a result another thread delivers.
final class Outcome<T: Sendable>: Sendable {
    private let result = Mutex<Result<T, any Error>?>(nil)

    func deliver(_ value: Result<T, any Error>) { result.withLock { $0 = value } }

    func wait() throws -> T {
        while true {
            if let value = result.withLock({ $0 }) { return try value.get() }
            usleep(500)
        }
    }
}
