import Badges
@testable import BadgeStore
import Foundation
import Testing

/// What only the PostgreSQL store has: its failures at start, the per-user snapshot codec,
/// and concurrent writers on one database from two ledgers (two servers in one process).
@Suite("PostgreSQL store")
struct PostgresStoreTests {
    @Test func unreachableServerFailsTheStartClearly() throws {
        #expect {
            _ = try BadgeLedger(location: "postgres://nobody@127.0.0.1:1/badges?connect_timeout=2", catalog: CatalogLoader.bundled())
        } throws: { error in
            "\(error)".contains("cannot connect") && "\(error)".contains("127.0.0.1")
        }
    }

    /// Connections dropped under the ledger (a failover, a restart): the calls in flight get
    /// UNAVAILABLE, which clients retry, and the next calls reconnect and succeed.
    @Test func droppedConnectionsAreUnavailableThenRecovered() async throws {
        let url = try PostgresTestDatabase.create()
        defer { PostgresTestDatabase.drop(url) }
        let ledger = try BadgeLedger(location: url, catalog: CatalogLoader.bundled())
        defer { ledger.close() }
        _ = try await ledger.configureOrganization(id: "acme", tier: .enterprise, badgesEnabled: true)
        let name = String(url.split(separator: "/").last!)
        // Waits (up to 5 s each) until the ledger's backends are gone.
        try PostgresConnection(url: StoreKind.postgresURL).query(
            "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [name])
        var failures: [LedgerError] = []
        var recorded = 0
        for n in 0..<20 {
            let event = ActivityEvent(organizationID: "acme", eventID: "e\(n)", userID: "ana", occurredAt: Instant(milliseconds: 0), kind: .feedbackReceived)
            do {
                _ = try await ledger.record(event)
                recorded += 1
            } catch let error as LedgerError {
                failures.append(error)
            }
        }
        #expect(!failures.isEmpty, "no call noticed the dropped connections")
        #expect(failures.allSatisfy { if case .unavailable(let m) = $0 { m.contains("PostgreSQL cannot take writes now") } else { false } }, "\(failures)")
        #expect(recorded == 20 - failures.count && recorded > 0, "the ledger did not reconnect")
        #expect(ledger.commitFailure == nil, "a commit succeeded since, so the store is healthy again")
        let stats = try await ledger.achievementsPage(org: "acme", user: "ana").0.lifetimeStats
        #expect(stats.first { $0.key.metric == .feedbackReceived }?.value == Int64(recorded))
    }

    @Test func newerSchemaThanThisBuildIsRefused() throws {
        let url = try PostgresTestDatabase.create()
        defer { PostgresTestDatabase.drop(url) }
        let db = try PostgresConnection(url: url)
        try db.execute("CREATE TABLE schema_migrations (version INTEGER NOT NULL); INSERT INTO schema_migrations VALUES (99)")
        #expect {
            _ = try BadgeLedger(location: url, catalog: CatalogLoader.bundled())
        } throws: { error in
            "\(error)".contains("schema version 99, newer than this build knows")
        }
    }

    @Test func snapshotsRoundTripAndRejectDamage() throws {
        var state = UserState()
        state.counters[CounterKey(metric: .sessionsCompleted, role: "mentor")] = 12
        state.counters[CounterKey(metric: .featuresUsed)] = 2
        state.sessions["s1"] = SessionRecord(sessionID: "s1", state: .scheduled, role: "mentor", programID: "p", scheduledEnd: Instant(milliseconds: 5_000), scheduledEventID: "e1")
        state.sessions["s2"] = SessionRecord(sessionID: "s2", state: .completedEarly)
        // Look-alike names stay two features: "café" precomposed and with a combining accent.
        state.features = ["a", "é", "caf\u{E9}", "cafe\u{301}"]
        #expect(state.features.count == 4)
        let bytes = UserSnapshot.encode(state)
        let decoded = try UserSnapshot.decode(bytes)
        #expect(decoded == state)
        #expect(decoded.earliestScheduledEnd == Instant(milliseconds: 5_000))
        #expect(try PostgresText.bytes(fromBytea: PostgresText.bytea(bytes)) == bytes)

        #expect(throws: UserSnapshot.Malformed.self) { try UserSnapshot.decode(Array(bytes.dropLast(3))) }
        #expect(throws: UserSnapshot.Malformed.self) { try UserSnapshot.decode([2] + bytes.dropFirst()) }
        #expect(throws: UserSnapshot.Malformed.self) { try UserSnapshot.decode([]) }
        var hugeCount = bytes
        hugeCount.replaceSubrange(1..<9, with: [255, 255, 255, 255, 255, 255, 255, 127])
        #expect(throws: UserSnapshot.Malformed.self) { try UserSnapshot.decode(hugeCount) }
        #expect(throws: PostgresError.self) { try PostgresText.bytes(fromBytea: "\\x0g") }
    }

    @Test func arrayLiteralsEscapeWhatPostgresWouldMisread() {
        #expect(PostgresText.array([#"a"b"#, #"c\d"#, "{x,y}", nil, "NULL"]) == #"{"a\"b","c\\d","{x,y}",NULL,"NULL"}"#)
        #expect(PostgresText.array([Int64(1), nil, -3]) == "{1,NULL,-3}")
    }

    /// Two ledgers on one database, as two servers would be, record the same events for the
    /// same users at once: each event is stored once, counters equal the events stored, and
    /// no badge is awarded twice.
    @Test func twoLedgersRacingOnSharedUsers() async throws {
        let url = try PostgresTestDatabase.create()
        defer { PostgresTestDatabase.drop(url) }
        let catalog = try CatalogLoader.bundled()
        let ledgers = try (0..<2).map { _ in try BadgeLedger(location: url, catalog: catalog) }
        defer { ledgers.forEach { $0.close() } }
        _ = try await ledgers[0].configureOrganization(id: "acme", tier: .enterprise, badgesEnabled: true)
        let users = (0..<6).map { "u\($0)" }
        let duplicates = try await withThrowingTaskGroup(of: Int.self) { group in
            for n in 0..<400 {
                let event = ActivityEvent(organizationID: "acme", eventID: "e\(n)", userID: users[n % users.count],
                                          occurredAt: Instant(milliseconds: 0), kind: n / users.count % 2 == 0 ? .feedbackReceived : .coachingItemSaved)
                for ledger in ledgers {
                    group.addTask { try await ledger.record(event).duplicate ? 1 : 0 }
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(duplicates == 400, "each event stored by one ledger and reported a duplicate by the other")
        let stored = try PostgresLoader.events(PostgresConnection(url: url))
        #expect(stored.count == 400)
        let states = try await ledgers[1].currentStates(org: "acme", users: users)
        for (user, state) in zip(users, states) {
            let mine = stored.filter { $0.event.userID == user }
            #expect(state.count(CounterKey(metric: .feedbackReceived)) == Int64(mine.filter { $0.event.kind == .feedbackReceived }.count))
            #expect(state.count(CounterKey(metric: .coachingItemsSaved)) == Int64(mine.filter { $0.event.kind == .coachingItemSaved }.count))
            let reached = catalog.badges.filter { $0.criterion.role == nil && state.count($0.counterKey) >= $0.criterion.threshold }
            #expect(Set(state.awards.keys) == Set(reached.map(\.id)), "awards of \(user)")
            #expect(state.awards.count >= 4)
        }
        let awards = try PostgresConnection(url: url).query("SELECT count(*), count(DISTINCT (org_id, user_id, badge_id)) FROM awards")
        #expect(awards.int(0, 0) == awards.int(0, 1))
    }
}
