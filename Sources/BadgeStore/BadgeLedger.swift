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
    /// Most writes committed in one transaction.
    public var maxBatch = 20_000

    public init() {}
}

/// The badge service's state: evaluation in memory, every change written through a group
/// committer to SQLite (WAL), and each call answered only once its changes are durable.
///
/// All state lives in memory, loaded when the ledger opens; the store is read only then. That
/// keeps storage reads off the request path entirely, at the price of memory proportional to
/// users and events (see the README); PostgreSQL serves deployments past one machine.
///
/// What is stored is the event log and the awards (plus organizations, participants,
/// certificates, links). Counters and session states are a pure function of the log, replayed
/// at start, so recording an event costs one appended row and its awards, not a rewrite of
/// counter rows scattered over the file.
public final class BadgeLedger: Sendable {
    public let catalog: Catalog
    let evaluator: Evaluator
    let clock: any BadgeClock
    let state: Mutex<LedgerState>
    let committer: GroupCommitter
    private let checkpointer: Checkpointer
    private let path: String

    /// Opens (creating if needed) the store at `path`, migrates it, loads it, and applies the
    /// catalog: a new catalog version backfills the badges users already qualify for.
    public init(path: String, catalog: Catalog, clock: any BadgeClock = SystemClock(), options: LedgerOptions = LedgerOptions()) throws {
        self.path = path
        self.catalog = catalog
        self.clock = clock
        evaluator = Evaluator(catalog: catalog)
        let db = try SQLiteDatabase(path: path)
        try db.execute("PRAGMA journal_mode = WAL")
        try db.execute("PRAGMA synchronous = \(options.synchronousFull ? "FULL" : "NORMAL")")
        // Keep the working set in SQLite's own cache and read the rest through mmap, so that
        // B-tree lookups on the write path do not copy pages in from the kernel.
        try db.execute("PRAGMA cache_size = -262144")
        try db.execute("PRAGMA mmap_size = 1073741824")
        // Checkpoints run on their own thread (Checkpointer), mostly outside commits; the
        // writer's own automatic checkpoint stays as a backstop, rare and by then short, which
        // lets the WAL start over, and the size limit then truncates the file.
        try db.execute("PRAGMA wal_autocheckpoint = 16384")
        try db.execute("PRAGMA journal_size_limit = 67108864")
        try Migrations.migrate(db)
        var loaded = try LedgerLoader.load(db, evaluator: evaluator)
        let versions = try LedgerLoader.catalogVersions(db)
        let writer = try SQLiteWriter(db)
        committer = GroupCommitter(writer: writer, maxBatch: options.maxBatch)
        checkpointer = try Checkpointer(path: path)
        let backfill = Self.applyCatalog(catalog, evaluator: evaluator, versions: versions, state: &loaded, now: clock.now())
        state = Mutex(loaded)
        if !backfill.isEmpty { try Self.wait(for: backfill, committer: committer) }
    }

    /// Stops the committer after it has written everything queued.
    public func close() {
        committer.stop()
        checkpointer.stop()
    }

    // MARK: - Recording

    /// Records one event and evaluates it. Returns once the event, the counters it moved and
    /// any award are committed; a repeated event id changes nothing and says so.
    public func record(_ event: ActivityEvent) async throws -> RecordOutcome {
        try Self.validate(event)
        // Unchecked: the hot path; the committer resumes each continuation exactly once.
        return try await withUnsafeThrowingContinuation { continuation in
            state.withLock { s in
                let (outcome, writes) = apply(event, to: &s)
                // Enqueued under the state lock, so commits keep the order of the changes. A
                // duplicate enqueues nothing but still waits for the batch in flight, which
                // holds the original if that is not yet durable.
                committer.enqueue(writes) { result in
                    continuation.resume(with: result.map { outcome })
                }
            }
        }
    }

    /// Records a batch (backfills): one outcome per event, in order; invalid events are
    /// reported in the outcome and do not stop the others.
    public func record(batch events: [ActivityEvent]) async throws -> [Result<RecordOutcome, LedgerError>] {
        try await withCheckedThrowingContinuation { continuation in
            state.withLock { s in
                var outcomes: [Result<RecordOutcome, LedgerError>] = []
                var writes: [LedgerWrite] = []
                for event in events {
                    do {
                        try Self.validate(event)
                        let (outcome, eventWrites) = apply(event, to: &s)
                        outcomes.append(.success(outcome))
                        writes += eventWrites
                    } catch let error as LedgerError {
                        outcomes.append(.failure(error))
                    } catch {
                        outcomes.append(.failure(.invalidArgument("\(error)")))
                    }
                }
                let answered = outcomes
                committer.enqueue(writes) { result in
                    continuation.resume(with: result.map { answered })
                }
            }
        }
    }

    private func apply(_ event: ActivityEvent, to s: inout LedgerState) -> (RecordOutcome, [LedgerWrite]) {
        let key = EventKey(org: event.organizationID, eventID: event.eventID)
        guard s.eventIDs.insert(key).inserted else {
            return (RecordOutcome(duplicate: true, awarded: [], progress: []), [])
        }
        let now = clock.now()
        let userKey = UserKey(org: event.organizationID, user: event.userID)
        // Evaluated in place: copying the state out and back would copy its dictionaries on
        // every event (copy-on-write sees two owners).
        let organization = s.organization(event.organizationID)
        let changes = evaluator.apply(event, to: &s.users[userKey, default: UserState()], organization: organization, now: now)
        let user = s.users[userKey]!
        if case .sessionScheduled(let id, _, _, let end) = event.kind, user.sessions[id]?.state == .scheduled {
            s.dueSessions.push(end, userKey)
        }
        let writes = [LedgerWrite.event(event, recordedAt: now)] + LedgerWrite.changes(changes, org: userKey.org, user: userKey.user)
        let awarded = changes.awards.compactMap(catalog.earned)
        return (RecordOutcome(duplicate: false, awarded: awarded, progress: catalog.progressMoved(by: changes, state: user)), writes)
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
    @discardableResult
    public func sweep() async throws -> Int {
        try await withCheckedThrowingContinuation { continuation in
            state.withLock { s in
                let now = clock.now()
                var writes: [LedgerWrite] = []
                let due = s.dueSessions.popDue(now)
                for key in due.sorted() where s.users[key] != nil {
                    var changes = Changes()
                    let organization = s.organization(key.org)
                    evaluator.settleDueSessions(&s.users[key]!, organization: organization, now: now, changes: &changes)
                    writes += LedgerWrite.changes(changes, org: key.org, user: key.user)
                }
                committer.enqueue(writes) { result in continuation.resume(with: result.map { due.count }) }
            }
        }
    }

    /// Commits `writes` and waits; for use where no caller awaits (start-up).
    static func wait(for writes: [LedgerWrite], committer: GroupCommitter) throws {
        let outcome = Mutex<Result<Void, any Error>?>(nil)
        committer.enqueue(writes) { result in outcome.withLock { $0 = result } }
        while true {
            if let result = outcome.withLock({ $0 }) { return try result.get() }
            usleep(500)
        }
    }

    /// Writes to commit with the ledger's own ordering guarantee, resuming when durable.
    func commit(_ body: (inout LedgerState) throws -> [LedgerWrite]) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            state.withLock { s in
                do {
                    let writes = try body(&s)
                    committer.enqueue(writes) { continuation.resume(with: $0) }
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }
}

import Glibc
