import Badges
import Synchronization

/// What recording one event did.
public struct RecordOutcome: Sendable, Hashable {
    /// The event id was seen before; nothing changed.
    public var duplicate: Bool
    public var awarded: [EarnedBadge]
    public var progress: [BadgeProgress]
}

/// Options for opening a ledger.
public struct LedgerOptions: Sendable {
    /// `FULL` syncs the WAL on every commit: OK then survives power loss, not only a crash.
    public var synchronousFull = true
    /// Most operations in one transaction (SQLite: applied and committed together; PostgreSQL:
    /// at most 1000).
    public var maxBatch = 20_000
    /// SQLite: memory for caches (users' states, SQLite's pages); the rest of the state stays on disk.
    public var cacheBytes = 256 << 20
    /// Users per commit when an organization's badges are switched on (`backfill`).
    public var backfillPageSize = 100
    /// PostgreSQL: connections in the pool, each committing one batch at a time.
    public var postgresConnections = 4
    /// Where store failures are reported (commits failing and recovering, PostgreSQL errors
    /// with their SQLSTATE).
    public var log = StoreLog()

    public init() {}
}

/// The badge service's state and every operation on it. Operations are functions of a
/// `LedgerState` returning the rows they changed; the store runs them on the part of the
/// state their scope names, read from disk: SQLite for one machine, or PostgreSQL shared by
/// several servers. Both keep each user's counters and sessions as a row, beside the events,
/// awards, organizations, participants, certificates and links.
public final class BadgeLedger: Sendable {
    public let catalog: Catalog
    let evaluator: Evaluator
    let clock: any BadgeClock
    let store: any LedgerStore
    let backfillPageSize: Int
    /// Organizations being backfilled in this process.
    let backfills = ClaimSet()

    /// Opens (creating if needed) the SQLite store at `path`, migrates it, loads it, and
    /// applies the catalog: a new catalog version backfills the badges users already qualify for.
    public convenience init(path: String, catalog: Catalog, clock: any BadgeClock = SystemClock(), options: LedgerOptions = LedgerOptions()) throws {
        let evaluator = Evaluator(catalog: catalog)
        try self.init(store: SQLiteLedgerStore(path: path, evaluator: evaluator, options: options), evaluator: evaluator, clock: clock,
                      backfillPageSize: options.backfillPageSize)
    }

    /// Opens the store `location` names: a `postgres://` or `postgresql://` URL, else a SQLite file path.
    public convenience init(location: String, catalog: Catalog, clock: any BadgeClock = SystemClock(), options: LedgerOptions = LedgerOptions()) throws {
        if Self.isPostgresURL(location) {
            let evaluator = Evaluator(catalog: catalog)
            try self.init(store: PostgresLedgerStore(url: location, evaluator: evaluator, options: options), evaluator: evaluator, clock: clock,
                          backfillPageSize: options.backfillPageSize)
        } else {
            try self.init(path: location, catalog: catalog, clock: clock, options: options)
        }
    }

    /// Whether a store location names PostgreSQL rather than a SQLite file.
    public static func isPostgresURL(_ location: String) -> Bool {
        location.hasPrefix("postgres://") || location.hasPrefix("postgresql://")
    }

    init(store: any LedgerStore, evaluator: Evaluator, clock: any BadgeClock, backfillPageSize: Int = 100) throws {
        self.backfillPageSize = max(backfillPageSize, 1)
        self.catalog = evaluator.catalog
        self.evaluator = evaluator
        self.clock = clock
        self.store = store
        let (catalog, now) = (evaluator.catalog, clock.now())
        _ = try store.writeAndWait(.catalog(version: catalog.version)) { s in
            ((), Self.applyCatalog(catalog, evaluator: evaluator, state: &s, now: now))
        }
    }

    /// Why the store cannot commit now, or nil while it can; Health answers NOT_SERVING meanwhile.
    public var commitFailure: String? { store.commitFailure }

    /// Stops the store after it has written everything queued.
    public func close() {
        store.close()
    }

    // MARK: - Recording

    /// Records one event and evaluates it. Returns once the event, the counters it moved and
    /// any award are committed; a repeated event id changes nothing and says so.
    public func record(_ event: ActivityEvent) async throws -> RecordOutcome {
        try Self.validate(event)
        let keys = EventKeys(event)
        return try await store.write(.event(event)) { s in self.apply(event, keys, to: &s) }
    }

    /// `record`, answered through `completion` on a thread of the store's instead of awaited:
    /// the server's hot path, which then runs no task per call.
    public func record(_ event: ActivityEvent, completion: @escaping @Sendable (Result<RecordOutcome, any Error>) -> Void) {
        do {
            try Self.validate(event)
        } catch {
            return completion(.failure(error))
        }
        let keys = EventKeys(event)
        store.write(.event(event), { s in self.apply(event, keys, to: &s) }, completion: completion)
    }

    /// Records a batch (backfills): one outcome per event, in order; invalid events are
    /// reported in the outcome and do not stop the others.
    public func record(batch events: [ActivityEvent]) async throws -> [Result<RecordOutcome, LedgerError>] {
        // Only valid events name rows to load; the invalid are answered without touching any.
        let valid = events.filter { (try? Self.validate($0)) != nil }
        return try await store.write(.events(valid)) { s in
            var outcomes: [Result<RecordOutcome, LedgerError>] = []
            var writes: [LedgerWrite] = []
            for event in events {
                do {
                    try Self.validate(event)
                    let (outcome, eventWrites) = self.apply(event, EventKeys(event), to: &s)
                    outcomes.append(.success(outcome))
                    writes += eventWrites
                } catch let error as LedgerError {
                    outcomes.append(.failure(error))
                } catch {
                    outcomes.append(.failure(.invalidArgument("\(error)")))
                }
            }
            return (outcomes, writes)
        }
    }

    /// An event's keys, hashed where the event arrives (an event loop) rather than on the
    /// committer's thread, which every event waits for.
    private struct EventKeys: Sendable {
        let event: EventKey
        let user: UserKey

        init(_ e: ActivityEvent) {
            event = EventKey(org: e.organizationID, eventID: e.eventID)
            user = UserKey(org: e.organizationID, user: e.userID)
        }
    }

    private func apply(_ event: ActivityEvent, _ keys: EventKeys, to s: inout LedgerState) -> (RecordOutcome, [LedgerWrite]) {
        guard s.eventIDs.insert(keys.event) else {
            return (RecordOutcome(duplicate: true, awarded: [], progress: []), [])
        }
        let now = clock.now()
        let userKey = keys.user
        // Evaluated in place: copying the state out and back would copy its dictionaries on
        // every event (copy-on-write sees two owners).
        let organization = s.organization(event.organizationID)
        let (changes, progress) = evaluate(event, &s.users[userKey, default: UserState()], organization: organization, now: now)
        if let booked = changes.booked { s.dueSessions.push(booked, userKey) }
        var writes = [LedgerWrite.event(event, recordedAt: now)]
        writes += LedgerWrite.changes(changes, org: userKey.org, user: userKey.user)
        let awarded = changes.awards.compactMap(catalog.earned)
        return (RecordOutcome(duplicate: false, awarded: awarded, progress: progress), writes)
    }

    /// Applies `event` to the user's state in place (one lookup of the user for all that reads
    /// the new state): what changed (with the end of a session it booked) and the progress it moved.
    private func evaluate(_ event: ActivityEvent, _ user: inout UserState, organization: Organization,
                          now: Instant) -> (Changes, [BadgeProgress]) {
        let changes = evaluator.apply(event, to: &user, organization: organization, now: now)
        return (changes, catalog.progressMoved(by: changes, state: user))
    }

    static func validate(_ event: ActivityEvent) throws {
        if event.organizationID.isEmpty { throw LedgerError.invalidArgument("event.organization_id is required") }
        if event.eventID.isEmpty { throw LedgerError.invalidArgument("event.event_id is required") }
        if event.userID.isEmpty { throw LedgerError.invalidArgument("event.user_id is required") }
        switch event.kind {
        case .sessionScheduled(let id, let role, _, _):
            if id.isEmpty { throw LedgerError.invalidArgument("event.session_scheduled.session_id is required") }
            if role.isEmpty { throw LedgerError.invalidArgument("event.session_scheduled.role is required (mentor, mentee, ...)") }
        case .sessionCompleted(let id), .sessionCancelled(let id):
            if id.isEmpty { throw LedgerError.invalidArgument("event session_id is required") }
        case .featureUsed(let name):
            if name.isEmpty { throw LedgerError.invalidArgument("event.feature_used.name is required") }
        default:
            break
        }
    }

    // MARK: - The clock

    /// Counts the sessions whose time has passed (the background sweeper calls this); returns
    /// how many users changed. Queries are right before it runs too.
    ///
    /// While the store cannot commit, each sweep also writes a probe row, so that the store
    /// notices it can commit again (and Health says so) without waiting for a client's write.
    @discardableResult
    public func sweep() async throws -> Int {
        let now = clock.now()
        let probing = store.commitFailure != nil
        return try await store.write(.dueSessions(now)) { s in
            var writes: [LedgerWrite] = probing ? [.probe] : []
            let due = s.dueSessions.popDue(now)
            for key in due.sorted() where s.users[key] != nil {
                var changes = Changes()
                let organization = s.organization(key.org)
                self.evaluator.settleDueSessions(&s.users[key]!, organization: organization, now: now, changes: &changes)
                writes += LedgerWrite.changes(changes, org: key.org, user: key.user)
            }
            return (due.count, writes)
        }
    }

    /// Runs `body` against the store, committing the rows it returns; returns its value.
    func commit<T: Sendable>(_ scope: LedgerScope, _ body: @escaping @Sendable (inout LedgerState) throws -> (T, [LedgerWrite])) async throws -> T {
        try await store.write(scope, body)
    }

    /// Runs `body` on a consistent view of the state in `scope`.
    func read<T: Sendable>(_ scope: LedgerScope, _ body: @escaping @Sendable (LedgerState) throws -> T) async throws -> T {
        try await store.read(scope, body)
    }
}

/// Names claimed by one task at a time.
final class ClaimSet: Sendable {
    private let names = Mutex<Set<BytewiseKey>>([])

    func claim(_ name: String) -> Bool { names.withLock { $0.insert(BytewiseKey(name)).inserted } }
    func release(_ name: String) { _ = names.withLock { $0.remove(BytewiseKey(name)) } }
}
